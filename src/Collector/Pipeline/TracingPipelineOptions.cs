using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Trace;

namespace Propagation.Collector;

/// <summary>Options of the tracing pipeline registered by <c>AddTracingPipeline</c>: what it listens to, how it
/// samples and where it exports.</summary>
/// <remarks>
/// <para>Precedence, for every setting that has a standard variable: a value set here in code wins; otherwise the
/// <c>OTEL_*</c> key from <c>IConfiguration</c> (environment variables reach it in ASP.NET Core); otherwise the
/// documented default. These variables are not read from the process environment directly, so several pipelines
/// with different settings can live in one process; the OpenTelemetry SDK is given the host's <c>IConfiguration</c>
/// for its own settings too.</para>
/// <para>Exception: the <c>otlp</c> exporter (OpenTelemetry 1.20.1's <see cref="OtlpTraceExporter"/>) has no public way
/// to take the following from anything but the process environment, so there they apply to every host in the
/// process: the span limits (<c>OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT</c>, <c>OTEL_ATTRIBUTE_COUNT_LIMIT</c>,
/// <c>OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT</c>, <c>OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT</c>,
/// <c>OTEL_SPAN_EVENT_COUNT_LIMIT</c>, <c>OTEL_SPAN_LINK_COUNT_LIMIT</c>, <c>OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT</c>,
/// <c>OTEL_LINK_ATTRIBUTE_COUNT_LIMIT</c>), the retry variables (<c>OTEL_DOTNET_EXPERIMENTAL_OTLP_RETRY</c>,
/// <c>OTEL_DOTNET_EXPERIMENTAL_OTLP_DISK_RETRY_DIRECTORY_PATH</c>) and, unless <see cref="ConfigureOtlpExporter"/>
/// sets <see cref="OtlpExporterOptions.HttpClientFactory"/>, the certificate variables
/// (<c>OTEL_EXPORTER_OTLP_CERTIFICATE</c>, <c>OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE</c>,
/// <c>OTEL_EXPORTER_OTLP_CLIENT_KEY</c>).</para>
/// <para>Everything is validated once at start-up: every invalid value (an unknown sampler, a ratio outside 0..1, an
/// unknown exporter, a malformed endpoint, ...) is reported together in one
/// <see cref="Microsoft.Extensions.Options.OptionsValidationException"/> and the host does not start. Values of
/// <c>OTEL_EXPORTER_OTLP_HEADERS</c> are never echoed in an error.</para>
/// </remarks>
public sealed class TracingPipelineOptions
{
    /// <summary>The default of <see cref="MaxQueueSize"/> (<c>OTEL_BSP_MAX_QUEUE_SIZE</c>).</summary>
    public const int DefaultMaxQueueSize = 2048;

    /// <summary>The default of <see cref="MaxExportBatchSize"/> (<c>OTEL_BSP_MAX_EXPORT_BATCH_SIZE</c>).</summary>
    public const int DefaultMaxExportBatchSize = 512;

    /// <summary>The default schedule delay in milliseconds (<c>OTEL_BSP_SCHEDULE_DELAY</c>).</summary>
    public const int DefaultScheduleDelayMilliseconds = 5000;

    /// <summary>The default export timeout in milliseconds (<c>OTEL_BSP_EXPORT_TIMEOUT</c>).</summary>
    public const int DefaultExportTimeoutMilliseconds = 30000;

    /// <summary>The default OTLP request timeout in milliseconds (<c>OTEL_EXPORTER_OTLP_TIMEOUT</c>).</summary>
    public const int DefaultOtlpTimeoutMilliseconds = 10000;

    private readonly Dictionary<string, Func<IServiceProvider, BaseExporter<Activity>>> _customExporters =
        new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets or sets a value indicating whether tracing is on.</summary>
    /// <value>Defaults to <see langword="true"/>. Tracing is also off when the configuration key
    /// <c>OTEL_SDK_DISABLED</c> is <c>true</c> (any case); any other value leaves it on, and one other than
    /// <c>false</c> or empty is logged as a warning (event 7102) at start-up, not an error.</value>
    /// <remarks>When off, no <see cref="TracerProvider"/> is built: nothing is sampled by this pipeline and nothing
    /// is exported.</remarks>
    public bool Enabled { get; set; } = true;

    /// <summary>Gets or sets the <c>service.name</c> of the resource.</summary>
    /// <value>Defaults to <see langword="null"/>: <c>OTEL_SERVICE_NAME</c>, then <c>service.name</c> in
    /// <c>OTEL_RESOURCE_ATTRIBUTES</c>, then the host's application name, then <c>unknown_service</c>.</value>
    public string? ServiceName { get; set; }

