using System.Collections.Concurrent;
using System.Diagnostics;

namespace Samples.Kernel;

/// <summary>
/// Decides whether a <see cref="KernelMode.Transient"/> request fails: the first attempt of
/// each trace fails, later ones succeed. Bounded: at most <see cref="Capacity"/> traces are
/// remembered; past that the memory is cleared.
/// </summary>
public sealed class TransientFaults
{
    /// <summary>How many traces are remembered at most.</summary>
    public const int Capacity = 10_000;

    private readonly ConcurrentDictionary<string, int> _attempts = new(StringComparer.Ordinal);

    /// <summary>Returns true when this attempt should fail.</summary>
    /// <param name="key">The trace id of the current span (or another per-request key).</param>
    public bool ShouldFail(string key)
    {
        if (_attempts.Count >= Capacity)
        {
            _attempts.Clear();
        }

        return _attempts.AddOrUpdate(key, 1, static (_, n) => n + 1) == 1;
    }

    /// <summary>The key for the current request: the current span's trace id.</summary>
    public static string CurrentKey() => Activity.Current?.TraceId.ToHexString() ?? "no-trace";
}
