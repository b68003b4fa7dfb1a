using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Propagation;

/// <summary>
/// A vectorized check for the common inbound <c>tracestate</c>: one line of printable ASCII, no optional
/// whitespace around members, no empty members, within <see cref="TraceState.MaxLength"/>. It answers only
/// "valid and propagated unchanged"; anything else (including every value it cannot decide) goes to the
/// full scanner in <see cref="TraceState"/>, so it never changes what is accepted.
/// </summary>
/// <remarks>
/// <para>The value is classified 16 or 32 characters at a time into bit masks (commas, equals signs, at signs,
/// key characters), one 64-bit word per 64 characters. Each member must hold exactly one <c>=</c>: that
/// makes commas and equals signs alternate, so a running parity (prefix XOR) of both marks every value
/// character with 1 and every key character with 0. Whole-value checks are then a few word operations:
/// no second <c>=</c> in a member, no member without one, and nothing but key characters between a
/// member's start and its <c>=</c>. A short walk over the marks checks what is per member: key and value
/// lengths, the key's first character and multi-tenant shape, a value not ending in a space, repeated
/// keys, the member count.</para>
/// </remarks>
internal static class TraceStateFastPath
{
    private const int BlockLength = 16;

    /// <summary>
    /// Returns <see langword="true"/> only when <paramref name="value"/> is a valid <c>tracestate</c> that
    /// <see cref="TraceState.Combine"/> propagates as received; <see langword="false"/> means "not decided
    /// here" (the caller runs the full scanner).
    /// </summary>
    public static bool IsValidAsIs(ReadOnlySpan<char> value)
    {
        var length = value.Length;
        if (length < BlockLength || length > TraceState.MaxLength || !Vector128.IsHardwareAccelerated)
        {
            return false;
        }

        // The masks of each 64 characters are built in registers, 32 characters at a time where the hardware has
        // 256-bit vectors (512-bit ones measured no faster here), otherwise 16.
        ref var source = ref Unsafe.As<char, ushort>(ref MemoryMarshal.GetReference(value));
        var block = Vector256.IsHardwareAccelerated && length >= 32 ? 32 : BlockLength;
        ref var chars = ref MemoryMarshal.GetReference(value);
        var keys = default(KeyList);
        int count = 0, keyStart = 0, keyAt = -1, valueStart = 0;
        var parity = 0UL;
        for (var wordStart = 0; wordStart < length; wordStart += 64)
        {
            ulong commas = 0, equals = 0, ats = 0, keyChars = 0;
            var end = Math.Min(length, wordStart + 64);
            for (var position = wordStart; position < end; position += block)
            {
                // The last, partial block re-reads the characters that end the value and drops the bits of
                // those classified already.
                var shift = Math.Max(0, position + block - length);
                var at = (nuint)(position - shift);
                var bits = block == 32 ? ClassifyBlock256(ref source, at) : ClassifyBlock128(ref source, at);

                // Printable ASCII only (%x20-7E); tabs, controls and non-ASCII take the full scanner.
                if (!bits.Printable)
                {
                    return false;
                }

                var offset = position - wordStart;
                commas |= (bits.Commas >> shift) << offset;
                equals |= (bits.EqualSigns >> shift) << offset;
                ats |= (bits.Ats >> shift) << offset;
                keyChars |= (bits.KeyChars >> shift) << offset;
            }

            // 1 from a member's "=" up to (not including) the next ",": the value; 0 over keys and commas.
            var inValue = PrefixXor(commas | equals) ^ parity;
            parity = (ulong)((long)inValue >> 63);

            // A second "=" in a member closes its value (parity back to 0); a "," with no "=" before it (or an
            // empty member) opens one. Both are left to the full scanner.
            if ((equals & ~inValue) != 0 || (commas & inValue) != 0)
            {
                return false;
            }

            // Keys hold key characters only (this also rules out whitespace around members).
            var inRange = end - wordStart == 64 ? ulong.MaxValue : (1UL << (end - wordStart)) - 1;
            var inKey = ~inValue & ~commas & inRange;
            if ((inKey & ~keyChars) != 0)
            {
                return false;
            }

            // The members, mark by mark in the order of the characters: an "@" in a key, the "=" that ends a
            // key, the "," that ends a value.
            var keyAts = ats & inKey;
            var marks = commas | equals | keyAts;
            while (marks != 0)
            {
                var position = wordStart + BitOperations.TrailingZeroCount(marks);
                var bit = marks & (0 - marks);
                marks ^= bit;
                if ((equals & bit) != 0)
                {
                    if (!IsValidKey(ref chars, keyStart, keyAt, position) || !TryAddKey(value, ref keys, ref count, keyStart, position - keyStart))
                    {
                        return false;
                    }

                    valueStart = position + 1;
                }
                else if ((commas & bit) != 0)
                {
                    if (!IsValidValue(ref chars, valueStart, position))
                    {
                        return false;
                    }

                    keyStart = position + 1;
                    keyAt = -1;
                }
                else if (keyAt >= 0)
                {
                    // A second "@" in one key.
                    return false;
                }
                else
                {
                    keyAt = position;
                }
            }
        }

        // The last member has its "=" (this also rejects a trailing comma) and a valid value.
        return parity != 0 && IsValidValue(ref chars, valueStart, length);
    }

    /// <summary>
    /// The per-key rules the masks leave: length, first character, and for <c>tenant-id "@" system-id</c>
    /// a tenant of 1-241 characters starting with lcalpha / DIGIT and a system of 1-14 starting with lcalpha.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsValidKey(ref char chars, int start, int at, int end)
    {
        var first = Unsafe.Add(ref chars, start);
        if (at < 0)
        {
            return (end - start) is >= 1 and <= TraceState.MaxKeyLength && IsLowerAlpha(first);
        }

        return (at - start) is >= 1 and <= 241
            && (end - at - 1) is >= 1 and <= 14
            && (IsLowerAlpha(first) || char.IsAsciiDigit(first))
            && IsLowerAlpha(Unsafe.Add(ref chars, at + 1));
    }

