using System.Collections.Concurrent;
using System.Diagnostics;
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

namespace Propagation.Integration.Tests;

/// <summary>
/// The three sample services hosted with TestHost and wired to each other through their
/// TestServer handlers: no network. Every named HttpClient (including the gRPC clients) gets
/// a primary handler that routes by host name to the right TestServer.
/// </summary>
internal sealed class ServiceChain : IAsyncDisposable
{
    public const string BackendHost = "http://backend.test";
    public const string AiHost = "http://ai.test";
    public const string KernelHost = "http://kernel.test";

    /// <summary>How long a flush, or a wait for spans, may take on a loaded machine before the test fails.</summary>
    public static readonly TimeSpan FlushBound = TimeSpan.FromSeconds(30);

    private readonly Router _router;
    private readonly RequestTracker _requests;

    private ServiceChain(WebApplication backend, WebApplication ai, WebApplication kernel, Router router, RequestTracker requests)
    {
        Backend = backend;
        Ai = ai;
        Kernel = kernel;
        _router = router;
        _requests = requests;
    }

    public WebApplication Backend { get; }

    public WebApplication Ai { get; }

    public WebApplication Kernel { get; }

    /// <summary>Starts the chain; <paramref name="configure"/> may change each service's registrations (by service name).</summary>
    public static async Task<ServiceChain> StartAsync(Action<string, IServiceCollection>? configure = null)
    {
        var router = new Router();
        var requests = new RequestTracker();
        var kernel = Build(KernelApp.ServiceName, KernelApp.ConfigureServices, KernelApp.Configure, [], router, requests, configure);
        var ai = Build(AiServiceApp.ServiceName, AiServiceApp.ConfigureServices, AiServiceApp.Configure, new() { ["Services:Backend"] = BackendHost }, router, requests, configure);
        var backend = Build(
            BackendApp.ServiceName,
            BackendApp.ConfigureServices,
            BackendApp.Configure,
            new() { ["Services:Ai"] = AiHost, ["Services:KernelGrpc"] = KernelHost, ["Services:KernelHttp"] = KernelHost },
            router,
            requests,
            configure);

        await kernel.StartAsync();
        await ai.StartAsync();
        await backend.StartAsync();
        router.Add("backend.test", backend.GetTestServer().CreateHandler());
        router.Add("ai.test", ai.GetTestServer().CreateHandler());
        router.Add("kernel.test", kernel.GetTestServer().CreateHandler());
        return new ServiceChain(backend, ai, kernel, router, requests);
    }

    /// <summary>Every request the services sent to each other (and the test to the Backend), in order, with its headers as sent.</summary>
    public IReadOnlyList<RoutedRequest> Requests => _router.Requests;

    /// <summary>The requests that reached <paramref name="host"/> (<c>backend.test</c>, <c>ai.test</c>, <c>kernel.test</c>) on paths starting with <paramref name="pathPrefix"/>.</summary>
    public IReadOnlyList<RoutedRequest> RequestsTo(string host, string pathPrefix) =>
        [.. _router.Requests.Where(r => string.Equals(r.Host, host, StringComparison.OrdinalIgnoreCase) && r.Path.StartsWith(pathPrefix, StringComparison.Ordinal))];

    /// <summary>A client for the Backend's public API.</summary>
    public HttpClient CreateBackendClient() => CreateClient(BackendHost);

    /// <summary>A client for one of the services (<see cref="BackendHost"/>, <see cref="AiHost"/>, <see cref="KernelHost"/>), as an outside caller.</summary>
    public HttpClient CreateClient(string host) => new(new RouterInvoker(_router), disposeHandler: false) { BaseAddress = new Uri(host) };

    /// <summary>The spans one service's own pipeline exported to its store, after flushing it.</summary>
    public static IReadOnlyList<StoredSpan> SpansOf(WebApplication app, string traceId)
    {
        Assert.True(app.Services.ForceFlushTracing(FlushBound), "The pipeline did not flush in time.");
        return app.Services.GetRequiredService<SpanStore>().GetTrace(traceId) ?? [];
    }

    /// <summary>
    /// Waits until none of the three services has a request in flight (bounded: <see cref="FlushBound"/>): every
    /// server span has ended, also the ones that end after their response was sent, and so has every client span
    /// under them. Then <see cref="SpansOf"/> reads all that any service will export, no more to come.
    /// </summary>
    public Task WaitUntilIdleAsync() => _requests.WaitUntilIdleAsync(FlushBound);

    /// <summary>Every span of <paramref name="traceId"/> in the three services.</summary>
    public IReadOnlyList<StoredSpan> AllSpans(string traceId) =>
        [.. SpansOf(Backend, traceId), .. SpansOf(Ai, traceId), .. SpansOf(Kernel, traceId)];

    public async ValueTask DisposeAsync()
    {
        await Backend.DisposeAsync();
        await Ai.DisposeAsync();
        await Kernel.DisposeAsync();
    }

    private static WebApplication Build(
        string name,
        Action<WebApplicationBuilder> configureServices,
        Action<WebApplication> configureApp,
        Dictionary<string, string?> settings,
        Router router,
        RequestTracker requests,
        Action<string, IServiceCollection>? configure)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development", ApplicationName = typeof(ServiceChain).Assembly.GetName().Name });
        builder.WebHost.UseTestServer();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders();
        configureServices(builder);
        builder.Services.ConfigureAll<HttpClientFactoryOptions>(o => o.HttpMessageHandlerBuilderActions.Add(b => b.PrimaryHandler = new RouterInvoker(router)));
        // Three hosts share this process: each exports only the spans of its own requests.
        builder.Services.Configure<TracingPipelineOptions>(o => o.ExportUnownedSpans = false);
        configure?.Invoke(name, builder.Services);
        requests.AddTo(builder.Services);
        var app = builder.Build();
        configureApp(app);
        return app;
    }

    /// <summary>Maps host names to TestServer handlers and records what each request carried.</summary>
    private sealed class Router
    {
        private readonly ConcurrentDictionary<string, HttpMessageInvoker> _servers = new(StringComparer.OrdinalIgnoreCase);
        private readonly ConcurrentQueue<RoutedRequest> _requests = new();

        public IReadOnlyList<RoutedRequest> Requests => [.. _requests];

        public void Add(string host, HttpMessageHandler handler) => _servers[host] = new HttpMessageInvoker(handler, disposeHandler: false);

        public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var uri = request.RequestUri!;
            var headers = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase);
            foreach (var header in request.Headers)
            {
                headers[header.Key] = [.. header.Value];
            }

            _requests.Enqueue(new RoutedRequest(uri.Host, uri.AbsolutePath, headers));
            return _servers.TryGetValue(uri.Host, out var server)
                ? server.SendAsync(request, cancellationToken)
                : throw new HttpRequestException($"No test server for host '{uri.Host}'.");
        }
    }

    /// <summary>A primary handler that forwards to the <see cref="Router"/>; disposing it leaves the servers alone.</summary>
    private sealed class RouterInvoker(Router router) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            router.SendAsync(request, cancellationToken);
    }
}

/// <summary>One request as the router saw it: host, path and the headers as sent (after every client handler).</summary>
internal sealed record RoutedRequest(string Host, string Path, IReadOnlyDictionary<string, string[]> Headers)
{
    /// <summary>The single value of a header; null when absent. Fails when the header was sent more than once.</summary>
    public string? Header(string name)
    {
        if (!Headers.TryGetValue(name, out var values))
        {
            return null;
        }

        Assert.True(values.Length == 1, $"Header '{name}' sent {values.Length} times to {Host}{Path}.");
        return values[0];
    }
}
