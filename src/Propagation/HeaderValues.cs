namespace Propagation;

/// <summary>
/// The values of one header as a carrier holds them: none, one, or several lines. A small
/// allocation-free stand-in for <c>StringValues</c>, so the core depends on the BCL only.
/// </summary>
public readonly struct HeaderValues
{
    private readonly string? _single;
    private readonly string?[]? _many;

    /// <summary>Creates a value holding one line.</summary>
    /// <param name="value">The header value, or <see langword="null"/> for none.</param>
    public HeaderValues(string? value)
    {
        _single = value;
        _many = null;
    }

    /// <summary>Creates a value holding several lines (the array is not copied).</summary>
    /// <param name="values">The header values, or <see langword="null"/> for none.</param>
    public HeaderValues(string?[]? values)
    {
        _single = null;
        _many = values;
    }

    /// <summary>Gets the number of lines.</summary>
    public int Count => _many is not null ? _many.Length : _single is null ? 0 : 1;

    /// <summary>Gets one line.</summary>
    /// <param name="index">A line index below <see cref="Count"/>.</param>
    public string? this[int index]
    {
        get
        {
            if (_many is not null)
            {
                return _many[index];
            }

            if (index == 0 && _single is not null)
            {
                return _single;
            }

            throw new ArgumentOutOfRangeException(nameof(index));
        }
    }

    /// <summary>Wraps one line.</summary>
    /// <param name="value">The header value.</param>
    public static implicit operator HeaderValues(string? value) => new(value);

    /// <summary>Wraps several lines.</summary>
    /// <param name="values">The header values.</param>
    public static implicit operator HeaderValues(string?[]? values) => new(values);

    /// <summary>Wraps one line (named alternative to the implicit conversion).</summary>
    /// <param name="value">The header value.</param>
    /// <returns>The wrapped value.</returns>
    public static HeaderValues FromString(string? value) => new(value);

    /// <summary>Wraps several lines (named alternative to the implicit conversion).</summary>
    /// <param name="values">The header values.</param>
    /// <returns>The wrapped values.</returns>
    public static HeaderValues FromArray(string?[]? values) => new(values);
}
