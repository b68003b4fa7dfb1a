using System.Buffers.Binary;
using System.Diagnostics;
using Propagation.Internal;

namespace Propagation;

/// <summary>
/// A 128-bit trace id held as two 64-bit halves. Unlike <see cref="ActivityTraceId"/> it
/// allocates nothing until it is converted, so extraction can stay allocation-free until a
/// span is really started.
/// </summary>
/// <remarks>The all-zero value is invalid in every format and is reported by <see cref="IsEmpty"/>.</remarks>
public readonly struct TraceId : IEquatable<TraceId>
{
    /// <summary>The number of hex characters in the W3C form of a trace id.</summary>
    public const int HexLength = 32;

    /// <summary>Creates a trace id from its two halves.</summary>
    /// <param name="high">The first (most significant) 8 bytes.</param>
    /// <param name="low">The last (least significant) 8 bytes.</param>
    public TraceId(ulong high, ulong low)
    {
        High = high;
        Low = low;
    }

    /// <summary>Gets the most significant 64 bits.</summary>
    public ulong High { get; }

    /// <summary>Gets the least significant 64 bits.</summary>
    public ulong Low { get; }

    /// <summary>Gets a value indicating whether this is the invalid all-zero id.</summary>
    public bool IsEmpty => High == 0 && Low == 0;

    /// <summary>Parses exactly 32 lowercase hex digits (the W3C form).</summary>
    /// <param name="hex">The characters to parse.</param>
    /// <param name="traceId">The parsed id; <see langword="default"/> on failure.</param>
    /// <returns><see langword="true"/> when <paramref name="hex"/> is 32 lowercase hex digits and not all zeros.</returns>
    public static bool TryParse(ReadOnlySpan<char> hex, out TraceId traceId) => TryParse(hex, allowUppercase: false, out traceId);

    /// <summary>Parses exactly 32 hex digits, optionally accepting uppercase.</summary>
    /// <param name="hex">The characters to parse.</param>
    /// <param name="allowUppercase">Whether <c>A</c>-<c>F</c> are accepted.</param>
    /// <param name="traceId">The parsed id; <see langword="default"/> on failure.</param>
    /// <returns><see langword="true"/> when the digits are valid and not all zeros.</returns>
    public static bool TryParse(ReadOnlySpan<char> hex, bool allowUppercase, out TraceId traceId)
    {
        traceId = default;
        if (hex.Length != HexLength
            || !Hex.TryParseUInt64(hex[..16], allowUppercase, out var high)
            || !Hex.TryParseUInt64(hex[16..], allowUppercase, out var low))
        {
            return false;
        }

        traceId = new TraceId(high, low);
        return !traceId.IsEmpty;
    }

    /// <summary>Creates a trace id from an <see cref="ActivityTraceId"/>.</summary>
    /// <param name="traceId">The id to convert.</param>
    /// <returns>The same id.</returns>
    public static TraceId FromActivityTraceId(ActivityTraceId traceId)
    {
        // An ActivityTraceId holds its lowercase hex string; reading it back is cheaper than CopyTo.
        var hex = traceId.ToHexString();
        if (hex.Length == HexLength
            && W3CText.TryParseLowerHex16(hex, out var high)
            && W3CText.TryParseLowerHex16(hex.AsSpan(16), out var low))
        {
            return new TraceId(high, low);
        }

        Span<byte> bytes = stackalloc byte[16];
        traceId.CopyTo(bytes);
        return new TraceId(BinaryPrimitives.ReadUInt64BigEndian(bytes), BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]));
    }

    /// <summary>Converts to an <see cref="ActivityTraceId"/> (allocates its hex string).</summary>
    /// <returns>The same id.</returns>
    public ActivityTraceId ToActivityTraceId()
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, High);
        BinaryPrimitives.WriteUInt64BigEndian(bytes[8..], Low);
        return ActivityTraceId.CreateFromBytes(bytes);
    }

    /// <summary>Writes the 32 lowercase hex digits into <paramref name="destination"/>.</summary>
    /// <param name="destination">At least <see cref="HexLength"/> characters.</param>
    public void WriteHex(Span<char> destination)
    {
        if (destination.Length < HexLength)
        {
            throw new ArgumentException($"The destination must hold {HexLength} characters.", nameof(destination));
        }

        Hex.WriteUInt64(High, destination);
        Hex.WriteUInt64(Low, destination[16..]);
    }

    /// <summary>Returns the 32 lowercase hex digits.</summary>
    /// <returns>The W3C form of the id.</returns>
    public override string ToString() => string.Create(HexLength, this, static (span, id) => id.WriteHex(span));

    /// <inheritdoc/>
    public bool Equals(TraceId other) => High == other.High && Low == other.Low;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is TraceId other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(High, Low);

    /// <summary>Compares two ids for equality.</summary>
    public static bool operator ==(TraceId left, TraceId right) => left.Equals(right);

    /// <summary>Compares two ids for inequality.</summary>
    public static bool operator !=(TraceId left, TraceId right) => !left.Equals(right);
}
