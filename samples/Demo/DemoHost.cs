using Microsoft.Extensions.Logging.Console;
using Propagation.Collector;

namespace Samples.Demo;

/// <summary>Builds one sample service on loopback ports for the demo.</summary>
internal static class DemoHost
{
    /// <summary>
    /// Builds a service listening on <paramref name="httpPort"/> (HTTP/1.1: public API,
    /// <c>/api/tracing</c>, viewer) and <paramref name="grpcPort"/> (HTTP/2 cleartext: gRPC), with
    /// <paramref name="contentRoot"/> (an empty folder) as its content root.
    /// </summary>
    public static WebApplication Build(
        string[] args,
        string contentRoot,
        int httpPort,
        int grpcPort,
        Dictionary<string, string?> settings,
        Action<WebApplicationBuilder> configureServices,
        Action<WebApplication> configure)
    {
        // contentRoot is an empty folder: the samples' own appsettings.json (fixed ports) are not used here.
        // Development: the demo binds loopback only, so the tracing API and viewer are mapped without an
        // authorization policy (outside Development that is logged as a warning at start-up).
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = contentRoot, EnvironmentName = Environments.Development });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>(settings)
        {
            ["Kestrel:Endpoints:Http:Url"] = $"http://127.0.0.1:{httpPort}",
            ["Kestrel:Endpoints:Http:Protocols"] = "Http1",
            ["Kestrel:Endpoints:Grpc:Url"] = $"http://127.0.0.1:{grpcPort}",
            ["Kestrel:Endpoints:Grpc:Protocols"] = "Http2",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Warning",
        });
        // Spans also go out over OTLP when an endpoint is configured (the general or the traces-only one, which the
        // pipeline reads first) and no exporter list was chosen.
        var otlpEndpoint = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"])
            || !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        if (otlpEndpoint && string.IsNullOrWhiteSpace(builder.Configuration["OTEL_TRACES_EXPORTER"]))
        {
            builder.Configuration["OTEL_TRACES_EXPORTER"] = "store,otlp";
        }

        // The services' log lines (e.g. an OTLP endpoint that does not answer) go to standard error, so standard output
        // holds only the demo's own lines, whole, when it is redirected to a file or a pipe.
        builder.Services.Configure<ConsoleLoggerOptions>(static o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        configureServices(builder);
        // Three services share this process: each exports only the spans of its own requests.
        builder.Services.Configure<TracingPipelineOptions>(static o => o.ExportUnownedSpans = false);
        var app = builder.Build();
        configure(app);
        return app;
    }
}
