using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Logging;
using Propagation.Collector;
using Samples.Ai;
using Samples.Backend;
using Samples.Kernel;

namespace Propagation.Benchmarks.Chain;

/// <summary>
/// The three samples (Backend → AI → Backend → Kernel) started together, in process over TestServer or on
/// loopback Kestrel, with tracing on or off.
/// </summary>
/// <remarks>
/// <b>Tracing off</b> is the same samples, same code, same registrations, with the OpenTelemetry SDK
/// switched off the standard way (<c>OTEL_SDK_DISABLED=true</c>): no tracer provider is built, so no
/// listener samples anything, no span is recorded, stored or exported. The middleware and interceptors
/// stay in the pipeline and still propagate the context they are given, as they would in production
/// with the SDK disabled. The difference between the two is therefore what recording spans costs
/// (activities, attributes, events, ownership marking, export queues and the in-process store).
/// Logging providers are removed in both, so neither pays for log output.
/// </remarks>
internal sealed class ChainHost : IAsyncDisposable
{
    private readonly WebApplication _backend;
    private readonly WebApplication _ai;
    private readonly WebApplication _kernel;

    private ChainHost(WebApplication backend, WebApplication ai, WebApplication kernel, HttpClient client)
    {
        _backend = backend;
        _ai = ai;
        _kernel = kernel;
        Client = client;
    }

    /// <summary>A client for the Backend's public API (base address set).</summary>
    public HttpClient Client { get; }

    /// <summary>Starts the chain in process: TestServer hosts, the services call each other through a router by host name.</summary>
    /// <param name="tracing">Whether the OpenTelemetry SDK is on.</param>
    /// <param name="exporters">With tracing on, <c>OTEL_TRACES_EXPORTER</c> (<see langword="null"/>: the samples' default, the in-process store).</param>
    public static async Task<ChainHost> StartInProcessAsync(bool tracing, string? exporters = null)
    {
        var router = new Router();
        var kernel = Build(KernelApp.ConfigureServices, KernelApp.Configure, tracing, WithExporters(new(), exporters), router);
        var ai = Build(AiServiceApp.ConfigureServices, AiServiceApp.Configure, tracing, WithExporters(new() { ["Services:Backend"] = "http://backend.test" }, exporters), router);
        var backend = Build(
            BackendApp.ConfigureServices,
            BackendApp.Configure,
            tracing,
            WithExporters(new() { ["Services:Ai"] = "http://ai.test", ["Services:KernelGrpc"] = "http://kernel.test", ["Services:KernelHttp"] = "http://kernel.test" }, exporters),
            router);
        await kernel.StartAsync();
        await ai.StartAsync();
        await backend.StartAsync();
        router.Add("backend.test", backend.GetTestServer().CreateHandler());
        router.Add("ai.test", ai.GetTestServer().CreateHandler());
        router.Add("kernel.test", kernel.GetTestServer().CreateHandler());
        var client = new HttpClient(new RouterHandler(router)) { BaseAddress = new Uri("http://backend.test") };
        return new ChainHost(backend, ai, kernel, client);
    }

    /// <summary>Starts the chain on loopback Kestrel: each service on an HTTP/1.1 port and an HTTP/2 (gRPC) port.</summary>
    public static async Task<ChainHost> StartLoopbackAsync(bool tracing)
    {
        var ports = Samples.LoopbackPorts.Pick(6);
        static string Url(int port) => $"http://127.0.0.1:{port}";
        var kernel = Build(KernelApp.ConfigureServices, KernelApp.Configure, tracing, Kestrel(ports[0], ports[1]), router: null);
        var ai = Build(AiServiceApp.ConfigureServices, AiServiceApp.Configure, tracing, new(Kestrel(ports[2], ports[3])) { ["Services:Backend"] = Url(ports[5]) }, router: null);
        var backend = Build(
            BackendApp.ConfigureServices,
            BackendApp.Configure,
            tracing,
            new(Kestrel(ports[4], ports[5])) { ["Services:Ai"] = Url(ports[3]), ["Services:KernelGrpc"] = Url(ports[1]), ["Services:KernelHttp"] = Url(ports[0]) },
            router: null);
        await kernel.StartAsync();
        await ai.StartAsync();
        await backend.StartAsync();
        var handler = new SocketsHttpHandler { ActivityHeadersPropagator = null, MaxConnectionsPerServer = 64 };
        var client = new HttpClient(handler) { BaseAddress = new Uri(Url(ports[4])), Timeout = TimeSpan.FromSeconds(30) };
        return new ChainHost(backend, ai, kernel, client);
    }

