using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Propagation.Internal;

namespace Propagation;

/// <summary>
/// Validates, combines, truncates and edits W3C Trace Context Level 2 <c>tracestate</c> values
/// (a comma-separated list of <c>key=value</c> members, most recently updated on the left).
/// </summary>
/// <remarks>
/// <para>Reading (<see cref="Combine"/>) follows the specification strictly: a member with an invalid key
/// or value, a key that appears twice, or more than <see cref="MaxMembers"/> members makes the whole
/// <c>tracestate</c> invalid and it is discarded (the <c>traceparent</c> is still used). Empty members and
/// whitespace around members are accepted (and not counted).
/// A valid single-line value that needs no truncation is returned as the original string instance,
/// so extraction allocates nothing.</para>
/// <para>Writing (<see cref="Truncate"/>, <see cref="SetMember"/>, <see cref="RemoveMember"/>) never
/// produces an invalid value, a duplicate key, more than <see cref="MaxMembers"/> members or more than
/// <see cref="MaxLength"/> characters: invalid members and later duplicates are left out, and over the
/// limits whole members are removed, those longer than <see cref="LargeMemberLength"/> first, then
/// from the right (§3.3.1.5).</para>
/// </remarks>
public static class TraceState
{
    /// <summary>The header name, <c>tracestate</c>.</summary>
    public const string HeaderName = "tracestate";

    /// <summary>The most members a <c>tracestate</c> carries (§3.3.1.1): 32.</summary>
    public const int MaxMembers = 32;

    /// <summary>
    /// The longest combined value this library propagates: 512 characters, the least the specification
    /// asks every vendor to propagate (§3.3.1.5).
    /// </summary>
    public const int MaxLength = 512;

    /// <summary>The longest combined inbound value that is looked at; anything longer is rejected unread: 8192 characters.</summary>
    public const int MaxInputLength = 8192;

    /// <summary>Members longer than this are the first removed when truncating (§3.3.1.5): 128 characters.</summary>
    public const int LargeMemberLength = 128;

    /// <summary>The longest key (§3.3.1.3.1): 256 characters.</summary>
    public const int MaxKeyLength = 256;

    /// <summary>The longest value (§3.3.1.3.2): 256 characters.</summary>
    public const int MaxValueLength = 256;

    /// <summary>Checks a key against the Level 2 grammar (§3.3.1.3.1).</summary>
    /// <param name="key">The key.</param>
    /// <returns>
    /// <see langword="true"/> for a simple key (<c>lcalpha 0*255( lcalpha / DIGIT / "_" / "-" / "*" / "/" )</c>)
    /// or a multi-tenant key (<c>tenant-id "@" system-id</c>, tenant-id up to 241 characters starting with a
    /// lowercase letter or digit, system-id up to 14 characters starting with a lowercase letter).
    /// </returns>
    public static bool IsValidKey(ReadOnlySpan<char> key)
    {
        if (key.IsEmpty || key.Length > MaxKeyLength)
        {
            return false;
        }

        var at = key.IndexOf('@');
        if (at < 0)
        {
            // simple-key = lcalpha 0*255( lcalpha / DIGIT / "_" / "-"/ "*" / "/" )
            return IsLowerAlpha(key[0]) && !key[1..].ContainsAnyExcept(W3CText.TraceStateKeyChars);
        }

        // multi-tenant-key = tenant-id "@" system-id
        // tenant-id = ( lcalpha / DIGIT ) 0*240( lcalpha / DIGIT / "_" / "-"/ "*" / "/" )
        // system-id = lcalpha 0*13( lcalpha / DIGIT / "_" / "-"/ "*" / "/" )
        var tenant = key[..at];
        var system = key[(at + 1)..];
        return tenant.Length is >= 1 and <= 241
            && (IsLowerAlpha(tenant[0]) || char.IsAsciiDigit(tenant[0]))
            && !tenant[1..].ContainsAnyExcept(W3CText.TraceStateKeyChars)
            && system.Length is >= 1 and <= 14
            && IsLowerAlpha(system[0])
            && !system[1..].ContainsAnyExcept(W3CText.TraceStateKeyChars);
    }

