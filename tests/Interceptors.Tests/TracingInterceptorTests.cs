using System.Diagnostics;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Propagation.Interceptors.Tests.Infrastructure;
using Propagation.Interceptors.Tests.Protos;

namespace Propagation.Interceptors.Tests;

/// <summary>The server interceptor over TestServer, driven by a plain (untraced) gRPC client.</summary>
public sealed class TracingInterceptorTests
{
    private const string Service = "propagation.test.TraceTestService";

    [Fact]
    public async Task UnaryServerHandler_TraceparentInMetadata_ServerSpanContinuesRemoteParent()
    {
        // Arrange
        using var recorder = new SpanRecorder();
        await using var server = await TracingTestServer.StartAsync(TestInterceptors.Server(recorder));
        var client = server.CreateClient();
        var traceId = ActivityTraceId.CreateRandom();
        var parentId = ActivitySpanId.CreateRandom();

        // Act
        var call = client.UnaryAsync(new TraceRequest { Text = "hi" }, Traceparent(traceId, parentId));
        var reply = await call;
        var headers = await call.ResponseHeadersAsync;

        // Assert
        var span = recorder.Single(ActivityKind.Server);
        Assert.Equal(Service + "/Unary", span.DisplayName);
        Assert.Equal(traceId, span.TraceId);
        Assert.Equal(parentId, span.ParentSpanId);
        Assert.Equal("grpc", span.GetTagItem("rpc.system"));
        Assert.Equal(Service, span.GetTagItem("rpc.service"));
        Assert.Equal("Unary", span.GetTagItem("rpc.method"));
        Assert.Equal(0, span.GetTagItem("rpc.grpc.status_code"));
        Assert.Equal("localhost", span.GetTagItem("server.address"));
        Assert.Equal(ActivityStatusCode.Unset, span.Status);
        Assert.Null(span.GetTagItem(GrpcTracingConventions.MessagesSent));
        Assert.Equal(span.TraceId.ToHexString(), reply.TraceId);
        Assert.Equal(span.SpanId.ToHexString(), reply.SpanId);
        Assert.Equal(span.TraceId.ToHexString(), headers.GetValue("x-trace-id"));
        Assert.Equal(span.SpanId.ToHexString(), headers.GetValue("x-span-id"));
    }

    [Fact]
    public async Task UnaryServerHandler_LegacyHeadersOnly_ServerSpanContinuesLegacyTrace()
    {
        // Arrange
        using var recorder = new SpanRecorder();
        await using var server = await TracingTestServer.StartAsync(TestInterceptors.Server(recorder));
        var client = server.CreateClient();
        var traceId = ActivityTraceId.CreateRandom();
        var parentId = ActivitySpanId.CreateRandom();
        var metadata = new Metadata { { "X-Trace-ID", traceId.ToHexString() }, { "X-Span-ID", parentId.ToHexString() } };

        // Act
        await client.UnaryAsync(new TraceRequest(), metadata);

        // Assert
        var span = recorder.Single(ActivityKind.Server);
        Assert.Equal(traceId, span.TraceId);
        Assert.Equal(parentId, span.ParentSpanId);
    }

    [Fact]
    public async Task UnaryServerHandler_NoInboundContext_StartsNewRoot()
    {
        // Arrange
        using var recorder = new SpanRecorder();
        await using var server = await TracingTestServer.StartAsync(TestInterceptors.Server(recorder));
        var client = server.CreateClient();

        // Act
        var reply = await client.UnaryAsync(new TraceRequest());

        // Assert
        var span = recorder.Single(ActivityKind.Server);
        Assert.Equal(default, span.ParentSpanId);
        Assert.Equal(span.TraceId.ToHexString(), reply.TraceId);
    }

    [Fact]
    public async Task UnaryServerHandler_InvalidTraceparent_NewRootAndCallSucceeds()
    {
        // Arrange
        using var recorder = new SpanRecorder();
        await using var server = await TracingTestServer.StartAsync(TestInterceptors.Server(recorder));
        var client = server.CreateClient();
        var metadata = new Metadata { { "traceparent", "00-zzzz-not-valid-01" } };

        // Act
        var reply = await client.UnaryAsync(new TraceRequest { Text = "ok" }, metadata);

        // Assert
        var span = recorder.Single(ActivityKind.Server);
        Assert.Equal(default, span.ParentSpanId);
        Assert.Equal("ok", reply.Text);
    }

    [Fact]
    public async Task UnaryServerHandler_RestartAndLinkPolicy_NewTraceLinkedToInboundAndPolicyNamed()
    {
        // Arrange
        using var recorder = new SpanRecorder();
        var interceptor = TestInterceptors.Server(recorder, s => s.TrustDecider = _ => TrustPolicy.RestartAndLink);
        await using var server = await TracingTestServer.StartAsync(interceptor);
        var client = server.CreateClient();
        var traceId = ActivityTraceId.CreateRandom();
        var parentId = ActivitySpanId.CreateRandom();

        // Act
        await client.UnaryAsync(new TraceRequest(), Traceparent(traceId, parentId));

        // Assert
        var span = recorder.Single(ActivityKind.Server);
        Assert.NotEqual(traceId, span.TraceId);
        Assert.Equal(default, span.ParentSpanId);
        var link = Assert.Single(span.Links);
        Assert.Equal(traceId, link.Context.TraceId);
        Assert.Equal(parentId, link.Context.SpanId);
        Assert.Equal("restart_and_link", span.GetTagItem("propagation.trust_policy"));
    }

    [Fact]
    public async Task UnaryServerHandler_InboundBaggage_AddedToServerSpan()
    {
        // Arrange
        using var recorder = new SpanRecorder();
        await using var server = await TracingTestServer.StartAsync(TestInterceptors.Server(recorder));
        var client = server.CreateClient();
        var metadata = Traceparent(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom());
        metadata.Add("baggage", "tenant=acme");

        // Act
        await client.UnaryAsync(new TraceRequest(), metadata);

        // Assert
        var span = recorder.Single(ActivityKind.Server);
        Assert.Equal("acme", span.GetBaggageItem("tenant"));
    }

    [Fact]
    public async Task UnaryServerHandler_InboundBaggageOfSeveralMembers_CallersOrderKeptOnSpanAndHandlersCall()
    {
        // Arrange: the HTTP side keeps the caller's order (and the first of a repeated key wins); so must a gRPC call.
        using var recorder = new SpanRecorder();
        using var settings = TestInterceptors.Settings(recorder);
        var server = new TracingInterceptor(settings);
        var client = new TracingClientInterceptor(settings);
        var metadata = Traceparent(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom());
        metadata.Add("baggage", "a=1,b=2,a=3,c=4");
        Activity? inHandler = null;
        Metadata? sent = null;

        // Act
        await server.UnaryServerHandler<string, string>("hi", new InProcessServerCallContext(metadata), (_, _) =>
        {
            inHandler = Activity.Current;
            return InProcessCall.CallOutAsync(client, headers => sent = headers);
        });

        // Assert
        Assert.NotNull(inHandler);
        Assert.Equal(["a=1", "b=2", "a=3", "c=4"], inHandler.Baggage.Select(b => b.Key + "=" + b.Value));
        Assert.Equal("1", inHandler.GetBaggageItem("a"));
        Assert.NotNull(sent);
        Assert.Equal("a=1,b=2,c=4", sent.GetValue("baggage"));
    }

