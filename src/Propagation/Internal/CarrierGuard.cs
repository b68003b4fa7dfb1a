using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Propagation.Internal;

/// <summary>The null check every public extract and inject method makes on its carrier.</summary>
internal static class CarrierGuard
{
    /// <summary>
    /// Throws <see cref="ArgumentNullException"/> when <paramref name="carrier"/> is <see langword="null"/>. Generic, so a
    /// value-type carrier is never boxed (the check is removed for it), where <see cref="ArgumentNullException.ThrowIfNull(object?, string?)"/>
    /// would box it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ThrowIfNull<TCarrier>([NotNull] TCarrier carrier, [CallerArgumentExpression(nameof(carrier))] string? paramName = null)
    {
        if (carrier is null)
        {
            Throw(paramName);
        }
    }

    [DoesNotReturn]
    private static void Throw(string? paramName) => throw new ArgumentNullException(paramName);
}
