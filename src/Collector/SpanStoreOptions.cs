namespace Propagation.Collector;

/// <summary>Bounds and defaults of the in-process <see cref="SpanStore"/>.</summary>
/// <remarks>
/// Validated once at start-up when registered with <c>AddSpanStore</c>; every invalid value is reported in one
/// <see cref="Microsoft.Extensions.Options.OptionsValidationException"/>. Eviction removes whole traces, oldest
/// first (by the time their first span was stored), until the span count, the trace count and the age bound hold.
/// </remarks>
public sealed class SpanStoreOptions
{
    /// <summary>The default of <see cref="MaxSpans"/>.</summary>
    public const int DefaultMaxSpans = 100_000;

    /// <summary>The default of <see cref="MaxTraces"/>.</summary>
    public const int DefaultMaxTraces = 10_000;

    /// <summary>The default of <see cref="MaxSpansPerTrace"/>.</summary>
    public const int DefaultMaxSpansPerTrace = 1_000;

    /// <summary>The default of <see cref="MaxAttributeValueLength"/>.</summary>
    public const int DefaultMaxAttributeValueLength = 4_096;

    /// <summary>The default of <see cref="MaxAttributesPerSpan"/>.</summary>
    public const int DefaultMaxAttributesPerSpan = 128;

    /// <summary>The default of <see cref="MaxEventsPerSpan"/>.</summary>
    public const int DefaultMaxEventsPerSpan = 128;

    /// <summary>The default of <see cref="MaxLinksPerSpan"/>.</summary>
    public const int DefaultMaxLinksPerSpan = 128;

    /// <summary>The default of <see cref="DefaultServiceName"/>.</summary>
    public const string UnknownServiceName = "unknown_service";

    /// <summary>Gets or sets the most spans kept in total; above it the oldest traces are evicted.</summary>
    /// <value>Defaults to 100 000. Must be at least 1.</value>
    public int MaxSpans { get; set; } = DefaultMaxSpans;

    /// <summary>Gets or sets the most traces kept; above it the oldest traces are evicted.</summary>
    /// <value>Defaults to 10 000. Must be at least 1.</value>
    public int MaxTraces { get; set; } = DefaultMaxTraces;

    /// <summary>Gets or sets how long a trace is kept after its first span was stored (time elapsed on the store's
    /// <see cref="TimeProvider"/> monotonic timestamp: setting the system clock neither keeps nor evicts traces).</summary>
    /// <value>Defaults to 1 hour. Must be positive.</value>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Gets or sets the most spans kept per trace; further spans of that trace are dropped and counted.</summary>
    /// <value>Defaults to 1 000. Must be at least 1 and at most <see cref="MaxSpans"/>.</value>
    public int MaxSpansPerTrace { get; set; } = DefaultMaxSpansPerTrace;

    /// <summary>Gets or sets the longest string attribute value, span, event or service name, or status description kept
    /// from an activity; longer ones are truncated.</summary>
    /// <value>Defaults to 4 096 characters. Must be at least 16.</value>
    public int MaxAttributeValueLength { get; set; } = DefaultMaxAttributeValueLength;

    /// <summary>Gets or sets the most attributes kept per span (and per event or link); further ones are ignored.</summary>
    /// <value>Defaults to 128. Must be at least 0.</value>
    public int MaxAttributesPerSpan { get; set; } = DefaultMaxAttributesPerSpan;

    /// <summary>Gets or sets the most events kept per span; further ones are ignored.</summary>
    /// <value>Defaults to 128. Must be at least 0.</value>
    public int MaxEventsPerSpan { get; set; } = DefaultMaxEventsPerSpan;

    /// <summary>Gets or sets the most links kept per span; further ones are ignored.</summary>
    /// <value>Defaults to 128. Must be at least 0.</value>
    public int MaxLinksPerSpan { get; set; } = DefaultMaxLinksPerSpan;

    /// <summary>Gets or sets the service name recorded when neither the OpenTelemetry resource nor a
    /// <c>service.name</c> tag provides one.</summary>
    /// <value>Defaults to <c>unknown_service</c>. Must not be empty.</value>
    public string DefaultServiceName { get; set; } = UnknownServiceName;

    /// <summary>Gets the thresholds used to grade operations (A–F) in performance analysis.</summary>
    /// <value>Defaults to the thresholds documented on <see cref="PerformanceGradingOptions"/>.</value>
    public PerformanceGradingOptions Grading { get; } = new();
}
