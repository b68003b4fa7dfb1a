using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Propagation.Internal;

/// <summary>
/// Character classes and allocation-free helpers shared by the W3C Trace Context and
/// W3C Baggage codecs.
/// </summary>
internal static class W3CText
{
    /// <summary>
    /// <c>tracestate</c> key characters after the first one (W3C Trace Context Level 2 §3.3.1.3.1):
    /// <c>lcalpha / DIGIT / "_" / "-" / "*" / "/"</c>.
    /// </summary>
    public static readonly SearchValues<char> TraceStateKeyChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789_-*/");

    /// <summary>
    /// <c>tracestate</c> value characters (W3C Trace Context Level 2 §3.3.1.3.2):
    /// <c>chr = %x20 / nblk-chr</c>, <c>nblk-chr = %x21-2B / %x2D-3C / %x3E-7E</c> (printable ASCII except <c>,</c> and <c>=</c>).
    /// </summary>
    public static readonly SearchValues<char> TraceStateValueChars = SearchValues.Create(
        " !\"#$%&'()*+-./0123456789:;<>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~");

    /// <summary>
    /// RFC 7230 §3.2.6 <c>tchar</c>: the characters of a <c>token</c>, which is what a W3C Baggage key is
    /// (W3C Baggage §3.2.1.1 key).
    /// </summary>
    public static readonly SearchValues<char> TokenChars = SearchValues.Create(
        "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

    /// <summary>
    /// W3C Baggage §3.2.1.2 value: <c>baggage-octet = %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E</c>
    /// (printable ASCII except space, <c>"</c>, <c>,</c>, <c>;</c> and <c>\</c>).
    /// </summary>
    public static readonly SearchValues<char> BaggageOctets = SearchValues.Create(
        "!#$%&'()*+-./0123456789:<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{|}~");

    /// <summary>
    /// The baggage-octets a value may carry unencoded when we write it: every baggage-octet except
    /// <c>%</c> (which must be encoded so the value decodes back to itself).
    /// </summary>
    public static readonly SearchValues<char> BaggageUnreservedOctets = SearchValues.Create(
        "!#$&'()*+-./0123456789:<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{|}~");

    // Lowercase hex digit values; 0xFF marks every other character (including 'A'-'F':
    // W3C Trace Context §3.2.2 allows lowercase hex only). Index 127 (DEL) is invalid, which
    // lets the parser clamp any char >= 128 to it without a branch.
    private static ReadOnlySpan<byte> LowerHexTable =>
    [
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    ];

    /// <summary>Removes optional whitespace (RFC 7230 §3.2.3 <c>OWS = *( SP / HTAB )</c>) from both ends.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ReadOnlySpan<char> TrimOws(ReadOnlySpan<char> value)
    {
        var start = 0;
        while (start < value.Length && (value[start] == ' ' || value[start] == '\t'))
        {
            start++;
        }

        var end = value.Length;
        while (end > start && (value[end - 1] == ' ' || value[end - 1] == '\t'))
        {
            end--;
        }

        return value[start..end];
    }

    /// <summary>Parses exactly 16 lowercase hex digits (see <see cref="Hex.TryParseUInt64"/>); no allocation.</summary>
    /// <param name="hex">At least 16 characters; only the first 16 are read.</param>
    /// <param name="value">The parsed value.</param>
    /// <returns><see langword="true"/> when all 16 characters are lowercase hex digits.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryParseLowerHex16(ReadOnlySpan<char> hex, out ulong value) =>
        Hex.TryParseUInt64(hex[..16], allowUppercase: false, out value);

    /// <summary>Parses exactly 2 lowercase hex digits.</summary>
    /// <returns>The byte value, or -1 when either character is not a lowercase hex digit.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ParseLowerHex2(char high, char low)
    {
        ref var table = ref MemoryMarshal.GetReference(LowerHexTable);
        uint h = Unsafe.Add(ref table, (nint)Math.Min(high, (char)127));
        uint l = Unsafe.Add(ref table, (nint)Math.Min(low, (char)127));
        return ((h | l) & 0xF0) != 0 ? -1 : (int)((h << 4) | l);
    }

    /// <summary>Writes one byte as two lowercase hex digits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WriteLowerHex2(int value, Span<char> destination)
    {
        destination[0] = "0123456789abcdef"[(value >> 4) & 0xF];
        destination[1] = "0123456789abcdef"[value & 0xF];
    }

    /// <summary>Parses one hex digit, either case (percent-encoding, RFC 3986 §2.1, is case-insensitive).</summary>
    /// <returns>The digit value, or -1.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ParseAnyHexDigit(char c)
    {
        if ((uint)(c - '0') <= 9)
        {
            return c - '0';
        }

        var lower = c | 0x20;
        return (uint)(lower - 'a') <= 5 ? lower - 'a' + 10 : -1;
    }
}
