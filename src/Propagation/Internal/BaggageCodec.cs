using System.Buffers;
using System.Text;

namespace Propagation.Internal;

/// <summary>Allocation-aware parsing and writing of single W3C Baggage list-members.</summary>
internal static class BaggageCodec
{
    /// <summary>The number of characters one UTF-8 byte takes when percent-encoded.</summary>
    private const int EncodedByteLength = 3;

    /// <summary>
    /// Parses one list-member (already trimmed of surrounding OWS):
    /// <c>list-member = key OWS "=" OWS value *( OWS ";" OWS property )</c> (W3C Baggage §3.2.1).
    /// </summary>
    /// <returns><see langword="false"/> when the member is invalid (it is then dropped by the caller).</returns>
    /// <remarks>
    /// Everything is validated before anything is allocated, so an invalid member costs no allocation: a
    /// header full of them (attacker-controlled) is rejected without garbage.
    /// </remarks>
    public static bool TryParseMember(ReadOnlySpan<char> member, out BaggageMember result)
    {
        result = default;
        var semicolon = member.IndexOf(';');
        var head = semicolon < 0 ? member : member[..semicolon];
        var equals = head.IndexOf('=');
        if (equals < 0)
        {
            return false;
        }

        // §3.2.1.1 key = token (RFC 7230 §3.2.6), OWS allowed before "=".
        var key = W3CText.TrimOws(head[..equals]);
        if (!BaggageMember.IsValidKey(key))
        {
            return false;
        }

        // §3.2.1.2 value = *baggage-octet, OWS allowed after "=" and before ";" / ",".
        var rawValue = W3CText.TrimOws(head[(equals + 1)..]);
        if (rawValue.ContainsAnyExcept(W3CText.BaggageOctets))
        {
            return false;
        }

        // §3.2.1.3 properties, kept raw (trimmed) after validation.
        var rawProperties = semicolon < 0 ? default : W3CText.TrimOws(member[(semicolon + 1)..]);
        if (semicolon >= 0 && !IsValidProperties(rawProperties))
        {
            return false;
        }

        // The last check (a "%" must be followed by two hex digits) fails before the value string is made.
        if (!TryDecode(rawValue, out var value))
        {
            return false;
        }

        var properties = semicolon < 0 ? null : new string(rawProperties);
        result = new BaggageMember(new string(key), value, properties, trusted: true);
        return true;
    }

    /// <summary>
    /// Validates <c>property *( OWS ";" OWS property )</c> where
    /// <c>property = key OWS "=" OWS value / key OWS</c> (W3C Baggage §3.2.1.3).
    /// </summary>
    public static bool IsValidProperties(ReadOnlySpan<char> properties)
    {
        var position = 0;
        while (true)
        {
            var rest = properties[position..];
            var semicolon = rest.IndexOf(';');
            var property = W3CText.TrimOws(semicolon < 0 ? rest : rest[..semicolon]);
            var equals = property.IndexOf('=');
            var key = equals < 0 ? property : W3CText.TrimOws(property[..equals]);
            if (!BaggageMember.IsValidKey(key))
            {
                return false;
            }

            if (equals >= 0 && W3CText.TrimOws(property[(equals + 1)..]).ContainsAnyExcept(W3CText.BaggageOctets))
            {
                return false;
            }

            if (semicolon < 0)
            {
                return true;
            }

            position += semicolon + 1;
        }
    }