    /// <summary>Checks a value against the grammar (§3.3.1.3.2).</summary>
    /// <param name="value">The value.</param>
    /// <returns>
    /// <see langword="true"/> for 1 to 256 printable ASCII characters (0x20-0x7E) other than <c>,</c> and
    /// <c>=</c>, not ending with a space.
    /// </returns>
    public static bool IsValidValue(ReadOnlySpan<char> value) =>
        value.Length is >= 1 and <= MaxValueLength
        && value[^1] != ' '
        && !value.ContainsAnyExcept(W3CText.TraceStateValueChars);

    /// <summary>Checks a whole <c>tracestate</c> value as <see cref="Combine"/> reads it.</summary>
    /// <param name="traceState">The value (one line, or lines already joined with commas).</param>
    /// <returns>
    /// <see langword="true"/> when it is at most <see cref="MaxInputLength"/> characters, every non-empty
    /// member is valid, no key repeats and there are at most <see cref="MaxMembers"/> members.
    /// </returns>
    public static bool IsValid(ReadOnlySpan<char> traceState)
    {
        if (traceState.Length > MaxInputLength)
        {
            return false;
        }

        var list = new MemberList();
        var outcome = Scan(traceState, strict: true, skipKey: default, ref list);
        return (outcome & (Outcome.Invalid | Outcome.TooManyMembers)) == 0;
    }

    /// <summary>
    /// Reads the <c>tracestate</c> lines of one request (§3.3.1.2: several lines are combined as if joined by
    /// commas). Call it only after a valid <c>traceparent</c> was read (§3.3: a vendor that failed to parse
    /// <c>traceparent</c> must not parse <c>tracestate</c>).
    /// </summary>
    /// <param name="lines">The header lines as the carrier holds them.</param>
    /// <param name="issues">
    /// Receives <see cref="PropagationIssues.TraceStateInvalid"/> when the value was discarded: an invalid
    /// member, a repeated key or more than <see cref="MaxMembers"/> non-empty members, counted across all
    /// lines (with <see cref="PropagationIssues.HeaderTooLong"/> when it was over <see cref="MaxInputLength"/>),
    /// and <see cref="PropagationIssues.TraceStateTruncated"/> when whole members were removed to fit
    /// <see cref="MaxLength"/>.
    /// </param>
    /// <returns>
    /// The value to propagate: the original string when it is a valid single line within the limits (no
    /// allocation), otherwise a new, normalized string; <see langword="null"/> when absent, empty or invalid.
    /// </returns>
    public static string? Combine(HeaderValues lines, ref PropagationIssues issues)
    {
        var count = lines.Count;
        if (count == 0)
        {
            return null;
        }

        if (count == 1)
        {
            var line = lines[0];
            return line is null ? null : CombineOne(line, ref issues);
        }

        return CombineMany(lines, ref issues);
    }

    /// <summary>
    /// Prepares a <c>tracestate</c> for sending: the same instance when it is already valid and within the
    /// limits (no allocation), otherwise a new value without invalid or repeated members, truncated to
    /// <see cref="MaxMembers"/> members and <see cref="MaxLength"/> characters.
    /// </summary>
    /// <param name="traceState">The value, for example <see cref="System.Diagnostics.Activity.TraceStateString"/>.</param>
    /// <returns>The value to send; <see langword="null"/> when nothing valid remains.</returns>
    public static string? Truncate(string? traceState)
    {
        if (string.IsNullOrEmpty(traceState))
        {
            return null;
        }

        // The common case (a plain value within the limits) is decided by a vectorized pass.
        if (TraceStateFastPath.IsValidAsIs(traceState))
        {
            return traceState;
        }

        var list = new MemberList();
        Scan(traceState, strict: false, skipKey: default, ref list);
        return Build(traceState, traceState, ref list);
    }

    /// <summary>
    /// Adds or updates this service's member and moves it to the left (§3.5: a vendor that updates its
    /// member puts it at the beginning of the list). The result never holds the key twice and stays within
    /// the limits.
    /// </summary>
    /// <param name="traceState">The current value, or <see langword="null"/>.</param>
    /// <param name="key">The key; must be valid per <see cref="IsValidKey"/>.</param>
    /// <param name="value">The value; must be valid per <see cref="IsValidValue"/>.</param>
    /// <returns>The new value, with <c>key=value</c> first.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> or <paramref name="value"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="key"/> or <paramref name="value"/> is not valid.</exception>
    /// <remarks>
    /// A new member longer than <see cref="LargeMemberLength"/> may itself be removed when the list is over
    /// <see cref="MaxLength"/>, as the truncation rule says.
    /// </remarks>
    public static string? SetMember(string? traceState, string key, string value)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        if (!IsValidKey(key))
        {
            throw new ArgumentException("The key does not match the W3C tracestate key grammar (lowercase letter first, then a-z 0-9 _ - * /, at most 256 characters, or tenant@system).", nameof(key));
        }

