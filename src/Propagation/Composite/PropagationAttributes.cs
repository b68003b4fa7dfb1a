namespace Propagation;

/// <summary>Attribute names and values the composite propagator puts on links and that hosts put on spans.</summary>
public static class PropagationAttributes
{
    /// <summary>Link attribute: why the linked context is not the parent (<c>format_conflict</c> or <c>restarted_by_policy</c>).</summary>
    public const string LinkReason = "propagation.link.reason";

    /// <summary>Link attribute: the format the linked context came from (see <see cref="GetFormatName"/>).</summary>
    public const string LinkFormat = "propagation.link.format";

    /// <summary>
    /// Span attribute (boolean <see langword="true"/>): the span's parent span id is synthetic, because the
    /// inbound format carried a trace id without a span id (see <see cref="ExtractedContext.ToActivityContext"/>).
    /// </summary>
    public const string SyntheticParent = "propagation.parent.synthetic";

    /// <summary>The <see cref="LinkReason"/> value for <see cref="PropagationLinkReason.FormatConflict"/>.</summary>
    public const string FormatConflictReason = "format_conflict";

    /// <summary>The <see cref="LinkReason"/> value for <see cref="PropagationLinkReason.RestartedByPolicy"/>.</summary>
    public const string RestartedByPolicyReason = "restarted_by_policy";

    /// <summary>
    /// Gets the name of a format, as <c>OTEL_PROPAGATORS</c> spells the ones it knows:
    /// <c>tracecontext</c>, <c>baggage</c>, <c>b3</c> (single header), <c>b3multi</c>, and <c>legacy</c>.
    /// </summary>
    /// <param name="format">The format.</param>
    /// <returns>The name; <c>none</c> for <see cref="PropagationFormat.None"/> or an undefined value.</returns>
    public static string GetFormatName(PropagationFormat format) => format switch
    {
        PropagationFormat.TraceContext => "tracecontext",
        PropagationFormat.Baggage => "baggage",
        PropagationFormat.Legacy => "legacy",
        PropagationFormat.B3 => "b3multi",
        PropagationFormat.B3Single => "b3",
        _ => "none",
    };

    /// <summary>Parses a name returned by <see cref="GetFormatName"/> (case-insensitive, surrounding whitespace ignored).</summary>
    /// <param name="name">The name, for example one entry of <c>OTEL_PROPAGATORS</c>.</param>
    /// <param name="format">The format; <see cref="PropagationFormat.None"/> when unknown.</param>
    /// <returns><see langword="true"/> when the name is known.</returns>
    public static bool TryParseFormatName(ReadOnlySpan<char> name, out PropagationFormat format)
    {
        name = name.Trim();
        format = PropagationFormat.None;
        if (name.Equals("tracecontext", StringComparison.OrdinalIgnoreCase))
        {
            format = PropagationFormat.TraceContext;
        }
        else if (name.Equals("baggage", StringComparison.OrdinalIgnoreCase))
        {
            format = PropagationFormat.Baggage;
        }
        else if (name.Equals("legacy", StringComparison.OrdinalIgnoreCase))
        {
            format = PropagationFormat.Legacy;
        }
        else if (name.Equals("b3multi", StringComparison.OrdinalIgnoreCase))
        {
            format = PropagationFormat.B3;
        }
        else if (name.Equals("b3", StringComparison.OrdinalIgnoreCase))
        {
            format = PropagationFormat.B3Single;
        }

        return format != PropagationFormat.None;
    }

    /// <summary>Gets the <see cref="LinkReason"/> value of a reason.</summary>
    /// <param name="reason">The reason.</param>
    /// <returns><c>format_conflict</c> or <c>restarted_by_policy</c>.</returns>
    public static string GetReasonName(PropagationLinkReason reason) =>
        reason == PropagationLinkReason.RestartedByPolicy ? RestartedByPolicyReason : FormatConflictReason;
}
