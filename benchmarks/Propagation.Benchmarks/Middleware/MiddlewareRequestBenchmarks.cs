using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Propagation.Collector;

namespace Propagation.Benchmarks.Middleware;

/// <summary>
/// Cost of one request through ASP.NET Core hosting in process (no sockets): plain ASP.NET Core with
/// hosting's activity sampled (baseline) against the same app with <c>AddTracing</c> + <c>UseTracing</c>.
/// Targets: at most 1 µs and 512 bytes extra per request.
/// </summary>
/// <remarks>
/// The hosting pipeline is driven through <see cref="IHttpApplication{TContext}"/> captured by a
/// no-op <see cref="IServer"/>: CreateContext, ProcessRequestAsync, the response's OnStarting
/// callbacks (as a server runs them when it flushes headers), DisposeContext. Both apps see the same
/// request (a <c>traceparent</c>, a user agent) and an <see cref="ActivityListener"/> samples every
/// activity, as a tracer provider would.
/// Run: <c>dotnet run -c Release --project benchmarks/Propagation.Benchmarks -- --filter '*MiddlewareRequestBenchmarks*'</c>.
/// </remarks>
[MemoryDiagnoser]
public class MiddlewareRequestBenchmarks
{
    private ActivityListener? _listener;
    private IHost? _plainHost;
    private IHost? _tracedHost;
    private CapturingServer? _plain;
    private CapturingServer? _traced;

    [GlobalSetup]
    public void Setup()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = static s => s.Name is "Microsoft.AspNetCore" or "Propagation.AspNetCore",
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(_listener);
        (_plainHost, _plain) = Build(traced: false);
        (_tracedHost, _traced) = Build(traced: true);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _plainHost?.StopAsync().GetAwaiter().GetResult();
        _tracedHost?.StopAsync().GetAwaiter().GetResult();
        _plainHost?.Dispose();
        _tracedHost?.Dispose();
        _listener?.Dispose();
    }

    [Benchmark(Baseline = true, Description = "ASP.NET Core, hosting activity sampled")]
    public Task Plain() => _plain!.ProcessAsync();

    [Benchmark(Description = "AddTracing + UseTracing")]
    public Task Traced() => _traced!.ProcessAsync();

    private static (IHost Host, CapturingServer Server) Build(bool traced)
    {
        var server = new CapturingServer();
        var host = new HostBuilder()
            .ConfigureLogging(l => l.ClearProviders())
            .ConfigureWebHost(web => web
                .ConfigureServices(s =>
                {
                    s.AddSingleton<IServer>(server);
                    if (traced)
                    {
                        s.AddTracing();
                        s.Configure<TracingPipelineOptions>(o => o.Enabled = false);
                    }
                })
                .Configure(app =>
                {
                    if (traced)
                    {
                        app.UseTracing();
                    }

                    app.Run(static context =>
                    {
                        context.Response.StatusCode = StatusCodes.Status200OK;
                        return Task.CompletedTask;
                    });
                }))
            .Build();
        host.Start();
        return (host, server);
    }

    /// <summary>An <see cref="IServer"/> that keeps the hosting application so requests can be run in process.</summary>
    private sealed class CapturingServer : IServer
    {
        private Func<Task>? _process;

        public IFeatureCollection Features { get; } = new FeatureCollection();

        public Task ProcessAsync() => _process!();

        public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken)
            where TContext : notnull
        {
            _process = () => RunAsync(application);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public void Dispose()
        {
        }

        private static async Task RunAsync<TContext>(IHttpApplication<TContext> application)
            where TContext : notnull
        {
            var features = CreateFeatures(out var response);
            var context = application.CreateContext(features);
            Exception? error = null;
            try
            {
                await application.ProcessRequestAsync(context);
                await response.StartAsync();
            }
            catch (Exception ex)
            {
                error = ex;
                throw;
            }
            finally
            {
                application.DisposeContext(context, error);
            }
        }

        private static FeatureCollection CreateFeatures(out ResponseFeature response)
        {
            var request = new HttpRequestFeature
            {
                Method = "GET",
                Scheme = "http",
                Path = "/api/items",
                Protocol = "HTTP/1.1",
            };
            request.Headers.Host = "localhost:5000";
            request.Headers.UserAgent = "benchmark/1.0";
            request.Headers.TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
            response = new ResponseFeature();
            var features = new FeatureCollection();
            features.Set<IHttpRequestFeature>(request);
            features.Set<IHttpResponseFeature>(response);
            features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(Stream.Null));
            return features;
        }
    }

    /// <summary>A response feature that runs OnStarting callbacks when the benchmark "sends" the headers.</summary>
    private sealed class ResponseFeature : HttpResponseFeature
    {
        private readonly List<(Func<object, Task> Callback, object State)> _onStarting = [];
        private bool _started;

        public override bool HasStarted => _started;

        public override void OnStarting(Func<object, Task> callback, object state) => _onStarting.Add((callback, state));

        public async Task StartAsync()
        {
            for (var i = _onStarting.Count - 1; i >= 0; i--)
            {
                await _onStarting[i].Callback(_onStarting[i].State);
            }

            _started = true;
        }
    }
}
