using System.Buffers.Binary;
using System.Diagnostics;
using Propagation.Internal;

namespace Propagation;

/// <summary>
/// A 64-bit span id. Unlike <see cref="ActivitySpanId"/> it allocates nothing until it is
/// converted.
/// </summary>
/// <remarks>The all-zero value is invalid in every format and is reported by <see cref="IsEmpty"/>.</remarks>
public readonly struct SpanId : IEquatable<SpanId>
{
    /// <summary>The number of hex characters in the W3C form of a span id.</summary>
    public const int HexLength = 16;

    /// <summary>Creates a span id from its value.</summary>
    /// <param name="value">The 8 bytes of the id, most significant first.</param>
    public SpanId(ulong value) => Value = value;

    /// <summary>Gets the 64-bit value.</summary>
    public ulong Value { get; }

    /// <summary>Gets a value indicating whether this is the invalid all-zero id.</summary>
    public bool IsEmpty => Value == 0;

    /// <summary>Parses exactly 16 lowercase hex digits (the W3C form).</summary>
    /// <param name="hex">The characters to parse.</param>
    /// <param name="spanId">The parsed id; <see langword="default"/> on failure.</param>
    /// <returns><see langword="true"/> when <paramref name="hex"/> is 16 lowercase hex digits and not all zeros.</returns>
    public static bool TryParse(ReadOnlySpan<char> hex, out SpanId spanId) => TryParse(hex, allowUppercase: false, out spanId);

    /// <summary>Parses exactly 16 hex digits, optionally accepting uppercase.</summary>
    /// <param name="hex">The characters to parse.</param>
    /// <param name="allowUppercase">Whether <c>A</c>-<c>F</c> are accepted.</param>
    /// <param name="spanId">The parsed id; <see langword="default"/> on failure.</param>
    /// <returns><see langword="true"/> when the digits are valid and not all zeros.</returns>
    public static bool TryParse(ReadOnlySpan<char> hex, bool allowUppercase, out SpanId spanId)
    {
        spanId = default;
        if (!Hex.TryParseUInt64(hex, allowUppercase, out var value) || value == 0)
        {
            return false;
        }

        spanId = new SpanId(value);
        return true;
    }

    /// <summary>Creates a span id from an <see cref="ActivitySpanId"/>.</summary>
    /// <param name="spanId">The id to convert.</param>
    /// <returns>The same id.</returns>
    public static SpanId FromActivitySpanId(ActivitySpanId spanId)
    {
        // An ActivitySpanId holds its lowercase hex string; reading it back is cheaper than CopyTo.
        var hex = spanId.ToHexString();
        if (hex.Length == HexLength && W3CText.TryParseLowerHex16(hex, out var value))
        {
            return new SpanId(value);
        }

        Span<byte> bytes = stackalloc byte[8];
        spanId.CopyTo(bytes);
        return new SpanId(BinaryPrimitives.ReadUInt64BigEndian(bytes));
    }

    /// <summary>Converts to an <see cref="ActivitySpanId"/> (allocates its hex string).</summary>
    /// <returns>The same id.</returns>
    public ActivitySpanId ToActivitySpanId()
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, Value);
        return ActivitySpanId.CreateFromBytes(bytes);
    }

    /// <summary>Writes the 16 lowercase hex digits into <paramref name="destination"/>.</summary>
    /// <param name="destination">At least <see cref="HexLength"/> characters.</param>
    public void WriteHex(Span<char> destination) => Hex.WriteUInt64(Value, destination);

    /// <summary>Returns the 16 lowercase hex digits.</summary>
    /// <returns>The W3C form of the id.</returns>
    public override string ToString() => string.Create(HexLength, Value, static (span, value) => Hex.WriteUInt64(value, span));

    /// <inheritdoc/>
    public bool Equals(SpanId other) => Value == other.Value;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is SpanId other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => Value.GetHashCode();

    /// <summary>Compares two ids for equality.</summary>
    public static bool operator ==(SpanId left, SpanId right) => left.Equals(right);

    /// <summary>Compares two ids for inequality.</summary>
    public static bool operator !=(SpanId left, SpanId right) => !left.Equals(right);
}
