using System.Diagnostics;
using System.Runtime.CompilerServices;

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
/// <para>An activity is marked in one of two ways. <see cref="MarkSource"/> claims an <see cref="ActivitySource"/>
/// that belongs to one app (ASP.NET Core hosting creates one per host): every activity it creates counts as marked
/// by that app, at no cost per activity. <see cref="Mark"/> on any other activity stores the owner as an
/// <see cref="Activity.SetCustomProperty(string, object?)"/> entry (one small dictionary on the marked activity,
/// nothing on its children); that entry wins over the claim of the activity's source. A source claimed by two
/// owners (an instance shared between apps) marks nothing: its activities fall back to the entry.</para>
/// </remarks>
public static class TracingOwnership
{
    /// <summary>The <see cref="Activity"/> custom property that holds the owner.</summary>
    public const string CustomPropertyName = "Propagation.Collector.TracingOwner";

    // Bound on the parent walk: in-process chains are short; a pathological depth counts as unowned.
    private const int MaxDepth = 256;

    // Claimed sources. Keys are per-app ActivitySource instances (hosting's), added once per app and never per
    // activity; entries go away with their source. Reads are lock-free and allocation-free.
    private static readonly ConditionalWeakTable<ActivitySource, SourceClaim> Claims = [];

    /// <summary>Marks <paramref name="activity"/> (and, through it, its in-process descendants) as owned by
    /// <paramref name="owner"/>. Marking again replaces the previous owner.</summary>
    /// <param name="activity">The span to mark, usually the server span of a request.</param>
    /// <param name="owner">The app's owner, from DI.</param>
    /// <remarks>Allocation-free when <paramref name="owner"/> claimed the activity's source (<see cref="MarkSource"/>)
    /// and the activity carries no other owner.</remarks>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static void Mark(Activity activity, TracingOwner owner)
    {
        ArgumentNullException.ThrowIfNull(activity);
        ArgumentNullException.ThrowIfNull(owner);
        if (ReferenceEquals(GetSourceOwner(activity.Source), owner) && activity.GetCustomProperty(CustomPropertyName) is null)
        {
            // Already owned through its source.
            return;
        }

        activity.SetCustomProperty(CustomPropertyName, owner);
    }

    /// <summary>Claims <paramref name="source"/> for <paramref name="owner"/>: every activity it creates (before or after
    /// this call) counts as marked by <paramref name="owner"/> unless <see cref="Mark"/> gave it another owner.</summary>
    /// <param name="source">A source that belongs to one app, such as the one ASP.NET Core hosting resolves from the
    /// app's services. Never a source shared by several apps: a source claimed by two owners marks nothing.</param>
    /// <param name="owner">The app's owner, from DI.</param>
    /// <remarks>Call it once per app (claiming again with the same owner changes nothing); it is not meant for a
    /// per-request path.</remarks>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static void MarkSource(ActivitySource source, TracingOwner owner)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(owner);
        lock (Claims)
        {
            if (!Claims.TryGetValue(source, out var claim))
            {
                Claims.Add(source, new SourceClaim(owner));
            }
            else if (!ReferenceEquals(claim.Owner, owner))
            {
                // Shared between apps: it cannot tell them apart.
                claim.Owner = null;
            }
        }
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

            if (GetSourceOwner(current.Source) is { } claimed)
            {
                return claimed;
            }

            current = current.Parent;
        }

        return null;
    }

    private static TracingOwner? GetSourceOwner(ActivitySource source) =>
        Claims.TryGetValue(source, out var claim) ? claim.Owner : null;

    private sealed class SourceClaim
    {
        private volatile TracingOwner? _owner;

        public SourceClaim(TracingOwner owner) => _owner = owner;

        /// <summary>Gets or sets the owner; <see langword="null"/> once two owners claimed the source.</summary>
        public TracingOwner? Owner
        {
            get => _owner;
            set => _owner = value;
        }
    }
}