    /// <summary>Sends <c>GET /api/ask?q=...&amp;mode=ok</c> and fails unless the answer is 200.</summary>
    public async Task AskAsync(CancellationToken cancellationToken = default)
    {
        using var response = await Client.GetAsync("/api/ask?q=trace+this+request&mode=ok", cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"The chain answered {(int)response.StatusCode}.");
        }

        await response.Content.ReadAsByteArrayAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _backend.DisposeAsync();
        await _ai.DisposeAsync();
        await _kernel.DisposeAsync();
    }

    private static Dictionary<string, string?> WithExporters(Dictionary<string, string?> settings, string? exporters)
    {
        if (exporters is not null)
        {
            settings["OTEL_TRACES_EXPORTER"] = exporters;
        }

        return settings;
    }

    private static Dictionary<string, string?> Kestrel(int httpPort, int grpcPort) => new()
    {
        ["Kestrel:Endpoints:Http:Url"] = $"http://127.0.0.1:{httpPort}",
        ["Kestrel:Endpoints:Http:Protocols"] = "Http1",
        ["Kestrel:Endpoints:Grpc:Url"] = $"http://127.0.0.1:{grpcPort}",
        ["Kestrel:Endpoints:Grpc:Protocols"] = "Http2",
    };

    private static WebApplication Build(
        Action<WebApplicationBuilder> configureServices,
        Action<WebApplication> configureApp,
        bool tracing,
        Dictionary<string, string?> settings,
        Router? router)
    {
        // An empty content root: the samples' appsettings.json (fixed ports) are not read.
        var contentRoot = Path.Combine(Path.GetTempPath(), "propagation-chain-benchmarks");
        Directory.CreateDirectory(contentRoot);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = contentRoot, EnvironmentName = "Production" });
        if (router is not null)
        {
            builder.WebHost.UseTestServer();
        }

        settings["OTEL_SDK_DISABLED"] = tracing ? "false" : "true";
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders();
        configureServices(builder);
        if (router is not null)
        {
            builder.Services.ConfigureAll<HttpClientFactoryOptions>(o => o.HttpMessageHandlerBuilderActions.Add(b => b.PrimaryHandler = new RouterHandler(router)));
        }

        // Three hosts share this process: each exports only the spans of its own requests.
        builder.Services.Configure<TracingPipelineOptions>(static o => o.ExportUnownedSpans = false);
        var app = builder.Build();
        configureApp(app);
        return app;
    }

    /// <summary>Maps host names to TestServer handlers.</summary>
    private sealed class Router
    {
        private readonly ConcurrentDictionary<string, HttpMessageInvoker> _servers = new(StringComparer.OrdinalIgnoreCase);

        public void Add(string host, HttpMessageHandler handler) => _servers[host] = new HttpMessageInvoker(handler, disposeHandler: false);

        public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            _servers.TryGetValue(request.RequestUri!.Host, out var server)
                ? server.SendAsync(request, cancellationToken)
                : throw new HttpRequestException($"No test server for host '{request.RequestUri.Host}'.");
    }

    /// <summary>A primary handler that forwards to the <see cref="Router"/>.</summary>
    private sealed class RouterHandler(Router router) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            router.SendAsync(request, cancellationToken);
    }
}
