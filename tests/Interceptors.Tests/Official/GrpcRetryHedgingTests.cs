using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Propagation.Interceptors.Tests.Infrastructure;
using Propagation.Interceptors.Tests.Protos;

namespace Propagation.Interceptors.Tests.Official;

/// <summary>
/// Client tracing under grpc-dotnet's own retries and hedging (<c>GrpcChannelOptions.ServiceConfig</c>), which run every
/// attempt inside one call, below the interceptor and above the channel's HttpClient. compat/Grpc has no ServiceConfig,
/// so this file is compiled only with <c>-p:GrpcImplementation=Official</c> (see the project file). The client is the
/// samples' factory client; the server fails the first attempts with UNAVAILABLE, or holds the first attempt so a hedged
/// one wins, and records what each attempt carried. AddTracing listens process-wide, so these run alone.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class GrpcRetryHedgingTests
{
    private const string GrpcNetClientSource = "Grpc.Net.Client";

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public async Task RetryPolicy_Interceptor_OneClientSpanAndEveryAttemptCarriesItsContext(bool addTraceHeaders, bool kestrel)
    {
        // Arrange: two attempts fail with UNAVAILABLE, the third succeeds. Over Kestrel the factory's SocketsHttpHandler
        // makes HttpClient's own activity per attempt (AddTracing's propagator for the call; AddTraceHeaders' handler).
        using var recorder = Record();
        var gate = new AttemptGate { FailFirst = 2 };
        await using var server = await StartServerAsync(gate, kestrel);
        await using var provider = Client(server, Retry(maxAttempts: 5), interceptor: true, addTraceHeaders, kestrel);

        // Act
        await provider.GetRequiredService<TraceTestService.TraceTestServiceClient>().UnaryAsync(new TraceRequest());

        // Assert: one client span, the call's, under the caller's span, with the call's final status; no other recorded
        // client span (neither ours per HTTP attempt nor HttpClient's).
        var call = CallSpan(recorder);
        Assert.Equal(recorder.Parent.SpanId, call.ParentSpanId);
        Assert.Equal(0, call.GetTagItem(GrpcTracingConventions.RpcGrpcStatusCode));
        Assert.Equal(ActivityStatusCode.Unset, call.Status);
        Assert.DoesNotContain(recorder.Stopped, IsOtherRecordedClientSpan);
        if (addTraceHeaders)
        {
            Assert.NotNull(call.GetTagItem(GrpcTracingConventions.ServerAddress));
        }

        // Every attempt: grpc-dotnet's attempt count, exactly one traceparent, the call's.
        var attempts = gate.Seen.ToArray();
        Assert.Equal([null, "1", "2"], attempts.Select(static a => a.PreviousAttempts));
        Assert.All(attempts, a => Assert.Equal([Traceparent(call)], a.Traceparents));

        // Server side: one span per attempt, each a child of the call's span.
        var servers = await ServerSpansAsync(recorder, 3);
        Assert.All(servers, s => Assert.Equal(call.SpanId, s.ParentSpanId));
        Assert.Equal(attempts.Select(static a => a.ServerSpanId).Order(), servers.Select(static s => s.SpanId.ToHexString()).Order());
        Assert.Equal([14, 14, 0], servers.OrderBy(static s => s.StartTimeUtc).Select(static s => s.GetTagItem(GrpcTracingConventions.RpcGrpcStatusCode)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RetryPolicy_AttemptsExhausted_CallSpanEndsWithTheLastAttemptsStatus(bool addTraceHeaders)
    {
        // Arrange: every attempt fails.
        using var recorder = Record();
        var gate = new AttemptGate { FailFirst = int.MaxValue };
        await using var server = await StartServerAsync(gate, kestrel: false);
        await using var provider = Client(server, Retry(maxAttempts: 3), interceptor: true, addTraceHeaders, kestrel: false);

        // Act
        var ex = await Assert.ThrowsAsync<RpcException>(
            () => provider.GetRequiredService<TraceTestService.TraceTestServiceClient>().UnaryAsync(new TraceRequest()).ResponseAsync);

        // Assert
        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
        var call = CallSpan(recorder);
        Assert.Equal(14, call.GetTagItem(GrpcTracingConventions.RpcGrpcStatusCode));
        Assert.Equal(ActivityStatusCode.Error, call.Status);
        Assert.Equal(3, gate.Seen.Count);
        Assert.All(await ServerSpansAsync(recorder, 3), s => Assert.Equal(call.SpanId, s.ParentSpanId));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RetryPolicy_CallerSetTraceparent_KeptOnceOnEveryAttempt(bool addTraceHeaders)
    {
        // Arrange: the caller's metadata carries its own traceparent, which grpc-dotnet replays on every attempt.
        using var recorder = Record();
        var gate = new AttemptGate { FailFirst = 2 };
        await using var server = await StartServerAsync(gate, kestrel: false);
        await using var provider = Client(server, Retry(maxAttempts: 5), interceptor: true, addTraceHeaders, kestrel: false);
        const string callers = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

        // Act
        await provider.GetRequiredService<TraceTestService.TraceTestServiceClient>().UnaryAsync(new TraceRequest(), new Metadata { { "traceparent", callers } });

        // Assert: the call still has its one span; every attempt carries the caller's header, once, not replaced.
        CallSpan(recorder);
        Assert.DoesNotContain(recorder.Stopped, IsOtherRecordedClientSpan);
        Assert.Equal(3, gate.Seen.Count);
        Assert.All(gate.Seen, a => Assert.Equal([callers], a.Traceparents));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task HedgingPolicy_SlowFirstAttempt_OneClientSpanAndBothAttemptsServerSpansUnderIt(bool addTraceHeaders)
    {
        // Arrange: the first attempt is held until it is cancelled (bounded); the hedged second one answers.
        using var recorder = Record();
        var gate = new AttemptGate { HoldFirst = true };
        await using var server = await StartServerAsync(gate, kestrel: false);
        await using var provider = Client(server, Hedge(), interceptor: true, addTraceHeaders, kestrel: false);

        // Act
        await provider.GetRequiredService<TraceTestService.TraceTestServiceClient>().UnaryAsync(new TraceRequest());

        // Assert: one client span, OK; both attempts carried its context; the losing attempt's server span (cancelled
        // when the other won) and the winner's are both its children.
        var call = CallSpan(recorder);
        Assert.Equal(0, call.GetTagItem(GrpcTracingConventions.RpcGrpcStatusCode));
        Assert.DoesNotContain(recorder.Stopped, IsOtherRecordedClientSpan);
        var attempts = gate.Seen.ToArray();
        Assert.Equal([null, "1"], attempts.Select(static a => a.PreviousAttempts));
        Assert.All(attempts, a => Assert.Equal([Traceparent(call)], a.Traceparents));
        var servers = await ServerSpansAsync(recorder, 2);
        Assert.All(servers, s => Assert.Equal(call.SpanId, s.ParentSpanId));
        Assert.Equal([1, 0], servers.OrderBy(static s => s.StartTimeUtc).Select(static s => s.GetTagItem(GrpcTracingConventions.RpcGrpcStatusCode)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ServiceConfig_AddTraceHeadersWithoutInterceptor_OneClientSpanPerAttemptEachItsServerSpansParent(bool hedge)
    {
        // Arrange: only the HTTP handler on the channel's HttpClient. Each grpc-dotnet attempt is a new HttpRequestMessage.
        using var recorder = Record();
        var gate = hedge ? new AttemptGate { HoldFirst = true } : new AttemptGate { FailFirst = 2 };
        await using var server = await StartServerAsync(gate, kestrel: false);
        await using var provider = Client(server, hedge ? Hedge() : Retry(maxAttempts: 5), interceptor: false, addTraceHeaders: true, kestrel: false);

        // Act
        await provider.GetRequiredService<TraceTestService.TraceTestServiceClient>().UnaryAsync(new TraceRequest());

        // Assert: one HTTP client span per attempt, each under the caller's span (not under grpc-dotnet's per-attempt
        // activity, which no pipeline exports); each attempt carries its own span's context, once; each attempt's server
        // span is that span's child. A new message per attempt: no http.request.resend_count (the attempt number is in
        // grpc-previous-rpc-attempts).
        var expected = hedge ? 2 : 3;
        var servers = await ServerSpansAsync(recorder, expected);

        // A losing hedged attempt's span stops when grpc-dotnet's cancellation of it ends its send, after the call returned.
        await recorder.WaitForStoppedAsync(s => recorder.Stopped.Count(static x => x.Source.Name == "Propagation.Http") >= expected);
        var https = recorder.Stopped.Where(static s => s.Source.Name == "Propagation.Http").ToArray();
        Assert.Equal(expected, https.Length);
        Assert.All(https, h => Assert.Equal(recorder.Parent.SpanId, h.ParentSpanId));
        Assert.All(https, h => Assert.Null(h.GetTagItem("http.request.resend_count")));

        // Their status is the HTTP one: an attempt answered UNAVAILABLE (HTTP 200) is not an error.
        if (!hedge)
        {
            Assert.All(https, static h => Assert.Equal(ActivityStatusCode.Unset, h.Status));
        }
        Assert.DoesNotContain(recorder.Stopped, s => s.Source.Name == GrpcTracingConventions.ActivitySourceName);
        Assert.Equal(https.Select(Traceparent).Order(), gate.Seen.Select(static a => Assert.Single(a.Traceparents)).Order());
        Assert.Equal(https.Select(static h => h.SpanId.ToHexString()).Order(), servers.Select(static s => s.ParentSpanId.ToHexString()).Order());
    }

    private static TraceRecorder Record() =>
        new(GrpcTracingConventions.ActivitySourceName, "Propagation.Http", "System.Net.Http", "Microsoft.AspNetCore", GrpcNetClientSource);

    private static ServiceConfig Retry(int maxAttempts) => new()
    {
        MethodConfigs =
        {
            new MethodConfig
            {
                Names = { MethodName.Default },
                RetryPolicy = new RetryPolicy
                {
                    MaxAttempts = maxAttempts,
                    InitialBackoff = TimeSpan.FromMilliseconds(10),
                    MaxBackoff = TimeSpan.FromMilliseconds(50),
                    BackoffMultiplier = 1.5,
                    RetryableStatusCodes = { StatusCode.Unavailable },
                },
            },
        },
    };

    private static ServiceConfig Hedge() => new()
    {
        MethodConfigs =
        {
            new MethodConfig
            {
                Names = { MethodName.Default },
                HedgingPolicy = new HedgingPolicy { MaxAttempts = 2, HedgingDelay = TimeSpan.FromMilliseconds(100), NonFatalStatusCodes = { StatusCode.Unavailable } },
            },
        },
    };

    private static Task<TracingTestServer> StartServerAsync(AttemptGate gate, bool kestrel) =>
        TracingTestServer.StartAsync(
            interceptor: null,
            kestrel: kestrel,
            configureServices: services =>
            {
                services.AddGrpcTracing();
                services.AddSingleton(gate);
                services.Configure<Grpc.AspNetCore.Server.GrpcServiceOptions>(o =>
                {
                    o.Interceptors.Add<TracingInterceptor>();
                    o.Interceptors.Add<AttemptGate>();
                });
            });

    /// <summary>The samples' client: <c>AddGrpcClient(...).AddInterceptor&lt;TracingClientInterceptor&gt;().AddTraceHeaders()</c>, with a service config.</summary>
    private static ServiceProvider Client(TracingTestServer server, ServiceConfig config, bool interceptor, bool addTraceHeaders, bool kestrel)
    {
        var services = new ServiceCollection().AddLogging().AddGrpcTracing();
        var builder = services.AddGrpcClient<TraceTestService.TraceTestServiceClient>(o => o.Address = server.Address)
            .ConfigureChannel(o => o.ServiceConfig = config);
        if (interceptor)
        {
            builder.AddInterceptor<TracingClientInterceptor>();
        }

        if (addTraceHeaders)
        {
            builder.AddTraceHeaders();
        }

        if (!kestrel)
        {
            builder.ConfigurePrimaryHttpMessageHandler(() => server.Handler!);
        }

        return services.BuildServiceProvider();
    }

    private static Activity CallSpan(TraceRecorder recorder)
    {
        var call = Assert.Single(recorder.Stopped, static s => s.Source.Name == GrpcTracingConventions.ActivitySourceName);
        Assert.Equal(ActivityKind.Client, call.Kind);
        return call;
    }

    /// <summary>A recorded client span other than the call's and grpc-dotnet's own per-attempt activity.</summary>
    private static bool IsOtherRecordedClientSpan(Activity span) =>
        span.Kind == ActivityKind.Client && span.IsAllDataRequested
        && span.Source.Name != GrpcTracingConventions.ActivitySourceName && span.Source.Name != GrpcNetClientSource;

    private static async Task<Activity[]> ServerSpansAsync(TraceRecorder recorder, int count)
    {
        // Hosting stops a server span when the request is disposed, possibly after the client has its answer.
        await recorder.WaitForStoppedAsync(s => recorder.Stopped.Count(static x => x.Kind == ActivityKind.Server) >= count);
        var servers = recorder.Stopped.Where(static s => s.Kind == ActivityKind.Server).ToArray();
        Assert.Equal(count, servers.Length);
        return servers;
    }

    private static string Traceparent(Activity span) => $"00-{span.TraceId.ToHexString()}-{span.SpanId.ToHexString()}-01";

    /// <summary>What one attempt carried and the server span it ran in.</summary>
    private sealed record Attempt(string? PreviousAttempts, string[] Traceparents, string? ServerSpanId);

    /// <summary>
    /// Inside <see cref="TracingInterceptor"/>: records each unary attempt, fails the first <see cref="FailFirst"/> with
    /// UNAVAILABLE, or holds the first one (<see cref="HoldFirst"/>) until the client cancels it (at most 10 s).
    /// </summary>
    private sealed class AttemptGate : Interceptor
    {
        public int FailFirst { get; init; }

        public bool HoldFirst { get; init; }

        public ConcurrentQueue<Attempt> Seen { get; } = new();

        public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
        {
            var headers = context.GetHttpContext().Request.Headers;
            var previous = headers["grpc-previous-rpc-attempts"].ToString();
            Seen.Enqueue(new(previous.Length == 0 ? null : previous, [.. headers["traceparent"].Select(static v => v ?? string.Empty)], Activity.Current?.SpanId.ToHexString()));
            var before = previous.Length == 0 ? 0 : int.Parse(previous, CultureInfo.InvariantCulture);
            if (before < FailFirst)
            {
                throw new RpcException(new Status(StatusCode.Unavailable, "try again"));
            }

            if (HoldFirst && before == 0)
            {
                await Task.Delay(TimeSpan.FromSeconds(10), context.CancellationToken);
            }

            return await continuation(request, context);
        }
    }
}
