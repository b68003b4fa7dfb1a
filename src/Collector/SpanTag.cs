namespace Propagation.Collector;

/// <summary>One attribute (tag) of a stored span, event or link.</summary>
/// <remarks>
/// <see cref="Value"/> is always one of <see cref="string"/>, <see cref="long"/>, <see cref="double"/> or
/// <see cref="bool"/>: integers of every width become <see cref="long"/>, floating-point numbers become
/// <see cref="double"/>, arrays and other values become their invariant string form. Values of
/// credential-like keys are stored as <see cref="SpanTag.RedactedValue"/> and never in the clear.
/// </remarks>
/// <param name="Key">The attribute key, for example <c>http.request.method</c>.</param>
/// <param name="Value">The value: a <see cref="string"/>, <see cref="long"/>, <see cref="double"/> or <see cref="bool"/>.</param>
public readonly record struct SpanTag(string Key, object Value)
{
    /// <summary>The marker stored in place of a credential value (<c>[REDACTED]</c>).</summary>
    public const string RedactedValue = "[REDACTED]";
}
