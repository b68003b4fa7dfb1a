using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using Propagation.Internal;

namespace Propagation;

/// <summary>
/// The W3C Baggage codec: reads and writes the <c>baggage</c> header
/// (<c>key=value;property,key2=value2</c>).
/// </summary>
/// <remarks>
/// <para>Reading: every line of the header is read, as if the lines were joined with commas, and one budget
/// of <see cref="MaxMembers"/> members and <see cref="MaxLength"/> bytes covers them all (W3C Baggage §3.3.1).
/// A member that does not fit is dropped whole (never cut) and reported as
/// <see cref="PropagationIssues.BaggageTruncated"/>; members after it are still read while the member count
/// allows. An invalid member (key not a token, value with characters outside baggage-octet, a bad
/// percent-escape, bad properties) is dropped and reported as <see cref="PropagationIssues.BaggageInvalid"/>;
/// the valid members around it are kept. Empty members (<c>a=1,,b=2</c>) are skipped silently. At most
/// <see cref="MaxInputLength"/> characters are looked at in total.</para>
/// <para>Writing: values are percent-encoded as UTF-8; properties are written as they are; whole members
/// that would take the header over <see cref="MaxMembers"/> or <see cref="MaxLength"/> are left out. Key/value
/// pairs (such as <see cref="System.Diagnostics.Activity.Baggage"/>) are written with each key once, its first
/// value (the one <see cref="System.Diagnostics.Activity.GetBaggageItem"/> returns); a <see cref="Baggage"/> is
/// written member for member as it is.</para>
/// </remarks>
[SuppressMessage("Performance", "CA1822:Mark members as static", Justification = "An instance codec, like ITraceFormat implementations, so it can be held and replaced as a dependency.")]
public sealed class BaggageFormat
{
    /// <summary>The header name, <c>baggage</c>.</summary>
    public const string HeaderName = "baggage";

    /// <summary>The most members propagated (W3C Baggage §3.3.1): 64.</summary>
    public const int MaxMembers = 64;

    /// <summary>The most bytes propagated, across all lines and separators (W3C Baggage §3.3.1): 8192.</summary>
    public const int MaxLength = 8192;

    /// <summary>The most inbound characters looked at across all lines; the rest is dropped unread: 32768.</summary>
    public const int MaxInputLength = 4 * MaxLength;

    private static readonly string[] FieldNames = [HeaderName];

    /// <summary>Gets a shared instance (the codec has no state).</summary>
    public static BaggageFormat Instance { get; } = new();

    /// <summary>Gets the format this codec handles: <see cref="PropagationFormat.Baggage"/>.</summary>
    public PropagationFormat Format => PropagationFormat.Baggage;

    /// <summary>Gets the header names this codec reads and writes.</summary>
    /// <value><c>baggage</c>.</value>
    public IReadOnlyList<string> Fields => FieldNames;

    /// <summary>Reads the <c>baggage</c> lines of <paramref name="carrier"/>.</summary>
    /// <typeparam name="TCarrier">The carrier type.</typeparam>
    /// <param name="carrier">The carrier to read; it is never changed.</param>
    /// <param name="getter">A static getter for the carrier.</param>
    /// <param name="baggage">The valid members that fit the limits; <see cref="Baggage.Empty"/> when none.</param>
    /// <param name="issues">Receives <see cref="PropagationIssues.BaggageInvalid"/>, <see cref="PropagationIssues.BaggageTruncated"/>
    /// and <see cref="PropagationIssues.HeaderTooLong"/> as they happen.</param>
    /// <returns><see langword="true"/> when at least one member was read.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="carrier"/> or <paramref name="getter"/> is null.</exception>
    public bool TryExtract<TCarrier>(TCarrier carrier, HeaderGetter<TCarrier> getter, out Baggage baggage, ref PropagationIssues issues)
    {
        CarrierGuard.ThrowIfNull(carrier);

        ArgumentNullException.ThrowIfNull(getter);
        baggage = Baggage.Empty;
        var lines = getter(carrier, HeaderName);
        if (lines.Count == 0)
        {
            return false;
        }

        var reader = new Reader();
        for (var i = 0; i < lines.Count && !reader.Stopped; i++)
        {
            if (lines[i] is { } line)
            {
                reader.Read(line);
            }
        }

        issues |= reader.Issues;
        if (reader.Count == 0)
        {
            return false;
        }

        baggage = Baggage.FromOwnedArray(reader.ToArray());
        return true;
    }

