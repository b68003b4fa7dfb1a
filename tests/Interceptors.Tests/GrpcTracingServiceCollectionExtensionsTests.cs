using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Claims;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.ClientFactory;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Propagation.Collector;
using Propagation.Interceptors.Tests.Infrastructure;
using Propagation.Interceptors.Tests.Protos;
using Propagation.Testing;

namespace Propagation.Interceptors.Tests;

/// <summary>
/// The interceptors built from AddTracing's services, as an app registers them. AddTracing's pipeline
/// listens to ASP.NET Core hosting's source process-wide, which makes every host in the process create
/// hosting activities, so these tests run alone (not in parallel with the unique-source tests).
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class GrpcTracingServiceCollectionExtensionsTests
{
    [Fact]
    public void AddGrpcTracing_Called_RegistersBothInterceptorsAsSingletons()
    {
        // Arrange
        var services = new ServiceCollection().AddLogging().AddGrpcTracing();

        // Act
        using var provider = services.BuildServiceProvider();

        // Assert
        Assert.Same(provider.GetRequiredService<TracingInterceptor>(), provider.GetRequiredService<TracingInterceptor>());
        Assert.NotNull(provider.GetRequiredService<TracingClientInterceptor>());
    }

    [Fact]
    public void TracingInterceptor_WithoutAddTracing_ThrowsNamingAddTracing()
    {
        // Arrange
        using var provider = new ServiceCollection().AddLogging().BuildServiceProvider();

        // Act
        var server = Assert.Throws<InvalidOperationException>(() => new TracingInterceptor(provider));
        var client = Assert.Throws<InvalidOperationException>(() => new TracingClientInterceptor(provider));

        // Assert
        Assert.Contains("AddTracing()", server.Message, StringComparison.Ordinal);
        Assert.Contains("TracingClientInterceptor", client.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TracingInterceptor_FromAddTracingServices_ContinuesTraceAndEchoesWithHttpRules()
    {
        // Arrange
        using var recorder = new TraceRecorder(GrpcTracingConventions.ActivitySourceName, "Microsoft.AspNetCore", "Propagation.AspNetCore");
        await using var server = await TracingTestServer.StartAsync(
            interceptor: null,
            configureServices: services =>
            {
                services.AddGrpcTracing(o => o.Propagation.LegacyIdFormat = LegacyIdFormat.Uuid);
                services.Configure<Grpc.AspNetCore.Server.GrpcServiceOptions>(o => o.Interceptors.Add<TracingInterceptor>());
            });
        var client = server.CreateClient();
        var parentId = ActivitySpanId.CreateRandom();
        var traceId = recorder.Parent.TraceId;

        // Act
        var call = client.UnaryAsync(new TraceRequest(), TracingInterceptorTests.Traceparent(traceId, parentId));
        var reply = await call;
        var headers = await call.ResponseHeadersAsync;

        // Assert: one server span (hosting's, enriched, when the pipeline makes hosting create one; else ours).
        await recorder.WaitForStoppedAsync(static s => s.Kind == ActivityKind.Server);
        var span = Assert.Single(recorder.Stopped, s => s.Kind == ActivityKind.Server);
        Assert.Equal("Unary", span.GetTagItem("rpc.method"));
        Assert.Equal("propagation.test.TraceTestService/Unary", span.DisplayName);
        Assert.Equal(parentId, span.ParentSpanId);
        Assert.Equal(span.SpanId.ToHexString(), reply.SpanId);
        Assert.Equal(new Guid(traceId.ToHexString()).ToString(), headers.GetValue("x-trace-id"));
        Assert.Equal(36, headers.GetValue("x-span-id")!.Length);
    }

    [Theory]
    [InlineData("b3", "0", false)]
    [InlineData("x-b3-sampled", "0", false)]
    [InlineData("b3", "0", true)]
    [InlineData("x-b3-sampled", "0", true)]
    public async Task TracingInterceptor_B3DenyOnlyOnHostingsSpan_UnrecordedAndHandlersCallCarriesDeny(string name, string value, bool useTracing)
    {
        // Arrange: AddTracing and the interceptor, with or without UseTracing (which applies the deny itself); hosting's
        // span sampled by a parent-based sampler (as a tracer provider's); an interceptor inside ours stands in for a
        // handler calling out through the client interceptor.
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = ListenParentBased(stopped);
        await using var server = await TracingTestServer.StartAsync(
            interceptor: null,
            beforeEndpoints: useTracing ? static app => app.UseTracing() : null,
            configureServices: services =>
            {
                services.AddGrpcTracing(o => o.Propagation.ExtractFormats = [PropagationFormat.TraceContext, PropagationFormat.B3Single, PropagationFormat.B3]);
                services.AddSingleton<CallingOutInterceptor>();
                services.Configure<Grpc.AspNetCore.Server.GrpcServiceOptions>(o =>
                {
                    o.Interceptors.Add<TracingInterceptor>();
                    o.Interceptors.Add<CallingOutInterceptor>();
                });
            });
        var client = server.CreateClient();

        // Act
        var call = client.UnaryAsync(new TraceRequest(), new Metadata { { name, value }, { "baggage", "tenant=acme" } });
        var reply = await call;
        var headers = await call.ResponseHeadersAsync;

        // Assert: hosting's span records nothing and took no RPC attributes; its ids are echoed; the handler's call
        // carries its trace, the baggage and the deny.
        var span = await StoppedSpanAsync(stopped, reply.SpanId);
        Assert.Equal("Microsoft.AspNetCore", span.Source.Name);
        Assert.Equal(ActivityKind.Server, span.Kind);
        Assert.False(span.Recorded);
        Assert.False(span.IsAllDataRequested);
        Assert.Null(span.GetTagItem("rpc.method"));
        Assert.Null(span.GetTagItem("rpc.grpc.status_code"));
        Assert.NotEqual("propagation.test.TraceTestService/Unary", span.DisplayName);
        Assert.Equal(span.SpanId.ToHexString(), headers.GetValue("x-span-id"));
        var outbound = Assert.Single(stopped, a => a.Kind == ActivityKind.Client && a.ParentSpanId == span.SpanId);
        Assert.False(outbound.Recorded);
        var sent = server.Services.GetRequiredService<CallingOutInterceptor>().Sent;
        Assert.NotNull(sent);
        Assert.Equal($"00-{span.TraceId.ToHexString()}-{outbound.SpanId.ToHexString()}-00", sent.GetValue("traceparent"));
        Assert.Equal("tenant=acme", sent.GetValue("baggage"));
    }

    [Theory]
    [InlineData("b3", "0")]
    [InlineData("x-b3-sampled", "0")]
    public async Task TracingInterceptor_WithoutAddTracingB3DenyOnlyOnHostingsSpan_ReadsTheMetadataAndUnrecordsIt(string name, string value)
    {
        // Arrange: the interceptor alone (no TracingService): hosting parented its span with its own propagator, which
        // reads no B3; the interceptor reads the deny from the call's metadata with its propagator.
        using var recorder = new SpanRecorder();
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = ListenToHosting(stopped);
        await using var server = await TracingTestServer.StartAsync(TestInterceptors.Server(recorder));
        var client = server.CreateClient();

        // Act
        var call = client.UnaryAsync(new TraceRequest(), new Metadata { { name, value } });
        var reply = await call;
        var headers = await call.ResponseHeadersAsync;

        // Assert
        var span = await StoppedSpanAsync(stopped, reply.SpanId);
        Assert.False(span.Recorded);
        Assert.False(span.IsAllDataRequested);
        Assert.Null(span.GetTagItem("rpc.method"));
        Assert.Equal(span.SpanId.ToHexString(), headers.GetValue("x-span-id"));
        Assert.Empty(recorder.Started);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public async Task TracingInterceptor_UntrustedCallerOnHostingsSpan_RestartLinkPolicyTagHealthAndTraceresponseOnce(bool perRequestTrust, bool useTracing)
    {
        // Arrange: every caller restarted and linked, by the default policy (one policy for the app: hosting's extraction
        // is handed over) or by a trusted network the test client is not in (per-request trust: it is kept in the
        // request's features); with UseTracing, which applies it itself, or without, when the interceptor must.
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = ListenToHosting(stopped);
        await using var server = await TracingTestServer.StartAsync(
            interceptor: null,
            beforeEndpoints: useTracing ? static app => app.UseTracing() : null,
            configureServices: services =>
            {
                services.AddGrpcTracing(o =>
                {
                    if (perRequestTrust)
                    {
                        o.TrustedNetworks.Add("10.0.0.0/8");
                    }
                    else
                    {
                        o.DefaultTrustPolicy = TrustPolicy.RestartAndLink;
                    }
                });
                services.Configure<Grpc.AspNetCore.Server.GrpcServiceOptions>(o => o.Interceptors.Add<TracingInterceptor>());
            });
        var client = server.CreateClient();
        var health = server.Services.GetRequiredService<PropagationHealth>();
        var traceId = ActivityTraceId.CreateRandom();
        var parentId = ActivitySpanId.CreateRandom();

        // Act
        var call = client.UnaryAsync(new TraceRequest(), TracingInterceptorTests.Traceparent(traceId, parentId));
        var reply = await call;
        var headers = await call.ResponseHeadersAsync;

        // Assert: a new trace linked to the caller's, the policy named, counted once, and traceresponse sent.
        var span = await StoppedSpanAsync(stopped, reply.SpanId);
        Assert.NotEqual(traceId, span.TraceId);
        var link = Assert.Single(span.Links);
        Assert.Equal(traceId, link.Context.TraceId);
        Assert.Equal(parentId, link.Context.SpanId);
        Assert.Equal("restart_and_link", span.GetTagItem("propagation.trust_policy"));
        Assert.Equal("Unary", span.GetTagItem("rpc.method"));
        Assert.Equal(1, health.GetCount(PropagationIssues.RestartedByPolicy));
        Assert.StartsWith($"00-{span.TraceId.ToHexString()}-{span.SpanId.ToHexString()}-", headers.GetValue("traceresponse"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TracingInterceptor_OwnSpanWithDeciderReadingUser_DecidedOnceWhenHostingExtractedNotAgainAfterAuthentication()
    {
        // Arrange: nothing listens to hosting's source but a logger is on (hosting makes its placeholder activity, for
        // logging, and still calls the propagator, which decides trust), no UseTracing: the interceptor starts the call's
        // span. A middleware standing in for UseAuthentication signs the caller in after hosting decided, so a decider
        // that trusts authenticated callers gives "restart" at hosting and would give "continue" if it ran again later.
        var started = new ConcurrentQueue<Activity>();
        using var listener = ListenToGrpcSource(started);
        var runs = 0;
        await using var server = await TracingTestServer.StartAsync(
            interceptor: null,
            beforeEndpoints: static app => app.Use(static (context, next) =>
            {
                context.User = new ClaimsPrincipal(new ClaimsIdentity("test"));
                return next(context);
            }),
            configureServices: services =>
            {
                services.AddLogging(static logging => logging.AddProvider(new RecordingLoggerProvider()));
                services.AddGrpcTracing(o => o.TrustDecider = context =>
                {
                    Interlocked.Increment(ref runs);
                    return context.User.Identity?.IsAuthenticated == true ? TrustPolicy.Continue : TrustPolicy.RestartAndLink;
                });
                services.Configure<TracingPipelineOptions>(static o => o.ListenToAspNetCore = false);
                services.Configure<Grpc.AspNetCore.Server.GrpcServiceOptions>(static o => o.Interceptors.Add<TracingInterceptor>());
            });
        var client = server.CreateClient();
        var traceId = ActivityTraceId.CreateRandom();
        var parentId = ActivitySpanId.CreateRandom();

        // Act
        var call = client.UnaryAsync(new TraceRequest(), TracingInterceptorTests.Traceparent(traceId, parentId));
        var reply = await call;
        var headers = await call.ResponseHeadersAsync;

        // Assert: the decision hosting made (the one an HTTP request gets) is the call's: restarted and linked, once.
        Assert.Equal(1, Volatile.Read(ref runs));
        var span = Assert.Single(started, a => a.SpanId.ToHexString() == reply.SpanId);
        Assert.NotEqual(traceId, span.TraceId);
        Assert.Equal(parentId, Assert.Single(span.Links).Context.SpanId);
        Assert.Equal("restart_and_link", span.GetTagItem("propagation.trust_policy"));
        Assert.StartsWith($"00-{span.TraceId.ToHexString()}-", headers.GetValue("traceresponse"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TracingInterceptor_UseTracingSpanUnrecordedGrpcSourceListened_IssuesCountedAndLoggedOnce()
    {
        // Arrange: UseTracing handles the request, but nothing listens to hosting's source or to Propagation.AspNetCore (the
        // pipeline is off), so its span only carries the ids; something listens to Propagation.Grpc, so the interceptor
        // starts the call's span. UseTracing counted and logged the request's issues already: the call must not count again.
        var started = new ConcurrentQueue<Activity>();
        using var listener = ListenToGrpcSource(started);
        var logs = new RecordingLoggerProvider();
        await using var server = await TracingTestServer.StartAsync(
            interceptor: null,
            beforeEndpoints: static app => app.UseTracing(),
            configureServices: services =>
            {
                services.AddLogging(logging => logging.AddProvider(logs).SetMinimumLevel(LogLevel.Debug));
                services.AddGrpcTracing();
                services.Configure<TracingPipelineOptions>(static o => o.Enabled = false);
                services.Configure<Grpc.AspNetCore.Server.GrpcServiceOptions>(static o => o.Interceptors.Add<TracingInterceptor>());
            });
        var client = server.CreateClient();
        var health = server.Services.GetRequiredService<PropagationHealth>();

        // Act
        var reply = await client.UnaryAsync(new TraceRequest(), new Metadata { { "traceparent", "00-not-a-traceparent-01" } });

        // Assert: one request, one issue, one event 1000.
        Assert.Contains(started, a => a.SpanId.ToHexString() == reply.SpanId);
        Assert.Equal(1, health.TotalRequests);
        Assert.Equal(1, health.GetCount(PropagationIssues.TraceParentInvalid));
        Assert.Single(logs.Entries, static e => e.EventId.Id == 1000);
    }

    [Fact]
    public async Task TracingInterceptor_UseTracingSpanUnrecordedNoHostingActivity_TrustDeciderRunsAndIsCountedOnce()
    {
        // Arrange: no logger and no listener of hosting's source, so hosting makes no activity and calls no propagator:
        // UseTracing decides trust itself. Its span records nothing (the pipeline is off); something listens to
        // Propagation.Grpc, so the interceptor starts the call's span. The decider runs once per call, and its failure
        // is counted once.
        var started = new ConcurrentQueue<Activity>();
        using var listener = ListenToGrpcSource(started);
        var runs = 0;
        await using var server = await TracingTestServer.StartAsync(
            interceptor: null,
            beforeEndpoints: static app => app.UseTracing(),
            configureServices: services =>
            {
                services.AddLogging(static logging => logging.ClearProviders());
                services.AddGrpcTracing(o => o.TrustDecider = _ =>
                {
                    Interlocked.Increment(ref runs);
                    throw new InvalidOperationException("decider failed");
                });
                services.Configure<TracingPipelineOptions>(static o => o.Enabled = false);
                services.Configure<Grpc.AspNetCore.Server.GrpcServiceOptions>(static o => o.Interceptors.Add<TracingInterceptor>());
            });
        var client = server.CreateClient();
        var health = server.Services.GetRequiredService<PropagationHealth>();

        // Act
        var reply = await client.UnaryAsync(new TraceRequest(), TracingInterceptorTests.Traceparent(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom()));

        // Assert
        Assert.Contains(started, a => a.SpanId.ToHexString() == reply.SpanId);
        Assert.Equal(1, Volatile.Read(ref runs));
        Assert.Equal(1, health.GetCount(PropagationIssues.TrustDeciderFailed));
    }

    [Fact]
    public async Task TracingInterceptor_RegisteredTwiceSpanNotSampled_IssuesCountedOnce()
    {
        // Arrange: the interceptor in AddGrpc's list and again in the service's own, no span of hosting's (the pipeline is
        // off) and a listener of Propagation.Grpc whose sampler creates no span: neither registration has a span to mark
        // the call as taken, and the call's issues must still be counted once.
        using var listener = new ActivityListener
        {
            ShouldListenTo = static s => s.Name == GrpcTracingConventions.ActivitySourceName,
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.None,
        };
        ActivitySource.AddActivityListener(listener);
        await using var server = await TracingTestServer.StartAsync(
            interceptor: null,
            configureServices: services =>
            {
                services.AddGrpcTracing();
                services.Configure<TracingPipelineOptions>(static o => o.Enabled = false);
                services.Configure<Grpc.AspNetCore.Server.GrpcServiceOptions>(static o => o.Interceptors.Add<TracingInterceptor>());
                services.AddGrpc().AddServiceOptions<TraceTestServiceImpl>(static o => o.Interceptors.Add<TracingInterceptor>());
            });
        var client = server.CreateClient();
        var health = server.Services.GetRequiredService<PropagationHealth>();

        // Act
        await client.UnaryAsync(new TraceRequest(), new Metadata { { "traceparent", "00-not-a-traceparent-01" } });

        // Assert
        Assert.Equal(1, health.TotalRequests);
        Assert.Equal(1, health.GetCount(PropagationIssues.TraceParentInvalid));
    }

    [Fact]
    public async Task TracingInterceptor_TraceparentOnHostingsSpanWithoutUseTracing_EnrichedAndRecorded()
    {
        // Arrange: no deny: hosting's span is enriched as before (the handed-over extraction is read, not the headers again).
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = ListenToHosting(stopped);
        await using var server = await TracingTestServer.StartAsync(
            interceptor: null,
            configureServices: services =>
            {
                services.AddGrpcTracing();
                services.Configure<Grpc.AspNetCore.Server.GrpcServiceOptions>(o => o.Interceptors.Add<TracingInterceptor>());
            });
        var client = server.CreateClient();
        var traceId = ActivityTraceId.CreateRandom();
        var parentId = ActivitySpanId.CreateRandom();

        // Act
        var reply = await client.UnaryAsync(new TraceRequest(), TracingInterceptorTests.Traceparent(traceId, parentId));

        // Assert
        var span = await StoppedSpanAsync(stopped, reply.SpanId);
        Assert.True(span.Recorded);
        Assert.Equal(traceId, span.TraceId);
        Assert.Equal(parentId, span.ParentSpanId);
        Assert.Equal("Unary", span.GetTagItem("rpc.method"));
        Assert.Equal("propagation.test.TraceTestService/Unary", span.DisplayName);
    }

    [Fact]
    public async Task AddInterceptor_TracingClientInterceptorFromAddGrpcClient_OneClientSpanInjected()
    {
        // Arrange
        using var recorder = new TraceRecorder(GrpcTracingConventions.ActivitySourceName, "Propagation.Http", "System.Net.Http");
        await using var server = await TracingTestServer.StartAsync(interceptor: null);
        var services = new ServiceCollection().AddLogging().AddGrpcTracing();
        services.AddGrpcClient<TraceTestService.TraceTestServiceClient>(o => o.Address = server.Address)
            .AddInterceptor<TracingClientInterceptor>()
            .ConfigurePrimaryHttpMessageHandler(() => server.Handler!);
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<TraceTestService.TraceTestServiceClient>();

        // Act
        var reply = await client.UnaryAsync(new TraceRequest());

        // Assert
        var span = Assert.Single(recorder.Stopped);
        Assert.Equal(ActivityKind.Client, span.Kind);
        Assert.Equal(recorder.Parent.SpanId, span.ParentSpanId);
        Assert.Equal($"00-{span.TraceId.ToHexString()}-{span.SpanId.ToHexString()}-01", reply.Traceparent);
        Assert.Equal(1, reply.TraceparentCount);
    }

    [Fact]
    public async Task AddTraceHeaders_OnTheGrpcClientsHttpClient_StillOneClientSpanPerCall()
    {
        // Arrange: the gRPC client's HttpClient also has the HTTP handler; the interceptor's span is current
        // while the call starts, and the handler must not start a second client span for it.
        using var recorder = new TraceRecorder(GrpcTracingConventions.ActivitySourceName, "Propagation.Http", "System.Net.Http");
        await using var server = await TracingTestServer.StartAsync(interceptor: null);
        var services = new ServiceCollection().AddLogging().AddGrpcTracing();
        services.AddGrpcClient<TraceTestService.TraceTestServiceClient>(o => o.Address = server.Address)
            .AddInterceptor<TracingClientInterceptor>()
            .AddTraceHeaders()
            .ConfigurePrimaryHttpMessageHandler(() => server.Handler!);
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<TraceTestService.TraceTestServiceClient>();

        // Act
        var reply = await client.UnaryAsync(new TraceRequest());

        // Assert
        var span = Assert.Single(recorder.Stopped);
        Assert.Equal(GrpcTracingConventions.ActivitySourceName, span.Source.Name);
        Assert.Equal(recorder.Parent.SpanId, span.ParentSpanId);
        Assert.Equal($"00-{span.TraceId.ToHexString()}-{span.SpanId.ToHexString()}-01", reply.Traceparent);
        Assert.Equal(1, reply.TraceparentCount);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AddTraceHeaders_NestedRequestInsideTheGrpcCall_GetsItsOwnSpanUnderTheCallsAndTheCallKeepsTheChannelsAddress(bool authFirst)
    {
        // Arrange: an auth handler on the gRPC client's HttpClient (outside or inside AddTraceHeaders) fetches a token
        // through another client with AddTraceHeaders while the call's span is current.
        using var recorder = new TraceRecorder(GrpcTracingConventions.ActivitySourceName, "Propagation.Http", "System.Net.Http");
        await using var server = await TracingTestServer.StartAsync(interceptor: null);
        var token = new TokenEndpoint();
        var services = new ServiceCollection().AddLogging().AddGrpcTracing();
        services.AddHttpClient("token").AddTraceHeaders().ConfigurePrimaryHttpMessageHandler(() => token);
        var grpc = services.AddGrpcClient<TraceTestService.TraceTestServiceClient>(o => o.Address = new Uri("http://grpc.example:5005"))
            .AddInterceptor<TracingClientInterceptor>();
        if (authFirst)
        {
            grpc.AddHttpMessageHandler(static sp => new TokenHandler(sp.GetRequiredService<IHttpClientFactory>())).AddTraceHeaders();
        }
        else
        {
            grpc.AddTraceHeaders().AddHttpMessageHandler(static sp => new TokenHandler(sp.GetRequiredService<IHttpClientFactory>()));
        }

        grpc.ConfigurePrimaryHttpMessageHandler(() => server.Handler!);
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<TraceTestService.TraceTestServiceClient>();

        // Act
        var reply = await client.UnaryAsync(new TraceRequest());

        // Assert: the call's one span, with the channel's address and its context on the call.
        var call = Assert.Single(recorder.Stopped, s => s.Source.Name == GrpcTracingConventions.ActivitySourceName);
        Assert.Equal(recorder.Parent.SpanId, call.ParentSpanId);
        Assert.Equal("grpc.example", Assert.Single(call.TagObjects, t => t.Key == GrpcTracingConventions.ServerAddress).Value);
        Assert.Equal(5005, Assert.Single(call.TagObjects, t => t.Key == GrpcTracingConventions.ServerPort).Value);
        Assert.Equal($"00-{call.TraceId.ToHexString()}-{call.SpanId.ToHexString()}-01", reply.Traceparent);
        Assert.Equal(1, reply.TraceparentCount);

        // The token request: a client span of its own, a child of the current activity, the call's span (grpc-dotnet's
        // channel puts its own activity for the call in between), whose context it carries.
        var fetch = Assert.Single(recorder.Stopped, s => s.Source.Name == "Propagation.Http");
        Assert.Equal(ActivityKind.Client, fetch.Kind);
        var under = Assert.Single(token.Currents);
        Assert.Equal(under.SpanId, fetch.ParentSpanId);
        Assert.True(under == call || (under.OperationName == "Grpc.Net.Client.GrpcOut" && under.ParentSpanId == call.SpanId), under.OperationName);
        Assert.Equal("auth.example", fetch.GetTagItem(GrpcTracingConventions.ServerAddress));
        Assert.Equal($"00-{fetch.TraceId.ToHexString()}-{fetch.SpanId.ToHexString()}-01", Assert.Single(token.Traceparents));
        Assert.Equal(2, recorder.Stopped.Count);
    }

    [Fact]
    public async Task AddTraceHeaders_ScopeNoneOnTheGrpcClientsHttpClient_SendsNoTraceHeaderButKeepsTheSpan()
    {
        // Arrange: the destination policy still applies to a gRPC call traced by the interceptor.
        using var recorder = new TraceRecorder(GrpcTracingConventions.ActivitySourceName, "Propagation.Http", "System.Net.Http");
        await using var server = await TracingTestServer.StartAsync(interceptor: null);
        var services = new ServiceCollection().AddLogging().AddGrpcTracing();
        services.AddGrpcClient<TraceTestService.TraceTestServiceClient>(o => o.Address = server.Address)
            .AddInterceptor<TracingClientInterceptor>()
            .AddTraceHeaders(o => o.Scope = Propagation.InjectionScope.None)
            .ConfigurePrimaryHttpMessageHandler(() => server.Handler!);
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<TraceTestService.TraceTestServiceClient>();

        // Act
        var reply = await client.UnaryAsync(new TraceRequest());

        // Assert
        var span = Assert.Single(recorder.Stopped);
        Assert.Equal(GrpcTracingConventions.ActivitySourceName, span.Source.Name);
        Assert.Equal(0, reply.TraceparentCount);
        Assert.True(string.IsNullOrEmpty(reply.Traceparent));
    }

    [Theory]
    [InlineData(Propagation.InjectionScope.None, "")]
    [InlineData(Propagation.InjectionScope.TraceParentOnly, "traceparent")]
    [InlineData(Propagation.InjectionScope.Full, "baggage traceparent tracestate x-span-id x-trace-id")]
    public async Task OutboundDestinations_GrpcClientWithoutAddTraceHeaders_AppliesTheHostsScopeToTheCall(Propagation.InjectionScope scope, string expected)
    {
        // Arrange: the README's setup (AddGrpcClient + AddInterceptor, no AddTraceHeaders) over real HTTP/2, so the call
        // goes through the factory's SocketsHttpHandler and the propagator AddTracing gives it; a host rule for the server.
        using var recorder = new TraceRecorder(GrpcTracingConventions.ActivitySourceName, "Propagation.Http", "System.Net.Http");

        // Act
        var received = await CallWithHostScopeAsync(recorder, scope);

        // Assert: the call's span either way; the headers only as far as the host's scope allows.
        var span = Assert.Single(recorder.Stopped, s => s.Kind == ActivityKind.Client && s.IsAllDataRequested);
        Assert.Equal(GrpcTracingConventions.ActivitySourceName, span.Source.Name);
        Assert.Equal(expected, received);
    }

    [Theory]
    [InlineData(Propagation.InjectionScope.None, "", false)]
    [InlineData(Propagation.InjectionScope.None, "", true)]
    [InlineData(Propagation.InjectionScope.TraceParentOnly, "traceparent", false)]
    [InlineData(Propagation.InjectionScope.TraceParentOnly, "traceparent", true)]
    public async Task OutboundDestinations_GrpcCallWithoutItsSpan_StillAppliesTheHostsScope(Propagation.InjectionScope scope, string expected, bool httpClientSpans)
    {
        // Arrange: as above, but nothing listens to the interceptor's source (the SDK disabled, or a tracer provider
        // without it): the call has no span, and the interceptor still sends the caller's context in the metadata.
        using var recorder = httpClientSpans ? new TraceRecorder("System.Net.Http") : new TraceRecorder();

        // Act
        var received = await CallWithHostScopeAsync(recorder, scope);

        // Assert: no span of the interceptor; the headers only as far as the host's scope allows.
        Assert.DoesNotContain(recorder.Stopped, s => s.Source.Name == GrpcTracingConventions.ActivitySourceName);
        Assert.Equal(expected, received);
    }

    [Theory]
    [InlineData(Propagation.InjectionScope.None, false, "")]
    [InlineData(Propagation.InjectionScope.None, true, "")]
    [InlineData(Propagation.InjectionScope.TraceParentOnly, false, "traceparent")]
    [InlineData(Propagation.InjectionScope.TraceParentOnly, true, "traceparent")]
    public async Task OutboundDestinations_CallerSetBaggageToAHostAllowedLess_NotSentWhetherTheScopeIsTheDefaultOrAHostRule(
        Propagation.InjectionScope scope, bool hostRule, string expected)
    {
        // Arrange: the README's gRPC client setup (no AddTraceHeaders) and a call whose metadata carries the caller's own
        // baggage and tracestate. The server's host gets the scope through a host rule (another host allowed more), or as
        // every host does (DefaultOutboundScope, no host rule): the same host and scope must get the same headers.
        using var recorder = new TraceRecorder(GrpcTracingConventions.ActivitySourceName, "Propagation.Http", "System.Net.Http");
        recorder.Parent.AddBaggage("user", "alice");
        var received = new ConcurrentQueue<string>();
        await using var server = await StartRecordingTraceHeadersAsync(received);
        var services = new ServiceCollection().AddLogging().AddGrpcTracing(o =>
        {
            if (hostRule)
            {
                o.OutboundDestinations[server.Address.Host] = scope;
                o.OutboundDestinations["other.example"] = Propagation.InjectionScope.Full;
            }
            else
            {
                o.DefaultOutboundScope = scope;
            }
        });
        services.AddGrpcClient<TraceTestService.TraceTestServiceClient>(o => o.Address = server.Address)
            .AddInterceptor<TracingClientInterceptor>();
        await using var provider = services.BuildServiceProvider();
        var metadata = new Metadata { { "baggage", "tenant=acme" }, { "tracestate", "k=v" } };

        // Act
        await provider.GetRequiredService<TraceTestService.TraceTestServiceClient>().UnaryAsync(new TraceRequest(), metadata);

        // Assert: no baggage (nor tracestate) reaches a host allowed less, the caller's own included.
        Assert.Equal(expected, string.Join(' ', received.Order(StringComparer.Ordinal)));
    }

    [Theory]
    [InlineData("http://grpc.example:5005", "grpc.example", 5005)]
    [InlineData("https://grpc.example", "grpc.example", 443)]
    [InlineData(null, "localhost", 80)]
    public async Task AddTraceHeaders_CallNamingNoHost_SpanGetsTheChannelsAddressAndPort(string? address, string host, int port)
    {
        // Arrange: a generated client names no host, so only the channel's HttpClient knows where the call goes.
        using var recorder = new TraceRecorder(GrpcTracingConventions.ActivitySourceName, "Propagation.Http", "System.Net.Http");
        await using var server = await TracingTestServer.StartAsync(interceptor: null);
        var services = new ServiceCollection().AddLogging().AddGrpcTracing();
        services.AddGrpcClient<TraceTestService.TraceTestServiceClient>(o => o.Address = address is null ? server.Address : new Uri(address))
            .AddInterceptor<TracingClientInterceptor>()
            .AddTraceHeaders()
            .ConfigurePrimaryHttpMessageHandler(() => server.Handler!);
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<TraceTestService.TraceTestServiceClient>();

        // Act
        await client.UnaryAsync(new TraceRequest());

        // Assert
        var span = Assert.Single(recorder.Stopped);
        Assert.Equal(GrpcTracingConventions.ActivitySourceName, span.Source.Name);
        Assert.Equal(host, span.GetTagItem(GrpcTracingConventions.ServerAddress));
        Assert.Equal(port, span.GetTagItem(GrpcTracingConventions.ServerPort));
        Assert.Null(span.GetTagItem("peer.service"));
    }

    [Theory]
    [InlineData("named.example:7000", 7000)]
    [InlineData("named.example", null)]
    public async Task AddTraceHeaders_CallNamingItsHost_InterceptorsAddressAndPortStay(string callHost, int? port)
    {
        // Arrange: an interceptor ahead of ours names the host, as a hand-written invoker call can.
        using var recorder = new TraceRecorder(GrpcTracingConventions.ActivitySourceName, "Propagation.Http", "System.Net.Http");
        await using var server = await TracingTestServer.StartAsync(interceptor: null);
        var services = new ServiceCollection().AddLogging().AddGrpcTracing();
        services.AddGrpcClient<TraceTestService.TraceTestServiceClient>(o => o.Address = new Uri("http://grpc.example:5005"))
            .AddInterceptor(() => new HostNamingInterceptor(callHost))
            .AddInterceptor<TracingClientInterceptor>()
            .AddTraceHeaders()
            .ConfigurePrimaryHttpMessageHandler(() => server.Handler!);
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<TraceTestService.TraceTestServiceClient>();

        // Act
        await client.UnaryAsync(new TraceRequest());

        // Assert: the call's host, with its own port or none; never the channel's.
        var span = Assert.Single(recorder.Stopped);
        Assert.Equal("named.example", Assert.Single(span.TagObjects, t => t.Key == GrpcTracingConventions.ServerAddress).Value);
        Assert.Equal(port, span.GetTagItem(GrpcTracingConventions.ServerPort));
        Assert.Equal(port is null ? 0 : 1, span.TagObjects.Count(t => t.Key == GrpcTracingConventions.ServerPort));
    }

    [Fact]
    public async Task AddTraceHeaders_CallsSpanNotRecorded_GetsNoAttributes()
    {
        // Arrange: the interceptor's source is listened to for propagation only.
        using var recorder = new TraceRecorder("Propagation.Http", "System.Net.Http");
        var unrecorded = new ConcurrentQueue<Activity>();
        var traceId = recorder.Parent.TraceId;
        using var listener = new ActivityListener
        {
            ShouldListenTo = static s => s.Name == GrpcTracingConventions.ActivitySourceName,
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.PropagationData,
            ActivityStopped = a =>
            {
                if (a.TraceId == traceId)
                {
                    unrecorded.Enqueue(a);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        await using var server = await TracingTestServer.StartAsync(interceptor: null);
        var services = new ServiceCollection().AddLogging().AddGrpcTracing();
        services.AddGrpcClient<TraceTestService.TraceTestServiceClient>(o => o.Address = new Uri("http://grpc.example:5005"))
            .AddInterceptor<TracingClientInterceptor>()
            .AddTraceHeaders(o => o.PeerService = "ai")
            .ConfigurePrimaryHttpMessageHandler(() => server.Handler!);
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<TraceTestService.TraceTestServiceClient>();

        // Act
        var reply = await client.UnaryAsync(new TraceRequest());

        // Assert: the span still carried the context, recorded nothing, and no HTTP span took its place.
        var span = Assert.Single(unrecorded);
        Assert.False(span.IsAllDataRequested);
        Assert.Null(span.GetTagItem(GrpcTracingConventions.ServerAddress));
        Assert.Null(span.GetTagItem(GrpcTracingConventions.ServerPort));
        Assert.Null(span.GetTagItem("peer.service"));
        Assert.StartsWith($"00-{span.TraceId.ToHexString()}-{span.SpanId.ToHexString()}-", reply.Traceparent, StringComparison.Ordinal);
        Assert.Empty(recorder.Stopped);
    }

    [Fact]
    public async Task AddTraceHeaders_PeerService_LandsOnEveryCallsSpanOfThatClient()
    {
        // Arrange
        using var recorder = new TraceRecorder(GrpcTracingConventions.ActivitySourceName, "Propagation.Http", "System.Net.Http");
        await using var server = await TracingTestServer.StartAsync(interceptor: null);
        var services = new ServiceCollection().AddLogging().AddGrpcTracing();
        services.AddGrpcClient<TraceTestService.TraceTestServiceClient>(o => o.Address = new Uri("http://ai.example:5005"))
            .AddInterceptor<TracingClientInterceptor>()
            .AddTraceHeaders(o => o.PeerService = "ai")
            .ConfigurePrimaryHttpMessageHandler(() => server.Handler!);
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<TraceTestService.TraceTestServiceClient>();

        // Act: a unary and a server-streaming call.
        await client.UnaryAsync(new TraceRequest());
        using (var call = client.ServerStream(new TraceRequest { Count = 2 }))
        {
            await foreach (var _ in call.ResponseStream.ReadAllAsync())
            {
            }
        }

        // Assert
        await recorder.WaitForStoppedAsync(static s => s.DisplayName.EndsWith("/ServerStream", StringComparison.Ordinal));
        Assert.Equal(2, recorder.Stopped.Count);
        Assert.All(recorder.Stopped, span =>
        {
            Assert.Equal(GrpcTracingConventions.ActivitySourceName, span.Source.Name);
            Assert.Equal("ai", span.GetTagItem("peer.service"));
            Assert.Equal("ai.example", span.GetTagItem(GrpcTracingConventions.ServerAddress));
        });
    }

    /// <summary>Samples and records every hosting span (as a tracer provider listening to <c>Microsoft.AspNetCore</c>), queueing each as it stops.</summary>
    /// <summary>A Kestrel h2c server that notes which trace headers each request brought, by name.</summary>
    private static Task<TracingTestServer> StartRecordingTraceHeadersAsync(ConcurrentQueue<string> received) =>
        TracingTestServer.StartAsync(
            interceptor: null,
            beforeEndpoints: app => app.Use((context, next) =>
            {
                foreach (var name in new[] { "traceparent", "tracestate", "baggage", "x-trace-id", "x-span-id" })
                {
                    if (context.Request.Headers.ContainsKey(name))
                    {
                        received.Enqueue(name);
                    }
                }

                return next(context);
            }),
            kestrel: true);

    /// <summary>
    /// One unary call, under the recorder's parent (given a <c>tracestate</c> and baggage), from the README's gRPC client
    /// setup with <paramref name="scope"/> for the server's host; returns the trace header names the server received,
    /// sorted and space-separated.
    /// </summary>
    private static async Task<string> CallWithHostScopeAsync(TraceRecorder recorder, Propagation.InjectionScope scope)
    {
        recorder.Parent.TraceStateString = "k=v";
        recorder.Parent.AddBaggage("user", "alice");
        var received = new ConcurrentQueue<string>();
        await using var server = await StartRecordingTraceHeadersAsync(received);
        await using var provider = FactoryClientWithHostScope(server.Address, scope);
        await provider.GetRequiredService<TraceTestService.TraceTestServiceClient>().UnaryAsync(new TraceRequest());
        return string.Join(' ', received.Order(StringComparer.Ordinal));
    }

    /// <summary>The README's gRPC client setup (AddGrpcClient + AddInterceptor, no AddTraceHeaders), with a host rule for <paramref name="address"/>.</summary>
    private static ServiceProvider FactoryClientWithHostScope(Uri address, Propagation.InjectionScope scope)
    {
        var services = new ServiceCollection().AddLogging()
            .AddGrpcTracing(o => o.OutboundDestinations[address.Host] = scope);
        services.AddGrpcClient<TraceTestService.TraceTestServiceClient>(o => o.Address = address)
            .AddInterceptor<TracingClientInterceptor>();
        return services.BuildServiceProvider();
    }

    /// <summary>Records every span of the interceptors' own source (<c>Propagation.Grpc</c>) as it starts.</summary>
    private static ActivityListener ListenToGrpcSource(ConcurrentQueue<Activity> started)
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = static s => s.Name == GrpcTracingConventions.ActivitySourceName,
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStarted = started.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }

    private static ActivityListener ListenToHosting(ConcurrentQueue<Activity> stopped)
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = static s => s.Name == "Microsoft.AspNetCore",
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }

    /// <summary>The stopped span with this id, waiting (bounded) for it: hosting ends its span after the response is sent.</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task TracingInterceptor_UseTracingLogSpans_RecordedAndUnrecordedCallsNamedAsTheGrpcSpan(bool recorded)
    {
        // Arrange: AddTracing with span lines and slow warnings, UseTracing and the interceptor; hosting's span sampled by
        // a parent-based sampler, so a sampled traceparent is recorded (the interceptor names the span) and an unsampled
        // one is not (UseTracing names the line itself).
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = ListenParentBased(stopped);
        var logs = new RecordingLoggerProvider();
        await using var server = await TracingTestServer.StartAsync(
            interceptor: null,
            beforeEndpoints: static app => app.UseTracing(),
            configureServices: services =>
            {
                services.AddLogging(l => l.AddProvider(logs).SetMinimumLevel(LogLevel.Information));
                services.AddGrpcTracing(o =>
                {
                    o.LogSpans = true;
                    o.SlowRequestThreshold = TimeSpan.FromTicks(1);
                });
                services.Configure<Grpc.AspNetCore.Server.GrpcServiceOptions>(o => o.Interceptors.Add<TracingInterceptor>());
            });
        var client = server.CreateClient();
        var flags = recorded ? "01" : "00";
        var metadata = new Metadata { { "traceparent", $"00-{ActivityTraceId.CreateRandom().ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-{flags}" } };

        // Act
        var reply = await client.UnaryAsync(new TraceRequest(), metadata);

        // Assert: hosting's span stops after UseTracing wrote the line; both are named as a recorded gRPC span is.
        var span = await StoppedSpanAsync(stopped, reply.SpanId);
        Assert.Equal(recorded, span.Recorded);
        var line = Assert.Single(logs.Entries, e => e.EventId.Id == 1003 && e.Category == "Propagation.Middleware.Spans");
        Assert.Equal("propagation.test.TraceTestService/Unary", line.State.Single(p => p.Key == "operation").Value);
        var warning = Assert.Single(logs.Entries, e => e.EventId.Id == 1002 && e.Category == "Propagation.Middleware.Tracing");
        Assert.Equal("propagation.test.TraceTestService/Unary", warning.State.Single(p => p.Key == "Operation").Value);
    }

    private static async Task<Activity> StoppedSpanAsync(ConcurrentQueue<Activity> stopped, string spanId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!stopped.Any(a => a.SpanId.ToHexString() == spanId) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        return Assert.Single(stopped, a => a.SpanId.ToHexString() == spanId);
    }

    /// <summary>Stands in for a handler: makes one outbound call through the app's client interceptor, then runs the call.</summary>
    private sealed class CallingOutInterceptor(TracingClientInterceptor client) : Interceptor
    {
        public Metadata? Sent { get; private set; }

        public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
            TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
        {
            await InProcessCall.CallOutAsync(client, headers => Sent = headers);
            return await continuation(request, context);
        }
    }

    /// <summary>Adds a bearer token fetched, per request, from <c>auth.example</c> through the <c>token</c> client.</summary>
    private sealed class TokenHandler(IHttpClientFactory clients) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            using var token = await clients.CreateClient("token").PostAsync(new Uri("https://auth.example/oauth/token"), content: null, cancellationToken);
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await token.Content.ReadAsStringAsync(cancellationToken));
            return await base.SendAsync(request, cancellationToken);
        }
    }

    /// <summary>The token service, below its client's handler: records each request's traceparent and the parent of its client span, and answers with a token.</summary>
    private sealed class TokenEndpoint : HttpMessageHandler
    {
        public ConcurrentQueue<string> Traceparents { get; } = new();

        /// <summary>Gets the activity each request was sent under (the parent of its client span).</summary>
        public ConcurrentQueue<Activity> Currents { get; } = new();

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Currents.Enqueue(Activity.Current?.Parent ?? throw new InvalidOperationException("No client span."));
            Traceparents.Enqueue(request.Headers.TryGetValues("traceparent", out var values) ? string.Join(",", values) : string.Empty);
            return Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.OK) { Content = new StringContent("t0k3n"), RequestMessage = request });
        }
    }

    /// <summary>Names a host on every unary call, as a call through <c>CallInvoker</c> with a host does.</summary>
    private sealed class HostNamingInterceptor(string host) : Interceptor
    {
        public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(
            TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation) =>
            continuation(request, new ClientInterceptorContext<TRequest, TResponse>(context.Method, host, context.Options));
    }

    /// <summary>Listens to hosting's and the gRPC spans with a parent-based sampler (as a tracer provider's): a span under
    /// an unsampled parent gets propagation data only, any other is recorded; stopped spans go to <paramref name="stopped"/>.</summary>
    private static ActivityListener ListenParentBased(ConcurrentQueue<Activity> stopped)
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = static s => s.Name is "Microsoft.AspNetCore" or GrpcTracingConventions.ActivitySourceName,
            Sample = static (ref ActivityCreationOptions<ActivityContext> o) =>
                o.Parent != default && (o.Parent.TraceFlags & ActivityTraceFlags.Recorded) == 0 ? ActivitySamplingResult.PropagationData : ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }
}
