using System.Collections.Concurrent;

namespace Propagation.Collector.Internal;

/// <summary>
/// Lets each start-up error of the pipeline's and the store's options reach the host once when <c>AddTracing</c> is
/// used. Its <c>TracingOptions</c> validation lists those options' errors with its own (a web host builds
/// <c>TracingOptions</c> with its hosted services, before the host's start-up validation, so they would otherwise be
/// hidden); a generic host's start-up validation then validates those options too, and without this would list the
/// same errors a second time (or, the pipeline registered first, list them alone and then again with
/// <c>TracingOptions</c>).
/// </summary>
/// <remarks>An options type's validator asks <see cref="ShouldReport"/>: the same errors already listed the other way
/// (alone, or within <c>TracingOptions</c>' failure) are not listed again. Different errors are always listed.</remarks>
internal sealed class StartupErrorLedger
{
    private readonly ConcurrentDictionary<Type, string> _listedWithOthers = new();
    private readonly ConcurrentDictionary<Type, string> _listedAlone = new();
    private int _collecting;

    /// <summary>Marks the start of <c>TracingOptions</c>' validation collecting the other options' errors.</summary>
    /// <returns><see langword="false"/> when a collection is already under way (nested validation).</returns>
    public bool BeginCollecting() => Interlocked.Exchange(ref _collecting, 1) == 0;

    public void EndCollecting() => Volatile.Write(ref _collecting, 0);

    /// <summary>Whether the validation of <paramref name="optionsType"/> should fail with <paramref name="errors"/>,
    /// recording that they were listed.</summary>
    public bool ShouldReport(Type optionsType, IReadOnlyList<string> errors)
    {
        var key = string.Join('\n', errors);
        if (Volatile.Read(ref _collecting) == 1)
        {
            if (_listedAlone.TryGetValue(optionsType, out var alone) && alone == key)
            {
                return false;
            }

            _listedWithOthers[optionsType] = key;
            return true;
        }

        if (_listedWithOthers.TryGetValue(optionsType, out var withOthers) && withOthers == key)
        {
            return false;
        }

        _listedAlone[optionsType] = key;
        return true;
    }
}
