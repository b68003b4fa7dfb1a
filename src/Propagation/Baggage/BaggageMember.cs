using Propagation.Internal;

namespace Propagation;

/// <summary>
/// One W3C Baggage list-member: a key, a (decoded) value and its raw properties.
/// </summary>
/// <remarks>
/// The key is an RFC 7230 token (W3C Baggage §3.2.1.1). The value is held decoded; it is percent-encoded
/// when written. Properties are kept as the raw, already-valid text after the first <c>;</c>
/// (for example <c>prop1;prop2=v</c>) and written back unchanged.
/// </remarks>
public readonly struct BaggageMember : IEquatable<BaggageMember>
{
    /// <summary>Creates a member.</summary>
    /// <param name="key">The key: a non-empty RFC 7230 token.</param>
    /// <param name="value">The value (any text; it is percent-encoded on the wire).</param>
    /// <param name="properties">The raw properties (<c>name</c> or <c>name=value</c>, separated by <c>;</c>), or <see langword="null"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> or <paramref name="value"/> is null.</exception>
    /// <exception cref="ArgumentException">The key is not a token, or the properties do not match the W3C Baggage grammar.</exception>
    public BaggageMember(string key, string value, string? properties = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        if (!IsValidKey(key))
        {
            throw new ArgumentException("A baggage key must be a non-empty RFC 7230 token (letters, digits and !#$%&'*+-.^_`|~).", nameof(key));
        }

        if (!string.IsNullOrEmpty(properties) && !BaggageCodec.IsValidProperties(properties))
        {
            throw new ArgumentException("Baggage properties must be 'name' or 'name=value' items separated by ';', with token names and unencoded baggage-octet values.", nameof(properties));
        }

        Key = key;
        Value = value;
        Properties = string.IsNullOrEmpty(properties) ? null : properties;
    }

    // For the parser, which has already validated everything.
    internal BaggageMember(string key, string value, string? properties, bool trusted)
    {
        _ = trusted;
        Key = key;
        Value = value;
        Properties = properties;
    }

    /// <summary>Gets the key.</summary>
    public string Key { get; }

    /// <summary>Gets the decoded value.</summary>
    public string Value { get; }

    /// <summary>Gets the raw properties (the text after the first <c>;</c>, trimmed), or <see langword="null"/> when there are none.</summary>
    public string? Properties { get; }

    /// <summary>Checks that <paramref name="key"/> is a valid baggage key (a non-empty RFC 7230 token).</summary>
    /// <param name="key">The key.</param>
    /// <returns><see langword="true"/> when valid.</returns>
    public static bool IsValidKey(ReadOnlySpan<char> key) => !key.IsEmpty && !key.ContainsAnyExcept(W3CText.TokenChars);

    /// <inheritdoc/>
    public bool Equals(BaggageMember other) =>
        string.Equals(Key, other.Key, StringComparison.Ordinal)
        && string.Equals(Value, other.Value, StringComparison.Ordinal)
        && string.Equals(Properties, other.Properties, StringComparison.Ordinal);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is BaggageMember other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Key, Value, Properties);

    /// <summary>Returns the member as it is written on the wire (value percent-encoded).</summary>
    /// <returns>For example <c>key=va%20lue;prop</c>.</returns>
    public override string ToString()
    {
        if (Key is null)
        {
            return string.Empty;
        }

        var length = BaggageCodec.GetEncodedLength(this);
        return string.Create(length, this, static (span, member) => BaggageCodec.WriteMember(member, span));
    }

    /// <summary>Compares two members for equality.</summary>
    public static bool operator ==(BaggageMember left, BaggageMember right) => left.Equals(right);

    /// <summary>Compares two members for inequality.</summary>
    public static bool operator !=(BaggageMember left, BaggageMember right) => !left.Equals(right);
}