    /// <summary>Gets the names of Propagation's own activity sources the pipeline listens to.</summary>
    /// <value>Defaults to <c>Propagation.AspNetCore</c>, <c>Propagation.Http</c> and <c>Propagation.Grpc</c>.</value>
    public IList<string> PropagationSources { get; } = ["Propagation.AspNetCore", "Propagation.Http", "Propagation.Grpc"];

    /// <summary>Gets the names of the application's own activity sources the pipeline listens to.</summary>
    /// <value>Defaults to empty. Wildcards (<c>*</c>, <c>?</c>) are allowed, as the OpenTelemetry SDK allows them
    /// in <c>AddSource</c>.</value>
    public IList<string> Sources { get; } = [];

    /// <summary>Gets or sets a value indicating whether ASP.NET Core hosting's activities
    /// (source <c>Microsoft.AspNetCore</c>) are listened to.</summary>
    /// <value>Defaults to <see langword="true"/>.</value>
    public bool ListenToAspNetCore { get; set; } = true;

    /// <summary>Gets or sets a value indicating whether HttpClient's activities (source <c>System.Net.Http</c>) are
    /// listened to.</summary>
    /// <value>Defaults to <see langword="true"/>.</value>
    public bool ListenToHttpClient { get; set; } = true;

    /// <summary>Gets or sets the sampler name, as in <c>OTEL_TRACES_SAMPLER</c>: <c>always_on</c>,
    /// <c>always_off</c>, <c>traceidratio</c>, <c>parentbased_always_on</c>, <c>parentbased_always_off</c> or
    /// <c>parentbased_traceidratio</c>.</summary>
    /// <value>Defaults to <see langword="null"/>: <c>OTEL_TRACES_SAMPLER</c>, then <c>parentbased_always_on</c>. A blank
    /// value counts as not set.</value>
    public string? Sampler { get; set; }

    /// <summary>Gets or sets the sampler argument, as in <c>OTEL_TRACES_SAMPLER_ARG</c>: the ratio (0 to 1) of the
    /// ratio samplers; ignored by the others.</summary>
    /// <value>Defaults to <see langword="null"/>: <c>OTEL_TRACES_SAMPLER_ARG</c>, then <c>1.0</c>. A blank value counts as
    /// not set.</value>
    public string? SamplerArgument { get; set; }

    /// <summary>Gets or sets the exporters, as in <c>OTEL_TRACES_EXPORTER</c>: any of <c>otlp</c>, <c>console</c>,
    /// <c>json</c>, <c>store</c> and the names given to <see cref="AddExporter"/>, or just <c>none</c>.</summary>
    /// <value>Defaults to <see langword="null"/>: <c>OTEL_TRACES_EXPORTER</c> (a comma-separated list), then
    /// <c>store</c> (the in-process <see cref="SpanStore"/>).</value>
    /// <remarks>Names are case-insensitive; duplicates and blank items are ignored; <c>none</c> cannot be combined with
    /// others; an empty list or one of blank items only (<c>" , ,"</c>) is an error, as it names no exporter (an empty or blank
    /// <c>OTEL_TRACES_EXPORTER</c> counts as unset).</remarks>
    public IList<string>? Exporters { get; set; }

    /// <summary>Gets or sets the most finished spans queued per exporter; further spans are dropped and counted in
    /// <see cref="ExportStatistics"/>.</summary>
    /// <value>Defaults to <see langword="null"/>: <c>OTEL_BSP_MAX_QUEUE_SIZE</c>, then 2048. Must be positive and
    /// at most 1,000,000.</value>
    public int? MaxQueueSize { get; set; }

    /// <summary>Gets or sets the most spans handed to an exporter in one call.</summary>
    /// <value>Defaults to <see langword="null"/>: <c>OTEL_BSP_MAX_EXPORT_BATCH_SIZE</c>, then 512 (or the queue size when
    /// that is smaller). Must be positive, at most the queue size and at most 100,000.</value>
    public int? MaxExportBatchSize { get; set; }

    /// <summary>Gets or sets the longest wait between two exports when the queue is not full enough for a batch.</summary>
    /// <value>Defaults to <see langword="null"/>: <c>OTEL_BSP_SCHEDULE_DELAY</c> (milliseconds), then 5 seconds.
    /// Must be positive.</value>
    public TimeSpan? ScheduleDelay { get; set; }

