namespace Propagation.Middleware.Internal;

/// <summary>
/// The trace headers that carry no trace or span id: <c>tracestate</c>, <c>X-B3-Sampled</c>, <c>X-B3-Flags</c>, and
/// <c>b3</c> holding a sampling decision alone. One rule for the HTTP handler and the gRPC client interceptor: a caller
/// that set only these keeps them, and ours are added under the other names (the trace continues); a caller-set trace
/// header with ids suppresses every other format.
/// </summary>
internal static class ContextOnlyHeaders
{
    private static readonly string[] Names =
    [
        TraceState.HeaderName, B3Format.SampledHeader, B3Format.FlagsHeader, B3SingleFormat.HeaderName,
    ];

    /// <summary>
    /// Returns the bit of a caller-set header that carries no id, or 0: another name, or <c>b3</c> with more than a
    /// decision (<paramref name="value"/> <see langword="null"/>: several values, read as ids).
    /// </summary>
    public static int Bit(string name, string? value)
    {
        for (var i = 0; i < Names.Length; i++)
        {
            if (string.Equals(name, Names[i], StringComparison.OrdinalIgnoreCase))
            {
                // b3: "0", "1" or "d" alone is a decision; anything longer is ids (or meant as ids).
                var ids = ReferenceEquals(Names[i], B3SingleFormat.HeaderName) && (value is null || value.AsSpan().Trim().Length > 1);
                return ids ? 0 : 1 << i;
            }
        }

        return 0;
    }

    /// <summary>Returns whether <paramref name="name"/> is one of the headers whose bits (from <see cref="Bit"/>) are in <paramref name="mask"/>.</summary>
    public static bool Contains(int mask, string name)
    {
        for (var i = 0; i < Names.Length; i++)
        {
            if ((mask & (1 << i)) != 0 && string.Equals(name, Names[i], StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
