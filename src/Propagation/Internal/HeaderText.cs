namespace Propagation.Internal;

/// <summary>Shared, allocation-free helpers for reading one header value from a carrier.</summary>
internal static class HeaderText
{
    /// <summary>The outcome of reading a header that a format allows on one line only.</summary>
    internal enum SingleLine
    {
        /// <summary>The header is not on the carrier.</summary>
        Absent,

        /// <summary>The header is present once; the value is in the out parameter.</summary>
        Present,

        /// <summary>The header is present on several lines (invalid for single-line formats).</summary>
        Duplicated,
    }

    /// <summary>
    /// Reads a header that must appear on one line. A <see langword="null"/> line counts as absent.
    /// </summary>
    public static SingleLine ReadSingle(HeaderValues values, out string? value)
    {
        value = null;
        var count = values.Count;
        if (count == 0)
        {
            return SingleLine.Absent;
        }

        if (count == 1)
        {
            value = values[0];
            return value is null ? SingleLine.Absent : SingleLine.Present;
        }

        // Several lines: absent when every line is null, duplicated otherwise.
        string? found = null;
        var nonNull = 0;
        for (var i = 0; i < count; i++)
        {
            var line = values[i];
            if (line is not null)
            {
                found = line;
                nonNull++;
            }
        }

        if (nonNull == 0)
        {
            return SingleLine.Absent;
        }

        if (nonNull == 1)
        {
            value = found;
            return SingleLine.Present;
        }

        return SingleLine.Duplicated;
    }

    /// <summary>
    /// The first line of a header that is not <see langword="null"/> (a null line counts as absent), for formats whose
    /// spec says the first value of a repeated header wins (B3); later lines are not looked at.
    /// </summary>
    public static string? FirstLine(HeaderValues values)
    {
        for (var i = 0; i < values.Count; i++)
        {
            if (values[i] is { } line)
            {
                return line;
            }
        }

        return null;
    }

    /// <summary>
    /// Trims optional whitespace and checks the bound. A value is rejected unread (without even
    /// scanning for whitespace) when it is longer than four times <paramref name="maxLength"/>.
    /// </summary>
    /// <returns><see langword="false"/> when the value is too long.</returns>
    public static bool TryTrimBounded(string value, int maxLength, out ReadOnlySpan<char> text)
    {
        text = default;
        if (value.Length > 4 * maxLength)
        {
            return false;
        }

        var trimmed = TrimOws(value);
        if (trimmed.Length > maxLength)
        {
            return false;
        }

        text = trimmed;
        return true;
    }

    /// <summary>Removes optional whitespace (SP and HTAB, RFC 9110 section 5.6.3) around a value.</summary>
    public static ReadOnlySpan<char> TrimOws(ReadOnlySpan<char> value)
    {
        var start = 0;
        var end = value.Length;
        while (start < end && (value[start] == ' ' || value[start] == '\t'))
        {
            start++;
        }

        while (end > start && (value[end - 1] == ' ' || value[end - 1] == '\t'))
        {
            end--;
        }

        return value[start..end];
    }
}
