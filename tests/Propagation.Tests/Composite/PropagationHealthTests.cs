using System.Diagnostics.Metrics;

namespace Propagation.Tests.Composite;

public class PropagationHealthTests
{
    [Fact]
    public void Record_SeveralFlags_CountsEachFlagAndTheRequest()
    {
        var health = new PropagationHealth();

        health.Record(PropagationIssues.TraceParentInvalid | PropagationIssues.FormatConflict);
        health.Record(PropagationIssues.FormatConflict);
        health.Record(PropagationIssues.None);

        Assert.Equal(3, health.TotalRequests);
        Assert.Equal(1, health.GetCount(PropagationIssues.TraceParentInvalid));
        Assert.Equal(2, health.GetCount(PropagationIssues.FormatConflict));
        Assert.Equal(0, health.GetCount(PropagationIssues.B3Invalid));
    }

    [Theory]
    [InlineData(PropagationIssues.None)]
    [InlineData(PropagationIssues.B3Invalid | PropagationIssues.LegacyInvalid)]
    public void GetCount_NotExactlyOneFlag_Throws(PropagationIssues reason)
    {
        Assert.Throws<ArgumentException>(() => new PropagationHealth().GetCount(reason));
    }

    [Fact]
    public void GetSnapshot_ListsEveryDefinedReasonBySnakeCaseName()
    {
        var health = new PropagationHealth();
        health.Record(PropagationIssues.TraceStateMembersDropped | PropagationIssues.B3Invalid);

        var snapshot = health.GetSnapshot();

        Assert.Equal(Enum.GetValues<PropagationIssues>().Length - 1, snapshot.Count);
        Assert.Equal(1, snapshot["tracestate_members_dropped"]);
        Assert.Equal(1, snapshot["b3_invalid"]);
        Assert.Equal(0, snapshot["traceparent_invalid"]);
        Assert.Equal(0, snapshot["legacy_span_id_missing"]);
    }

    [Theory]
    [InlineData(PropagationIssues.TraceParentInvalid, "traceparent_invalid")]
    [InlineData(PropagationIssues.FormatConflict, "format_conflict")]
    [InlineData(PropagationIssues.SamplingIgnoredByPolicy, "sampling_ignored_by_policy")]
    [InlineData(PropagationIssues.HeaderTooLong, "header_too_long")]
    public void GetReasonName_Flag_ReturnsSnakeCase(PropagationIssues reason, string expected)
    {
        Assert.Equal(expected, PropagationHealth.GetReasonName(reason));
    }

    [Fact]
    public async Task Record_FromManyThreads_LosesNoCount()
    {
        var health = new PropagationHealth();
        const int PerTask = 10_000;

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < PerTask; i++)
            {
                health.Record(PropagationIssues.FormatConflict | PropagationIssues.ArrivedUnsampled);
            }
        })));

        Assert.Equal(4 * PerTask, health.TotalRequests);
        Assert.Equal(4 * PerTask, health.GetCount(PropagationIssues.FormatConflict));
        Assert.Equal(4 * PerTask, health.GetCount(PropagationIssues.ArrivedUnsampled));
    }

    [Fact]
    public void Record_WithMeter_PublishesIssuesByReasonAndRequests()
    {
        using var meter = new Meter(nameof(Record_WithMeter_PublishesIssuesByReasonAndRequests) + Guid.NewGuid());
        var measurements = new List<(string Instrument, long Value, string? Reason)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (ReferenceEquals(instrument.Meter, meter))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string? reason = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "reason")
                {
                    reason = (string?)tag.Value;
                }
            }

            lock (measurements)
            {
                measurements.Add((instrument.Name, value, reason));
            }
        });
        listener.Start();
        var health = new PropagationHealth(meter);

        health.Record(PropagationIssues.LegacyInvalid | PropagationIssues.RestartedByPolicy);

        Assert.Contains(("propagation.inbound.requests", 1L, (string?)null), measurements);
        Assert.Contains(("propagation.inbound.issues", 1L, (string?)"legacy_invalid"), measurements);
        Assert.Contains(("propagation.inbound.issues", 1L, (string?)"restarted_by_policy"), measurements);
        Assert.Equal(3, measurements.Count);
    }

    [Fact]
    public void Constructor_MeterFactory_CreatesMeterNamedPropagation()
    {
        using var factory = new TestMeterFactory();

        _ = new PropagationHealth(factory);

        var meter = Assert.Single(factory.Meters);
        Assert.Equal("Propagation", meter.Name);
    }

    [Fact]
    public void Constructor_TwoHealths_CountIndependently()
    {
        var first = new PropagationHealth();
        var second = new PropagationHealth();

        first.Record(PropagationIssues.B3Invalid);

        Assert.Equal(1, first.GetCount(PropagationIssues.B3Invalid));
        Assert.Equal(0, second.GetCount(PropagationIssues.B3Invalid));
        Assert.Equal(0, second.TotalRequests);
    }

    private sealed class TestMeterFactory : IMeterFactory
    {
        public List<Meter> Meters { get; } = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options);
            Meters.Add(meter);
            return meter;
        }

        public void Dispose()
        {
            foreach (var meter in Meters)
            {
                meter.Dispose();
            }
        }
    }
}