    /// <summary>
    /// Percent-decodes a value (§3.2.1.2: the value is percent-decoded as UTF-8; byte sequences that are
    /// not UTF-8 become U+FFFD). A <c>%</c> not followed by two hex digits makes the value invalid, and
    /// then nothing is allocated.
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<char> raw, out string value)
    {
        var percent = raw.IndexOf('%');
        if (percent < 0)
        {
            value = raw.IsEmpty ? string.Empty : new string(raw);
            return true;
        }

        value = string.Empty;
        byte[]? rented = null;
        var bytes = raw.Length <= 256 ? stackalloc byte[256] : (rented = ArrayPool<byte>.Shared.Rent(raw.Length));
        try
        {
            var length = 0;
            for (var i = 0; i < raw.Length; i++)
            {
                var c = raw[i];
                if (c != '%')
                {
                    bytes[length++] = (byte)c; // validated ASCII (baggage-octet)
                    continue;
                }

                if (i + 2 >= raw.Length)
                {
                    return false;
                }

                var high = W3CText.ParseAnyHexDigit(raw[i + 1]);
                var low = W3CText.ParseAnyHexDigit(raw[i + 2]);
                if (high < 0 || low < 0)
                {
                    return false;
                }

                bytes[length++] = (byte)((high << 4) | low);
                i += 2;
            }

            value = Encoding.UTF8.GetString(bytes[..length]);
            return true;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>The length of <c>key=encoded-value[;properties]</c>.</summary>
    public static int GetEncodedLength(in BaggageMember member) =>
        member.Key.Length + 1 + GetEncodedValueLength(member.Value) + (member.Properties is null ? 0 : 1 + member.Properties.Length);

    /// <summary>The length of <paramref name="value"/> once percent-encoded.</summary>
    public static int GetEncodedValueLength(ReadOnlySpan<char> value)
    {
        var first = value.IndexOfAnyExcept(W3CText.BaggageUnreservedOctets);
        if (first < 0)
        {
            return value.Length;
        }

        var length = first;
        var rest = value[first..];
        while (!rest.IsEmpty)
        {
            Rune.DecodeFromUtf16(rest, out var rune, out var consumed);
            length += rune.IsAscii && W3CText.BaggageUnreservedOctets.Contains((char)rune.Value)
                ? 1
                : rune.Utf8SequenceLength * EncodedByteLength;
            rest = rest[consumed..];
        }

        return length;
    }

    /// <summary>Writes <c>key=encoded-value[;properties]</c>; <paramref name="destination"/> holds <see cref="GetEncodedLength"/> characters.</summary>
    public static int WriteMember(in BaggageMember member, Span<char> destination)
    {
        var key = member.Key;
        key.AsSpan().CopyTo(destination);
        var length = key.Length;
        destination[length++] = '=';
        length += WriteEncodedValue(member.Value, destination[length..]);
        if (member.Properties is { } properties)
        {
            destination[length++] = ';';
            properties.AsSpan().CopyTo(destination[length..]);
            length += properties.Length;
        }

        return length;
    }

    /// <summary>
    /// Percent-encodes a value as UTF-8 (§3.2.1.2): every character that is not a baggage-octet, and
    /// <c>%</c> itself, becomes <c>%XX</c>. Lone surrogates are written as U+FFFD.
    /// </summary>
    public static int WriteEncodedValue(ReadOnlySpan<char> value, Span<char> destination)
    {
        var first = value.IndexOfAnyExcept(W3CText.BaggageUnreservedOctets);
        if (first < 0)
        {
            value.CopyTo(destination);
            return value.Length;
        }

        value[..first].CopyTo(destination);
        var length = first;
        var rest = value[first..];
        Span<byte> utf8 = stackalloc byte[4];
        while (!rest.IsEmpty)
        {
            Rune.DecodeFromUtf16(rest, out var rune, out var consumed);
            rest = rest[consumed..];
            if (rune.IsAscii && W3CText.BaggageUnreservedOctets.Contains((char)rune.Value))
            {
                destination[length++] = (char)rune.Value;
                continue;
            }

            var count = rune.EncodeToUtf8(utf8);
            for (var i = 0; i < count; i++)
            {
                destination[length++] = '%';
                destination[length++] = "0123456789ABCDEF"[utf8[i] >> 4];
                destination[length++] = "0123456789ABCDEF"[utf8[i] & 0xF];
            }
        }

        return length;
    }
}
