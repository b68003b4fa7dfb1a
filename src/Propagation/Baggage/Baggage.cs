using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace Propagation;

/// <summary>
/// An immutable W3C Baggage list: the members a request carries, in the order received.
/// </summary>
/// <remarks>
/// Keys may repeat (the specification does not forbid it); look-ups return the first member with a key,
/// and <see cref="SetItem"/> replaces every member with that key.
/// </remarks>
[SuppressMessage("Naming", "CA1710:Identifiers should have correct suffix", Justification = "Baggage is the W3C name of the list.")]
[SuppressMessage("Naming", "CA1724:Type names should not match namespaces", Justification = "W3C name; OpenTelemetry uses the same name.")]
public sealed class Baggage : IReadOnlyList<BaggageMember>
{
    private readonly BaggageMember[] _members;

    private Baggage(BaggageMember[] members) => _members = members;

    /// <summary>Gets the empty baggage.</summary>
    public static Baggage Empty { get; } = new([]);

    /// <summary>Gets the number of members.</summary>
    public int Count => _members.Length;

    /// <summary>Gets a value indicating whether there are no members.</summary>
    public bool IsEmpty => _members.Length == 0;

    /// <summary>Gets a member by position.</summary>
    /// <param name="index">A position below <see cref="Count"/>.</param>
    public BaggageMember this[int index] => _members[index];

    /// <summary>Creates baggage from key/value pairs (for example <see cref="System.Diagnostics.Activity.Baggage"/>).</summary>
    /// <param name="pairs">The pairs, in order; a <see langword="null"/> value is stored as empty.</param>
    /// <returns>The baggage.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="pairs"/> is null.</exception>
    /// <exception cref="ArgumentException">A key is not an RFC 7230 token.</exception>
    public static Baggage Create(IEnumerable<KeyValuePair<string, string?>> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        var members = new List<BaggageMember>();
        foreach (var pair in pairs)
        {
            members.Add(new BaggageMember(pair.Key, pair.Value ?? string.Empty));
        }

        return members.Count == 0 ? Empty : new Baggage([.. members]);
    }

    /// <summary>Creates baggage from members.</summary>
    /// <param name="members">The members, in order.</param>
    /// <returns>The baggage.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="members"/> is null.</exception>
    /// <exception cref="ArgumentException">A member is <see langword="default"/>.</exception>
    public static Baggage Create(IEnumerable<BaggageMember> members)
    {
        ArgumentNullException.ThrowIfNull(members);
        BaggageMember[] array = [.. members];
        foreach (var member in array)
        {
            if (member.Key is null)
            {
                throw new ArgumentException("A default BaggageMember has no key; create members with the BaggageMember constructor.", nameof(members));
            }
        }

        return array.Length == 0 ? Empty : new Baggage(array);
    }

    /// <summary>Finds the value of the first member with <paramref name="key"/>.</summary>
    /// <param name="key">The key (compared ordinally).</param>
    /// <param name="value">The decoded value; <see langword="null"/> when not found.</param>
    /// <returns><see langword="true"/> when found.</returns>
    public bool TryGetValue(string key, [NotNullWhen(true)] out string? value)
    {
        ArgumentNullException.ThrowIfNull(key);
        foreach (var member in _members)
        {
            if (string.Equals(member.Key, key, StringComparison.Ordinal))
            {
                value = member.Value;
                return true;
            }
        }

        value = null;
        return false;
    }

    /// <summary>Returns new baggage where <paramref name="key"/> has <paramref name="value"/>: the member is replaced in place, or added at the end.</summary>
    /// <param name="key">The key: an RFC 7230 token.</param>
    /// <param name="value">The value.</param>
    /// <param name="properties">The raw properties, or <see langword="null"/>.</param>
    /// <returns>The new baggage; this instance is not changed.</returns>
    public Baggage SetItem(string key, string value, string? properties = null)
    {
        var added = new BaggageMember(key, value, properties);
        var result = new List<BaggageMember>(_members.Length + 1);
        var replaced = false;
        foreach (var member in _members)
        {
            if (!string.Equals(member.Key, key, StringComparison.Ordinal))
            {
                result.Add(member);
            }
            else if (!replaced)
            {
                result.Add(added);
                replaced = true;
            }
        }

        if (!replaced)
        {
            result.Add(added);
        }

        return new Baggage([.. result]);
    }

    /// <summary>Returns new baggage without any member with <paramref name="key"/>.</summary>
    /// <param name="key">The key.</param>
    /// <returns>The new baggage (this instance when the key is absent).</returns>
    public Baggage Remove(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var result = new List<BaggageMember>(_members.Length);
        foreach (var member in _members)
        {
            if (!string.Equals(member.Key, key, StringComparison.Ordinal))
            {
                result.Add(member);
            }
        }

        return result.Count == _members.Length ? this : result.Count == 0 ? Empty : new Baggage([.. result]);
    }

    /// <summary>Returns an allocation-free enumerator over the members.</summary>
    /// <returns>The enumerator.</returns>
    public Enumerator GetEnumerator() => new(_members);

    /// <inheritdoc/>
    IEnumerator<BaggageMember> IEnumerable<BaggageMember>.GetEnumerator() => ((IEnumerable<BaggageMember>)_members).GetEnumerator();

    /// <inheritdoc/>
    IEnumerator IEnumerable.GetEnumerator() => _members.GetEnumerator();

    /// <summary>Returns the baggage as it is written on the wire, without limits applied.</summary>
    /// <returns>For example <c>userId=alice,isProduction=false</c>.</returns>
    public override string ToString() => string.Join(',', _members);

    // For the parser: takes ownership of the array.
    internal static Baggage FromOwnedArray(BaggageMember[] members) => members.Length == 0 ? Empty : new Baggage(members);

    /// <summary>Enumerates the members of a <see cref="Baggage"/> without allocating.</summary>
    [SuppressMessage("Performance", "CA1815:Override equals and operator equals on value types", Justification = "Enumerators are not compared.")]
    public struct Enumerator
    {
        private readonly BaggageMember[] _members;
        private int _index;

        internal Enumerator(BaggageMember[] members)
        {
            _members = members;
            _index = -1;
        }

        /// <summary>Gets the current member.</summary>
        public readonly BaggageMember Current => _members[_index];

        /// <summary>Moves to the next member.</summary>
        /// <returns><see langword="false"/> at the end.</returns>
        public bool MoveNext() => ++_index < _members.Length;
    }
}