    /// <summary>A value of 1-256 characters that does not end with a space (the rest the masks checked).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsValidValue(ref char chars, int start, int end) =>
        (end - start) is >= 1 and <= TraceState.MaxValueLength && Unsafe.Add(ref chars, end - 1) != ' ';

    /// <summary>§3.3.1.3.1: keys are unique (a repeat makes the whole value invalid: the full scanner says so).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryAddKey(ReadOnlySpan<char> value, ref KeyList keys, ref int count, int start, int length)
    {
        var n = count;
        if (n == TraceState.MaxMembers)
        {
            return false;
        }

        for (var i = 0; i < n; i++)
        {
            var previous = keys[i];
            if ((previous >> 16) == length && value.Slice(previous & 0xFFFF, length).SequenceEqual(value.Slice(start, length)))
            {
                return false;
            }
        }

        keys[n] = start | (length << 16);
        count = n + 1;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static BlockBits ClassifyBlock128(ref ushort source, nuint offset)
    {
        var first = Vector128.LoadUnsafe(ref source, offset);
        var second = Vector128.LoadUnsafe(ref source, offset + 8);
        var printable = Vector128.LessThanOrEqual(first - Vector128.Create((ushort)' '), Vector128.Create((ushort)('~' - ' ')))
            & Vector128.LessThanOrEqual(second - Vector128.Create((ushort)' '), Vector128.Create((ushort)('~' - ' ')));

        // Narrowing keeps the low byte of each char: exact for the printable ASCII the caller insists on.
        var bytes = Vector128.Narrow(first, second);
        var ats = Vector128.Equals(bytes, Vector128.Create((byte)'@'));

        // Key characters (§3.3.1.3.1): lcalpha / DIGIT / "_" / "-" / "*" / "/", and "@" (its place is
        // checked per member).
        var keyChars = Vector128.LessThanOrEqual(bytes - Vector128.Create((byte)'a'), Vector128.Create((byte)('z' - 'a')))
            | Vector128.LessThanOrEqual(bytes - Vector128.Create((byte)'0'), Vector128.Create((byte)9))
            | Vector128.Equals(bytes, Vector128.Create((byte)'_'))
            | Vector128.Equals(bytes, Vector128.Create((byte)'-'))
            | Vector128.Equals(bytes, Vector128.Create((byte)'*'))
            | Vector128.Equals(bytes, Vector128.Create((byte)'/'))
            | ats;

        return new BlockBits(
            Vector128.Equals(bytes, Vector128.Create((byte)',')).ExtractMostSignificantBits(),
            Vector128.Equals(bytes, Vector128.Create((byte)'=')).ExtractMostSignificantBits(),
            ats.ExtractMostSignificantBits(),
            keyChars.ExtractMostSignificantBits(),
            printable == Vector128<ushort>.AllBitsSet);
    }

    /// <summary>As <see cref="ClassifyBlock128"/>, 32 characters at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static BlockBits ClassifyBlock256(ref ushort source, nuint offset)
    {
        var first = Vector256.LoadUnsafe(ref source, offset);
        var second = Vector256.LoadUnsafe(ref source, offset + 16);
        var printable = Vector256.LessThanOrEqual(first - Vector256.Create((ushort)' '), Vector256.Create((ushort)('~' - ' ')))
            & Vector256.LessThanOrEqual(second - Vector256.Create((ushort)' '), Vector256.Create((ushort)('~' - ' ')));

        // Narrowing keeps the low byte of each char: exact for the printable ASCII the caller insists on.
        var bytes = Vector256.Narrow(first, second);
        var ats = Vector256.Equals(bytes, Vector256.Create((byte)'@'));
        var keyChars = Vector256.LessThanOrEqual(bytes - Vector256.Create((byte)'a'), Vector256.Create((byte)('z' - 'a')))
            | Vector256.LessThanOrEqual(bytes - Vector256.Create((byte)'0'), Vector256.Create((byte)9))
            | Vector256.Equals(bytes, Vector256.Create((byte)'_'))
            | Vector256.Equals(bytes, Vector256.Create((byte)'-'))
            | Vector256.Equals(bytes, Vector256.Create((byte)'*'))
            | Vector256.Equals(bytes, Vector256.Create((byte)'/'))
            | ats;

        return new BlockBits(
            Vector256.Equals(bytes, Vector256.Create((byte)',')).ExtractMostSignificantBits(),
            Vector256.Equals(bytes, Vector256.Create((byte)'=')).ExtractMostSignificantBits(),
            ats.ExtractMostSignificantBits(),
            keyChars.ExtractMostSignificantBits(),
            printable == Vector256<ushort>.AllBitsSet);
    }

    /// <summary>Bit i of the result is the XOR of bits 0..i of <paramref name="x"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong PrefixXor(ulong x)
    {
        x ^= x << 1;
        x ^= x << 2;
        x ^= x << 4;
        x ^= x << 8;
        x ^= x << 16;
        x ^= x << 32;
        return x;
    }

    private static bool IsLowerAlpha(char c) => (uint)(c - 'a') <= 'z' - 'a';

    private readonly record struct BlockBits(ulong Commas, ulong EqualSigns, ulong Ats, ulong KeyChars, bool Printable);

    [InlineArray(TraceState.MaxMembers)]
    private struct KeyList
    {
        private int _element;
    }
}
