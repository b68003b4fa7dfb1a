namespace Propagation.Internal;

/// <summary>Cuts text to a length bound for recording (span attributes, stored spans).</summary>
internal static class TextBounds
{
    /// <summary>
    /// Returns <paramref name="value"/> cut to at most <paramref name="maxLength"/> characters, one fewer when the cut
    /// would leave the first half of a surrogate pair at the end: a lone surrogate is not valid text for an exporter.
    /// </summary>
    public static string Cut(string value, int maxLength)
    {
        if (value.Length <= maxLength)
        {
            return value;
        }

        return maxLength > 0 && char.IsHighSurrogate(value[maxLength - 1]) ? value[..(maxLength - 1)] : value[..maxLength];
    }
}
