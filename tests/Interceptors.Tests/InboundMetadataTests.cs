using Grpc.Core;

namespace Propagation.Interceptors.Tests;

public sealed class InboundMetadataTests
{
    private static readonly string[] Names =
    [
        "traceparent", "TraceParent", "tracestate", "baggage", "X-Trace-ID", "x-trace-id", "X-Span-ID", "b3", "B3",
        "X-B3-TraceId", "X-B3-SpanId", "X-B3-ParentSpanId", "X-B3-Sampled", "X-B3-Flags", "traceresponse",
        "user-agent", "unknown", "trace-bin", "X-B3-TRACEID", string.Empty, LongKey, LongKey.ToUpperInvariant(), new string('z', 64),
    ];

    // Longer than 63 characters: key lengths past 63 share one bit of the length filter.
    private const string LongKey = "x-a-custom-header-whose-name-is-much-longer-than-any-trace-header-name";

    public static TheoryData<string, string[]> Carriers() => new()
    {
        { "empty", [] },
        { "traceparent only", ["traceparent", "tp"] },
        { "legacy pair, other keys around", ["user-agent", "ua", "x-trace-id", "t", "grpc-accept-encoding", "gzip", "x-span-id", "s"] },
        { "duplicate traceparent", ["traceparent", "first", "other", "x", "traceparent", "second"] },
        { "every known key", ["traceparent", "a", "tracestate", "b", "baggage", "c", "x-trace-id", "d", "x-span-id", "e", "b3", "f", "x-b3-traceid", "g", "x-b3-spanid", "h", "x-b3-parentspanid", "i", "x-b3-sampled", "j", "x-b3-flags", "k", "traceresponse", "l"] },
        { "unknown keys only", ["user-agent", "ua", "unknown", "u"] },
        { "mixed-case keys (lowercased by Metadata)", ["TraceParent", "tp", "X-B3-TRACEID", "b3id"] },
        { "a key longer than 63 characters", [LongKey, "long", "traceparent", "tp"] },
        { "known keys after the 15th entry", [.. Filler(16), "traceparent", "tp", "x-span-id", "s", .. Filler(2), "x-span-id", "s2"] },
        { "known keys at the 14th and 15th entries", [.. Filler(14), "traceparent", "tp", "tracestate", "ts", "baggage", "b"] },
    };

    private static string[] Filler(int entries)
    {
        var pairs = new string[entries * 2];
        for (var i = 0; i < entries; i++)
        {
            pairs[2 * i] = "x-filler-" + i;
            pairs[(2 * i) + 1] = "f" + i;
        }

        return pairs;
    }

    [Theory]
    [MemberData(nameof(Carriers))]
    public void Getter_AnyName_SameValuesAsMetadataCarriersGetter(string reason, string[] pairs)
    {
        // Arrange
        var metadata = new Metadata();
        for (var i = 0; i < pairs.Length; i += 2)
        {
            metadata.Add(pairs[i], pairs[i + 1]);
        }

        metadata.Add("trace-bin", [1, 2, 3]);
        var inbound = new InboundMetadata(metadata);

        foreach (var name in Names)
        {
            // Act
            var expected = MetadataCarriers.Getter(metadata, name);
            var actual = InboundMetadata.Getter(inbound, name);

            // Assert
            Assert.True(expected.Count == actual.Count, $"{reason}: '{name}' has {actual.Count} lines, expected {expected.Count}");
            for (var line = 0; line < expected.Count; line++)
            {
                Assert.Equal(expected[line], actual[line]);
            }
        }
    }

    [Fact]
    public void Getter_NullMetadata_Absent()
    {
        // Arrange
        var inbound = new InboundMetadata(null);

        // Act
        var values = InboundMetadata.Getter(inbound, "traceparent");

        // Assert
        Assert.Equal(0, values.Count);
    }

    [Fact]
    public void Getter_ThroughThePropagator_ExtractsTheSameContextAsMetadataCarriers()
    {
        // Arrange
        var propagator = new TracePropagator();
        var metadata = new Metadata
        {
            { "user-agent", "grpc-dotnet" },
            { "traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" },
            { "x-trace-id", "0af7651916cd43dd8448eb211c80319c" },
            { "baggage", "tenant=blue" },
        };

        // Act
        var expected = propagator.Extract(metadata, MetadataCarriers.Getter);
        var actual = propagator.Extract(new InboundMetadata(metadata), InboundMetadata.Getter);

        // Assert
        Assert.True(actual.HasParent);
        Assert.Equal(expected.Parent.TraceId, actual.Parent.TraceId);
        Assert.Equal(expected.Parent.SpanId, actual.Parent.SpanId);
        Assert.Equal(expected.Issues, actual.Issues);
        Assert.Equal(expected.Baggage.Count, actual.Baggage.Count);
    }
}
