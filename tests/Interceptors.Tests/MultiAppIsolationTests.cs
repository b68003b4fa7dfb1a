using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Propagation.Collector;
using Propagation.Interceptors.Tests.Infrastructure;
using Propagation.Interceptors.Tests.Protos;
using Propagation.Middleware;

namespace Propagation.Interceptors.Tests;

/// <summary>
/// Several apps with different options in one process, as the samples run in the integration tests: each records its
/// own spans in its own store, injects its own formats under its own destination policy and counts its own requests,
/// also after another app was disposed. Their pipelines listen process-wide (hosting's source among them), so these
/// tests run alone.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class MultiAppIsolationTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task TwoApps_DifferentOptions_EachRecordsInjectsAndCountsWithItsOwn()
    {
        // Arrange: B3 to every host in one app; traceparent, and nothing to downstream.internal, in the other.
        await using var alpha = await App.StartAsync("alpha", o => o.Propagation.InjectFormats = [PropagationFormat.B3Single]);
        await using var beta = await App.StartAsync("beta", o =>
        {
            o.Propagation.InjectFormats = [PropagationFormat.TraceContext];
            o.OutboundDestinations["downstream.internal"] = InjectionScope.None;
        });

        // Act
        await Task.WhenAll(alpha.CallAsync("/call?to=downstream.internal"), beta.CallAsync("/call?to=downstream.internal"), beta.CallAsync("/call?to=other.internal"));

        // Assert: headers.
        var alphaSent = Assert.Single(alpha.Downstream.Sent);
        Assert.True(alphaSent.ContainsKey("b3"));
        Assert.False(alphaSent.ContainsKey("traceparent"));
        Assert.Equal(2, beta.Downstream.Sent.Count);
        Assert.All(beta.Downstream.Sent, h => Assert.False(h.ContainsKey("b3")));
        Assert.Single(beta.Downstream.Sent, h => h.ContainsKey("traceparent"));

        // Assert: spans, each app's in its own store only, and its own request counts.
        await AssertOwnSpansAsync(alpha, servers: 1);
        await AssertOwnSpansAsync(beta, servers: 2);
        Assert.Equal(1, alpha.Health.TotalRequests);
        Assert.Equal(2, beta.Health.TotalRequests);
    }

    [Fact]
    public async Task DisposeOneApp_OtherApp_KeepsRecordingItsSpans()
    {
        // Arrange
        var alpha = await App.StartAsync("alpha", null);
        await using var beta = await App.StartAsync("beta", o => o.Propagation.InjectFormats = [PropagationFormat.B3]);
        await Task.WhenAll(alpha.CallAsync("/call?to=downstream.internal"), beta.CallAsync("/call?to=downstream.internal"));

        // Act
        await alpha.DisposeAsync();
        await beta.CallAsync("/call?to=downstream.internal");

        // Assert
        await AssertOwnSpansAsync(beta, servers: 2);
        Assert.All(beta.Downstream.Sent, h => Assert.True(h.ContainsKey("X-B3-TraceId")));
        Assert.Equal(2, beta.Health.TotalRequests);
    }

    [Fact]
    public async Task AppsOneAfterAnother_EachDisposed_NextRecordsOnlyItsOwnAndDisposedOnesAreCollected()
    {
        // Arrange / Act: a test suite's pattern, apps started, used and disposed one after another.
        const int Apps = 4;
        var disposed = new List<WeakReference>();
        for (var i = 0; i < Apps; i++)
        {
            disposed.Add(await RunOneAppAsync("app" + i, i));
        }

        // Assert: nothing process-wide (listeners, ownership claims on hosting's sources, the interceptors' per-app
        // settings, the shared activity sources) keeps a disposed app's services alive.
        for (var attempt = 0; attempt < 10 && disposed.Exists(static w => w.IsAlive); attempt++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            await Task.Delay(50);
        }

        Assert.DoesNotContain(disposed, static w => w.IsAlive);
    }

    [Fact]
    public async Task TwoGrpcApps_DifferentOptions_EachInterceptorExtractsEchoesAndRecordsWithItsOwn()
    {
        // Arrange: the same call metadata to two apps that read different formats and echo under different names. No
        // UseTracing: each interceptor enriches its host's server span, which must be marked as its app's (with
        // ExportUnownedSpans off, as several apps in one process set it, an unmarked span is exported by no app; with it
        // on, by every app).
        await using var alpha = await StartGrpcAsync("alpha", o =>
        {
            o.Propagation.ExtractFormats = [PropagationFormat.Legacy];
            o.TraceIdResponseHeader = "x-alpha-trace";
        });
        await using var beta = await StartGrpcAsync("beta", o =>
        {
            o.Propagation.ExtractFormats = [PropagationFormat.TraceContext];
            o.TraceIdResponseHeader = "x-beta-trace";
        });
        var w3cTrace = ActivityTraceId.CreateRandom();
        var legacyTrace = ActivityTraceId.CreateRandom();
        var metadata = new Metadata
        {
            { "traceparent", $"00-{w3cTrace.ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01" },
            { "x-trace-id", legacyTrace.ToHexString() },
            { "x-span-id", ActivitySpanId.CreateRandom().ToHexString() },
        };

        // Act
        var alphaCall = alpha.CreateClient().UnaryAsync(new TraceRequest(), metadata);
        var betaCall = beta.CreateClient().UnaryAsync(new TraceRequest(), metadata);
        await Task.WhenAll(alphaCall.ResponseAsync, betaCall.ResponseAsync).WaitAsync(Bound);
        var alphaHeaders = await alphaCall.ResponseHeadersAsync;
        var betaHeaders = await betaCall.ResponseHeadersAsync;

        // Assert
        Assert.Equal(legacyTrace.ToHexString(), alphaHeaders.GetValue("x-alpha-trace"));
        Assert.Null(alphaHeaders.GetValue("x-beta-trace"));
        Assert.Equal(w3cTrace.ToHexString(), betaHeaders.GetValue("x-beta-trace"));
        Assert.Null(betaHeaders.GetValue("x-alpha-trace"));
        foreach (var (server, name, trace) in new[] { (alpha, "alpha", legacyTrace), (beta, "beta", w3cTrace) })
        {
            // Hosting's span ends once the response is complete, which the client may see first.
            var store = server.Services.GetRequiredService<SpanStore>();
            for (var attempt = 0; attempt < 100 && store.SpanCount == 0; attempt++)
            {
                Assert.True(server.Services.ForceFlushTracing(Bound));
                await Task.Delay(20);
            }

            var span = Assert.Single(store.GetSpans());
            Assert.Equal(name, span.ServiceName);
            Assert.Equal(ActivityKind.Server, span.Kind);
            Assert.Equal(trace.ToHexString(), span.TraceId);
        }
    }

    private static Task<TracingTestServer> StartGrpcAsync(string name, Action<TracingOptions> configure) =>
        TracingTestServer.StartAsync(
            interceptor: null,
            configureServices: services =>
            {
                services.AddGrpcTracing(o =>
                {
                    o.ServiceName = name;
                    configure(o);
                });
                services.Configure<Grpc.AspNetCore.Server.GrpcServiceOptions>(o => o.Interceptors.Add<TracingInterceptor>());
                services.Configure<TracingPipelineOptions>(o =>
                {
                    o.Exporters = [TracingExporterNames.Store];
                    o.ExportUnownedSpans = false;
                });
            });

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task<WeakReference> RunOneAppAsync(string name, int index)
    {
        var app = await App.StartAsync(name, o => o.Propagation.InjectFormats = index % 2 == 0 ? [PropagationFormat.TraceContext] : [PropagationFormat.Legacy]);
        try
        {
            await app.CallAsync("/call?to=downstream.internal");
            await AssertOwnSpansAsync(app, servers: 1);
            var sent = Assert.Single(app.Downstream.Sent);
            Assert.Equal(index % 2 == 0, sent.ContainsKey("traceparent"));
            Assert.Equal(index % 2 != 0, sent.ContainsKey("X-Trace-ID"));
            return new WeakReference(app.Services);
        }
        finally
        {
            await app.DisposeAsync();
        }
    }

    private static async Task AssertOwnSpansAsync(App app, int servers)
    {
        // Hosting stops its server span when TestServer disposes the request, which may be after the client has the
        // response: wait (bounded) until the pipeline has exported the expected server spans, then assert.
        var deadline = DateTime.UtcNow + Bound;
        IReadOnlyList<StoredSpan> spans;
        while (true)
        {
            Assert.True(app.Services.ForceFlushTracing(Bound));
            spans = app.Store.GetSpans();
            if (spans.Count(s => s.Kind == ActivityKind.Server) >= servers || DateTime.UtcNow >= deadline)
            {
                break;
            }

            await Task.Delay(20);
        }

        Assert.All(spans, s => Assert.Equal(app.Name, s.ServiceName));
        Assert.Equal(servers, spans.Count(s => s.Kind == ActivityKind.Server));
        Assert.Equal(servers, spans.Count(s => s.Kind == ActivityKind.Client));
    }

    /// <summary>A traced TestServer app whose <c>/call?to=host</c> calls <c>http://host/</c> through an <c>AddTraceHeaders</c> client.</summary>
    private sealed class App : IAsyncDisposable
    {
        private readonly IHost _host;

        private App(IHost host, string name, RecordingHandler downstream)
        {
            _host = host;
            Name = name;
            Downstream = downstream;
        }

        public string Name { get; }

        public RecordingHandler Downstream { get; }

        public IServiceProvider Services => _host.Services;

        public SpanStore Store => Services.GetRequiredService<SpanStore>();

        public PropagationHealth Health => Services.GetRequiredService<PropagationHealth>();

        public static async Task<App> StartAsync(string name, Action<TracingOptions>? configure)
        {
            var downstream = new RecordingHandler();
            var host = new HostBuilder()
                .ConfigureWebHost(web => web
                    .UseTestServer()
                    .ConfigureServices(services =>
                    {
                        services.AddRouting();
                        services.AddTracing(o =>
                        {
                            o.ServiceName = name;
                            configure?.Invoke(o);
                        });
                        services.Configure<TracingPipelineOptions>(o =>
                        {
                            o.Exporters = [TracingExporterNames.Store];
                            o.ExportUnownedSpans = false;
                        });
                        // The factory's handler-expiry timer would keep a disposed app alive for HandlerLifetime
                        // (2 minutes, framework behaviour): an infinite lifetime starts none.
                        services.AddHttpClient("out")
                            .AddTraceHeaders()
                            .ConfigurePrimaryHttpMessageHandler(() => downstream)
                            .SetHandlerLifetime(Timeout.InfiniteTimeSpan);
                    })
                    .Configure(app =>
                    {
                        app.UseTracing();
                        app.Run(static async context =>
                        {
                            var client = context.RequestServices.GetRequiredService<IHttpClientFactory>().CreateClient("out");
                            using var response = await client.GetAsync(new Uri("http://" + context.Request.Query["to"] + "/next"));
                            await context.Response.WriteAsync("ok");
                        });
                    }))
                .Build();
            await host.StartAsync().WaitAsync(Bound);
            return new App(host, name, downstream);
        }

        public async Task CallAsync(string pathAndQuery)
        {
            using var response = await _host.GetTestClient().GetAsync(new Uri(pathAndQuery, UriKind.Relative)).WaitAsync(Bound);
            response.EnsureSuccessStatusCode();
        }

        public async ValueTask DisposeAsync()
        {
            await _host.StopAsync().WaitAsync(Bound);
            _host.Dispose();
        }
    }

    /// <summary>A primary handler that records the headers of every request and answers 200.</summary>
    private sealed class RecordingHandler : HttpMessageHandler
    {
        public ConcurrentQueue<Dictionary<string, string[]>> Sent { get; } = new();

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Sent.Enqueue(request.Headers.NonValidated.ToDictionary(h => h.Key, h => h.Value.ToArray(), StringComparer.OrdinalIgnoreCase));
            return Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.OK) { RequestMessage = request });
        }
    }
}