    [Theory]
    [InlineData("b3", "0")]
    [InlineData("x-b3-sampled", "0")]
    public async Task UnaryServerHandler_B3DenyOnly_UnrecordedSpanCarriesNewIdsBaggageAndDenyToHandlersCalls(string name, string value)
    {
        // Arrange: a parent-based sampler, as a tracer provider has; the handler calls out through the client interceptor.
        using var source = new ActivitySource("Propagation.Interceptors.Tests." + Guid.NewGuid().ToString("N"));
        var started = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => ReferenceEquals(s, source),
            Sample = static (ref ActivityCreationOptions<ActivityContext> o) =>
                o.Parent != default && (o.Parent.TraceFlags & ActivityTraceFlags.Recorded) == 0 ? ActivitySamplingResult.PropagationData : ActivitySamplingResult.AllDataAndRecorded,
            ActivityStarted = started.Add,
        };
        ActivitySource.AddActivityListener(listener);
        using var settings = new GrpcTracingSettings(new TracePropagator(), source);
        var server = new TracingInterceptor(settings);
        var client = new TracingClientInterceptor(settings);
        var metadata = new Metadata { { name, value }, { "baggage", "tenant=acme" } };
        Activity? inHandler = null;
        Metadata? sent = null;

        // Act
        var reply = await server.UnaryServerHandler<string, string>("hi", new InProcessServerCallContext(metadata), (_, _) =>
        {
            inHandler = Activity.Current;
            return InProcessCall.CallOutAsync(client, headers => sent = headers);
        });

