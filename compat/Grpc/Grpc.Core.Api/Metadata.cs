using System.Buffers;
using System.Collections;
using System.Diagnostics;
using System.Text;

namespace Grpc.Core;

/// <summary>
/// An ordered list of key/value entries sent as request headers, response headers or response trailers.
/// </summary>
/// <remarks>
/// Keys are lowercased and may contain only <c>a-z</c>, <c>0-9</c>, <c>.</c>, <c>_</c> and <c>-</c>.
/// Keys ending in <see cref="BinaryHeaderSuffix"/> carry binary values (base64 on the wire);
/// all other keys carry ASCII string values. Lookups are case-insensitive and return the last match.
/// </remarks>
[DebuggerDisplay("Count = {Count}")]
public sealed class Metadata : IList<Metadata.Entry>
{
    /// <summary>
    /// The key suffix that marks a binary-valued entry.
    /// </summary>
    public const string BinaryHeaderSuffix = "-bin";

    /// <summary>
    /// A read-only, empty instance.
    /// </summary>
    public static readonly Metadata Empty = new Metadata().Freeze();

    private readonly List<Entry> _entries = [];
    private bool _readOnly;

    /// <summary>
    /// Creates an empty, writable instance.
    /// </summary>
    public Metadata()
    {
    }

    /// <summary>
    /// Gets the number of entries.
    /// </summary>
    public int Count => _entries.Count;

    /// <summary>
    /// Gets a value indicating whether this instance is read-only.
    /// </summary>
    public bool IsReadOnly => _readOnly;

