using System.Buffers;
using FsCheck;
using FsCheck.Fluent;
using Grpc.Net.Common;

namespace Grpc.Compat.Tests.Common;

/// <summary>
/// FsCheck properties of the wire codecs: round trips, and parsing arbitrary input never throws.
/// </summary>
public class WireCodecPropertyTests
{
    private static readonly Config Config = Config.QuickThrowOnFailure.WithMaxTest(500);

    [Fact]
    public void StatusMessage_AnyString_EncodesToUnreservedAsciiAndDecodesBack()
    {
        var property = Prop.ForAll(Text().ToArbitrary(), message =>
        {
            var encoded = GrpcStatusMessageCodec.Encode(message);
            return encoded.All(c => c is >= ' ' and <= '~')
                && GrpcStatusMessageCodec.Decode(encoded) == ReplaceLoneSurrogates(message);
        });

        Check.One(Config, property);
    }

    [Fact]
    public void StatusMessage_AnyHeaderValue_DecodeNeverThrows()
    {
        Check.One(Config, Prop.ForAll(Text().ToArbitrary(), value => GrpcStatusMessageCodec.Decode(value) is not null));
    }

    [Fact]
    public void Timeout_AnyPositiveDuration_FormatsWithinGrammarAndParsesToAtLeastIt()
    {
        var gen = Gen.Choose(1, int.MaxValue).SelectMany(a => Gen.Choose(0, 4300).Select(b => (long)a * b + a));
        var property = Prop.ForAll(gen.ToArbitrary(), ticks =>
        {
            var timeout = TimeSpan.FromTicks(ticks);
            var text = GrpcTimeoutCodec.Format(timeout);
            return text.Length is >= 2 and <= 9
                && GrpcTimeoutCodec.TryParse(text, out var parsed)
                && parsed >= timeout;
        });

        Check.One(Config, property);
    }

    [Fact]
    public void Timeout_AnyText_TryParseNeverThrows()
    {
        Check.One(Config, Prop.ForAll(Text().ToArbitrary(), value => GrpcTimeoutCodec.TryParse(value, out _) || true));
    }

    [Fact]
    public void Framing_AnyBytes_TryReadMessageNeverThrowsAndNeverReadsPastTheBuffer()
    {
        var gen = Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b));
        var property = Prop.ForAll(gen.ToArbitrary(), bytes =>
        {
            var buffer = new ReadOnlySequence<byte>(bytes);
            var status = GrpcFraming.TryReadMessage(ref buffer, 64, out var payload);
            return status != FrameReadStatus.Message || (payload.Length + GrpcProtocolConstants.MessagePrefixSize + buffer.Length == bytes.Length);
        });

        Check.One(Config, property);
    }

    [Fact]
    public void Metadata_AnyBinaryValue_EncodeThenDecodeRoundTrips()
    {
        var gen = Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b));
        var property = Prop.ForAll(gen.ToArbitrary(), bytes =>
        {
            var encoded = MetadataCodec.EncodeValue(new Grpc.Core.Metadata.Entry("x-bin", bytes));
            return MetadataCodec.TryCreateEntry("x-bin", encoded, out var padded) && padded.ValueBytes.SequenceEqual(bytes)
                && MetadataCodec.TryCreateEntry("x-bin", encoded.TrimEnd('='), out var unpadded) && unpadded.ValueBytes.SequenceEqual(bytes);
        });

        Check.One(Config, property);
    }

    private static Gen<string> Text() =>
        Gen.ArrayOf(Gen.OneOf(Gen.Choose(0, 0x7F), Gen.Choose(0x80, 0xFFFF)).Select(c => (char)c)).Select(chars => new string(chars));

    private static string ReplaceLoneSurrogates(string value) =>
        System.Text.Encoding.UTF8.GetString(System.Text.Encoding.UTF8.GetBytes(value));
}