    /// <summary>Writes <paramref name="baggage"/> to <paramref name="carrier"/>; nothing is written when it is empty.</summary>
    /// <remarks>
    /// A repeated key is sent once, with its first member (value and properties): the one
    /// <see cref="Baggage.TryGetValue"/> returns, so a receiver reads what this side reads, whether it keeps the first or
    /// the last of a repeated key. Repeated keys do not count towards <see cref="MaxMembers"/>; a key whose first member
    /// was left out for its size is not sent with a later value.
    /// </remarks>
    /// <typeparam name="TCarrier">The carrier type.</typeparam>
    /// <param name="baggage">The baggage to send.</param>
    /// <param name="carrier">The carrier to write.</param>
    /// <param name="setter">A static setter for the carrier; it replaces existing values.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public void Inject<TCarrier>(Baggage baggage, TCarrier carrier, HeaderSetter<TCarrier> setter)
    {
        ArgumentNullException.ThrowIfNull(baggage);
        CarrierGuard.ThrowIfNull(carrier);

        ArgumentNullException.ThrowIfNull(setter);
        if (baggage.IsEmpty)
        {
            return;
        }

        // Twice the header's length: the second half remembers the keys of members left out for their size.
        var writer = new Writer(ArrayPool<char>.Shared.Rent(2 * MaxLength));
        try
        {
            foreach (var member in baggage)
            {
                if (!writer.TryAddFirst(member))
                {
                    break;
                }
            }

            if (writer.Length > 0)
            {
                setter(carrier, HeaderName, writer.ToHeaderValue());
            }
        }
        finally
        {
            writer.Dispose();
        }
    }

    /// <summary>
    /// Writes key/value pairs (for example <see cref="System.Diagnostics.Activity.Baggage"/>) to
    /// <paramref name="carrier"/>, each key once with its first value. Pairs whose key is not an RFC 7230
    /// token are left out; a <see langword="null"/> value is written as empty.
    /// </summary>
    /// <remarks>
    /// <para>A key is sent once, with the value of its first pair; later pairs with the same key (compared
    /// ordinally: keys are case-sensitive tokens) are left out, also when the first value was itself left out
    /// for its size. For <see cref="System.Diagnostics.Activity.Baggage"/>, which lists an activity's own items
    /// before its parent's, the first value is the one <see cref="System.Diagnostics.Activity.GetBaggageItem"/>
    /// returns: a child's <see cref="System.Diagnostics.Activity.AddBaggage"/> or
    /// <see cref="System.Diagnostics.Activity.SetBaggage"/> replaces its parent's value on the wire instead of
    /// being sent beside it (a receiver that keeps the last of a repeated key would otherwise see the parent's
    /// value). A caller's own repeated keys are collapsed the same way, to the value this library's extraction
    /// and <see cref="Baggage.TryGetValue"/> would read.</para>
    /// <para>Repeated keys do not count towards <see cref="MaxMembers"/>. In the unlikely case that the keys of
    /// members left out for their size come to more than <see cref="MaxLength"/> characters, writing stops there,
    /// so that no later, older value of one of them is sent.</para>
    /// </remarks>
    /// <typeparam name="TCarrier">The carrier type.</typeparam>
    /// <param name="baggage">The pairs to send.</param>
    /// <param name="carrier">The carrier to write.</param>
    /// <param name="setter">A static setter for the carrier; it replaces existing values.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public void Inject<TCarrier>(IEnumerable<KeyValuePair<string, string?>> baggage, TCarrier carrier, HeaderSetter<TCarrier> setter)
    {
        ArgumentNullException.ThrowIfNull(baggage);
        CarrierGuard.ThrowIfNull(carrier);

        ArgumentNullException.ThrowIfNull(setter);

        // Twice the header's length: the second half remembers the keys of members left out for their size.
        var writer = new Writer(ArrayPool<char>.Shared.Rent(2 * MaxLength));
        try
        {
            foreach (var pair in baggage)
            {
                if (pair.Key is null || !BaggageMember.IsValidKey(pair.Key))
                {
                    continue;
                }

                if (!writer.TryAddFirst(new BaggageMember(pair.Key, pair.Value ?? string.Empty, properties: null, trusted: true)))
                {
                    break;
                }
            }

            if (writer.Length > 0)
            {
                setter(carrier, HeaderName, writer.ToHeaderValue());
            }
        }
        finally
        {
            writer.Dispose();
        }
    }

    /// <summary>Parses lines into members under one shared budget.</summary>
    private struct Reader
    {
        private BaggageMember[]? _members;
        private int _bytes;
        private int _scanned;

        public int Count { get; private set; }

        public PropagationIssues Issues { get; private set; }

        public bool Stopped { get; private set; }

        public void Read(string line)
        {
            var position = 0;
            while (position <= line.Length && !Stopped)
            {
                // Bound the work on attacker-controlled input, across all lines. The comma is looked for only
                // within what is left of the budget: a member that does not end there is over it anyway, so a
                // huge line is not searched to its end first.
                var rest = line.AsSpan(position);
                var comma = rest[..Math.Min(rest.Length, MaxInputLength - _scanned)].IndexOf(',');
                var end = comma < 0 ? line.Length : position + comma;
                _scanned += end - position + 1;
                if (_scanned > MaxInputLength)
                {
                    Issues |= PropagationIssues.HeaderTooLong | PropagationIssues.BaggageTruncated;
                    Stopped = true;
                    return;
                }

                ReadMember(W3CText.TrimOws(line.AsSpan(position, end - position)));
                if (comma < 0)
                {
                    return;
                }

                position = end + 1;
            }
        }

