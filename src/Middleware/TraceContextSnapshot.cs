using System.Collections.ObjectModel;
using System.Diagnostics;

namespace Propagation.Middleware;

/// <summary>
/// The trace context (span ids, flags, <c>tracestate</c>) and baggage of a span, captured to start
/// queued or fire-and-forget work later with an explicit <see cref="TraceRelationship"/>.
/// </summary>
/// <remarks>
/// <para>Capture where the work is queued (<see cref="Capture()"/> reads <see cref="Activity.Current"/>),
/// hand the snapshot to the work, and call <see cref="StartActivity"/> on the worker's own flow
/// (inside the queued delegate, <c>Task.Run</c> or a hosted service loop).</para>
/// <para>A snapshot is an immutable value; it holds no reference to the captured <see cref="Activity"/>,
/// so capturing does not keep the request's span alive.</para>
/// </remarks>
public readonly struct TraceContextSnapshot
{
    /// <summary>The <c>propagation.link.reason</c> value on the link of a <see cref="TraceRelationship.NewRootLinked"/> span.</summary>
    public const string BackgroundWorkLinkReason = "background_work";

    // Read-only: the list handed out by Baggage is shared by every copy of the snapshot (and every worker using it),
    // so a caller casting it to an array or IList<T> must not be able to change it.
    private readonly ReadOnlyCollection<KeyValuePair<string, string?>>? _baggage;

    private TraceContextSnapshot(ActivityContext context, ReadOnlyCollection<KeyValuePair<string, string?>>? baggage)
    {
        Context = context;
        _baggage = baggage;
    }

    /// <summary>Gets the captured span context; <see langword="default"/> when nothing was current (or the activity had hierarchical, not W3C, ids).</summary>
    public ActivityContext Context { get; }

    /// <summary>Gets a value indicating whether no span context was captured (<see cref="Context"/> is <see langword="default"/>); baggage may still have been.</summary>
    public bool IsEmpty => Context == default;

    /// <summary>Gets the captured baggage, in the span's order, each key once with the value the span saw
    /// (<see cref="Activity.GetBaggageItem"/>): a parent's item that the span replaced is not captured.</summary>
    public IReadOnlyList<KeyValuePair<string, string?>> Baggage => _baggage ?? ReadOnlyCollection<KeyValuePair<string, string?>>.Empty;

    /// <summary>Captures <see cref="Activity.Current"/>.</summary>
    /// <returns>The snapshot; empty when there is no current activity.</returns>
    public static TraceContextSnapshot Capture() => Capture(Activity.Current);

    /// <summary>Captures a given span.</summary>
    /// <param name="activity">The span, or <see langword="null"/> for an empty snapshot.</param>
    /// <returns>The snapshot.</returns>
    public static TraceContextSnapshot Capture(Activity? activity)
    {
        if (activity is null)
        {
            return default;
        }

        ReadOnlyCollection<KeyValuePair<string, string?>>? baggage = null;
        var items = new List<KeyValuePair<string, string?>>();
        foreach (var item in activity.Baggage)
        {
            // Activity.Baggage lists the span's own items before its parents': the first of a key is the value the
            // span sees (GetBaggageItem) and sends (BaggageFormat); the parents' values it replaced are not kept.
            if (!Contains(items, item.Key))
            {
                items.Add(item);
            }
        }

        if (items.Count > 0)
        {
            baggage = items.AsReadOnly();
        }

        // A hierarchical activity has no W3C ids, yet its Context carries its trace flags (Recorded once sampled): as a
        // parent it would give an all-zero trace id, as a link an invalid context. Nothing is captured but the baggage.
        var context = activity.IdFormat == ActivityIdFormat.W3C ? activity.Context : default;
        return new TraceContextSnapshot(context, baggage);
    }

    /// <summary>Starts the work's span from <paramref name="source"/> with the given relationship to the captured span.</summary>
    /// <param name="source">The application's activity source for the work.</param>
    /// <param name="name">The operation name.</param>
    /// <param name="relationship">How the work relates to the captured span.</param>
    /// <param name="kind">The span kind; usually <see cref="ActivityKind.Internal"/> or <see cref="ActivityKind.Consumer"/>.</param>
    /// <returns>The started span (now <see cref="Activity.Current"/>); <see langword="null"/> when nothing listens to
    /// <paramref name="source"/> or its sampler drops a root, and then <see cref="Activity.Current"/> is left as it was. A
    /// <see cref="TraceRelationship.Child"/> of a captured span that the sampler drops (a child of an unsampled span under
    /// OpenTelemetry's parent-based samplers) is an activity that records nothing (<see cref="Activity.IsAllDataRequested"/>
    /// <see langword="false"/>, not sampled) in the captured trace, with the baggage: the work's calls carry the trace on,
    /// unsampled, instead of starting a new one.</returns>
    /// <remarks>
    /// <para>For <see cref="TraceRelationship.NewRootLinked"/> and <see cref="TraceRelationship.Detached"/> the span is a
    /// root even if another activity is current on the calling flow (that activity is not its parent); an empty
    /// snapshot gives a root for every relationship.</para>
    /// <para>When the span stops, .NET makes current again the activity that was current when it started. For
    /// <see cref="TraceRelationship.Child"/> of a captured span that is the activity current on the calling flow (or none),
    /// so the flow gets its own activity back. For <see cref="TraceRelationship.NewRootLinked"/> and
    /// <see cref="TraceRelationship.Detached"/>, and for any relationship with an empty snapshot (a root too),
    /// the flow's activity is cleared before the span starts (so that it does not become the parent), and
    /// <see cref="Activity.Current"/> is then <see langword="null"/> after the span stops, not the activity the flow had
    /// before. Start the span on the work's own flow (inside the queued delegate or <c>Task.Run</c>, as above), or set
    /// <see cref="Activity.Current"/> back after a root ends if the flow has an activity of its own.</para>
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> or <paramref name="name"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="relationship"/> is not a defined value.</exception>
    public Activity? StartActivity(ActivitySource source, string name, TraceRelationship relationship, ActivityKind kind = ActivityKind.Internal)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(name);
        if (!Enum.IsDefined(relationship))
        {
            throw new ArgumentOutOfRangeException(nameof(relationship), relationship, "Use Child, NewRootLinked or Detached.");
        }

        var parent = relationship == TraceRelationship.Child ? Context : default;
        IEnumerable<ActivityLink>? links = null;
        if (relationship == TraceRelationship.NewRootLinked && !IsEmpty)
        {
            var tags = new ActivityTagsCollection { { PropagationAttributes.LinkReason, BackgroundWorkLinkReason } };
            links = [new ActivityLink(Context, tags)];
        }

        var previous = Activity.Current;
        ExecutionContext? flow = null;
        if (parent == default && previous is not null)
        {
            if (!source.HasListeners())
            {
                // Nothing can start: the flow's activity is left untouched.
                return null;
            }

            // A root: the activity current on this flow must not become the parent. Activity.Current's setter refuses a
            // stopped activity (the ended request's span is current in work it started with Task.Run), so the flow's
            // context is kept to put that activity back if the sampler drops the span.
            flow = previous.IsStopped ? ExecutionContext.Capture() : null;
            Activity.Current = null;
        }

        var activity = source.StartActivity(name, kind, parent, tags: null, links: links);
        if (activity is null && parent != default && source.HasListeners())
        {
            // The sampler dropped a child of the captured span (OpenTelemetry's parent-based sampler drops a local child of
            // an unsampled span): the work still belongs to that trace, so its calls must carry it on, unsampled, rather
            // than start a new trace that the next service samples.
            // Its flags are the parent's but the sampled one: the sampler decided.
            activity = Internal.TracingService.CreateUnrecorded(name, parent, parent.TraceFlags & ~ActivityTraceFlags.Recorded).Start();
        }

        if (activity is null)
        {
            // Nothing started: the flow keeps its activity.
            if (flow is not null)
            {
                ExecutionContext.Restore(flow);
            }
            else
            {
                Activity.Current = previous;
            }

            return null;
        }

        if (relationship != TraceRelationship.Detached && _baggage is not null)
        {
            for (var i = _baggage.Count - 1; i >= 0; i--)
            {
                // AddBaggage prepends: add in reverse to keep the captured order.
                activity.AddBaggage(_baggage[i].Key, _baggage[i].Value);
            }
        }

        return activity;
    }

    private static bool Contains(List<KeyValuePair<string, string?>> items, string key)
    {
        for (var i = 0; i < items.Count; i++)
        {
            if (string.Equals(items[i].Key, key, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
