using System.Diagnostics;
using Propagation.Collector;

namespace Propagation.Collector.Tests;

/// <summary>Builds <see cref="StoredSpan"/>s with readable ids and times relative to a fixed origin.</summary>
internal static class TestSpans
{
    public static readonly DateTimeOffset Origin = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    public static string TraceIdOf(int n) => n.ToString("x32", System.Globalization.CultureInfo.InvariantCulture);

    public static string SpanIdOf(int n) => n.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);

    public static StoredSpan Create(
        int trace,
        int span,
        int? parent = null,
        string name = "op",
        string service = "svc",
        double startMs = 0,
        double durationMs = 10,
        ActivityKind kind = ActivityKind.Internal,
        ActivityStatusCode status = ActivityStatusCode.Unset,
        SpanTag[]? attributes = null,
        SpanEvent[]? events = null,
        bool remoteParent = false) => new()
        {
            TraceId = TraceIdOf(trace),
            SpanId = SpanIdOf(span),
            ParentSpanId = parent is { } p ? SpanIdOf(p) : null,
            HasRemoteParent = remoteParent,
            Name = name,
            ServiceName = service,
            StartTime = Origin.AddMilliseconds(startMs),
            Duration = TimeSpan.FromMilliseconds(durationMs),
            Kind = kind,
            Status = status,
            Attributes = attributes ?? [],
            Events = events ?? [],
        };

    public static SpanStore NewStore(Action<SpanStoreOptions>? configure = null, TimeProvider? time = null)
    {
        var options = new SpanStoreOptions();
        configure?.Invoke(options);
        return new SpanStore(options, time);
    }
}

/// <summary>A clock the test moves by hand: <see cref="Advance"/> moves the wall clock and the monotonic timestamp,
/// <see cref="SetWallClock"/> the wall clock alone (as an operator or NTP setting the system time does).</summary>
internal sealed class ManualTimeProvider : TimeProvider
{
    private DateTimeOffset _now = TestSpans.Origin;
    private long _timestamp;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override DateTimeOffset GetUtcNow() => _now;

    public override long GetTimestamp() => _timestamp;

    public void Advance(TimeSpan by)
    {
        _now += by;
        _timestamp += by.Ticks;
    }

    public void SetWallClock(TimeSpan by) => _now += by;
}
