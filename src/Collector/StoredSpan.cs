using System.Diagnostics;

namespace Propagation.Collector;

/// <summary>An immutable snapshot of one finished span, as kept by <see cref="SpanStore"/>.</summary>
/// <remarks>
/// Built from a finished <see cref="Activity"/> by <see cref="SpanStore.Add(Activity, string?)"/> or
/// <see cref="SpanStoreExporter"/>, or constructed directly (tests, other sources). Ids are lowercase hex strings:
/// 32 characters for the trace id and 16 for span ids.
/// </remarks>
public sealed class StoredSpan
{
    /// <summary>Gets the trace id: 32 lowercase hex characters.</summary>
    public required string TraceId { get; init; }

    /// <summary>Gets the span id: 16 lowercase hex characters.</summary>
    public required string SpanId { get; init; }

    /// <summary>Gets the parent span id (16 lowercase hex characters), or <see langword="null"/> for a root span.</summary>
    public string? ParentSpanId { get; init; }

    /// <summary>Gets a value indicating whether the parent is remote: its context came from another process through
    /// propagation (<see cref="Activity.HasRemoteParent"/>), so the parent span is recorded by the calling service.</summary>
    /// <value>Defaults to <see langword="false"/>: a root span, or a span whose parent is in the same process.</value>
    /// <remarks>A remote parent is normally not in this store (each service keeping its own store, or the trace's
    /// entry span continuing an external caller), so such a span is not counted as an orphan by
    /// <see cref="SpanAnalysis.SummarizeTrace"/>.</remarks>
    public bool HasRemoteParent { get; init; }

    /// <summary>Gets the span (operation) name: the activity's display name.</summary>
    public required string Name { get; init; }

    /// <summary>Gets the span kind.</summary>
    /// <value>Defaults to <see cref="ActivityKind.Internal"/>.</value>
    public ActivityKind Kind { get; init; } = ActivityKind.Internal;

    /// <summary>Gets the name of the service that recorded the span.</summary>
    public required string ServiceName { get; init; }

    /// <summary>Gets the name of the <see cref="ActivitySource"/> that created the span.</summary>
    /// <value>Defaults to an empty string.</value>
    public string SourceName { get; init; } = string.Empty;

    /// <summary>Gets the start time (UTC).</summary>
    public required DateTimeOffset StartTime { get; init; }

    /// <summary>Gets the duration.</summary>
    public required TimeSpan Duration { get; init; }

    /// <summary>Gets the end time: <see cref="StartTime"/> plus <see cref="Duration"/>.</summary>
    /// <remarks>Saturates instead of throwing: an end past <see cref="DateTimeOffset.MaxValue"/> (a start near it or
    /// a huge duration, possible for spans given to <see cref="SpanStore.Add(StoredSpan)"/>) is
    /// <see cref="DateTimeOffset.MaxValue"/>, one before <see cref="DateTimeOffset.MinValue"/> (a negative duration)
    /// is <see cref="DateTimeOffset.MinValue"/>. An end whose instant fits but whose clock time in the start's offset
    /// does not is given in UTC.</remarks>
    public DateTimeOffset EndTime
    {
        get
        {
            var start = StartTime;
            var ticks = Duration.Ticks;
            var utcTicks = start.UtcTicks;
            if (ticks > DateTimeOffset.MaxValue.UtcTicks - utcTicks)
            {
                return DateTimeOffset.MaxValue;
            }

            if (ticks < DateTimeOffset.MinValue.UtcTicks - utcTicks)
            {
                return DateTimeOffset.MinValue;
            }

            // The instant fits; its clock time in the start's offset (up to ±14 h from UTC) may not.
            var clockTicks = start.Ticks + ticks;
            return clockTicks >= DateTime.MinValue.Ticks && clockTicks <= DateTime.MaxValue.Ticks
                ? start.AddTicks(ticks)
                : new DateTimeOffset(utcTicks + ticks, TimeSpan.Zero);
        }
    }

    /// <summary>Gets the status code.</summary>
    /// <value>Defaults to <see cref="ActivityStatusCode.Unset"/>.</value>
    public ActivityStatusCode Status { get; init; }

    /// <summary>Gets the status description, or <see langword="null"/> when none was set.</summary>
    public string? StatusDescription { get; init; }

    /// <summary>Gets a value indicating whether the span's status is <see cref="ActivityStatusCode.Error"/>.</summary>
    public bool IsError => Status == ActivityStatusCode.Error;

    /// <summary>Gets the span attributes, in recording order.</summary>
    /// <value>Defaults to an empty list.</value>
    public IReadOnlyList<SpanTag> Attributes { get; init; } = [];

    /// <summary>Gets the span events (exception events included), in recording order.</summary>
    /// <value>Defaults to an empty list.</value>
    public IReadOnlyList<SpanEvent> Events { get; init; } = [];

    /// <summary>Gets the span links.</summary>
    /// <value>Defaults to an empty list.</value>
    public IReadOnlyList<SpanLink> Links { get; init; } = [];

    /// <summary>Gets the value of the first attribute with the given key.</summary>
    /// <param name="key">The attribute key (ordinal comparison).</param>
    /// <returns>The value, or <see langword="null"/> when the span has no such attribute.</returns>
    public object? GetAttribute(string key)
    {
        var attributes = Attributes;
        for (var i = 0; i < attributes.Count; i++)
        {
            if (string.Equals(attributes[i].Key, key, StringComparison.Ordinal))
            {
                return attributes[i].Value;
            }
        }

        return null;
    }

    /// <summary>Creates a snapshot of a finished activity.</summary>
    /// <param name="activity">The finished activity.</param>
    /// <param name="serviceName">The service name to record.</param>
    /// <returns>The snapshot, with the default limits of <see cref="SpanStoreOptions"/> applied to attribute values,
    /// attribute, event and link counts; credential-like attributes are redacted and attributes without a key dropped.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="activity"/> or <paramref name="serviceName"/> is <see langword="null"/>.</exception>
    public static StoredSpan FromActivity(Activity activity, string serviceName)
    {
        ArgumentNullException.ThrowIfNull(activity);
        ArgumentNullException.ThrowIfNull(serviceName);
        return Internal.SpanConverter.Convert(activity, serviceName, Internal.SpanLimits.Default);
    }
}
