using System.Runtime.CompilerServices;

namespace Propagation.Internal;

/// <summary>Allocation-free hexadecimal parsing and formatting for trace and span ids.</summary>
internal static class Hex
{
    private const string LowerDigits = "0123456789abcdef";

    /// <summary>Parses exactly 16 hex digits into a 64-bit value.</summary>
    /// <param name="hex">The digits; must be exactly 16 characters.</param>
    /// <param name="allowUppercase">Whether <c>A</c>-<c>F</c> are accepted (W3C forbids them).</param>
    /// <param name="value">The parsed value.</param>
    /// <returns><see langword="true"/> when every character is a valid digit.</returns>
    public static bool TryParseUInt64(ReadOnlySpan<char> hex, bool allowUppercase, out ulong value)
    {
        value = 0;
        if (hex.Length != 16)
        {
            return false;
        }

        ulong result = 0;
        for (var i = 0; i < 16; i++)
        {
            var nibble = ToNibble(hex[i], allowUppercase);
            if (nibble < 0)
            {
                return false;
            }

            result = (result << 4) | (uint)nibble;
        }

        value = result;
        return true;
    }

    /// <summary>Writes <paramref name="value"/> as exactly 16 lowercase hex digits.</summary>
    public static void WriteUInt64(ulong value, Span<char> destination)
    {
        if (destination.Length < 16)
        {
            throw new ArgumentException("The destination must hold 16 characters.", nameof(destination));
        }

        for (var i = 15; i >= 0; i--)
        {
            destination[i] = LowerDigits[(int)(value & 0xF)];
            value >>= 4;
        }
    }

    /// <summary>Returns the value of one hex digit, or -1 when <paramref name="c"/> is not one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ToNibble(char c, bool allowUppercase)
    {
        if ((uint)(c - '0') <= 9)
        {
            return c - '0';
        }

        if ((uint)(c - 'a') <= 5)
        {
            return c - 'a' + 10;
        }

        if (allowUppercase && (uint)(c - 'A') <= 5)
        {
            return c - 'A' + 10;
        }

        return -1;
    }
}
