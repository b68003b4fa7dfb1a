using Grpc.Core;

namespace Propagation.Interceptors.Tests;

public sealed class MetadataCarriersTests
{
    [Fact]
    public void Getter_NameInAnyCase_FindsLowercaseEntry()
    {
        // Arrange
        var metadata = new Metadata { { "x-trace-id", "abc" } };

        // Act
        var values = MetadataCarriers.Getter(metadata, "X-Trace-ID");

        // Assert
        Assert.Equal(1, values.Count);
        Assert.Equal("abc", values[0]);
    }

    [Fact]
    public void Getter_SeveralEntries_ReturnsEveryLineInOrder()
    {
        // Arrange
        var metadata = new Metadata { { "traceparent", "first" }, { "other", "x" }, { "traceparent", "second" } };

        // Act
        var values = MetadataCarriers.Getter(metadata, "traceparent");

        // Assert
        Assert.Equal(2, values.Count);
        Assert.Equal("first", values[0]);
        Assert.Equal("second", values[1]);
    }

    [Fact]
    public void Getter_BinaryEntryOrBinaryName_Absent()
    {
        // Arrange
        var metadata = new Metadata { { "trace-bin", new byte[] { 1, 2 } } };

        // Act
        var byBinaryName = MetadataCarriers.Getter(metadata, "trace-bin");
        var missing = MetadataCarriers.Getter(metadata, "traceparent");

        // Assert
        Assert.Equal(0, byBinaryName.Count);
        Assert.Equal(0, missing.Count);
    }

    [Fact]
    public void Setter_ExistingEntries_ReplacedByOneLowercaseEntry()
    {
        // Arrange
        var metadata = new Metadata { { "x-trace-id", "old1" }, { "keep", "1" }, { "X-Trace-Id", "old2" } };

        // Act
        MetadataCarriers.Setter(metadata, "X-Trace-ID", "new");

        // Assert
        var entry = Assert.Single(metadata, e => e.Key == "x-trace-id");
        Assert.Equal("new", entry.Value);
        Assert.Equal(2, metadata.Count);
        Assert.Equal("1", metadata.GetValue("keep"));
    }

    [Fact]
    public void Setter_BinaryName_WritesNothing()
    {
        // Arrange
        var metadata = new Metadata();

        // Act
        MetadataCarriers.Setter(metadata, "trace-bin", "value");

        // Assert
        Assert.Empty(metadata);
    }

    [Fact]
    public void GetterAndSetter_RoundTripThroughPropagator_ExtractsInjectedContext()
    {
        // Arrange
        var propagator = new TracePropagator();
        var context = new PropagatedContext(new TraceId(1, 2), new SpanId(3), TraceFlags.Sampled, traceState: null, PropagationFormat.None);
        var metadata = new Metadata();

        // Act
        propagator.Inject(context, baggage: null, metadata, MetadataCarriers.Setter);
        propagator.Inject(context, baggage: null, metadata, MetadataCarriers.Setter);
        var extracted = propagator.Extract(metadata, MetadataCarriers.Getter);

        // Assert
        Assert.Single(metadata.GetAll("traceparent"));
        Assert.All(metadata, e => Assert.Equal(e.Key.ToLowerInvariant(), e.Key));
        Assert.Equal(new TraceId(1, 2), extracted.Parent.TraceId);
        Assert.Equal(new SpanId(3), extracted.Parent.SpanId);
    }
}