        // Assert
        Assert.Equal("next ok", reply);
        Assert.NotNull(inHandler);
        Assert.Same(started[0], inHandler);
        Assert.Equal(ActivityKind.Server, inHandler.Kind);
        Assert.True(inHandler.IsStopped);
        Assert.False(inHandler.Recorded);
        Assert.False(inHandler.IsAllDataRequested);
        Assert.Empty(inHandler.TagObjects);
        var outbound = Assert.Single(started, a => a.Kind == ActivityKind.Client);
        Assert.Equal(inHandler.SpanId, outbound.ParentSpanId);
        Assert.False(outbound.Recorded);
        Assert.NotNull(sent);
        Assert.Equal($"00-{inHandler.TraceId.ToHexString()}-{outbound.SpanId.ToHexString()}-00", sent.GetValue("traceparent"));
        Assert.Equal("tenant=acme", sent.GetValue("baggage"));
    }

    [Theory]
    [InlineData(StatusCode.NotFound, ActivityStatusCode.Unset)]
    [InlineData(StatusCode.InvalidArgument, ActivityStatusCode.Unset)]
    [InlineData(StatusCode.Unavailable, ActivityStatusCode.Error)]
    [InlineData(StatusCode.Internal, ActivityStatusCode.Error)]
    [InlineData(StatusCode.DataLoss, ActivityStatusCode.Error)]
    [InlineData(StatusCode.Unimplemented, ActivityStatusCode.Error)]
    public async Task UnaryServerHandler_HandlerThrowsRpcException_StatusRecordedAndRethrownUntouched(StatusCode code, ActivityStatusCode expected)
    {
        // Arrange
        using var recorder = new SpanRecorder();
        await using var server = await TracingTestServer.StartAsync(TestInterceptors.Server(recorder));
        var client = server.CreateClient();

        // Act
        var error = await Assert.ThrowsAsync<RpcException>(async () => await client.UnaryAsync(new TraceRequest { FailWithStatus = (int)code }));

        // Assert
        Assert.Equal(code, error.StatusCode);
        Assert.Equal("failed by request", error.Status.Detail);
        var span = recorder.Single(ActivityKind.Server);
        Assert.Equal((int)code, span.GetTagItem("rpc.grpc.status_code"));
        Assert.Equal(expected, span.Status);
        var exception = Assert.Single(span.Events, e => e.Name == "exception");
        Assert.Equal(typeof(RpcException).FullName, exception.Tags.First(t => t.Key == "exception.type").Value);
    }

    [Fact]
    public async Task UnaryServerHandler_HandlerThrowsException_UnknownErrorAndExceptionEvent()
    {
        // Arrange
        using var recorder = new SpanRecorder();
        await using var server = await TracingTestServer.StartAsync(TestInterceptors.Server(recorder));
        var client = server.CreateClient();

        // Act
        var error = await Assert.ThrowsAsync<RpcException>(async () => await client.UnaryAsync(new TraceRequest { ThrowException = true }));

        // Assert
        Assert.Equal(StatusCode.Unknown, error.StatusCode);
        var span = recorder.Single(ActivityKind.Server);
        Assert.Equal(2, span.GetTagItem("rpc.grpc.status_code"));
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal(typeof(InvalidOperationException).FullName, span.GetTagItem("error.type"));
        var exception = Assert.Single(span.Events, e => e.Name == "exception");
        Assert.Equal("handler failed", exception.Tags.First(t => t.Key == "exception.message").Value);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task UnaryServerHandler_RegisteredGloballyAndPerService_RecordsTheCallOnce(bool serverSpanFromMiddleware)
    {
        // Arrange: the interceptor in AddGrpc's list and again in the service's own (AddServiceOptions), so it runs twice
        // for each call; the span is its own, or one a middleware standing in for hosting or UseTracing started.
        using var recorder = new SpanRecorder();
        await using var server = await TracingTestServer.StartAsync(
            TestInterceptors.Server(recorder),
            app => app.Use(async (HttpContext context, RequestDelegate next) =>
            {
                using var activity = serverSpanFromMiddleware ? recorder.Source.StartActivity("HTTP POST", ActivityKind.Server) : null;
                await next(context);
            }),
            configureServices: services => services.AddGrpc().AddServiceOptions<TraceTestServiceImpl>(o => o.Interceptors.Add<TracingInterceptor>()));
        var client = server.CreateClient();

        // Act
        var call = client.UnaryAsync(new TraceRequest { ThrowException = true });
        var error = await Assert.ThrowsAsync<RpcException>(async () => await call);
        var headers = await call.ResponseHeadersAsync;
        var spans = await recorder.WaitForStoppedAsync(1);

        // Assert: one span, one status attribute, one exception event, one echo.
        Assert.Equal(StatusCode.Unknown, error.StatusCode);
        var span = Assert.Single(spans);
        Assert.Equal(ActivityKind.Server, span.Kind);
        Assert.Equal(Service + "/Unary", span.DisplayName);
        Assert.Equal(2, Assert.Single(span.TagObjects, t => t.Key == "rpc.grpc.status_code").Value);
        Assert.Single(span.TagObjects, t => t.Key == "rpc.method");
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Single(span.Events, e => e.Name == "exception");
        Assert.Equal(span.SpanId.ToHexString(), Assert.Single(headers, e => e.Key == "x-span-id").Value);
    }

    [Fact]
    public async Task UnaryServerHandler_HandlerThrowsCancellationWhileCallRuns_UnknownErrorAsTheClientSees()
    {
        // Arrange: the handler gives up on its own (its own timeout); the call itself is not cancelled.
        using var recorder = new SpanRecorder();
        await using var server = await TracingTestServer.StartAsync(TestInterceptors.Server(recorder));
        var client = server.CreateClient();

        // Act
        var error = await Assert.ThrowsAsync<RpcException>(async () => await client.UnaryAsync(new TraceRequest { ThrowCancellation = true }));

        // Assert
        Assert.Equal(StatusCode.Unknown, error.StatusCode);
        var span = recorder.Single(ActivityKind.Server);
        Assert.Equal((int)StatusCode.Unknown, span.GetTagItem("rpc.grpc.status_code"));
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal(typeof(OperationCanceledException).FullName, span.GetTagItem("error.type"));
        Assert.DoesNotContain(span.Events, e => e.Name == GrpcTracingConventions.CancelledEvent);
    }

    [Fact]
    public async Task ServerStreamingServerHandler_HandlerThrowsCancellationWhileCallRuns_UnknownErrorAsTheClientSees()
    {
        // Arrange
        using var recorder = new SpanRecorder();
        await using var server = await TracingTestServer.StartAsync(TestInterceptors.Server(recorder));
        var client = server.CreateClient();

        // Act
        using var call = client.ServerStream(new TraceRequest { Count = 1, ThrowCancellation = true });
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
            }
        });

        // Assert
        Assert.Equal(StatusCode.Unknown, error.StatusCode);
        var span = (await recorder.WaitForStoppedAsync(1)).Single(a => a.Kind == ActivityKind.Server);
        Assert.Equal((int)StatusCode.Unknown, span.GetTagItem("rpc.grpc.status_code"));
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal(1, span.GetTagItem(GrpcTracingConventions.MessagesSent));
    }

    [Fact]
    public async Task UnaryServerHandler_HandlerSetsStatus_StatusRecorded()
    {
        // Arrange
        using var recorder = new SpanRecorder();
        await using var server = await TracingTestServer.StartAsync(TestInterceptors.Server(recorder));
        var client = server.CreateClient();

        // Act
        var error = await Assert.ThrowsAsync<RpcException>(async () => await client.UnaryAsync(new TraceRequest { SetStatus = (int)StatusCode.Internal }));

        // Assert
        Assert.Equal(StatusCode.Internal, error.StatusCode);
        var span = recorder.Single(ActivityKind.Server);
        Assert.Equal(13, span.GetTagItem("rpc.grpc.status_code"));
        Assert.Equal(ActivityStatusCode.Error, span.Status);
    }

    [Fact]
    public async Task UnaryServerHandler_DeadlineExceeded_DeadlineRecorded()
    {
        // Arrange: over Kestrel, so the client sees the status of its own deadline or cancellation (see TracingTestServer.StartAsync).
        using var recorder = new SpanRecorder();
        await using var server = await TracingTestServer.StartAsync(TestInterceptors.Server(recorder), kestrel: true);
        var client = server.CreateClient();
        await WarmUpAsync(client, recorder);

        // Act: the deadline must fire while the handler runs, so the call has to reach a warm server first.
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await client.UnaryAsync(new TraceRequest { DelayMs = 5000 }, deadline: DateTime.UtcNow.AddSeconds(2)));
        var spans = await recorder.WaitForStoppedAsync(2);

        // Assert
        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        var span = Assert.Single(spans.Skip(1));
        Assert.Equal(4, span.GetTagItem("rpc.grpc.status_code"));
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Contains(span.Events, e => e.Name == GrpcTracingConventions.DeadlineExceededEvent);
    }

    [Fact]
    public async Task UnaryServerHandler_ClientCancels_CancellationRecorded()
    {
        // Arrange: over Kestrel, so the client sees the status of its own deadline or cancellation (see TracingTestServer.StartAsync).
        using var recorder = new SpanRecorder();
        await using var server = await TracingTestServer.StartAsync(TestInterceptors.Server(recorder), kestrel: true);
        var client = server.CreateClient();
        using var cts = new CancellationTokenSource();

        // Act: cancel once the server span exists (the handler is then waiting), not on a timer.
        var call = client.UnaryAsync(new TraceRequest { DelayMs = 5000 }, cancellationToken: cts.Token);
        await recorder.WaitForStartedAsync(1);
        await cts.CancelAsync();
        var error = await Assert.ThrowsAsync<RpcException>(async () => await call);
        var spans = await recorder.WaitForStoppedAsync(1);

        // Assert
        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
        var span = Assert.Single(spans);
        Assert.Equal(1, span.GetTagItem("rpc.grpc.status_code"));
        Assert.Equal(ActivityStatusCode.Unset, span.Status);
        Assert.Contains(span.Events, e => e.Name == GrpcTracingConventions.CancelledEvent);
    }

    [Fact]
    public async Task UnaryServerHandler_HandlerWritesResponseHeaders_BothHandlerAndTraceHeadersSent()
    {
        // Arrange
        using var recorder = new SpanRecorder();
        await using var server = await TracingTestServer.StartAsync(TestInterceptors.Server(recorder));
        var client = server.CreateClient();

        // Act
        var call = client.UnaryAsync(new TraceRequest { WriteHeaders = true });
        await call;
        var headers = await call.ResponseHeadersAsync;

        // Assert
        var span = recorder.Single(ActivityKind.Server);
        Assert.Equal("1", headers.GetValue("x-handler"));
        Assert.Equal(span.TraceId.ToHexString(), headers.GetValue("x-trace-id"));
        Assert.Single(headers.GetAll("x-trace-id"));
    }

    [Fact]
    public async Task UnaryServerHandler_InboundXTraceIdWithoutValidContext_EchoIsNeverTheRawInboundText()
    {
        // Arrange
        using var recorder = new SpanRecorder();
        await using var server = await TracingTestServer.StartAsync(TestInterceptors.Server(recorder));
        var client = server.CreateClient();
        var metadata = new Metadata { { "x-trace-id", "evil<script>value" } };

        // Act
        var call = client.UnaryAsync(new TraceRequest(), metadata);
        await call;
        var headers = await call.ResponseHeadersAsync;

        // Assert
        var span = recorder.Single(ActivityKind.Server);
        Assert.Equal(span.TraceId.ToHexString(), headers.GetValue("x-trace-id"));
    }

    [Fact]
    public async Task UnaryServerHandler_EchoDisabled_NoTraceHeaders()
    {
        // Arrange
        using var recorder = new SpanRecorder();
        var interceptor = TestInterceptors.Server(recorder, s =>
        {
            s.TraceIdResponseHeader = null;
            s.SpanIdResponseHeader = null;
        });
        await using var server = await TracingTestServer.StartAsync(interceptor);
        var client = server.CreateClient();

        // Act
        var call = client.UnaryAsync(new TraceRequest());
        await call;
        var headers = await call.ResponseHeadersAsync;

        // Assert
        Assert.Single(recorder.Stopped);
        Assert.Null(headers.Get("x-trace-id"));
        Assert.Null(headers.Get("x-span-id"));
    }

    [Fact]
    public async Task UnaryServerHandler_NoListener_CallPassesThroughWithoutSpan()
    {
        // Arrange: the interceptor's source has no listener.
        using var recorder = new SpanRecorder();
        using var unheard = new ActivitySource("Propagation.Interceptors.Tests.Unheard." + Guid.NewGuid().ToString("N"));
        var interceptor = new TracingInterceptor(new GrpcTracingSettings(new TracePropagator(), unheard));
        await using var server = await TracingTestServer.StartAsync(interceptor);
        var client = server.CreateClient();

        // Act
        var call = client.UnaryAsync(new TraceRequest { Text = "plain" });
        var reply = await call;
        var headers = await call.ResponseHeadersAsync;

        // Assert
        Assert.Equal("plain", reply.Text);
        Assert.Equal(string.Empty, reply.TraceId);
        Assert.Null(headers.Get("x-trace-id"));
        Assert.Empty(recorder.Started);
    }

    [Fact]
    public async Task UnaryServerHandler_ServerSpanAlreadyStartedByMiddleware_EnrichesItInsteadOfStartingAnother()
    {
        // Arrange: a middleware standing in for UseTracing starts the request's server span.
        using var recorder = new SpanRecorder();
        await using var server = await TracingTestServer.StartAsync(
            TestInterceptors.Server(recorder),
            app => app.Use(async (HttpContext context, RequestDelegate next) =>
            {
                using var activity = recorder.Source.StartActivity("HTTP POST", ActivityKind.Server);
                await next(context);
            }));
        var client = server.CreateClient();

        // Act
        var call = client.UnaryAsync(new TraceRequest());
        var reply = await call;
        var headers = await call.ResponseHeadersAsync;
        var spans = await recorder.WaitForStoppedAsync(1);

        // Assert
        var span = Assert.Single(spans);
        Assert.Equal(ActivityKind.Server, span.Kind);
        AssertEnrichedUnary(span, headers);
        Assert.Equal(span.SpanId.ToHexString(), reply.SpanId);
    }

    [Fact]
    public async Task UnaryServerHandler_ServerSpanOnlyInActivityFeature_EnrichesItInsteadOfStartingAnother()
    {
        // Arrange: the request's server span is in the activity feature (as hosting puts it), while a child span of
        // it is current, so the interceptor can find the server span only through the feature.
        using var recorder = new SpanRecorder();
        await using var server = await TracingTestServer.StartAsync(
            TestInterceptors.Server(recorder),
            app => app.Use(async (HttpContext context, RequestDelegate next) =>
            {
                using var request = recorder.Source.StartActivity("HTTP POST", ActivityKind.Server);
                context.Features.Set<IHttpActivityFeature>(new ActivityFeature(request!));
                using var child = recorder.Source.StartActivity("authorize", ActivityKind.Internal);
                await next(context);
            }));
        var client = server.CreateClient();

        // Act
        var call = client.UnaryAsync(new TraceRequest());
        await call;
        var headers = await call.ResponseHeadersAsync;
        var spans = await recorder.WaitForStoppedAsync(2);

        // Assert
        var span = Assert.Single(spans, s => s.Kind == ActivityKind.Server);
        AssertEnrichedUnary(span, headers);
        Assert.Equal("authorize", Assert.Single(spans, s => s.Kind != ActivityKind.Server).DisplayName);
    }

    [Fact]
    public async Task ServerStreamingServerHandler_ThreeMessages_SpanLastsUntilCallEndsWithCounts()
    {
        // Arrange
        using var recorder = new SpanRecorder();
        await using var server = await TracingTestServer.StartAsync(TestInterceptors.Server(recorder));
        var client = server.CreateClient();
        var traceId = ActivityTraceId.CreateRandom();

        // Act
        using var call = client.ServerStream(new TraceRequest { Count = 3 }, Traceparent(traceId, ActivitySpanId.CreateRandom()));
        var replies = new List<TraceReply>();
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
        {
            replies.Add(call.ResponseStream.Current);
        }

        var spans = await recorder.WaitForStoppedAsync(1);

        // Assert
        Assert.Equal(3, replies.Count);
        var span = Assert.Single(spans);
        Assert.Equal(Service + "/ServerStream", span.DisplayName);
        Assert.Equal(traceId, span.TraceId);
        Assert.Equal(3, span.GetTagItem(GrpcTracingConventions.MessagesSent));
        Assert.Equal(1, span.GetTagItem(GrpcTracingConventions.MessagesReceived));
        Assert.Equal(0, span.GetTagItem("rpc.grpc.status_code"));
        Assert.All(replies, r => Assert.Equal(span.SpanId.ToHexString(), r.SpanId));
    }

    [Fact]
    public async Task ServerStreamingServerHandler_FailsAfterWriting_ErrorWithSentCount()
    {
        // Arrange
        using var recorder = new SpanRecorder();
        await using var server = await TracingTestServer.StartAsync(TestInterceptors.Server(recorder));
        var client = server.CreateClient();

        // Act
        using var call = client.ServerStream(new TraceRequest { Count = 2, FailWithStatus = (int)StatusCode.Unavailable });
        var read = 0;
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
                read++;
            }
        });
        var spans = await recorder.WaitForStoppedAsync(1);

        // Assert
        Assert.Equal(2, read);
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        var span = Assert.Single(spans);
        Assert.Equal(14, span.GetTagItem("rpc.grpc.status_code"));
        Assert.Equal(2, span.GetTagItem(GrpcTracingConventions.MessagesSent));
        Assert.Equal(ActivityStatusCode.Error, span.Status);
    }

    [Fact]
    public async Task ServerStreamingServerHandler_HandlerWritesHeadersFirst_TraceHeadersStillSent()
    {
        // Arrange
        using var recorder = new SpanRecorder();
        await using var server = await TracingTestServer.StartAsync(TestInterceptors.Server(recorder));
        var client = server.CreateClient();

        // Act
        using var call = client.ServerStream(new TraceRequest { Count = 1, WriteHeaders = true });
        var headers = await call.ResponseHeadersAsync;
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
        {
        }

        var spans = await recorder.WaitForStoppedAsync(1);

        // Assert
        Assert.Equal("1", headers.GetValue("x-handler"));
        Assert.Equal(spans[0].SpanId.ToHexString(), headers.GetValue("x-span-id"));
    }

    [Fact]
    public async Task ClientStreamingServerHandler_FourMessages_ReceivedCountRecorded()
    {
        // Arrange
        using var recorder = new SpanRecorder();
        await using var server = await TracingTestServer.StartAsync(TestInterceptors.Server(recorder));
        var client = server.CreateClient();
        var traceId = ActivityTraceId.CreateRandom();

        // Act
        using var call = client.ClientStream(Traceparent(traceId, ActivitySpanId.CreateRandom()));
        for (var i = 0; i < 4; i++)
        {
            await call.RequestStream.WriteAsync(new TraceRequest { Text = "m" + i });
        }

        await call.RequestStream.CompleteAsync();
        var reply = await call;
        var spans = await recorder.WaitForStoppedAsync(1);

        // Assert
        Assert.Equal(4, reply.Received);
        var span = Assert.Single(spans);
        Assert.Equal(Service + "/ClientStream", span.DisplayName);
        Assert.Equal(traceId, span.TraceId);
        Assert.Equal(4, span.GetTagItem(GrpcTracingConventions.MessagesReceived));
        Assert.Equal(1, span.GetTagItem(GrpcTracingConventions.MessagesSent));
        Assert.Equal(0, span.GetTagItem("rpc.grpc.status_code"));
    }

    [Fact]
    public async Task ClientStreamingServerHandler_HandlerThrows_ErrorRecorded()
    {
        // Arrange
        using var recorder = new SpanRecorder();
        await using var server = await TracingTestServer.StartAsync(TestInterceptors.Server(recorder));
        var client = server.CreateClient();

        // Act
        using var call = client.ClientStream();
        await call.RequestStream.WriteAsync(new TraceRequest { ThrowException = true });
        await call.RequestStream.CompleteAsync();
        var error = await Assert.ThrowsAsync<RpcException>(async () => await call);
        var spans = await recorder.WaitForStoppedAsync(1);

        // Assert
        Assert.Equal(StatusCode.Unknown, error.StatusCode);
        var span = Assert.Single(spans);
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal(1, span.GetTagItem(GrpcTracingConventions.MessagesReceived));
    }

    [Fact]
    public async Task DuplexStreamingServerHandler_ThreeExchanges_CountsBothDirections()
    {
        // Arrange
        using var recorder = new SpanRecorder();
        await using var server = await TracingTestServer.StartAsync(TestInterceptors.Server(recorder));
        var client = server.CreateClient();
        var traceId = ActivityTraceId.CreateRandom();

        // Act
        using var call = client.Duplex(Traceparent(traceId, ActivitySpanId.CreateRandom()));
        var replies = new List<TraceReply>();
        for (var i = 0; i < 3; i++)
        {
            await call.RequestStream.WriteAsync(new TraceRequest { Text = "m" + i });
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
            replies.Add(call.ResponseStream.Current);
        }

        Assert.Empty(recorder.Stopped);
        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None));
        var spans = await recorder.WaitForStoppedAsync(1);

        // Assert
        var span = Assert.Single(spans);
        Assert.Equal(Service + "/Duplex", span.DisplayName);
        Assert.Equal(traceId, span.TraceId);
        Assert.Equal(3, span.GetTagItem(GrpcTracingConventions.MessagesSent));
        Assert.Equal(3, span.GetTagItem(GrpcTracingConventions.MessagesReceived));
        Assert.All(replies, r => Assert.Equal(span.SpanId.ToHexString(), r.SpanId));
    }

    [Fact]
    public async Task DuplexStreamingServerHandler_ClientCancels_CancelledRecorded()
    {
        // Arrange
        using var recorder = new SpanRecorder();
        await using var server = await TracingTestServer.StartAsync(TestInterceptors.Server(recorder));
        var client = server.CreateClient();
        using var cts = new CancellationTokenSource();

        // Act
        using var call = client.Duplex(cancellationToken: cts.Token);
        await call.RequestStream.WriteAsync(new TraceRequest { Text = "first" });
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        await cts.CancelAsync();
        await Assert.ThrowsAsync<RpcException>(async () => await call.ResponseStream.MoveNext(CancellationToken.None));
        var spans = await recorder.WaitForStoppedAsync(1);

        // Assert
        var span = Assert.Single(spans);
        Assert.Equal(1, span.GetTagItem("rpc.grpc.status_code"));
        Assert.Contains(span.Events, e => e.Name == GrpcTracingConventions.CancelledEvent);
    }

    [Fact]
    public async Task ServerStreamingServerHandler_Deadline_DeadlineRecorded()
    {
        // Arrange
        using var recorder = new SpanRecorder();
        await using var server = await TracingTestServer.StartAsync(TestInterceptors.Server(recorder));
        var client = server.CreateClient();
        await WarmUpAsync(client, recorder);

        // Act: the deadline must fire while the handler runs, so the call has to reach a warm server first.
        using var call = client.ServerStream(new TraceRequest { Count = 1, DelayMs = 5000 }, deadline: DateTime.UtcNow.AddSeconds(2));
        await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
            }
        });
        var spans = await recorder.WaitForStoppedAsync(2);

        // Assert
        var span = Assert.Single(spans.Skip(1));
        Assert.Equal(4, span.GetTagItem("rpc.grpc.status_code"));
        Assert.Equal(1, span.GetTagItem(GrpcTracingConventions.MessagesSent));
        Assert.Equal(ActivityStatusCode.Error, span.Status);
    }

    [Fact]
    public async Task UnaryServerHandler_ServerSpan_ParentOfActivitiesStartedByHandlerCode()
    {
        // Arrange: the handler's own work (Activity.Current) runs under the server span.
        using var recorder = new SpanRecorder();
        await using var server = await TracingTestServer.StartAsync(TestInterceptors.Server(recorder));
        var client = server.CreateClient();
        var traceId = ActivityTraceId.CreateRandom();

        // Act
        var reply = await client.UnaryAsync(new TraceRequest(), Traceparent(traceId, ActivitySpanId.CreateRandom()));

        // Assert
        var span = recorder.Single(ActivityKind.Server);
        Assert.Equal(traceId.ToHexString(), reply.TraceId);
        Assert.Equal(span.SpanId.ToHexString(), reply.SpanId);
        Assert.Equal(span.ParentSpanId.ToHexString(), reply.ParentSpanId);
    }

    [Fact]
    public async Task UnaryServerHandler_OnlyAPlaceholderActivity_StartsItsOwnServerSpan()
    {
        // Arrange: like hosting's logging-only activity (no source, kind Internal) in IHttpActivityFeature.
        using var recorder = new SpanRecorder();
        await using var server = await TracingTestServer.StartAsync(
            TestInterceptors.Server(recorder),
            app => app.Use(async (HttpContext context, RequestDelegate next) =>
            {
                using var placeholder = new Activity("placeholder").Start();
                context.Features.Set<Microsoft.AspNetCore.Http.Features.IHttpActivityFeature>(new ActivityFeature(placeholder));
                await next(context);
            }));
        var client = server.CreateClient();
        var traceId = ActivityTraceId.CreateRandom();

        // Act
        var reply = await client.UnaryAsync(new TraceRequest(), Traceparent(traceId, ActivitySpanId.CreateRandom()));

        // Assert
        var span = recorder.Single(ActivityKind.Server);
        Assert.Equal(traceId, span.TraceId);
        Assert.Equal(span.SpanId.ToHexString(), reply.SpanId);
    }

    [Fact]
    public async Task UnaryServerHandler_UnrecordedServerSpanFromMiddleware_EchoesItsIdsAndStartsNothing()
    {
        // Arrange: the request's server span exists but is sampled out (propagation data only), as hosting's is
        // under a ratio sampler.
        using var recorder = new SpanRecorder(ActivitySamplingResult.PropagationData);
        Activity? request = null;
        await using var server = await TracingTestServer.StartAsync(
            TestInterceptors.Server(recorder),
            app => app.Use(async (HttpContext context, RequestDelegate next) =>
            {
                using var activity = recorder.Source.StartActivity("HTTP POST", ActivityKind.Server);
                request = activity;
                await next(context);
            }));
        var client = server.CreateClient();

        // Act
        var call = client.UnaryAsync(new TraceRequest());
        var reply = await call;
        var headers = await call.ResponseHeadersAsync;

        // Assert: the call ran under that span, which was echoed, left as it was, and is the only one.
        Assert.NotNull(request);
        Assert.False(request.IsAllDataRequested);
        Assert.Equal(request.SpanId.ToHexString(), reply.SpanId);
        Assert.Equal(request.SpanId.ToHexString(), headers.GetValue("x-span-id"));
        Assert.Equal(request.TraceId.ToHexString(), headers.GetValue("x-trace-id"));
        Assert.Equal("HTTP POST", request.DisplayName);
        Assert.Empty(request.TagObjects);
        Assert.Same(request, Assert.Single(recorder.Started));
    }

    [Fact]
    public async Task ServerHandlers_UnrecordedServerSpan_HandlerGetsTheCallsOwnStreamsAndTaskIsReturned()
    {
        // Arrange: a sampled-out server span is current; there is nothing to count or record, and it is not ours to stop.
        using var recorder = new SpanRecorder(ActivitySamplingResult.PropagationData);
        var interceptor = TestInterceptors.Server(recorder);
        var context = new InProcessServerCallContext();
        var reader = new NoMessages();
        var writer = new DiscardingWriter();
        using var request = recorder.Source.StartActivity("HTTP POST", ActivityKind.Server)!;
        IAsyncStreamReader<string>? readerSeen = null;
        IServerStreamWriter<string>? writerSeen = null;
        var pending = new TaskCompletionSource<string>();
        var pendingCall = new TaskCompletionSource();

        // Act
        var clientStreaming = interceptor.ClientStreamingServerHandler<string, string>(reader, context, (r, _) =>
        {
            readerSeen = r;
            return pending.Task;
        });
        var serverStreaming = interceptor.ServerStreamingServerHandler<string, string>("hi", writer, context, (_, w, _) =>
        {
            writerSeen = w;
            return pendingCall.Task;
        });
        IAsyncStreamReader<string>? duplexReader = null;
        IServerStreamWriter<string>? duplexWriter = null;
        var duplex = interceptor.DuplexStreamingServerHandler<string, string>(reader, writer, context, (r, w, _) =>
        {
            (duplexReader, duplexWriter) = (r, w);
            return pendingCall.Task;
        });
        var unary = interceptor.UnaryServerHandler<string, string>("hi", context, (_, _) => pending.Task);

        // Assert
        Assert.Same(pending.Task, clientStreaming);
        Assert.Same(pendingCall.Task, serverStreaming);
        Assert.Same(pendingCall.Task, duplex);
        Assert.Same(pending.Task, unary);
        Assert.Same(reader, readerSeen);
        Assert.Same(writer, writerSeen);
        Assert.Same(reader, duplexReader);
        Assert.Same(writer, duplexWriter);
        Assert.Same(request, Activity.Current);
        pending.SetResult("reply");
        pendingCall.SetResult();
        Assert.Equal("reply", await unary);
        await duplex;
        Assert.False(request.IsStopped);
        Assert.Same(request, Assert.Single(recorder.Started));
    }

    [Theory]
    [InlineData(MethodType.ClientStreaming)]
    [InlineData(MethodType.ServerStreaming)]
    [InlineData(MethodType.DuplexStreaming)]
    public async Task StreamingServerHandlers_OwnSpanSampledOutAndContinuationThrowsSynchronously_SpanStoppedAndSameException(MethodType shape)
    {
        // Arrange: no server span yet, so the interceptor starts (and owns) one; the listener samples it out.
        using var recorder = new SpanRecorder(ActivitySamplingResult.PropagationData);
        var interceptor = TestInterceptors.Server(recorder);
        var context = new InProcessServerCallContext();
        var error = new RpcException(new Status(StatusCode.Unauthenticated, "rejected by the next interceptor"));
        var previous = Activity.Current;

        // Act: the next interceptor (or the handler) throws before returning a task.
        Task call = shape switch
        {
            MethodType.ClientStreaming => interceptor.ClientStreamingServerHandler<string, string>(new NoMessages(), context, (_, _) => throw error),
            MethodType.ServerStreaming => interceptor.ServerStreamingServerHandler<string, string>("hi", new DiscardingWriter(), context, (_, _, _) => throw error),
            _ => interceptor.DuplexStreamingServerHandler<string, string>(new NoMessages(), new DiscardingWriter(), context, (_, _, _) => throw error),
        };
        var thrown = await Assert.ThrowsAsync<RpcException>(() => call);

        // Assert
        Assert.Same(error, thrown);
        Assert.Same(previous, Activity.Current);
        var span = Assert.Single(recorder.Started);
        Assert.False(span.IsAllDataRequested);
        Assert.True(span.IsStopped);
        Assert.Empty(recorder.Open);
    }

    [Theory]
    [InlineData(MethodType.Unary)]
    [InlineData(MethodType.ClientStreaming)]
    [InlineData(MethodType.ServerStreaming)]
    [InlineData(MethodType.DuplexStreaming)]
    public async Task ServerHandlers_HandlerExceptionWhoseMessageThrows_SameExceptionSpanStoppedCurrentRestored(MethodType shape)
    {
        // Arrange: the app's exception is foreign code too; its Message (and so its ToString) fails.
        using var recorder = new SpanRecorder();
        var interceptor = TestInterceptors.Server(recorder);
        var context = new InProcessServerCallContext();
        var error = new MessageThrowingException();
        var previous = Activity.Current;

        // Act: the handler throws before returning a task.
        Task call = shape switch
        {
            MethodType.Unary => interceptor.UnaryServerHandler<string, string>("hi", context, (_, _) => throw error),
            MethodType.ClientStreaming => interceptor.ClientStreamingServerHandler<string, string>(new NoMessages(), context, (_, _) => throw error),
            MethodType.ServerStreaming => interceptor.ServerStreamingServerHandler<string, string>("hi", new DiscardingWriter(), context, (_, _, _) => throw error),
            _ => interceptor.DuplexStreamingServerHandler<string, string>(new NoMessages(), new DiscardingWriter(), context, (_, _, _) => throw error),
        };
        var currentAfterCall = Activity.Current;
        var thrown = await Assert.ThrowsAsync<MessageThrowingException>(() => call);

        // Assert: the app's own exception, untouched; the span ended once with the error; the caller's activity current.
        Assert.Same(error, thrown);
        Assert.Same(previous, currentAfterCall);
        Assert.Same(previous, Activity.Current);
        Assert.Empty(recorder.Open);
        var span = recorder.Single(ActivityKind.Server);
        Assert.Equal((int)StatusCode.Unknown, span.GetTagItem("rpc.grpc.status_code"));
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal(typeof(MessageThrowingException).FullName, span.GetTagItem("error.type"));
    }

    private sealed class MessageThrowingException : Exception
    {
        public override string Message => throw new InvalidOperationException("Message failed.");
    }

    private sealed class NoMessages : IAsyncStreamReader<string>
    {
        public string Current => throw new InvalidOperationException("No message was read.");

        public Task<bool> MoveNext(CancellationToken cancellationToken) => Task.FromResult(false);
    }

    private sealed class DiscardingWriter : IServerStreamWriter<string>
    {
        public WriteOptions? WriteOptions { get; set; }

        public Task WriteAsync(string message) => Task.CompletedTask;
    }

    private sealed class ActivityFeature(Activity activity) : Microsoft.AspNetCore.Http.Features.IHttpActivityFeature
    {
        public Activity Activity { get; set; } = activity;
    }

    [Fact]
    public async Task UnaryServerHandler_MethodPathInManyCasings_OneSpanNameAndOneCachedMethod()
    {
        // Arrange: routing matches a method's path in any casing, and grpc-dotnet's ServerCallContext.Method is the
        // request's path, so a caller can reach one method under as many paths as its letters allow.
        using var recorder = new SpanRecorder();
        var interceptor = TestInterceptors.Server(recorder);
        await using var server = await TracingTestServer.StartAsync(interceptor);
        using var channel = GrpcChannel.ForAddress(server.Address, new GrpcChannelOptions { HttpHandler = server.Handler });
        var invoker = channel.CreateCallInvoker();
        var requests = Marshallers.Create(static (TraceRequest r) => r.ToByteArray(), TraceRequest.Parser.ParseFrom);
        var replies = Marshallers.Create(static (TraceReply r) => r.ToByteArray(), TraceReply.Parser.ParseFrom);
        const int Calls = 1_000;

        // Act
        for (var variant = 0; variant < Calls; variant++)
        {
            var method = new Method<TraceRequest, TraceReply>(
                MethodType.Unary, GrpcMethodNameCacheTests.Casing(Service, variant), GrpcMethodNameCacheTests.Casing("Unary", variant), requests, replies);
            await invoker.AsyncUnaryCall(method, null, default, new TraceRequest());
        }

        // Assert: one span name and one rpc.method however the path was spelled; the interceptor keeps one name.
        var spans = await recorder.WaitForStoppedAsync(Calls);
        Assert.All(spans, span =>
        {
            Assert.Equal(Service + "/Unary", span.DisplayName);
            Assert.Equal(Service, span.GetTagItem("rpc.service"));
            Assert.Equal("Unary", span.GetTagItem("rpc.method"));
        });
        Assert.Equal(1, interceptor.CachedMethodCount);
    }

    internal static Metadata Traceparent(ActivityTraceId traceId, ActivitySpanId spanId) =>
        new() { { "traceparent", $"00-{traceId.ToHexString()}-{spanId.ToHexString()}-01" } };

    /// <summary>The request's existing server span took the unary call's name, method, status and echo.</summary>
    private static void AssertEnrichedUnary(Activity span, Metadata headers)
    {
        Assert.Equal(Service + "/Unary", span.DisplayName);
        Assert.Equal("Unary", span.GetTagItem("rpc.method"));
        Assert.Equal(0, span.GetTagItem("rpc.grpc.status_code"));
        Assert.Equal(span.SpanId.ToHexString(), headers.GetValue("x-span-id"));
    }

    /// <summary>One quick call, so the next one reaches the server without cold-start delay; its span is the first stopped.</summary>
    private static async Task WarmUpAsync(TraceTestService.TraceTestServiceClient client, SpanRecorder recorder)
    {
        await client.UnaryAsync(new TraceRequest());
        await recorder.WaitForStoppedAsync(1);
    }

    [Fact]
    public async Task UnaryServerHandler_HandlerCompletesSynchronously_SpanEndedBeforeReturningAndHandlersTaskReturned()
    {
        // Arrange
        using var recorder = new SpanRecorder();
        var interceptor = TestInterceptors.Server(recorder);
        var traceId = ActivityTraceId.CreateRandom();
        var parentId = ActivitySpanId.CreateRandom();
        var context = new InProcessServerCallContext(new Metadata { { "traceparent", $"00-{traceId.ToHexString()}-{parentId.ToHexString()}-01" } });
        var completed = Task.FromResult("reply");
        var previous = Activity.Current;
        Activity? currentInHandler = null;

        // Act
        var result = interceptor.UnaryServerHandler<string, string>("hi", context, (_, _) =>
        {
            currentInHandler = Activity.Current;
            return completed;
        });

        // Assert
        Assert.Same(completed, result);
        Assert.Same(previous, Activity.Current);
        var span = recorder.Single(ActivityKind.Server);
        Assert.Same(span, currentInHandler);
        Assert.Equal(traceId, span.TraceId);
        Assert.Equal(parentId, span.ParentSpanId);
        Assert.Equal(InProcessCall.Service + "/Unary", span.DisplayName);
        Assert.Equal(0, span.GetTagItem("rpc.grpc.status_code"));
        Assert.Equal("localhost", span.GetTagItem("server.address"));
        Assert.Equal(5000, span.GetTagItem("server.port"));
        Assert.Equal("reply", await result);
    }

    [Fact]
    public async Task UnaryServerHandler_HandlerStillRunning_CallersActivityRestoredAndSpanEndsWithTheHandler()
    {
        // Arrange
        using var recorder = new SpanRecorder();
        var interceptor = TestInterceptors.Server(recorder);
        var pending = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var previous = Activity.Current;

        // Act
        var result = interceptor.UnaryServerHandler<string, string>("hi", new InProcessServerCallContext(), (_, _) => pending.Task);
        var currentAfterReturn = Activity.Current;
        var openWhileRunning = recorder.Open.Count;
        pending.SetResult("reply");
        var reply = await result;
        await recorder.WaitForStoppedAsync(1);

        // Assert
        Assert.Same(previous, currentAfterReturn);
        Assert.Equal(1, openWhileRunning);
        Assert.Equal("reply", reply);
        var span = recorder.Single(ActivityKind.Server);
        Assert.Equal(0, span.GetTagItem("rpc.grpc.status_code"));
        Assert.Equal(ActivityStatusCode.Unset, span.Status);
    }

    [Fact]
    public async Task UnaryServerHandler_HandlerThrowsSynchronously_FaultedTaskWithTheSameExceptionAndErrorSpan()
    {
        // Arrange
        using var recorder = new SpanRecorder();
        var interceptor = TestInterceptors.Server(recorder);
        var error = new InvalidOperationException("handler failed");
        var previous = Activity.Current;

        // Act
        var result = interceptor.UnaryServerHandler<string, string>("hi", new InProcessServerCallContext(), (_, _) => throw error);
        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => result);

        // Assert
        Assert.True(result.IsFaulted);
        Assert.Same(error, thrown);
        Assert.Same(previous, Activity.Current);
        var span = recorder.Single(ActivityKind.Server);
        Assert.Equal((int)StatusCode.Unknown, span.GetTagItem("rpc.grpc.status_code"));
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Contains(span.Events, e => e.Name == "exception");
    }

    [Fact]
    public async Task UnaryServerHandler_HandlerThrowsCancellationSynchronously_CanceledTaskWithTheSameExceptionAndUnknownSpan()
    {
        // Arrange: the call's token is never cancelled, so the runtime answers UNKNOWN.
        using var recorder = new SpanRecorder();
        var interceptor = TestInterceptors.Server(recorder);
        var error = new OperationCanceledException("stop");

        // Act
        var result = interceptor.UnaryServerHandler<string, string>("hi", new InProcessServerCallContext(), (_, _) => throw error);
        var thrown = await Assert.ThrowsAsync<OperationCanceledException>(() => result);

        // Assert
        Assert.True(result.IsCanceled);
        Assert.Same(error, thrown);
        var span = recorder.Single(ActivityKind.Server);
        Assert.Equal((int)StatusCode.Unknown, span.GetTagItem("rpc.grpc.status_code"));
        Assert.Equal(ActivityStatusCode.Error, span.Status);
    }

    [Fact]
    public async Task UnaryServerHandler_CallsOnDifferentHosts_EachSpanHasItsOwnServerAddressAndPort()
    {
        // Arrange
        using var recorder = new SpanRecorder();
        var interceptor = TestInterceptors.Server(recorder);
        UnaryServerMethod<string, string> handler = static (_, _) => Task.FromResult("reply");

        // Act
        await interceptor.UnaryServerHandler("1", new InProcessServerCallContext(host: "api.example:8443"), handler);
        await interceptor.UnaryServerHandler("2", new InProcessServerCallContext(host: "other.example"), handler);
        await interceptor.UnaryServerHandler("3", new InProcessServerCallContext(host: "api.example:8443"), handler);

        // Assert
        HostTagAssertions.AssertThreeHostCalls(recorder.Stopped);
    }

    [Theory]
    [InlineData("api.example:0", null)]
    [InlineData("api.example:65536", null)]
    [InlineData("api.example:65535", 65535)]
    [InlineData("api.example:1", 1)]
    [InlineData("api.example:abc", null)]
    [InlineData("api.example:99999999999", null)]
    public async Task UnaryServerHandler_HostPort_RecordedOnlyWhenAPort(string host, int? expected)
    {
        // Arrange: a Host header's port is checked for its characters, not its range (Kestrel lets :0 and :65536 through).
        using var recorder = new SpanRecorder();
        var interceptor = TestInterceptors.Server(recorder);

        // Act
        await interceptor.UnaryServerHandler("1", new InProcessServerCallContext(host: host), static (_, _) => Task.FromResult("reply"));

        // Assert
        var span = recorder.Single(ActivityKind.Server);
        Assert.Equal("api.example", span.GetTagItem("server.address"));
        Assert.Equal(expected, (int?)span.GetTagItem("server.port"));
    }

    [Theory]
    [InlineData(100_000, ":8443", false)]
    [InlineData(254, ":8443", false)]
    [InlineData(254, "", false)]
    [InlineData(253, ":8443", true)]
    [InlineData(253, "", true)]
    public async Task UnaryServerHandler_HostHeaderLongerThanAHostName_NoServerAddressPortFromTheConnectionAndCallSucceeds(int hostLength, string port, bool recorded)
    {
        // Arrange: TestServer has no Kestrel request limits; a middleware sets the Host header. A DNS name is at most 253
        // characters: a longer Host is no host, so it is neither recorded nor cut, and the span's port is the
        // connection's, as when there is no Host.
        using var recorder = new SpanRecorder();
        var name = new string('a', hostLength);
        var localPort = -1;
        await using var server = await TracingTestServer.StartAsync(
            TestInterceptors.Server(recorder),
            app => app.Use((HttpContext context, RequestDelegate next) =>
            {
                context.Request.Host = new HostString(name + port);
                localPort = context.Connection.LocalPort;
                return next(context);
            }));
        var client = server.CreateClient();

        // Act: two calls, the second from the per-authority cache.
        var first = await client.UnaryAsync(new TraceRequest { Text = "one" });
        var second = await client.UnaryAsync(new TraceRequest { Text = "two" });
        var spans = await recorder.WaitForStoppedAsync(2);

        // Assert
        Assert.Equal("one", first.Text);
        Assert.Equal("two", second.Text);
        Assert.Equal(2, spans.Count);
        int? connectionPort = localPort > 0 ? localPort : null;
        var expectedPort = recorded && port.Length > 0 ? 8443 : connectionPort;
        Assert.All(spans, span =>
        {
            Assert.Equal(recorded ? name : null, span.GetTagItem("server.address"));
            Assert.Equal(expectedPort, (int?)span.GetTagItem("server.port"));
        });
    }

    [Theory]
    [InlineData(100_000, ":8443", false)]
    [InlineData(254, "", false)]
    [InlineData(253, ":8443", true)]
    public async Task UnaryServerHandler_CallHostLongerThanAHostName_NeitherServerAddressNorPort(int hostLength, string port, bool recorded)
    {
        // Arrange: without an HttpContext the span takes the call's :authority (ServerCallContext.Host).
        using var recorder = new SpanRecorder();
        var interceptor = TestInterceptors.Server(recorder);
        var name = new string('a', hostLength);

        // Act
        var reply = await interceptor.UnaryServerHandler("1", new InProcessServerCallContext(host: name + port), static (_, _) => Task.FromResult("reply"));

        // Assert
        Assert.Equal("reply", reply);
        var span = recorder.Single(ActivityKind.Server);
        Assert.Equal(recorded ? name : null, span.GetTagItem("server.address"));
        Assert.Equal(recorded && port.Length > 0 ? 8443 : null, (int?)span.GetTagItem("server.port"));
    }

    [Theory]
    [InlineData("api.example:8443", 8443)]
    [InlineData("api.example", 5000)]
    [InlineData("api.example:", 5000)]
    [InlineData("[::1]", 5000)]
    [InlineData("[::1]:8443", 8443)]
    [InlineData("api.example:0", null)]
    [InlineData("api.example:65536", null)]
    [InlineData("api.example:abc", null)]
    [InlineData("api.example:99999999999", null)]
    [InlineData("[::1]:abc", null)]
    public async Task UnaryServerHandler_HostHeaderPort_ItsPortTheLocalPortWhenItNamesNoneAndNothingWhenNotAPort(string host, int? expected)
    {
        // Arrange: the request's Host header as a client could send it, on a connection to local port 5000. A port the
        // header names but that is not one (out of range, or not a number) is not replaced by the local port, as on the
        // HTTP server span.
        using var recorder = new SpanRecorder();
        await using var server = await TracingTestServer.StartAsync(
            TestInterceptors.Server(recorder),
            app => app.Use((HttpContext context, RequestDelegate next) =>
            {
                context.Request.Host = new HostString(host);
                context.Connection.LocalPort = 5000;
                return next(context);
            }));
        var client = server.CreateClient();

        // Act
        await client.UnaryAsync(new TraceRequest());
        var spans = await recorder.WaitForStoppedAsync(1);

        // Assert
        var span = Assert.Single(spans);
        Assert.Equal(new HostString(host).Host, span.GetTagItem("server.address"));
        Assert.Equal(expected, (int?)span.GetTagItem("server.port"));
    }
}
