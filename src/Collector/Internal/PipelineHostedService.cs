using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Propagation.Collector.Internal;

/// <summary>Owns the app's one <see cref="TracerProvider"/>: builds it when the host starts (before any other hosted
/// service and the server start) and flushes and disposes it once the host has stopped (after the server drained
/// its requests).</summary>
internal sealed class PipelineHostedService : IHostedLifecycleService, IDisposable
{
    private readonly IOptions<TracingPipelineOptions> _options;
    private readonly IServiceProvider _services;
    private readonly TracingOwner _owner;
    private readonly ExportStatistics _statistics;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly IConfiguration _configuration;
    private readonly string? _applicationName;
    private readonly Lock _gate = new();
    private TracerProvider? _provider;
    private TimeSpan _shutdownTimeout;

    public PipelineHostedService(
        IOptions<TracingPipelineOptions> options,
        IServiceProvider services,
        TracingOwner owner,
        ExportStatistics statistics,
        ILoggerFactory? loggerFactory = null,
        IConfiguration? configuration = null,
        IHostEnvironment? environment = null)
    {
        _options = options;
        _services = services;
        _owner = owner;
        _statistics = statistics;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = NonThrowingLogger.Wrap(_loggerFactory.CreateLogger("Propagation.Collector.Pipeline"));
        _configuration = configuration ?? new ConfigurationBuilder().Build();
        _applicationName = environment?.ApplicationName;
    }

    /// <summary>Gets the running provider, or <see langword="null"/> before start, after stop, or when tracing is off.</summary>
    internal TracerProvider? Provider => _provider;

    public Task StartingAsync(CancellationToken cancellationToken)
    {
        Start();
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken)
    {
        Stop();
        return Task.CompletedTask;
    }

    public void Dispose() => Stop();

    internal void Start()
    {
        lock (_gate)
        {
            if (_provider is not null)
            {
                return;
            }

            var errors = new List<string>();
            var options = _options.Value;
            var settings = PipelineSettings.Resolve(options, _configuration, _applicationName, errors)
                ?? throw new OptionsValidationException(Options.DefaultName, typeof(TracingPipelineOptions), errors);
            foreach (var (key, problem) in settings.Warnings)
            {
                PipelineLog.ConfigurationValueIgnored(_logger, key, problem);
            }

            if (!settings.Enabled)
            {
                PipelineLog.Disabled(_logger);
                return;
            }

            var processors = new List<BaseProcessor<Activity>>();
            var counters = new List<ExportCounters>();
            try
            {
                foreach (var name in settings.Exporters)
                {
                    var exporter = CreateExporter(name, options, settings);
                    if (exporter is null)
                    {
                        continue;
                    }

                    var exporterCounters = new ExportCounters(name, settings.MaxQueueSize, settings.ExportTimeout);
                    counters.Add(exporterCounters);
                    var delay = IsLocal(name, options) ? settings.LocalScheduleDelay : settings.ScheduleDelay;
                    processors.Add(new ExportBatchProcessor(exporter, exporterCounters, settings.MaxExportBatchSize, delay, _logger));
                }

                // AddService generates a service.instance.id unless told not to, and the later attribute wins: keep the
                // one OTEL_RESOURCE_ATTRIBUTES gives.
                var resource = ResourceBuilder.CreateEmpty()
                    .AddAttributes(settings.ResourceAttributes)
                    .AddService(settings.ServiceName, autoGenerateServiceInstanceId: !HasAttribute(settings.ResourceAttributes, "service.instance.id"))
                    .AddTelemetrySdk();
                var builder = Sdk.CreateTracerProviderBuilder()
                    .SetResourceBuilder(resource)
                    .SetSampler(settings.Sampler)
                    .AddSource([.. settings.Sources])

                    // The SDK reads its own settings (OTEL_SDK_DISABLED, ...) from the IConfiguration of its services,
                    // by default the process environment: give it the host's, so one host's environment variable does
                    // not turn off or change every host in the process.
                    .ConfigureServices(services => services.AddSingleton(_configuration));
                if (processors.Count > 0)
                {
                    builder.AddProcessor(new PipelineOwnershipProcessor(processors, _owner, settings.ExportUnownedSpans));
                }

                options.ConfigureTracerProvider?.Invoke(builder);
                _provider = builder.Build();
            }
            catch
            {
                foreach (var processor in processors)
                {
                    processor.Dispose();
                }

                throw;
            }

            _shutdownTimeout = settings.ShutdownTimeout;
            _statistics.Start(settings.SamplerDescription, [.. counters]);
            var exporterNames = string.Join(", ", counters.Select(static c => c.Name));
            PipelineLog.Started(_logger, settings.ServiceName, settings.SamplerDescription, exporterNames);
        }
    }

