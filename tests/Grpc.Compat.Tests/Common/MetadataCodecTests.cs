using Grpc.Core;
using Grpc.Net.Common;

namespace Grpc.Compat.Tests.Common;

public class MetadataCodecTests
{
    [Theory]
    [InlineData(":path")]
    [InlineData("content-type")]
    [InlineData("te")]
    [InlineData("grpc-status")]
    [InlineData("grpc-message")]
    [InlineData("grpc-timeout")]
    [InlineData("grpc-encoding")]
    [InlineData("grpc-accept-encoding")]
    public void IsReservedHeader_ProtocolHeader_ReturnsTrue(string name)
    {
        Assert.True(MetadataCodec.IsReservedHeader(name));
    }

    [Theory]
    [InlineData("traceparent")]
    [InlineData("x-custom-bin")]
    [InlineData("grpc-trace-bin")]
    public void IsReservedHeader_CustomHeader_ReturnsFalse(string name)
    {
        Assert.False(MetadataCodec.IsReservedHeader(name));
    }

    [Fact]
    public void TryCreateEntry_AsciiHeader_CreatesStringEntry()
    {
        Assert.True(MetadataCodec.TryCreateEntry("x-user", "alice", out var entry));

        Assert.False(entry.IsBinary);
        Assert.Equal("x-user", entry.Key);
        Assert.Equal("alice", entry.Value);
    }

    [Theory]
    [InlineData("AQID", "unpadded multiple of four")]
    [InlineData("AQIDBA==", "padded")]
    [InlineData("AQIDBA", "unpadded")]
    public void TryCreateEntry_BinaryHeader_DecodesPaddedAndUnpadded(string value, string reason)
    {
        Assert.True(MetadataCodec.TryCreateEntry("x-data-bin", value, out var entry), reason);

        Assert.True(entry.IsBinary);
        Assert.Equal(new byte[] { 1, 2, 3, 4 }.AsSpan(0, entry.ValueBytes.Length).ToArray(), entry.ValueBytes);
    }

    [Theory]
    [InlineData("x-data-bin", "!!!!", "invalid base64")]
    [InlineData("x-data-bin", "A", "base64 of impossible length")]
    [InlineData("X-Upper", "v", "uppercase header name")]
    [InlineData("x user", "v", "space in name")]
    [InlineData("x-ctl", "a\u0001b", "control character in value")]
    [InlineData("x-utf", "é", "non-ASCII value")]
    public void TryCreateEntry_InvalidHeader_IsIgnored(string name, string value, string reason)
    {
        Assert.False(MetadataCodec.TryCreateEntry(name, value, out var entry), reason);
        Assert.Null(entry);
    }

    [Fact]
    public void TryCreateEntry_OversizedValue_IsIgnored()
    {
        Assert.False(MetadataCodec.TryCreateEntry("x-big", new string('a', MetadataCodec.MaxValueLength + 1), out _));
    }

    [Fact]
    public void EncodeValue_BinaryEntry_IsPaddedBase64()
    {
        var entry = new Metadata.Entry("x-bin", new byte[] { 1, 2, 3, 4 });

        Assert.Equal("AQIDBA==", MetadataCodec.EncodeValue(entry));
    }

    [Fact]
    public void EncodeValue_AsciiEntry_IsValue()
    {
        Assert.Equal("v1", MetadataCodec.EncodeValue(new Metadata.Entry("k", "v1")));
    }
}