    /// <summary>Gets or sets the longest wait between two exports for the in-process exporters (<c>store</c>,
    /// <c>console</c>, <c>json</c>), which do no network I/O and so can run often: a request shows up in the trace
    /// viewer within this delay. The smaller of this and <see cref="ScheduleDelay"/> is used for them;
    /// <see cref="ScheduleDelay"/> alone applies to <c>otlp</c> and custom exporters.</summary>
    /// <value>Defaults to 10 milliseconds. Must be positive.</value>
    /// <remarks>Short on purpose: a finished span waits in the queue at most this long, so under load few spans live
    /// long enough to be promoted by a garbage collection (which costs far more than exporting often). An idle
    /// exporter thread does not wake up at all.</remarks>
    public TimeSpan LocalScheduleDelay { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Gets or sets how long one export call may run before it counts as timed out: a longer call is counted
    /// as timed out in <see cref="ExportStatistics"/>, and its exporter is reported as stalled while the call runs.</summary>
    /// <value>Defaults to <see langword="null"/>: <c>OTEL_BSP_EXPORT_TIMEOUT</c> (milliseconds), then 30 seconds.
    /// Must be positive.</value>
    /// <remarks>The call is not cancelled at this timeout, and flush and shutdown do not stop waiting for it then:
    /// <c>ForceFlushTracing</c> waits up to its own timeout and the host's shutdown up to
    /// <see cref="ShutdownTimeout"/>, whatever this value. The <c>otlp</c> exporter bounds each of its requests
    /// with <c>OTEL_EXPORTER_OTLP_TIMEOUT</c>.</remarks>
    public TimeSpan? ExportTimeout { get; set; }

    /// <summary>Gets or sets the most time the host's shutdown waits for the final flush of every exporter.</summary>
    /// <value>Defaults to 5 seconds. Must be positive.</value>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets a value indicating whether spans that belong to no app (no marked ancestor, see
    /// <see cref="TracingOwnership"/>) are exported by this pipeline.</summary>
    /// <value>Defaults to <see langword="true"/>, right for one app per process. Set it to <see langword="false"/>
    /// in every host when several hosts share a process, so that a span outside any request of one of them is not
    /// exported by all of them.</value>
    public bool ExportUnownedSpans { get; set; } = true;

    /// <summary>Gets or sets where the <c>console</c> exporter writes.</summary>
    /// <value>Defaults to <see langword="null"/>: <see cref="Console.Out"/>.</value>
    public TextWriter? ConsoleWriter { get; set; }

    /// <summary>Gets or sets where the <c>json</c> exporter writes its lines.</summary>
    /// <value>Defaults to <see langword="null"/>: through <c>ILogger</c>, category <c>Propagation.Collector.Spans</c>,
    /// at Information.</value>
    public TextWriter? JsonWriter { get; set; }

    /// <summary>Gets or sets a callback run on the OTLP exporter's options after they were mapped from
    /// configuration, for example to set <see cref="OtlpExporterOptions.HttpClientFactory"/>.</summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    /// <remarks>Endpoint, protocol, headers, timeout and compression are mapped explicitly from configuration
    /// (<c>OTEL_EXPORTER_OTLP_*</c>); what the exporter still reads from the process environment is listed in the
    /// remarks of <see cref="TracingPipelineOptions"/>.</remarks>
    public Action<OtlpExporterOptions>? ConfigureOtlpExporter { get; set; }

    /// <summary>Gets or sets a callback run on the tracer provider builder before it is built, to add what this
    /// class does not cover (extra sources, processors).</summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    public Action<TracerProviderBuilder>? ConfigureTracerProvider { get; set; }

    /// <summary>Gets the names registered with <see cref="AddExporter"/>.</summary>
    internal IReadOnlyDictionary<string, Func<IServiceProvider, BaseExporter<Activity>>> CustomExporters => _customExporters;

    /// <summary>Registers an exporter under a name that <see cref="Exporters"/> or <c>OTEL_TRACES_EXPORTER</c> can
    /// select. It gets its own bounded queue and its own counters in <see cref="ExportStatistics"/>.</summary>
    /// <param name="name">The name (case-insensitive); registering a built-in name (<c>store</c>, ...) replaces the
    /// built-in exporter.</param>
    /// <param name="factory">Creates the exporter when the host starts.</param>
    /// <returns>These options.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty, <c>none</c>, or contains a comma.</exception>
    public TracingPipelineOptions AddExporter(string name, Func<IServiceProvider, BaseExporter<Activity>> factory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(factory);
        if (name.Contains(',', StringComparison.Ordinal) || string.Equals(name.Trim(), TracingExporterNames.None, StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"'{name}' cannot name an exporter: use a name without commas other than 'none'.", nameof(name));
        }

        _customExporters[name.Trim()] = factory;
        return this;
    }
}