    /// <summary>Exports every span finished so far and waits for the exporters, at most <paramref name="timeout"/>.</summary>
    internal bool ForceFlush(TimeSpan timeout)
    {
        var provider = _provider;
        if (provider is null)
        {
            return false;
        }

        var milliseconds = timeout == Timeout.InfiniteTimeSpan ? Timeout.Infinite : (int)Math.Clamp(timeout.TotalMilliseconds, 0, int.MaxValue);
        return provider.ForceFlush(milliseconds);
    }

    internal void Stop()
    {
        TracerProvider? provider;
        lock (_gate)
        {
            provider = _provider;
            _provider = null;
        }

        if (provider is null)
        {
            return;
        }

        var started = Stopwatch.GetTimestamp();
        var budget = (int)Math.Clamp(_shutdownTimeout.TotalMilliseconds, 1, int.MaxValue);
        if (!provider.ForceFlush(budget))
        {
            PipelineLog.FlushTimedOut(_logger, budget);
        }

        var remaining = (int)Math.Max(0, budget - (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        provider.Shutdown(remaining);
        provider.Dispose();
        _statistics.Stop();

        long exported = 0, dropped = 0, failed = 0;
        foreach (var exporter in _statistics.GetExporterStatuses())
        {
            exported += exporter.ExportedSpans;
            dropped += exporter.DroppedSpans;
            failed += exporter.FailedSpans;
        }

        PipelineLog.Stopped(_logger, exported, dropped, failed);
    }

    private static bool HasAttribute(IReadOnlyList<KeyValuePair<string, object>> attributes, string key)
    {
        foreach (var attribute in attributes)
        {
            if (string.Equals(attribute.Key, key, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsLocal(string name, TracingPipelineOptions options)
        => !options.CustomExporters.ContainsKey(name)
            && name is TracingExporterNames.Store or TracingExporterNames.Console or TracingExporterNames.Json;

    private BaseExporter<Activity>? CreateExporter(string name, TracingPipelineOptions options, PipelineSettings settings)
    {
        if (options.CustomExporters.TryGetValue(name, out var factory))
        {
            return factory(_services) ?? throw new InvalidOperationException($"The factory registered for exporter '{name}' with AddExporter returned null.");
        }

        switch (name)
        {
            case TracingExporterNames.Otlp:
                var otlp = new OtlpExporterOptions();
                settings.ApplyTo(otlp);
                options.ConfigureOtlpExporter?.Invoke(otlp);
                return new OtlpTraceExporter(otlp);
            case TracingExporterNames.Console:
                return new ConsoleSpanExporter(options.ConsoleWriter ?? Console.Out);
            case TracingExporterNames.Json:
                return options.JsonWriter is { } writer
                    ? new JsonSpanExporter(writer)
                    : new JsonSpanExporter(_loggerFactory.CreateLogger(JsonSpanExporter.LoggerCategory));
            case TracingExporterNames.Store:
                return new SpanStoreExporter(_services.GetRequiredService<SpanStore>());
            default:
                throw new InvalidOperationException($"Exporter '{name}' is unknown.");
        }
    }
}