        if (!IsValidValue(value))
        {
            throw new ArgumentException("The value does not match the W3C tracestate value grammar (1-256 printable ASCII characters except ',' and '=', not ending with a space).", nameof(value));
        }

        // The new member goes first; the scan keeps the first occurrence of a key, so the old member
        // with the same key is dropped as a duplicate.
        var existing = traceState is null ? default : BoundForWriting(traceState);
        var length = key.Length + 1 + value.Length + (existing.IsEmpty ? 0 : 1 + existing.Length);
        var rented = ArrayPool<char>.Shared.Rent(length);
        try
        {
            var buffer = rented.AsSpan(0, length);
            key.AsSpan().CopyTo(buffer);
            buffer[key.Length] = '=';
            value.AsSpan().CopyTo(buffer[(key.Length + 1)..]);
            if (!existing.IsEmpty)
            {
                buffer[key.Length + 1 + value.Length] = ',';
                existing.CopyTo(buffer[(key.Length + 2 + value.Length)..]);
            }

            var list = new MemberList();
            Scan(buffer, strict: false, skipKey: default, ref list);
            return Build(buffer, original: null, ref list);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(rented);
        }
    }

    /// <summary>Removes a member.</summary>
    /// <param name="traceState">The current value, or <see langword="null"/>.</param>
    /// <param name="key">The key of the member to remove.</param>
    /// <returns>The value without that key (and without invalid members), within the limits; <see langword="null"/> when empty.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is null.</exception>
    public static string? RemoveMember(string? traceState, string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (string.IsNullOrEmpty(traceState))
        {
            return null;
        }

        var list = new MemberList();
        Scan(traceState, strict: false, skipKey: key, ref list);
        return Build(traceState, traceState, ref list);
    }

    /// <summary>Finds the value of a member without allocating.</summary>
    /// <param name="traceState">The <c>tracestate</c> value.</param>
    /// <param name="key">The key to look for.</param>
    /// <param name="value">The member's value; empty when not found.</param>
    /// <returns><see langword="true"/> when a valid member with <paramref name="key"/> was found (the leftmost one).</returns>
    public static bool TryGetValue(ReadOnlySpan<char> traceState, ReadOnlySpan<char> key, out ReadOnlySpan<char> value)
    {
        value = default;
        if (traceState.Length > MaxInputLength)
        {
            return false;
        }

        var position = 0;
        while (position <= traceState.Length)
        {
            var comma = traceState[position..].IndexOf(',');
            var end = comma < 0 ? traceState.Length : position + comma;
            var member = W3CText.TrimOws(traceState[position..end]);
            var equals = member.IndexOf('=');
            if (equals > 0 && member[..equals].SequenceEqual(key) && IsValidKey(key) && IsValidValue(member[(equals + 1)..]))
            {
                value = member[(equals + 1)..];
                return true;
            }

            if (comma < 0)
            {
                break;
            }

            position = end + 1;
        }

        return false;
    }

    private static string? CombineOne(string line, ref PropagationIssues issues)
    {
        // Hard bound before any work.
        if (line.Length > MaxInputLength)
        {
            issues |= PropagationIssues.HeaderTooLong | PropagationIssues.TraceStateInvalid;
            return null;
        }

        // The common case (one plain line within the limits) is decided by a vectorized pass.
        if (TraceStateFastPath.IsValidAsIs(line))
        {
            return line;
        }

        var list = new MemberList();
        var outcome = Scan(line, strict: true, skipKey: default, ref list);
        if ((outcome & Outcome.Invalid) != 0)
        {
            issues |= PropagationIssues.TraceStateInvalid;
            return null;
        }

        var result = Build(line, line, ref list);
        if ((list.Outcome & Outcome.Truncated) != 0)
        {
            issues |= PropagationIssues.TraceStateTruncated;
        }

        return result;
    }

    private static string? CombineMany(HeaderValues lines, ref PropagationIssues issues)
    {
        // §3.3.1.2: several tracestate lines are combined as one value, joined with ",".
        var total = 0;
        for (var i = 0; i < lines.Count; i++)
        {
            total += (lines[i]?.Length ?? 0) + 1;
            if (total > MaxInputLength + 1)
            {
                issues |= PropagationIssues.HeaderTooLong | PropagationIssues.TraceStateInvalid;
                return null;
            }
        }

        var rented = ArrayPool<char>.Shared.Rent(total);
        try
        {
            var length = 0;
            for (var i = 0; i < lines.Count; i++)
            {
                var line = lines[i];
                if (string.IsNullOrEmpty(line))
                {
                    continue;
                }

                if (length > 0)
                {
                    rented[length++] = ',';
                }

                line.AsSpan().CopyTo(rented.AsSpan(length));
                length += line.Length;
            }

            var combined = rented.AsSpan(0, length);
            var list = new MemberList();
            var outcome = Scan(combined, strict: true, skipKey: default, ref list);
            if ((outcome & Outcome.Invalid) != 0)
            {
                issues |= PropagationIssues.TraceStateInvalid;
                return null;
            }

            var result = Build(combined, original: null, ref list);
            if ((list.Outcome & Outcome.Truncated) != 0)
            {
                issues |= PropagationIssues.TraceStateTruncated;
            }

            return result;
        }
        finally
        {
            ArrayPool<char>.Shared.Return(rented);
        }
    }

    private static ReadOnlySpan<char> BoundForWriting(string traceState)
    {
        // Whatever we write is at most MaxLength characters, so there is no point reading far beyond it;
        // cut at a comma so no member is cut in half (a cut member could look valid with another value).
        ReadOnlySpan<char> span = traceState;
        if (span.Length <= MaxInputLength)
        {
            return span;
        }

        var lastComma = span[..MaxInputLength].LastIndexOf(',');
        return lastComma < 0 ? default : span[..lastComma];
    }

    private static bool IsLowerAlpha(char c) => (uint)(c - 'a') <= 'z' - 'a';

    /// <summary>Splits <paramref name="source"/> into members and validates them in one scalar pass.</summary>
    /// <param name="source">The list.</param>
    /// <param name="strict">
    /// Reading: an invalid member or a repeated key invalidates everything. Writing: they are left out.
    /// </param>
    /// <param name="skipKey">A key to leave out (writing only).</param>
    /// <param name="list">Receives the first <see cref="MaxMembers"/> kept members.</param>
    private static Outcome Scan(ReadOnlySpan<char> source, bool strict, ReadOnlySpan<char> skipKey, ref MemberList list)
    {
        if (!strict && source.Length > MaxInputLength)
        {
            var lastComma = source[..MaxInputLength].LastIndexOf(',');
            source = lastComma < 0 ? default : source[..lastComma];
            list.Outcome |= Outcome.Dropped;
        }

        var position = 0;
        while (position < source.Length)
        {
            var kind = ScanMember(source, ref position, out var start, out var keyLength, out var end);
            if (kind == MemberKind.Empty)
            {
                continue;
            }

            if (kind == MemberKind.Invalid)
            {
                if (strict)
                {
                    list.Outcome |= Outcome.Invalid;
                    return list.Outcome;
                }

                list.Outcome |= Outcome.Dropped;

                // Resume after the next comma.
                var comma = source[position..].IndexOf(',');
                position = comma < 0 ? source.Length : position + comma + 1;
                continue;
            }

            AddMember(source, start, keyLength, end, strict, skipKey, ref list);
            if ((list.Outcome & Outcome.Invalid) != 0)
            {
                return list.Outcome;
            }
        }

        return list.Outcome;
    }

    /// <summary>
    /// Reads one list-member starting at <paramref name="position"/>. On success <paramref name="position"/>
    /// is just after the member's comma (or at the end); when invalid it is where reading stopped.
    /// </summary>
    private static MemberKind ScanMember(ReadOnlySpan<char> source, ref int position, out int start, out int keyLength, out int end)
    {
        ref var table = ref MemoryMarshal.GetReference(CharClasses);
        var p = position;
        var n = source.Length;
        keyLength = 0;
        end = 0;

        // §3.3.1.3: list = list-member 0*31( OWS "," OWS list-member ); OWS around members is not part of
        // them, and empty list-members are allowed and ignored.
        while (p < n && (source[p] == ' ' || source[p] == '\t'))
        {
            p++;
        }

        start = p;
        if (p == n || source[p] == ',')
        {
            position = p == n ? n : p + 1;
            return MemberKind.Empty;
        }

        // §3.3.1.3.1 key: simple-key or tenant-id "@" system-id, all of lcalpha / DIGIT / "_" / "-" / "*" / "/".
        // One table look-up and one branch per character on the common path (no bounds checks: p < n).
        ref var chars = ref MemoryMarshal.GetReference(source);
        var at = -1;
        while (p < n)
        {
            var c = Unsafe.Add(ref chars, p);
            if ((Unsafe.Add(ref table, (nint)Math.Min(c, (char)127)) & KeyChar) == 0)
            {
                if (c == '=')
                {
                    break;
                }

                if (c != '@' || at >= 0)
                {
                    position = p;
                    return MemberKind.Invalid;
                }

                at = p;
            }

            p++;
        }

        keyLength = p - start;
        if (p == n || !IsValidKeyShape(source, start, at, p))
        {
            position = p;
            return MemberKind.Invalid;
        }

        // list-member = key "=" value: no whitespace around "=".
        p++;
        var valueStart = p;
        var firstTab = -1;

        // §3.3.1.3.2 value = 0*255(chr) nblk-chr; chr = %x20 / nblk-chr (printable ASCII except "," and "=").
        while (p < n)
        {
            var c = Unsafe.Add(ref chars, p);
            if ((Unsafe.Add(ref table, (nint)Math.Min(c, (char)127)) & ValueChar) == 0)
            {
                if (c == ',')
                {
                    break;
                }

                if (c != '\t')
                {
                    position = p;
                    return MemberKind.Invalid;
                }

                // A tab is only allowed as trailing whitespace: remember the first one.
                if (firstTab < 0)
                {
                    firstTab = p;
                }
            }

            p++;
        }

        // Trailing OWS belongs to the list, not the value (a value never ends with a space).
        end = p;
        while (end > valueStart && (source[end - 1] == ' ' || source[end - 1] == '\t'))
        {
            end--;
        }

        var valueLength = end - valueStart;
        if (valueLength is < 1 or > MaxValueLength || (firstTab >= 0 && firstTab < end))
        {
            position = p;
            return MemberKind.Invalid;
        }

        position = p == n ? n : p + 1;
        return MemberKind.Valid;
    }

    private static bool IsValidKeyShape(ReadOnlySpan<char> source, int start, int at, int end)
    {
        var length = end - start;
        if (length is < 1 or > MaxKeyLength)
        {
            return false;
        }

        if (at < 0)
        {
            // simple-key = lcalpha 0*255( lcalpha / DIGIT / "_" / "-"/ "*" / "/" )
            return IsLowerAlpha(source[start]);
        }

        // tenant-id = ( lcalpha / DIGIT ) 0*240( ... ); system-id = lcalpha 0*13( ... )
        var tenantLength = at - start;
        var systemLength = end - at - 1;
        return tenantLength is >= 1 and <= 241
            && (IsLowerAlpha(source[start]) || char.IsAsciiDigit(source[start]))
            && systemLength is >= 1 and <= 14
            && IsLowerAlpha(source[at + 1]);
    }

    private static void AddMember(ReadOnlySpan<char> source, int start, int keyLength, int end, bool strict, ReadOnlySpan<char> skipKey, ref MemberList list)
    {
        var key = source.Slice(start, keyLength);
        if (!skipKey.IsEmpty && key.SequenceEqual(skipKey))
        {
            list.Outcome |= Outcome.Dropped;
            return;
        }

        // §3.3.1.3.1: keys are unique within a list. Reading treats a repeated key as an invalid
        // tracestate; writing keeps the leftmost (most recent) member. Repeats are looked for among the
        // kept members, which bounds the work: reading keeps every member until the 33rd invalidates the
        // whole list (so no repeat can hide beyond it), and writing drops every member beyond MaxMembers.
        for (var i = 0; i < list.Count; i++)
        {
            if (list.KeyLengths[i] == keyLength && source.Slice(list.Starts[i], keyLength).SequenceEqual(key))
            {
                list.Outcome |= strict ? Outcome.Invalid : Outcome.Dropped;
                return;
            }
        }

        if (list.Count == MaxMembers)
        {
            // §3.3.1.3: list = list-member 0*31( OWS "," OWS list-member ), so a list of more than 32
            // (non-empty) members does not match the grammar: reading discards it as a whole, like any
            // other invalid tracestate (the W3C test suite's test_tracestate_member_count_limit).
            // §3.5: writing removes members from the right to stay within 32.
            list.Outcome |= strict ? Outcome.Invalid | Outcome.TooManyMembers : Outcome.TooManyMembers | Outcome.Truncated;
            return;
        }

        list.Starts[list.Count] = start;
        list.Lengths[list.Count] = end - start;
        list.KeyLengths[list.Count] = keyLength;
        list.Count++;
    }

    /// <summary>Applies the length limit and produces the value: <paramref name="original"/> when nothing changed.</summary>
    private static string? Build(ReadOnlySpan<char> source, string? original, ref MemberList list)
    {
        if (list.Count == 0)
        {
            return null;
        }

        // §3.3.1.5 Limits: when the combined value is over the limit, entries larger than 128 characters
        // are removed first (from the right), then entries are removed from the end.
        var kept = list.Count;
        var sum = 0;
        for (var i = 0; i < list.Count; i++)
        {
            sum += list.Lengths[i];
        }

        if (sum + kept - 1 > MaxLength)
        {
            list.Outcome |= Outcome.Truncated;
            for (var i = list.Count - 1; i >= 0 && sum + kept - 1 > MaxLength; i--)
            {
                if (list.Lengths[i] > LargeMemberLength)
                {
                    sum -= list.Lengths[i];
                    list.Lengths[i] = 0;
                    kept--;
                }
            }

            for (var i = list.Count - 1; i >= 0 && kept > 0 && sum + kept - 1 > MaxLength; i--)
            {
                if (list.Lengths[i] > 0)
                {
                    sum -= list.Lengths[i];
                    list.Lengths[i] = 0;
                    kept--;
                }
            }
        }

        if (kept == 0)
        {
            return null;
        }

        var changed = (list.Outcome & (Outcome.Dropped | Outcome.Truncated)) != 0;
        if (!changed && original is not null && original.Length <= MaxLength)
        {
            // A valid value within the limits is propagated as received (no allocation).
            return original;
        }

        Span<char> buffer = stackalloc char[MaxLength];
        var length = 0;
        for (var i = 0; i < list.Count; i++)
        {
            var memberLength = list.Lengths[i];
            if (memberLength == 0)
            {
                continue;
            }

            if (length > 0)
            {
                buffer[length++] = ',';
            }

            source.Slice(list.Starts[i], memberLength).CopyTo(buffer[length..]);
            length += memberLength;
        }

        return new string(buffer[..length]);
    }

    private const byte KeyChar = 1;
    private const byte ValueChar = 2;

    // ASCII character classes: KeyChar = lcalpha / DIGIT / "_" / "-" / "*" / "/" (§3.3.1.3.1);
    // ValueChar = %x20-7E except "," and "=" (§3.3.1.3.2). Index 127 (DEL) is in neither class, which
    // lets the scanner clamp every char >= 127 to it.
    private static ReadOnlySpan<byte> CharClasses =>
    [
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 2, 0, 3, 2, 3, // ' ' ! " # $ % & ' ( ) * + , - . /
        3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 2, 2, 2, 0, 2, 2, // 0-9 : ; < = > ?
        2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, // @ A-O
        2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, // P-Z [ \ ] ^ _
        2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, // ` a-o
        3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 0, // p-z { | } ~ DEL
    ];

    private enum MemberKind
    {
        Empty,
        Invalid,
        Valid,
    }

    [Flags]
    private enum Outcome
    {
        None = 0,
        Invalid = 1,
        Dropped = 2,
        TooManyMembers = 4,
        Truncated = 8,
    }

    [System.Runtime.CompilerServices.InlineArray(MaxMembers)]
    private struct Int32Buffer
    {
        private int _element;
    }

    private struct MemberList
    {
        public Int32Buffer Starts;
        public Int32Buffer Lengths;
        public Int32Buffer KeyLengths;
        public int Count;
        public Outcome Outcome;
    }
}
