using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Propagation.Benchmarks.GrpcCalls;
using Propagation.Benchmarks.GrpcCalls.Protos;
using Propagation.Interceptors;

namespace Propagation.Benchmarks.Interceptors;

/// <summary>
/// Cost of one unary call with <see cref="TracingClientInterceptor"/> and <see cref="TracingInterceptor"/>
/// against the same call without them, with a listener sampling every span (as an exporter would).
/// <para>
/// <b>Direct</b>: the client interceptor around a continuation that runs the server interceptor around a
/// completed handler, in process: the interceptors' own CPU and allocations (target: under 2 µs for both).
/// <c>Direct_ClientInterceptor</c> and <c>Direct_ServerInterceptor</c> run each side alone (the server one
/// reads the metadata the client interceptor writes), to see which side a change moves. <c>Direct_TwoBareSpans</c>
/// is the floor: the plain call inside a bare client span and server span with the same attributes, so the
/// interceptors' own work is <c>Direct_BothInterceptors</c> minus it.
/// <b>TestServer</b>: a full round trip through GrpcChannel and ASP.NET Core over TestServer.
/// </para>
/// Run: <c>dotnet run -c Release --project benchmarks/Propagation.Benchmarks -- --filter '*InterceptorUnaryBenchmarks*'</c>
/// (smoke: add <c>--job Dry --inProcess</c>).
/// </summary>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class InterceptorUnaryBenchmarks : IDisposable
{
    private const string SourceName = "Propagation.Benchmarks.Interceptors";

    private static readonly Method<BenchRequest, BenchReply> UnaryMethod = new(
        MethodType.Unary,
        "propagation.bench.BenchService",
        "Unary",
        Marshallers.Create(static (BenchRequest r) => Google.Protobuf.MessageExtensions.ToByteArray(r), BenchRequest.Parser.ParseFrom),
        Marshallers.Create(static (BenchReply r) => Google.Protobuf.MessageExtensions.ToByteArray(r), BenchReply.Parser.ParseFrom));

    private static readonly BenchRequest Request = new();
    private static readonly BenchReply Reply = new();
    private static readonly Task<BenchReply> CompletedReply = Task.FromResult(Reply);
    private static readonly UnaryServerMethod<BenchRequest, BenchReply> Handler = static (_, _) => CompletedReply;
    private static readonly object BoxedOk = 0;
    private static readonly object BoxedPort = 5000;

    private ActivitySource? _source;
    private ActivityListener? _listener;
    private GrpcTracingSettings? _settings;
    private TracingClientInterceptor? _client;
    private TracingInterceptor? _server;
    private Interceptor.AsyncUnaryCallContinuation<BenchRequest, BenchReply>? _plainContinuation;
    private Interceptor.AsyncUnaryCallContinuation<BenchRequest, BenchReply>? _tracedContinuation;
    private Metadata? _tracedHeaders;
    private IHost? _plainHost;
    private IHost? _tracedHost;
    private GrpcChannel? _plainChannel;
    private GrpcChannel? _tracedChannel;
    private BenchService.BenchServiceClient? _plainClient;
    private BenchService.BenchServiceClient? _tracedClient;

    [GlobalSetup]
    public void Setup()
    {
        _source = new ActivitySource(SourceName);
        _listener = new ActivityListener
        {
            ShouldListenTo = source => ReferenceEquals(source, _source),
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(_listener);
        _settings = new GrpcTracingSettings(new TracePropagator(), _source);
        _client = new TracingClientInterceptor(_settings);
        _server = new TracingInterceptor(_settings);

        var server = _server;
        _plainContinuation = static (request, context) =>
            ToCall(Handler(request, new BenchServerCallContext(context.Options.Headers ?? new Metadata())));
        _tracedContinuation = (request, context) =>
            ToCall(server.UnaryServerHandler(request, new BenchServerCallContext(context.Options.Headers ?? new Metadata()), Handler));

        _tracedHeaders = CaptureTracedHeaders(_client);

        (_plainHost, _plainChannel, _plainClient) = StartHost(interceptor: null);
        (_tracedHost, _tracedChannel, _) = StartHost(_server);
        _tracedClient = new BenchService.BenchServiceClient(_tracedChannel.Intercept(_client));
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Direct")]
    public BenchReply Direct_NoInterceptors()
    {
        var context = new ClientInterceptorContext<BenchRequest, BenchReply>(UnaryMethod, null, default);
        using var call = _plainContinuation!(Request, context);
        return call.ResponseAsync.GetAwaiter().GetResult();
    }

    [Benchmark]
    [BenchmarkCategory("Direct")]
    public BenchReply Direct_BothInterceptors()
    {
        var context = new ClientInterceptorContext<BenchRequest, BenchReply>(UnaryMethod, null, default);
        using var call = _client!.AsyncUnaryCall(Request, context, _tracedContinuation!);
        return call.ResponseAsync.GetAwaiter().GetResult();
    }

    /// <summary>
    /// The plain call inside two bare spans and none of the interceptors' work: a client span and its server child,
    /// with the attributes the interceptors record, started and stopped around the call, the current activity restored.
    /// What any <see cref="Activity"/>-based tracing of the call costs at least with this listener; the interceptors'
    /// own share (propagation, metadata, call wrapping) is <c>Direct_BothInterceptors</c> minus this.
    /// </summary>
    [Benchmark]
    [BenchmarkCategory("Direct")]
    public BenchReply Direct_TwoBareSpans()
    {
        var previous = Activity.Current;
        var client = _source!.StartActivity("propagation.bench.BenchService/Unary", ActivityKind.Client)!;
        AddMethodTags(client);
        var server = _source.StartActivity("propagation.bench.BenchService/Unary", ActivityKind.Server, client.Context)!;
        AddMethodTags(server);
        server.AddTag(GrpcTracingConventions.ServerAddress, "localhost");
        server.AddTag(GrpcTracingConventions.ServerPort, BoxedPort);

        var context = new ClientInterceptorContext<BenchRequest, BenchReply>(UnaryMethod, null, default);
        using var call = _plainContinuation!(Request, context);
        var reply = call.ResponseAsync.GetAwaiter().GetResult();

        server.AddTag(GrpcTracingConventions.RpcGrpcStatusCode, BoxedOk);
        server.Stop();
        client.AddTag(GrpcTracingConventions.RpcGrpcStatusCode, BoxedOk);
        client.Stop();
        Activity.Current = previous;
        return reply;
    }

    /// <summary>The client interceptor alone, around the plain in-process call (the client side's share).</summary>
    [Benchmark]
    [BenchmarkCategory("Direct")]
    public BenchReply Direct_ClientInterceptor()
    {
        var context = new ClientInterceptorContext<BenchRequest, BenchReply>(UnaryMethod, null, default);
        using var call = _client!.AsyncUnaryCall(Request, context, _plainContinuation!);
        return call.ResponseAsync.GetAwaiter().GetResult();
    }

    /// <summary>The server interceptor alone, for a call whose metadata carries what the client interceptor writes (the server side's share).</summary>
    [Benchmark]
    [BenchmarkCategory("Direct")]
    public BenchReply Direct_ServerInterceptor() =>
        _server!.UnaryServerHandler(Request, new BenchServerCallContext(_tracedHeaders!), Handler).GetAwaiter().GetResult();

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("TestServer")]
    public async Task<BenchReply> TestServer_NoInterceptors() => await _plainClient!.UnaryAsync(Request);

    [Benchmark]
    [BenchmarkCategory("TestServer")]
    public async Task<BenchReply> TestServer_BothInterceptors() => await _tracedClient!.UnaryAsync(Request);

    private static void AddMethodTags(Activity activity)
    {
        activity.AddTag(GrpcTracingConventions.RpcSystem, GrpcTracingConventions.RpcSystemValue);
        activity.AddTag(GrpcTracingConventions.RpcService, "propagation.bench.BenchService");
        activity.AddTag(GrpcTracingConventions.RpcMethod, "Unary");
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _plainChannel?.Dispose();
        _tracedChannel?.Dispose();
        _plainHost?.StopAsync().GetAwaiter().GetResult();
        _tracedHost?.StopAsync().GetAwaiter().GetResult();
        _plainHost?.Dispose();
        _tracedHost?.Dispose();
        _listener?.Dispose();
        _source?.Dispose();
        _settings?.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>The metadata the client interceptor sends for one call (what the server side reads).</summary>
    private static Metadata CaptureTracedHeaders(TracingClientInterceptor client)
    {
        Metadata? sent = null;
        var context = new ClientInterceptorContext<BenchRequest, BenchReply>(UnaryMethod, null, default);
        using var call = client.AsyncUnaryCall(Request, context, (request, traced) =>
        {
            sent = traced.Options.Headers;
            return ToCall(Handler(request, new BenchServerCallContext(sent ?? new Metadata())));
        });
        call.ResponseAsync.GetAwaiter().GetResult();
        return sent ?? throw new InvalidOperationException("The client interceptor sent no metadata: is the listener sampling?");
    }

    private static AsyncUnaryCall<BenchReply> ToCall(Task<BenchReply> response) =>
        new(response, static _ => Task.FromResult(new Metadata()), static _ => Status.DefaultSuccess, static _ => new Metadata(), static _ => { }, response);

    private static (IHost Host, GrpcChannel Channel, BenchService.BenchServiceClient Client) StartHost(TracingInterceptor? interceptor)
    {
        var host = new HostBuilder()
            .ConfigureWebHost(web =>
            {
                web.UseTestServer();
                web.ConfigureServices(services =>
                {
                    services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
                    services.AddRouting();
                    if (interceptor is null)
                    {
                        services.AddGrpc();
                    }
                    else
                    {
                        services.AddSingleton(interceptor);
                        services.AddGrpc(o => o.Interceptors.Add<TracingInterceptor>());
                    }
                });
                web.Configure(app =>
                {
                    app.UseRouting();
                    app.UseEndpoints(endpoints => endpoints.MapGrpcService<BenchServiceImpl>());
                });
            })
            .Start();
        var server = host.GetTestServer();
        var channel = GrpcChannel.ForAddress(server.BaseAddress, new GrpcChannelOptions { HttpHandler = server.CreateHandler() });
        return (host, channel, new BenchService.BenchServiceClient(channel));
    }

    /// <summary>A minimal server call context for the in-process variant (no HttpContext, so nothing is echoed).</summary>
    private sealed class BenchServerCallContext : ServerCallContext
    {
        private readonly Metadata _requestHeaders;
        private Metadata? _trailers;

        public BenchServerCallContext(Metadata requestHeaders) => _requestHeaders = requestHeaders;

        protected override string MethodCore => "/propagation.bench.BenchService/Unary";

        protected override string HostCore => "localhost:5000";

        protected override string PeerCore => "ipv4:127.0.0.1:5001";

        protected override DateTime DeadlineCore => DateTime.MaxValue;

        protected override Metadata RequestHeadersCore => _requestHeaders;

        protected override CancellationToken CancellationTokenCore => CancellationToken.None;

        protected override Metadata ResponseTrailersCore => _trailers ??= new Metadata();

        protected override Status StatusCore { get; set; }

        protected override WriteOptions? WriteOptionsCore { get; set; }

        protected override AuthContext AuthContextCore => throw new NotSupportedException();

        protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => Task.CompletedTask;

        protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) => throw new NotSupportedException();
    }
}
