using Grpc.Net.Common;

namespace Grpc.Compat.Tests.Common;

public class GrpcStatusMessageCodecTests
{
    [Fact]
    public void Encode_PlainAscii_ReturnsSameInstance()
    {
        var message = "Hello, world! (ok) ~";

        var encoded = GrpcStatusMessageCodec.Encode(message);

        Assert.Same(message, encoded);
    }

    [Theory]
    [InlineData("100%", "100%25")]
    [InlineData("a\nb", "a%0Ab")]
    [InlineData("tab\there", "tab%09here")]
    [InlineData("\u007f", "%7F")]
    [InlineData("é", "%C3%A9")]
    [InlineData("日本", "%E6%97%A5%E6%9C%AC")]
    [InlineData("😀", "%F0%9F%98%80")]
    public void Encode_ReservedCharacters_PercentEncodesUtf8Bytes(string message, string expected)
    {
        Assert.Equal(expected, GrpcStatusMessageCodec.Encode(message));
    }

    [Theory]
    [InlineData("100%25", "100%")]
    [InlineData("%C3%A9", "é")]
    [InlineData("%c3%a9", "é")]
    [InlineData("a%0Ab", "a\nb")]
    [InlineData("no escapes", "no escapes")]
    public void Decode_ValidEscapes_ReturnsMessage(string value, string expected)
    {
        Assert.Equal(expected, GrpcStatusMessageCodec.Decode(value));
    }

    [Theory]
    [InlineData("50%", "50%", "percent at end")]
    [InlineData("50%2", "50%2", "one hex digit at end")]
    [InlineData("%zz", "%zz", "not hex")]
    [InlineData("%%41", "%A", "first percent invalid, second valid")]
    [InlineData("%FF", "\uFFFD", "invalid UTF-8 byte")]
    public void Decode_InvalidSequences_AreKeptWithoutThrowing(string value, string expected, string reason)
    {
        Assert.True(expected == GrpcStatusMessageCodec.Decode(value), reason);
    }

    [Fact]
    public void Decode_VeryLongValue_IsCapped()
    {
        var value = new string('a', GrpcProtocolConstants.MaxStatusMessageLength * 5);

        var decoded = GrpcStatusMessageCodec.Decode(value);

        Assert.Equal(GrpcProtocolConstants.MaxStatusMessageLength, decoded.Length);
    }

    [Theory]
    [InlineData("")]
    [InlineData("simple")]
    [InlineData("with % percent and \r\n newlines")]
    [InlineData("ünïcödé ✓ 😀")]
    public void EncodeThenDecode_RoundTrips(string message)
    {
        Assert.Equal(message, GrpcStatusMessageCodec.Decode(GrpcStatusMessageCodec.Encode(message)));
    }
}
