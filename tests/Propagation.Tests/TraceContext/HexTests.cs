using FsCheck;
using FsCheck.Fluent;
using Propagation.Internal;

namespace Propagation.Tests.W3C;

/// <summary>The vectorized and the portable hex parsers and writers of <see cref="Hex"/> (and the W3C entry point over them) must agree on every input.</summary>
public sealed class HexTests
{
    [Theory]
    [InlineData("4bf92f3577b34da6", 0x4bf92f3577b34da6UL)]
    [InlineData("0000000000000000", 0UL)]
    [InlineData("ffffffffffffffff", ulong.MaxValue)]
    [InlineData("0123456789abcdef", 0x0123456789abcdefUL)]
    public void TryParseLowerHex16_LowercaseHex_ParsedByBothForms(string hex, ulong expected)
    {
        // Act
        var vector = Hex.TryParseUInt64Vector(hex, allowUppercase: false, out var fromVector);
        var scalar = Hex.TryParseUInt64Scalar(hex, allowUppercase: false, out var fromScalar);

        // Assert
        Assert.True(vector);
        Assert.True(scalar);
        Assert.Equal(expected, fromVector);
        Assert.Equal(expected, fromScalar);
    }

    [Theory]
    [InlineData("4BF92F3577B34DA6", "uppercase")]
    [InlineData("4bf92f3577b34dag", "g is not hex")]
    [InlineData("4bf92f3577b34da/", "the char before 0")]
    [InlineData("4bf92f3577b34da:", "the char after 9")]
    [InlineData("4bf92f3577b34da`", "the char before a")]
    [InlineData("4bf92f3577b34da ", "space")]
    [InlineData("4bf92f3577b34da\u0130", "U+0130: its low byte is the digit 0")]
    [InlineData("\u01614bf92f3577b34da", "U+0161: its low byte is the letter a")]
    [InlineData("4bf92f3577b34da\0", "NUL")]
    public void TryParseLowerHex16_NotLowercaseHex_RejectedByBothForms(string hex, string reason)
    {
        // Act / Assert
        Assert.False(Hex.TryParseUInt64Vector(hex, allowUppercase: false, out _), reason);
        Assert.False(Hex.TryParseUInt64Scalar(hex, allowUppercase: false, out _), reason);
        Assert.False(W3CText.TryParseLowerHex16(hex, out _), reason);
    }

    [Fact]
    public void TryParseLowerHex16_AnySixteenChars_VectorAgreesWithScalar()
    {
        var chars = Gen.Frequency(
            (8, Gen.Elements("0123456789abcdef".ToCharArray())),
            (2, Gen.Choose(0, 255).Select(i => (char)i)),
            (1, Gen.Choose(0, 0xFFFF).Select(i => (char)i)));
        var gen = Gen.ArrayOf(chars, 16).Select(c => new string(c));

        var property = Prop.ForAll(gen.ToArbitrary(), hex =>
        {
            var vector = Hex.TryParseUInt64Vector(hex, allowUppercase: false, out var fromVector);
            var scalar = Hex.TryParseUInt64Scalar(hex, allowUppercase: false, out var fromScalar);
            var entry = W3CText.TryParseLowerHex16(hex, out var fromEntry);
            return vector == scalar && entry == scalar && (!vector || (fromVector == fromScalar && fromEntry == fromScalar));
        });

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(2000), property);
    }

    [Fact]
    public void WriteUInt64_AnyValue_VectorAndScalarWriteTheSameDigitsAndParseBack()
    {
        var gen = Gen.ArrayOf(Gen.Choose(0, 255), 8).Select(b => b.Aggregate(0UL, (acc, x) => (acc << 8) | (uint)x));
        var edges = new[] { 0UL, 1UL, 9UL, 10UL, 15UL, 16UL, 0x0123456789abcdefUL, 0xfedcba9876543210UL, ulong.MaxValue };

        foreach (var value in edges)
        {
            Assert.True(WritesAlike(value), value.ToString("x16", System.Globalization.CultureInfo.InvariantCulture));
        }

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(2000), Prop.ForAll(gen.ToArbitrary(), WritesAlike));
    }

    private static bool WritesAlike(ulong value)
    {
        Span<char> vector = stackalloc char[16];
        Span<char> scalar = stackalloc char[16];
        Hex.WriteUInt64Vector(value, vector);
        Hex.WriteUInt64Scalar(value, scalar);
        return vector.SequenceEqual(scalar)
            && vector.SequenceEqual(value.ToString("x16", System.Globalization.CultureInfo.InvariantCulture))
            && W3CText.TryParseLowerHex16(vector, out var parsed)
            && parsed == value;
    }

    [Fact]
    public void HexTryParseUInt64_AnySixteenCharsEitherCase_VectorAgreesWithScalar()
    {
        var chars = Gen.Frequency(
            (8, Gen.Elements("0123456789abcdefABCDEF".ToCharArray())),
            (2, Gen.Choose(0, 255).Select(i => (char)i)),
            (1, Gen.Choose(0, 0xFFFF).Select(i => (char)i)));
        var gen = from c in Gen.ArrayOf(chars, 16)
                  from upper in Gen.Elements(true, false)
                  select (Text: new string(c), Upper: upper);

        var property = Prop.ForAll(gen.ToArbitrary(), input =>
        {
            var vector = Hex.TryParseUInt64Vector(input.Text, input.Upper, out var fromVector);
            var scalar = Hex.TryParseUInt64Scalar(input.Text, input.Upper, out var fromScalar);
            return vector == scalar && (!vector || fromVector == fromScalar);
        });

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(3000), property);
        Assert.True(Hex.TryParseUInt64Vector("4BF92F3577B34DA6", allowUppercase: true, out var parsedUpper));
        Assert.Equal(0x4bf92f3577b34da6UL, parsedUpper);
        Assert.False(Hex.TryParseUInt64Vector("4BF92F3577B34DA6", allowUppercase: false, out _));
        Assert.False(Hex.TryParseUInt64Vector("4bf92f3577b34d\u0010a", allowUppercase: true, out _));
    }
}