        public readonly BaggageMember[] ToArray() => _members!.AsSpan(0, Count).ToArray();

        private void ReadMember(ReadOnlySpan<char> member)
        {
            // §3.2.1 baggage-string = list-member 0*179( OWS "," OWS list-member ). Empty members are not in
            // the grammar; they are skipped (robustness), not reported.
            if (member.IsEmpty)
            {
                return;
            }

            // §3.3.1 Limits: 64 members and 8192 bytes in total; a member that does not fit is dropped whole.
            // Check the budget before parsing, so over-budget input costs no allocation.
            var size = member.Length + (Count > 0 ? 1 : 0);
            if (Count == MaxMembers || _bytes + size > MaxLength)
            {
                Issues |= PropagationIssues.BaggageTruncated;
                if (Count == MaxMembers)
                {
                    Stopped = true;
                }

                return;
            }

            if (!BaggageCodec.TryParseMember(member, out var parsed))
            {
                Issues |= PropagationIssues.BaggageInvalid;
                return;
            }

            _members ??= new BaggageMember[8];
            if (Count == _members.Length)
            {
                Array.Resize(ref _members, Math.Min(_members.Length * 2, MaxMembers));
            }

            _members[Count++] = parsed;
            _bytes += size;
        }
    }

    /// <summary>Writes members into a pooled buffer within the limits.</summary>
    private struct Writer(char[] buffer) : IDisposable
    {
        private char[]? _buffer = buffer;
        private int _count;
        private int _leftOut;

        public int Length { get; private set; }

        /// <summary>
        /// Adds a member unless its key was already seen (written, or left out for its size): the first value of a
        /// key wins. Returns <see langword="false"/> once the member limit is reached, or when a key left out for its
        /// size cannot be remembered. A written member is <c>key=value</c> with optional <c>;properties</c>: the key
        /// is a token, the value percent-encoded and valid properties hold no comma, so members split at commas and a
        /// key ends at the first <c>=</c>. The buffer needs <see cref="MaxLength"/> characters after the header's for the keys left out.
        /// </summary>
        public bool TryAddFirst(in BaggageMember member)
        {
            if (_count == MaxMembers)
            {
                return false;
            }

            // O(n²) over at most 64 short members: no set to allocate, and with few members and no repeats a
            // scan of a short header. The keys of members left out for their size are kept after the header.
            var key = member.Key;
            if (Holds(_buffer.AsSpan(0, Length), key) || Holds(_buffer.AsSpan(MaxLength, _leftOut), key))
            {
                return true;
            }

            var separator = Length > 0 ? 1 : 0;
            var size = BaggageCodec.GetEncodedLength(member);
            if (Length + separator + size <= MaxLength)
            {
                Append(member, separator);
                return true;
            }

            // Left out for its size. A later pair with the same key must not be sent in its place, unless no pair
            // with this key could fit anyway (the smallest, "key=", does not fit the room that is left).
            if (Length + separator + key.Length + 1 > MaxLength)
            {
                return true;
            }

            var room = _buffer!.AsSpan(MaxLength + _leftOut);
            if (key.Length + 2 > room.Length)
            {
                return false;
            }

            key.AsSpan().CopyTo(room);
            room[key.Length] = '=';
            room[key.Length + 1] = ',';
            _leftOut += key.Length + 2;
            return true;
        }

        public readonly string ToHeaderValue() => new(_buffer.AsSpan(0, Length));

        public void Dispose()
        {
            if (_buffer is not null)
            {
                ArrayPool<char>.Shared.Return(_buffer);
                _buffer = null;
            }
        }

        /// <summary>Whether a <c>key=...</c> member in comma-separated <paramref name="members"/> has <paramref name="key"/>.</summary>
        private static bool Holds(ReadOnlySpan<char> members, string key)
        {
            while (!members.IsEmpty)
            {
                if (members.Length > key.Length && members[key.Length] == '=' && members[..key.Length].SequenceEqual(key))
                {
                    return true;
                }

                var comma = members.IndexOf(',');
                if (comma < 0)
                {
                    return false;
                }

                members = members[(comma + 1)..];
            }

            return false;
        }

        /// <summary>Writes a member that fits, after <paramref name="separator"/> (0 or 1) comma.</summary>
        private void Append(in BaggageMember member, int separator)
        {
            var destination = _buffer.AsSpan(Length);
            if (separator == 1)
            {
                destination[0] = ',';
            }

            Length += separator + BaggageCodec.WriteMember(member, destination[separator..]);
            _count++;
        }
    }
}
