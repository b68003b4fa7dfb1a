using System.Globalization;
using OpenTelemetry.Trace;

namespace Propagation.Collector.Internal;

/// <summary>Turns <c>OTEL_TRACES_SAMPLER</c> / <c>OTEL_TRACES_SAMPLER_ARG</c> values into an OpenTelemetry sampler.</summary>
/// <remarks>
/// Spec: opentelemetry-specification, "SDK Environment Variables", general SDK configuration. Names are matched
/// case-insensitively after trimming; an unset (null or blank) name means <c>parentbased_always_on</c>. The
/// argument is read only by the two ratio samplers: unset means 1.0; otherwise it must be a number from 0 to 1
/// (invariant culture). Anything else is an error (the pipeline refuses to start) rather than a silent fallback:
/// a typo in a sampler name would otherwise quietly change how much is traced.
/// </remarks>
internal static class PipelineSamplerParser
{
    public const string AlwaysOn = "always_on";
    public const string AlwaysOff = "always_off";
    public const string TraceIdRatio = "traceidratio";
    public const string ParentBasedAlwaysOn = "parentbased_always_on";
    public const string ParentBasedAlwaysOff = "parentbased_always_off";
    public const string ParentBasedTraceIdRatio = "parentbased_traceidratio";

    private const string Supported = "always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio";

    public static bool TryParse(string? name, string? argument, out Sampler sampler, out string description, out string? error)
    {
        sampler = null!;
        description = string.Empty;
        error = null;
        var normalized = string.IsNullOrWhiteSpace(name) ? ParentBasedAlwaysOn : name.Trim().ToLowerInvariant();
        switch (normalized)
        {
            case AlwaysOn:
                sampler = new AlwaysOnSampler();
                description = AlwaysOn;
                return true;
            case AlwaysOff:
                sampler = new AlwaysOffSampler();
                description = AlwaysOff;
                return true;
            case ParentBasedAlwaysOn:
                sampler = new ParentBasedSampler(new AlwaysOnSampler());
                description = ParentBasedAlwaysOn;
                return true;
            case ParentBasedAlwaysOff:
                sampler = new ParentBasedSampler(new AlwaysOffSampler());
                description = ParentBasedAlwaysOff;
                return true;
            case TraceIdRatio:
            case ParentBasedTraceIdRatio:
                if (!TryParseRatio(argument, out var ratio, out error))
                {
                    return false;
                }

                var ratioSampler = new TraceIdRatioBasedSampler(ratio);
                sampler = normalized == TraceIdRatio ? ratioSampler : new ParentBasedSampler(ratioSampler);
                description = normalized + "(" + ratio.ToString("R", CultureInfo.InvariantCulture) + ")";
                return true;
            default:
                // The name comes from configuration, not from the wire; it is short enough to show, but bounded anyway.
                error = $"{PipelineConfigurationKeys.Sampler} '{Shorten(name!)}' is not supported; use one of: {Supported}.";
                return false;
        }
    }

    private static bool TryParseRatio(string? argument, out double ratio, out string? error)
    {
        error = null;
        if (string.IsNullOrWhiteSpace(argument))
        {
            ratio = 1.0;
            return true;
        }

        if (!double.TryParse(argument.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out ratio)
            || double.IsNaN(ratio) || ratio < 0 || ratio > 1)
        {
            error = $"{PipelineConfigurationKeys.SamplerArgument} '{Shorten(argument)}' is not a ratio: use a number from 0 to 1, for example 0.25.";
            return false;
        }

        return true;
    }

    private static string Shorten(string value) => value.Length <= 64 ? value : string.Concat(value.AsSpan(0, 64), "...");
}