    /// <summary>
    /// Gets or sets the entry at the given index.
    /// </summary>
    /// <param name="index">The zero-based index.</param>
    /// <returns>The entry.</returns>
    public Entry this[int index]
    {
        get => _entries[index];
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            CheckWritable();
            _entries[index] = value;
        }
    }

    /// <summary>
    /// Gets the last entry with the given key (case-insensitive), or <see langword="null"/> when there is none.
    /// </summary>
    /// <param name="key">The key.</param>
    /// <returns>The entry, or <see langword="null"/>.</returns>
    public Entry? Get(string key)
    {
        for (var i = _entries.Count - 1; i >= 0; i--)
        {
            if (_entries[i].KeyEqualsIgnoreCase(key))
            {
                return _entries[i];
            }
        }

        return null;
    }

    /// <summary>
    /// Gets the string value of the last entry with the given key, or <see langword="null"/> when there is none.
    /// </summary>
    /// <param name="key">The key.</param>
    /// <returns>The value, or <see langword="null"/>.</returns>
    /// <exception cref="InvalidOperationException">The entry is binary.</exception>
    public string? GetValue(string key) => Get(key)?.Value;

    /// <summary>
    /// Gets the bytes of the last entry with the given key (ASCII bytes for a string entry), or
    /// <see langword="null"/> when there is none.
    /// </summary>
    /// <param name="key">The key.</param>
    /// <returns>A copy of the value bytes, or <see langword="null"/>.</returns>
    public byte[]? GetValueBytes(string key) => Get(key)?.ValueBytes;

    /// <summary>
    /// Gets every entry with the given key (case-insensitive), in order.
    /// </summary>
    /// <param name="key">The key.</param>
    /// <returns>The matching entries.</returns>
    public IEnumerable<Entry> GetAll(string key)
    {
        for (var i = 0; i < _entries.Count; i++)
        {
            if (_entries[i].KeyEqualsIgnoreCase(key))
            {
                yield return _entries[i];
            }
        }
    }

    /// <summary>
    /// Adds an ASCII-valued entry.
    /// </summary>
    /// <param name="key">The key; lowercased; must not end in <c>-bin</c>.</param>
    /// <param name="value">The value; printable ASCII.</param>
    public void Add(string key, string value) => Add(new Entry(key, value));

    /// <summary>
    /// Adds a binary-valued entry.
    /// </summary>
    /// <param name="key">The key; lowercased; must end in <c>-bin</c>.</param>
    /// <param name="valueBytes">The value bytes (copied).</param>
    public void Add(string key, byte[] valueBytes) => Add(new Entry(key, valueBytes));

    /// <summary>
    /// Adds an entry.
    /// </summary>
    /// <param name="item">The entry.</param>
    public void Add(Entry item)
    {
        ArgumentNullException.ThrowIfNull(item);
        CheckWritable();
        _entries.Add(item);
    }

    /// <summary>
    /// Gets the index of an entry.
    /// </summary>
    /// <param name="item">The entry.</param>
    /// <returns>The index, or -1.</returns>
    public int IndexOf(Entry item) => _entries.IndexOf(item);

    /// <summary>
    /// Inserts an entry at the given index.
    /// </summary>
    /// <param name="index">The index.</param>
    /// <param name="item">The entry.</param>
    public void Insert(int index, Entry item)
    {
        ArgumentNullException.ThrowIfNull(item);
        CheckWritable();
        _entries.Insert(index, item);
    }

    /// <summary>
    /// Removes the entry at the given index.
    /// </summary>
    /// <param name="index">The index.</param>
    public void RemoveAt(int index)
    {
        CheckWritable();
        _entries.RemoveAt(index);
    }

    /// <summary>
    /// Removes every entry.
    /// </summary>
    public void Clear()
    {
        CheckWritable();
        _entries.Clear();
    }

    /// <summary>
    /// Returns whether the given entry instance is present.
    /// </summary>
    /// <param name="item">The entry.</param>
    /// <returns><see langword="true"/> when present.</returns>
    public bool Contains(Entry item) => _entries.Contains(item);

    /// <summary>
    /// Copies the entries to an array.
    /// </summary>
    /// <param name="array">The destination.</param>
    /// <param name="arrayIndex">The start index in the destination.</param>
    public void CopyTo(Entry[] array, int arrayIndex) => _entries.CopyTo(array, arrayIndex);

    /// <summary>
    /// Removes the given entry instance.
    /// </summary>
    /// <param name="item">The entry.</param>
    /// <returns><see langword="true"/> when it was removed.</returns>
    public bool Remove(Entry item)
    {
        CheckWritable();
        return _entries.Remove(item);
    }

    /// <summary>
    /// Enumerates the entries in order.
    /// </summary>
    /// <returns>The enumerator.</returns>
    public IEnumerator<Entry> GetEnumerator() => _entries.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _entries.GetEnumerator();

    /// <summary>
    /// Makes this instance read-only.
    /// </summary>
    /// <returns>This instance.</returns>
    internal Metadata Freeze()
    {
        _readOnly = true;
        return this;
    }

    private void CheckWritable()
    {
        if (_readOnly)
        {
            throw new InvalidOperationException("The metadata is read-only.");
        }
    }

    /// <summary>
    /// One metadata entry: a key with either an ASCII string value or a binary value.
    /// </summary>
    public class Entry
    {
        // What a lowercase key may contain: a-z, 0-9, '.', '_', '-'.
        private static readonly SearchValues<char> LowercaseKeyChars = SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789._-");

        private readonly string? _value;
        private readonly byte[]? _valueBytes;

        /// <summary>
        /// Creates a binary-valued entry.
        /// </summary>
        /// <param name="key">The key; lowercased; must end in <c>-bin</c>.</param>
        /// <param name="valueBytes">The value bytes (copied).</param>
        /// <exception cref="ArgumentException">The key is invalid or lacks the <c>-bin</c> suffix.</exception>
        public Entry(string key, byte[] valueBytes)
        {
            ArgumentNullException.ThrowIfNull(valueBytes);
            Key = NormalizeKey(key);
            if (!HasBinarySuffix(Key))
            {
                throw new ArgumentException($"A binary metadata key must end in '{BinaryHeaderSuffix}'.", nameof(key));
            }

            _valueBytes = (byte[])valueBytes.Clone();
        }

        /// <summary>
        /// Creates an ASCII-valued entry.
        /// </summary>
        /// <param name="key">The key; lowercased; must not end in <c>-bin</c>.</param>
        /// <param name="value">The value.</param>
        /// <exception cref="ArgumentException">The key is invalid or has the <c>-bin</c> suffix.</exception>
        public Entry(string key, string value)
        {
            ArgumentNullException.ThrowIfNull(value);
            Key = NormalizeKey(key);
            if (HasBinarySuffix(Key))
            {
                throw new ArgumentException($"An ASCII metadata key must not end in '{BinaryHeaderSuffix}'; pass a byte[] value instead.", nameof(key));
            }

            _value = value;
        }

        private Entry(string key, string? value, byte[]? valueBytes)
        {
            Key = key;
            _value = value;
            _valueBytes = valueBytes;
        }

        /// <summary>
        /// Gets the (lowercase) key.
        /// </summary>
        public string Key { get; }

        /// <summary>
        /// Gets a copy of the value bytes; for a string entry, its ASCII bytes.
        /// </summary>
        public byte[] ValueBytes => _valueBytes is null ? Encoding.ASCII.GetBytes(_value!) : (byte[])_valueBytes.Clone();

        /// <summary>
        /// Gets the string value.
        /// </summary>
        /// <exception cref="InvalidOperationException">The entry is binary.</exception>
        public string Value => _value ?? throw new InvalidOperationException("A binary metadata entry has no string value; use ValueBytes.");

        /// <summary>
        /// Gets a value indicating whether this entry is binary-valued.
        /// </summary>
        public bool IsBinary => _value is null;

        /// <summary>
        /// Returns a text form of the entry (binary values are shown by length only).
        /// </summary>
        /// <returns>The text form.</returns>
        public override string ToString()
        {
            return IsBinary
                ? $"[Entry: key={Key}, valueBytes=byte[{_valueBytes!.Length}]]"
                : $"[Entry: key={Key}, value={_value}]";
        }

        /// <summary>
        /// Creates an entry from wire data without copying; the key must already be valid and lowercase.
        /// </summary>
        internal static Entry CreateUnsafe(string key, string? value, byte[]? valueBytes) => new(key, value, valueBytes);

        /// <summary>
        /// Gets the binary value without copying; callers must not modify it.
        /// </summary>
        internal byte[]? GetValueBytesUnsafe() => _valueBytes;

        internal bool KeyEqualsIgnoreCase(string key) => string.Equals(Key, key, StringComparison.OrdinalIgnoreCase);

        internal static bool HasBinarySuffix(string key) =>
            key.Length >= 4
            && key[^4] == '-'
            && (key[^3] | 0x20) == 'b'
            && (key[^2] | 0x20) == 'i'
            && (key[^1] | 0x20) == 'n';

        /// <summary>
        /// Returns whether <paramref name="key"/> is a valid key that is already lowercase.
        /// </summary>
        internal static bool IsValidLowercaseKey(ReadOnlySpan<char> key)
        {
            return !key.IsEmpty && !key.ContainsAnyExcept(LowercaseKeyChars);
        }

        private static bool IsLowercaseKeyChar(char c) => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '.' or '_' or '-';

        private static string NormalizeKey(string key)
        {
            ArgumentNullException.ThrowIfNull(key);
            if (key.Length == 0)
            {
                throw new ArgumentException("A metadata key must not be empty.", nameof(key));
            }

            // Most keys are already lowercase and valid: one vectorized pass decides that.
            if (IsValidLowercaseKey(key))
            {
                return key;
            }

            var lowercase = true;
            foreach (var c in key)
            {
                if (IsLowercaseKeyChar(c))
                {
                    continue;
                }

                if (c is >= 'A' and <= 'Z')
                {
                    lowercase = false;
                    continue;
                }

                throw new ArgumentException("Metadata key is not valid: keys may contain only letters, digits, '.', '_' and '-'.", nameof(key));
            }

            return lowercase ? key : key.ToLowerInvariant();
        }
    }
}
