using Microsoft.Extensions.Options;

namespace Propagation.Collector.Internal;

/// <summary>Validates <see cref="SpanStoreOptions"/> once at start-up and reports every error together.</summary>
internal sealed class SpanStoreOptionsValidator : IValidateOptions<SpanStoreOptions>
{
    public ValidateOptionsResult Validate(string? name, SpanStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = Collect(options);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    public static List<string> Collect(SpanStoreOptions options)
    {
        var errors = new List<string>();
        if (options.MaxSpans < 1)
        {
            errors.Add($"SpanStoreOptions.MaxSpans must be at least 1 (was {options.MaxSpans}).");
        }

        if (options.MaxTraces < 1)
        {
            errors.Add($"SpanStoreOptions.MaxTraces must be at least 1 (was {options.MaxTraces}).");
        }

        if (options.MaxAge <= TimeSpan.Zero)
        {
            errors.Add($"SpanStoreOptions.MaxAge must be positive (was {options.MaxAge}).");
        }

        if (options.MaxSpansPerTrace < 1 || options.MaxSpansPerTrace > Math.Max(options.MaxSpans, 1))
        {
            errors.Add($"SpanStoreOptions.MaxSpansPerTrace must be between 1 and MaxSpans ({options.MaxSpans}) (was {options.MaxSpansPerTrace}).");
        }

        if (options.MaxAttributeValueLength < 16)
        {
            errors.Add($"SpanStoreOptions.MaxAttributeValueLength must be at least 16 (was {options.MaxAttributeValueLength}).");
        }

        if (options.MaxAttributesPerSpan < 0)
        {
            errors.Add($"SpanStoreOptions.MaxAttributesPerSpan must not be negative (was {options.MaxAttributesPerSpan}).");
        }

        if (options.MaxEventsPerSpan < 0)
        {
            errors.Add($"SpanStoreOptions.MaxEventsPerSpan must not be negative (was {options.MaxEventsPerSpan}).");
        }

        if (options.MaxLinksPerSpan < 0)
        {
            errors.Add($"SpanStoreOptions.MaxLinksPerSpan must not be negative (was {options.MaxLinksPerSpan}).");
        }

        if (string.IsNullOrWhiteSpace(options.DefaultServiceName))
        {
            errors.Add("SpanStoreOptions.DefaultServiceName must not be empty.");
        }

        ValidateThresholds(errors, nameof(PerformanceGradingOptions.Cache), options.Grading.Cache);
        ValidateThresholds(errors, nameof(PerformanceGradingOptions.Database), options.Grading.Database);
        ValidateThresholds(errors, nameof(PerformanceGradingOptions.AI), options.Grading.AI);
        ValidateThresholds(errors, nameof(PerformanceGradingOptions.Http), options.Grading.Http);
        ValidateThresholds(errors, nameof(PerformanceGradingOptions.Other), options.Grading.Other);
        return errors;
    }

    private static void ValidateThresholds(List<string> errors, string name, GradeThresholds thresholds)
    {
        if (thresholds.A <= TimeSpan.Zero || thresholds.A >= thresholds.B || thresholds.B >= thresholds.C || thresholds.C >= thresholds.D)
        {
            errors.Add(
                $"SpanStoreOptions.Grading.{name} thresholds must be positive and strictly increasing A < B < C < D " +
                $"(were {thresholds.A}, {thresholds.B}, {thresholds.C}, {thresholds.D}).");
        }
    }
}
