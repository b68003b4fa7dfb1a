using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

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

        if (Vector128.IsHardwareAccelerated && BitConverter.IsLittleEndian)
        {
            return TryParseUInt64Vector(hex, allowUppercase, out value);
        }

        return TryParseUInt64Scalar(hex, allowUppercase, out value);
    }

    /// <summary>The portable form of <see cref="TryParseUInt64"/>: one digit at a time.</summary>
    internal static bool TryParseUInt64Scalar(ReadOnlySpan<char> hex, bool allowUppercase, out ulong value)
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

    /// <summary>
    /// The vectorized form of <see cref="TryParseUInt64"/> (little-endian only): the first 16 characters are
    /// checked and turned into nibbles as one vector, adjacent nibbles joined into bytes, and the bytes read
    /// as one big-endian number.
    /// </summary>
    internal static bool TryParseUInt64Vector(ReadOnlySpan<char> hex, bool allowUppercase, out ulong value)
    {
        value = 0;
        ref var source = ref Unsafe.As<char, ushort>(ref MemoryMarshal.GetReference(hex[..16]));
        var first = Vector128.LoadUnsafe(ref source);
        var second = Vector128.LoadUnsafe(ref source, 8);

        // Anything above U+00FF is rejected before narrowing, which would otherwise keep only its low byte.
        if (((first | second) & Vector128.Create((ushort)0xFF00)) != Vector128<ushort>.Zero)
        {
            return false;
        }

        var chars = Vector128.Narrow(first, second);
        var digits = chars - Vector128.Create((byte)'0');

        // Setting bit 0x20 maps exactly "A"-"F" and "a"-"f" (and nothing else) onto "a"-"f".
        var letters = (allowUppercase ? chars | Vector128.Create((byte)0x20) : chars) - Vector128.Create((byte)'a');
        var isDigit = Vector128.LessThanOrEqual(digits, Vector128.Create((byte)9));
        var isLetter = Vector128.LessThanOrEqual(letters, Vector128.Create((byte)5));
        if ((isDigit | isLetter) != Vector128<byte>.AllBitsSet)
        {
            return false;
        }

        // Each ushort now holds the high nibble in its low byte and the low nibble in its high byte.
        var nibbles = Vector128.ConditionalSelect(isDigit, digits, letters + Vector128.Create((byte)10)).AsUInt16();
        var bytes = ((nibbles << 4) | (nibbles >> 8)) & Vector128.Create((ushort)0xFF);
        value = BinaryPrimitives.ReverseEndianness(Vector128.Narrow(bytes, bytes).AsUInt64().ToScalar());
        return true;
    }

    /// <summary>Writes <paramref name="value"/> as exactly 16 lowercase hex digits.</summary>
    public static void WriteUInt64(ulong value, Span<char> destination)
    {
        if (destination.Length < 16)
        {
            throw new ArgumentException("The destination must hold 16 characters.", nameof(destination));
        }

        if (Vector128.IsHardwareAccelerated && BitConverter.IsLittleEndian)
        {
            WriteUInt64Vector(value, destination);
            return;
        }

        WriteUInt64Scalar(value, destination);
    }

    /// <summary>The portable form of <see cref="WriteUInt64"/>: one digit at a time.</summary>
    internal static void WriteUInt64Scalar(ulong value, Span<char> destination)
    {
        destination = destination[..16];
        for (var i = 15; i >= 0; i--)
        {
            destination[i] = LowerDigits[(int)(value & 0xF)];
            value >>= 4;
        }
    }

    /// <summary>
    /// The vectorized form of <see cref="WriteUInt64"/> (little-endian only): the 8 bytes, most significant
    /// first, are split into 16 nibbles, turned into digits and widened into chars as vectors.
    /// </summary>
    internal static void WriteUInt64Vector(ulong value, Span<char> destination)
    {
        ref var target = ref Unsafe.As<char, ushort>(ref MemoryMarshal.GetReference(destination[..16]));
        var bytes = Vector128.CreateScalar(BinaryPrimitives.ReverseEndianness(value)).AsByte();

        // Byte i becomes the pair (high nibble, low nibble) at positions 2i and 2i+1.
        var pairs = Vector128.WidenLower(bytes >>> 4) | (Vector128.WidenLower(bytes & Vector128.Create((byte)0xF)) << 8);
        var nibbles = pairs.AsByte();
        var digits = nibbles + Vector128.Create((byte)'0')
            + (Vector128.GreaterThan(nibbles, Vector128.Create((byte)9)) & Vector128.Create((byte)('a' - '0' - 10)));
        Vector128.WidenLower(digits).StoreUnsafe(ref target);
        Vector128.WidenUpper(digits).StoreUnsafe(ref target, 8);
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
