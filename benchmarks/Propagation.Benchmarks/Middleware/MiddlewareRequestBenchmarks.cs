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
/// activity, as a tracer provider would. <see cref="ReuseConnection"/> chooses between fresh feature
/// objects per request (as TestServer creates them) and one connection's objects reset between requests
/// (as Kestrel keeps them: its request and response header collections, including the dictionary of
/// non-standard headers such as <c>X-Trace-ID</c>, and its OnStarting stack live as long as the connection).
/// Run: <c>dotnet run -c Release --project benchmarks/Propagation.Benchmarks -- --filter '*MiddlewareRequestBenchmarks*'</c>.
/// </remarks>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public class MiddlewareRequestBenchmarks
{
    private ActivityListener? _listener;
    private IHost? _plainHost;
    private IHost? _tracedHost;
    private CapturingServer? _plain;
    private CapturingServer? _traced;

    /// <summary>
    /// Gets or sets a value indicating whether requests reuse one connection's feature objects, as Kestrel does
    /// (true), or get fresh ones each (false, as TestServer does).
    /// </summary>
    [Params(false, true)]
    public bool ReuseConnection { get; set; }

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
        _plain.ReuseConnection = ReuseConnection;
        _traced.ReuseConnection = ReuseConnection;
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

        /// <summary>
        /// Gets or sets a value indicating whether requests reuse one connection's feature objects (request and
        /// response headers, the OnStarting stack), reset between requests as Kestrel does, instead of fresh ones.
        /// </summary>
        public bool ReuseConnection { get; set; }

        public Task ProcessAsync() => _process!();

        public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken)
            where TContext : notnull
        {
            var connection = new Connection(reused: true);
            _process = () => RunAsync(application, ReuseConnection ? connection.Reset() : new Connection(reused: false));
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public void Dispose()
        {
        }

        private static async Task RunAsync<TContext>(IHttpApplication<TContext> application, Connection connection)
            where TContext : notnull
        {
            var context = application.CreateContext(connection.Features);
            Exception? error = null;
            try
            {
                await application.ProcessRequestAsync(context);
                await connection.Response.StartAsync();
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
    }

    /// <summary>The feature objects of one connection; <see cref="Reset"/> prepares them for the next request.</summary>
    private sealed class Connection
    {
        private readonly HttpRequestFeature _request = new();
        private readonly StreamResponseBodyFeature _body = new(Stream.Null);

        /// <param name="reused">Whether the connection serves many requests: its features are then a
        /// <see cref="ConnectionFeatures"/>, cleared between requests as Kestrel clears its own, instead of a
        /// <see cref="FeatureCollection"/> (TestServer's).</param>
        public Connection(bool reused)
        {
            Response = new ResponseFeature();
            Features = reused ? new ConnectionFeatures() : new FeatureCollection();
            Reset();
        }

        public IFeatureCollection Features { get; }

        public ResponseFeature Response { get; }

        public Connection Reset()
        {
            _request.Method = "GET";
            _request.Scheme = "http";
            _request.Path = "/api/items";
            _request.Protocol = "HTTP/1.1";
            _request.Headers.Clear();
            _request.Headers.Host = "localhost:5000";
            _request.Headers.UserAgent = "benchmark/1.0";
            _request.Headers.TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
            Response.Reset();

            // What the previous request added (hosting's features, the middleware's) is cleared, and setting the
            // connection's own features again moves the collection's revision on, so cached feature look-ups of the
            // previous request are not reused: Kestrel resets its feature collection the same way.
            (Features as ConnectionFeatures)?.Clear();
            Features.Set<IHttpResponseBodyFeature>(_body);
            Features.Set<IHttpRequestFeature>(_request);
            Features.Set<IHttpResponseFeature>(Response);
            return this;
        }
    }

    /// <summary>
    /// A reused connection's features, kept as Kestrel keeps the ones it does not implement itself: a list that lives as
    /// long as the connection and is emptied between requests (no allocation once it has grown).
    /// </summary>
    private sealed class ConnectionFeatures : IFeatureCollection
    {
        private readonly List<KeyValuePair<Type, object>> _features = new(16);

        public bool IsReadOnly => false;

        public int Revision { get; private set; }

        public object? this[Type key]
        {
            get
            {
                var index = IndexOf(key);
                return index < 0 ? null : _features[index].Value;
            }

            set
            {
                Revision++;
                var index = IndexOf(key);
                if (value is null)
                {
                    if (index >= 0)
                    {
                        _features.RemoveAt(index);
                    }
                }
                else if (index >= 0)
                {
                    _features[index] = new(key, value);
                }
                else
                {
                    _features.Add(new(key, value));
                }
            }
        }

        public TFeature? Get<TFeature>() => (TFeature?)this[typeof(TFeature)];

        public void Set<TFeature>(TFeature? instance) => this[typeof(TFeature)] = instance;

        public void Clear()
        {
            _features.Clear();
            Revision++;
        }

        public IEnumerator<KeyValuePair<Type, object>> GetEnumerator() => _features.GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        private int IndexOf(Type key)
        {
            for (var i = 0; i < _features.Count; i++)
            {
                if (_features[i].Key == key)
                {
                    return i;
                }
            }

            return -1;
        }
    }

    /// <summary>A response feature that runs OnStarting callbacks when the benchmark "sends" the headers.</summary>
    private sealed class ResponseFeature : HttpResponseFeature
    {
        private readonly Stack<KeyValuePair<Func<object, Task>, object>> _onStarting = new();
        private bool _started;

        public override bool HasStarted => _started;

        public override void OnStarting(Func<object, Task> callback, object state) => _onStarting.Push(new(callback, state));

        public void Reset()
        {
            StatusCode = StatusCodes.Status200OK;
            ReasonPhrase = null;
            Headers.Clear();
            _onStarting.Clear();
            _started = false;
        }

        public async Task StartAsync()
        {
            while (_onStarting.TryPop(out var entry))
            {
                await entry.Key(entry.Value);
            }

            _started = true;
        }
    }
}
