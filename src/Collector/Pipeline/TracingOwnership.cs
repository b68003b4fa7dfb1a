using System.Diagnostics;

namespace Propagation.Collector;

/// <summary>Marks spans as owned by one app, and tells which app owns a span.</summary>
/// <remarks>
/// <para>Activity listeners are process-wide: when several hosts share a process (integration tests with
/// TestHost), every host's tracer provider sees every host's activities. The host layer marks each server span it
/// handles with its app's <see cref="TracingOwner"/> (resolved from DI); a pipeline exports a span when the
/// nearest marked activity on the in-process parent chain (the span itself first, then <see cref="Activity.Parent"/>
/// upwards) is marked with its own owner.</para>
/// <para>A span with no marked activity on its chain is unowned; it is exported only by pipelines with
/// <see cref="TracingPipelineOptions.ExportUnownedSpans"/> on (the default).</para>
/// <para>The mark is an <see cref="Activity.SetCustomProperty(string, object?)"/> entry: it costs one small
/// dictionary on the marked activity and nothing on its children.</para>
/// </remarks>
public static class TracingOwnership
{
    /// <summary>The <see cref="Activity"/> custom property that holds the owner.</summary>
    public const string CustomPropertyName = "Propagation.Collector.TracingOwner";

    // Bound on the parent walk: in-process chains are short; a pathological depth counts as unowned.
    private const int MaxDepth = 256;

    /// <summary>Marks <paramref name="activity"/> (and, through it, its in-process descendants) as owned by
    /// <paramref name="owner"/>. Marking again replaces the previous owner.</summary>
    /// <param name="activity">The span to mark, usually the server span of a request.</param>
    /// <param name="owner">The app's owner, from DI.</param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static void Mark(Activity activity, TracingOwner owner)
    {
        ArgumentNullException.ThrowIfNull(activity);
        ArgumentNullException.ThrowIfNull(owner);
        activity.SetCustomProperty(CustomPropertyName, owner);
    }

    /// <summary>Gets the owner of <paramref name="activity"/>: the mark of the nearest marked activity among itself
    /// and its in-process ancestors.</summary>
    /// <param name="activity">The span.</param>
    /// <returns>The owner, or <see langword="null"/> when the span is unowned.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="activity"/> is <see langword="null"/>.</exception>
    public static TracingOwner? GetOwner(Activity activity)
    {
        ArgumentNullException.ThrowIfNull(activity);
        var current = activity;
        for (var depth = 0; current is not null && depth < MaxDepth; depth++)
        {
            if (current.GetCustomProperty(CustomPropertyName) is TracingOwner owner)
            {
                return owner;
            }

            current = current.Parent;
        }

        return null;
    }
}
