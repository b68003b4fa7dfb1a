using Propagation.Collector;
using static Propagation.Collector.Tests.TestSpans;

namespace Propagation.Collector.Tests;

public sealed class StoredSpanTests
{
    public static TheoryData<DateTimeOffset, TimeSpan, DateTimeOffset> EndTimeCases() => new()
    {
        { Origin, TimeSpan.FromMilliseconds(10), Origin.AddMilliseconds(10) },
        { DateTimeOffset.MaxValue.AddDays(-1), TimeSpan.FromDays(1), DateTimeOffset.MaxValue },
        { DateTimeOffset.MaxValue.AddDays(-1), TimeSpan.FromDays(2), DateTimeOffset.MaxValue },
        { Origin, TimeSpan.MaxValue, DateTimeOffset.MaxValue },
        { DateTimeOffset.MaxValue, TimeSpan.FromTicks(1), DateTimeOffset.MaxValue },
        { Origin, TimeSpan.MinValue, DateTimeOffset.MinValue },
        { DateTimeOffset.MinValue.AddDays(1), TimeSpan.FromDays(-2), DateTimeOffset.MinValue },

        // The clock time (UTC + 14 h) passes DateTime.MaxValue while the instant does not: the end keeps the instant.
        { new DateTimeOffset(DateTime.MaxValue.AddDays(-1), TimeSpan.FromHours(14)), TimeSpan.FromHours(30), DateTimeOffset.MaxValue.AddHours(-8) },
    };

    [Theory]
    [MemberData(nameof(EndTimeCases))]
    public void EndTime_StartPlusDuration_SaturatesAtTheRangeOfDateTimeOffset(DateTimeOffset start, TimeSpan duration, DateTimeOffset expected)
    {
        var span = new StoredSpan
        {
            TraceId = TraceIdOf(1),
            SpanId = SpanIdOf(1),
            Name = "op",
            ServiceName = "svc",
            StartTime = start,
            Duration = duration,
        };

        var end = span.EndTime;

        Assert.Equal(expected, end);
    }
}
