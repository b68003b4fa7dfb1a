using System.Diagnostics.CodeAnalysis;

namespace Propagation;

/// <summary>Which formats <see cref="TracePropagator"/> reads and writes, and how.</summary>
/// <remarks>
/// <see cref="TracePropagator"/> validates the options once and copies them, so later changes
/// to this instance do not affect a propagator already created. <see cref="Validate"/> lists
/// every error at once (for <c>IValidateOptions</c> in the host layer).
/// </remarks>
public sealed class PropagationOptions
{
    /// <summary>
    /// Gets or sets the trace-context formats read from inbound requests, in precedence order:
    /// the first valid one is the parent; any other with a different trace id becomes a link.
    /// </summary>
    /// <value>
    /// Defaults to <see cref="PropagationFormat.TraceContext"/>, <see cref="PropagationFormat.Legacy"/>,
    /// <see cref="PropagationFormat.B3Single"/>, <see cref="PropagationFormat.B3"/>. An empty list
    /// extracts no trace context. <see cref="PropagationFormat.Baggage"/> is not allowed here
    /// (use <see cref="ExtractBaggage"/>).
    /// </value>
    [SuppressMessage("Usage", "CA2227:Collection properties should be read only", Justification = "Options are replaced wholesale by configuration binding.")]
    public IList<PropagationFormat> ExtractFormats { get; set; } =
        [PropagationFormat.TraceContext, PropagationFormat.Legacy, PropagationFormat.B3Single, PropagationFormat.B3];

    /// <summary>Gets or sets the formats written to outbound requests, in writing order.</summary>
    /// <value>
    /// Defaults to <see cref="PropagationFormat.TraceContext"/>, <see cref="PropagationFormat.Baggage"/>,
    /// <see cref="PropagationFormat.Legacy"/>.
    /// </value>
    [SuppressMessage("Usage", "CA2227:Collection properties should be read only", Justification = "Options are replaced wholesale by configuration binding.")]
    public IList<PropagationFormat> InjectFormats { get; set; } =
        [PropagationFormat.TraceContext, PropagationFormat.Baggage, PropagationFormat.Legacy];

    /// <summary>Gets or sets a value indicating whether inbound W3C <c>baggage</c> is read.</summary>
    /// <value>Defaults to <see langword="true"/>.</value>
    public bool ExtractBaggage { get; set; } = true;

    /// <summary>Gets or sets how the legacy <c>X-Trace-ID</c>/<c>X-Span-ID</c> pair is written.</summary>
    /// <value>Defaults to <see cref="LegacyIdFormat.Hex"/> (W3C lowercase hex).</value>
    public LegacyIdFormat LegacyIdFormat { get; set; } = LegacyIdFormat.Hex;

    /// <summary>
    /// Gets or sets a value indicating whether a context that carries no sampling decision (the
    /// legacy pair, B3 with the decision deferred) is treated as sampled.
    /// </summary>
    /// <value>Defaults to <see langword="true"/>.</value>
    public bool SampledWhenUnspecified { get; set; } = true;

    /// <summary>Lists every error in these options.</summary>
    /// <returns>One message per error, each naming the property and the fix; empty when valid.</returns>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        ValidateFormats(ExtractFormats, nameof(ExtractFormats), allowBaggage: false, errors);
        ValidateFormats(InjectFormats, nameof(InjectFormats), allowBaggage: true, errors);
        if (LegacyIdFormat is not LegacyIdFormat.Hex and not LegacyIdFormat.Uuid)
        {
            errors.Add($"PropagationOptions.{nameof(LegacyIdFormat)} has the undefined value {(int)LegacyIdFormat}; use Hex or Uuid.");
        }

        return errors;
    }

    /// <summary>Creates a copy whose lists are independent of this instance.</summary>
    /// <returns>The copy.</returns>
    public PropagationOptions Clone() => new()
    {
        ExtractFormats = ExtractFormats is null ? null! : new List<PropagationFormat>(ExtractFormats),
        InjectFormats = InjectFormats is null ? null! : new List<PropagationFormat>(InjectFormats),
        ExtractBaggage = ExtractBaggage,
        LegacyIdFormat = LegacyIdFormat,
        SampledWhenUnspecified = SampledWhenUnspecified,
    };

    private static void ValidateFormats(IList<PropagationFormat>? formats, string property, bool allowBaggage, List<string> errors)
    {
        if (formats is null)
        {
            errors.Add($"PropagationOptions.{property} must not be null; use an empty list for no format.");
            return;
        }

        for (var i = 0; i < formats.Count; i++)
        {
            var format = formats[i];
            if (format is < PropagationFormat.TraceContext or > PropagationFormat.B3Single)
            {
                errors.Add($"PropagationOptions.{property}[{i}] is {format}, which is not a header format; use TraceContext, Baggage, Legacy, B3 or B3Single.");
                continue;
            }

            if (format == PropagationFormat.Baggage && !allowBaggage)
            {
                errors.Add($"PropagationOptions.{property}[{i}] is Baggage, which carries no trace context; remove it and use ExtractBaggage.");
                continue;
            }

            for (var j = 0; j < i; j++)
            {
                if (formats[j] == format)
                {
                    errors.Add($"PropagationOptions.{property}[{i}] repeats {format} (already at index {j}); list each format once.");
                    break;
                }
            }
        }
    }
}
