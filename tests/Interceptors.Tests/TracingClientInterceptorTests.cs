using System.Diagnostics;
using System.Runtime.CompilerServices;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.AspNetCore.Builder;
using Propagation.Interceptors.Tests.Infrastructure;
using Propagation.Interceptors.Tests.Protos;

namespace Propagation.Interceptors.Tests;

/// <summary>The client interceptor over TestServer (the server runs without interceptor unless stated).</summary>
public sealed class TracingClientInterceptorTests
{
    private const string Service = "propagation.test.TraceTestService";

    [Fact]
    public async Task BlockingUnaryCall_UnderParent_ClientSpanChildOfParentAndInjected()
    {
        // Arrange
        using var recorder = new SpanRecorder();
        await using var server = await TracingTestServer.StartAsync(interceptor: null);
        var client = server.CreateClient(TestInterceptors.Client(recorder));
        using var parent = TestInterceptors.StartParent(recorder);

        // Act
        var reply = client.Unary(new TraceRequest { Text = "blocking" });

        // Assert
        Assert.Same(parent, Activity.Current);
        var span = recorder.Single(ActivityKind.Client);
        Assert.Equal(Service + "/Unary", span.DisplayName);
        Assert.Equal(parent.TraceId, span.TraceId);
        Assert.Equal(parent.SpanId, span.ParentSpanId);
        Assert.Equal("grpc", span.GetTagItem("rpc.system"));
        Assert.Equal(Service, span.GetTagItem("rpc.service"));
        Assert.Equal("Unary", span.GetTagItem("rpc.method"));
        Assert.Equal(0, span.GetTagItem("rpc.grpc.status_code"));
        Assert.Equal($"00-{span.TraceId.ToHexString()}-{span.SpanId.ToHexString()}-01", reply.Traceparent);
        Assert.Equal(1, reply.TraceparentCount);
    }

    [Fact]
    public async Task BlockingUnaryCall_ServerError_ErrorRecordedAndExceptionUntouched()
    {
        // Arrange
        using var recorder = new SpanRecorder();
        await using var server = await TracingTestServer.StartAsync(interceptor: null);
        var client = server.CreateClient(TestInterceptors.Client(recorder));

        // Act
        var error = Assert.Throws<RpcException>(() => client.Unary(new TraceRequest { FailWithStatus = (int)StatusCode.NotFound }));

        // Assert
        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Equal("failed by request", error.Status.Detail);
        var span = recorder.Single(ActivityKind.Client);
        Assert.Equal(5, span.GetTagItem("rpc.grpc.status_code"));
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Contains(span.Events, e => e.Name == "exception");
    }

    [Fact]
    public async Task AsyncUnaryCall_UnderParent_SpanEndsWithResponseAndCurrentRestored()
    {
        // Arrange
        using var recorder = new SpanRecorder();
        await using var server = await TracingTestServer.StartAsync(interceptor: null);
        var client = server.CreateClient(TestInterceptors.Client(recorder));
        using var parent = TestInterceptors.StartParent(recorder);

        // Act
        using var call = client.UnaryAsync(new TraceRequest());
        var currentAfterStart = Activity.Current;
        var reply = await call;

        // Assert
        Assert.Same(parent, currentAfterStart);
        var span = recorder.Single(ActivityKind.Client);
        Assert.Equal(parent.SpanId, span.ParentSpanId);
        Assert.Equal(0, span.GetTagItem("rpc.grpc.status_code"));
        Assert.Equal(ActivityStatusCode.Unset, span.Status);
        Assert.Contains(span.SpanId.ToHexString(), reply.Traceparent, StringComparison.Ordinal);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
        Assert.NotNull(call.GetTrailers());
    }

    [Fact]
    public async Task AsyncUnaryCall_ServerUnavailable_ErrorStatusAndSameException()
    {
        // Arrange
        using var recorder = new SpanRecorder();
        await using var server = await TracingTestServer.StartAsync(interceptor: null);
        var client = server.CreateClient(TestInterceptors.Client(recorder));

        // Act
        using var call = client.UnaryAsync(new TraceRequest { FailWithStatus = (int)StatusCode.Unavailable });
        var error = await Assert.ThrowsAsync<RpcException>(async () => await call);

        // Assert
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal(StatusCode.Unavailable, call.GetStatus().StatusCode);
        var span = recorder.Single(ActivityKind.Client);
        Assert.Equal(14, span.GetTagItem("rpc.grpc.status_code"));
        Assert.Equal(ActivityStatusCode.Error, span.Status);
    }

    [Fact]
    public async Task AsyncUnaryCall_Deadline_DeadlineExceededRecorded()
    {
        // Arrange: over Kestrel, so the client reports its own deadline or cancellation (see TracingTestServer.StartAsync).
        using var recorder = new SpanRecorder();
        await using var server = await TracingTestServer.StartAsync(interceptor: null, kestrel: true);
        var client = server.CreateClient(TestInterceptors.Client(recorder));

        // Act
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await client.UnaryAsync(new TraceRequest { DelayMs = 5000 }, deadline: DateTime.UtcNow.AddMilliseconds(200)));

        // Assert
        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        var span = recorder.Single(ActivityKind.Client);
        Assert.Equal(4, span.GetTagItem("rpc.grpc.status_code"));
        Assert.Contains(span.Events, e => e.Name == GrpcTracingConventions.DeadlineExceededEvent);
    }

    [Theory]
    [InlineData(MethodType.Unary, true)]
    [InlineData(MethodType.Unary, false)]
    [InlineData(MethodType.ServerStreaming, false)]
    public async Task Calls_DeadlineOnChannelThrowingOperationCanceled_DeadlineExceededRecorded(MethodType shape, bool blocking)
    {
        // Arrange: with ThrowOperationCanceledOnCancellation the call throws OperationCanceledException for its deadline too.
        // Over Kestrel, so the client reports its own deadline (see TracingTestServer.StartAsync).
        using var recorder = new SpanRecorder();
        await using var server = await TracingTestServer.StartAsync(interceptor: null, kestrel: true);
        var client = server.CreateClient(TestInterceptors.Client(recorder), throwOperationCanceled: true);
        var request = new TraceRequest { Count = 1, DelayMs = 5000 };
        var deadline = DateTime.UtcNow.AddMilliseconds(200);

        // Act
        var error = await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            if (shape == MethodType.ServerStreaming)
            {
                using var call = client.ServerStream(request, deadline: deadline);
                while (await call.ResponseStream.MoveNext(CancellationToken.None))
                {
                }
            }
            else if (blocking)
            {
                client.Unary(request, deadline: deadline);
            }
            else
            {
                await client.UnaryAsync(request, deadline: deadline);
            }
        });
        var spans = await recorder.WaitForStoppedAsync(1);

        // Assert
        Assert.NotNull(error);
        var span = Assert.Single(spans);
        Assert.Equal((int)StatusCode.DeadlineExceeded, span.GetTagItem("rpc.grpc.status_code"));
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal("DEADLINE_EXCEEDED", span.StatusDescription);
        Assert.Contains(span.Events, e => e.Name == GrpcTracingConventions.DeadlineExceededEvent);
        Assert.DoesNotContain(span.Events, e => e.Name == GrpcTracingConventions.CancelledEvent);
    }

    [Fact]
    public async Task AsyncUnaryCall_Cancelled_CancelledRecorded()
    {
        // Arrange: over Kestrel, so the client reports its own deadline or cancellation (see TracingTestServer.StartAsync).
        using var recorder = new SpanRecorder();
        await using var server = await TracingTestServer.StartAsync(interceptor: null, kestrel: true);
        var client = server.CreateClient(TestInterceptors.Client(recorder));
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        // Act
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await client.UnaryAsync(new TraceRequest { DelayMs = 5000 }, cancellationToken: cts.Token));

        // Assert
        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
        var span = recorder.Single(ActivityKind.Client);
        Assert.Equal(1, span.GetTagItem("rpc.grpc.status_code"));
        Assert.Contains(span.Events, e => e.Name == GrpcTracingConventions.CancelledEvent);
    }

    [Theory]
    [InlineData(MethodType.Unary)]
    [InlineData(MethodType.ClientStreaming)]
    public void Calls_ResponseFailedBeforeInterceptorReturns_CallerTokenKeepsNoCallAlive(MethodType shape)
    {
        // Arrange: the inner call's response has already failed when the interceptor gets the call (a transport that
        // fails at once, or a response arriving on another thread just then), so its span ends before the interceptor
        // returns; the caller's token lives on, as an app's long-lived token does.
        using var recorder = new SpanRecorder();
        var interceptor = TestInterceptors.Client(recorder);
        using var cts = new CancellationTokenSource();
        const int Calls = 20;

        // Act
        var calls = MakeFailedCalls(interceptor, shape, cts.Token, Calls);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        // Assert: every span ended, and no callback left on the token still holds a disposed call.
        Assert.Equal(Calls, recorder.Stopped.Count(a => a.Kind == ActivityKind.Client));
        Assert.Equal(0, calls.Count(c => c.TryGetTarget(out _)));
        GC.KeepAlive(cts);
    }

    [Fact]
    public async Task AsyncUnaryCall_DisposedBeforeResponse_SpanEndsAsDisposed()
    {
        // Arrange
        using var recorder = new SpanRecorder();
        await using var server = await TracingTestServer.StartAsync(interceptor: null, kestrel: true);
        var client = server.CreateClient(TestInterceptors.Client(recorder));

        // Act
        var call = client.UnaryAsync(new TraceRequest { DelayMs = 5000 });
        call.Dispose();
        var spans = await recorder.WaitForStoppedAsync(1);

        // Assert
        var span = Assert.Single(spans);
        Assert.Equal(1, span.GetTagItem("rpc.grpc.status_code"));
        Assert.Contains(span.Events, e => e.Name == GrpcTracingConventions.DisposedEvent);
        Assert.Empty(recorder.Open);
    }

    [Fact]
    public async Task AsyncUnaryCall_DisposeFailsThePendingResponseAtOnce_SpanEndsAsDisposed()
    {
        // Arrange: disposing the inner call fails its pending response with CANCELLED, as the runtimes do. Their calls
        // complete it on another thread, which races the disposal; this one completes it on the disposing thread, and the
        // test disposes on a thread-pool thread (no synchronization context), so the response's continuation runs inline.
        using var recorder = new SpanRecorder();
        var interceptor = TestInterceptors.Client(recorder);
        var response = new TaskCompletionSource<string>();

        // Act
        var call = await Task.Run(() =>
        {
            var call = interceptor.AsyncUnaryCall("hi", InProcessCall.ClientContext(), (_, _) => new AsyncUnaryCall<string>(
                response.Task,
                static _ => Task.FromResult(new Metadata()),
                static _ => throw new InvalidOperationException("The call is not complete."),
                static _ => [],
                static s => ((TaskCompletionSource<string>)s).TrySetException(new RpcException(new Status(StatusCode.Cancelled, "gRPC call disposed."))),
                response));
            call.Dispose();
            return call;
        });
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);

        // Assert
        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
        var span = recorder.Single(ActivityKind.Client);
        Assert.Equal(1, span.GetTagItem("rpc.grpc.status_code"));
        Assert.Contains(span.Events, e => e.Name == GrpcTracingConventions.DisposedEvent);
        Assert.DoesNotContain(span.Events, e => e.Name == "exception");
        Assert.Empty(recorder.Open);
    }

    [Fact]
    public async Task AsyncUnaryCall_CallerSetTraceparent_CallersKeptNoDuplicateAndCallerMetadataUnchanged()
    {
        // Arrange
        using var recorder = new SpanRecorder();
        await using var server = await TracingTestServer.StartAsync(interceptor: null);
        var client = server.CreateClient(TestInterceptors.Client(recorder));
        var callers = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        var metadata = new Metadata { { "traceparent", callers }, { "x-custom", "1" } };

        // Act
        var reply = await client.UnaryAsync(new TraceRequest(), metadata);

        // Assert
        Assert.Equal(callers, reply.Traceparent);
        Assert.Equal(1, reply.TraceparentCount);
        Assert.Equal(2, metadata.Count);
        Assert.Single(recorder.Stopped);
    }

    [Fact]
    public async Task AsyncUnaryCall_OverwriteCallerHeaders_OursReplacesCallers()
    {
        // Arrange
        using var recorder = new SpanRecorder();
        await using var server = await TracingTestServer.StartAsync(interceptor: null);
        var client = server.CreateClient(TestInterceptors.Client(recorder, s => s.OverwriteCallerHeaders = true));
        var metadata = new Metadata { { "traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" } };

        // Act
        var reply = await client.UnaryAsync(new TraceRequest(), metadata);

        // Assert
        var span = recorder.Single(ActivityKind.Client);
        Assert.Equal($"00-{span.TraceId.ToHexString()}-{span.SpanId.ToHexString()}-01", reply.Traceparent);
        Assert.Equal(1, reply.TraceparentCount);
    }

    [Fact]
    public async Task AsyncUnaryCall_SameMetadataReusedForTwoCalls_EachCallGetsItsOwnSpanContext()
    {
        // Arrange
        using var recorder = new SpanRecorder();
        await using var server = await TracingTestServer.StartAsync(interceptor: null);
        var client = server.CreateClient(TestInterceptors.Client(recorder));
        var shared = new Metadata { { "x-custom", "1" } };

        // Act
        var first = await client.UnaryAsync(new TraceRequest(), shared);
        var second = await client.UnaryAsync(new TraceRequest(), shared);

        // Assert
        Assert.NotEqual(first.Traceparent, second.Traceparent);
        Assert.Single(shared);
    }

    [Fact]
    public async Task AsyncUnaryCall_NoListenerButCurrentActivity_ContextStillPropagated()
    {
        // Arrange: the interceptor's source has no listener; the caller's activity is a plain Activity.
        using var unheard = new ActivitySource("Propagation.Interceptors.Tests.Unheard." + Guid.NewGuid().ToString("N"));
        var interceptor = new TracingClientInterceptor(new GrpcTracingSettings(new TracePropagator(), unheard));
        await using var server = await TracingTestServer.StartAsync(interceptor: null);
        var client = server.CreateClient(interceptor);
        using var parent = new Activity("caller").SetIdFormat(ActivityIdFormat.W3C).Start();
        parent.ActivityTraceFlags = ActivityTraceFlags.Recorded;

        // Act
        var reply = await client.UnaryAsync(new TraceRequest());

        // Assert
        Assert.Equal($"00-{parent.TraceId.ToHexString()}-{parent.SpanId.ToHexString()}-01", reply.Traceparent);
    }

    [Fact]
    public async Task AsyncServerStreamingCall_ReadToEnd_SpanEndsAfterLastMessageWithCount()
    {
        // Arrange
        using var recorder = new SpanRecorder();
        await using var server = await TracingTestServer.StartAsync(interceptor: null);
        var client = server.CreateClient(TestInterceptors.Client(recorder));

        // Act
        using var call = client.ServerStream(new TraceRequest { Count = 3 });
        var read = 0;
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
        {
            read++;
            Assert.Empty(recorder.Stopped);
        }

        // Assert
        Assert.Equal(3, read);
        var span = recorder.Single(ActivityKind.Client);
        Assert.Equal(Service + "/ServerStream", span.DisplayName);
        Assert.Equal(3, span.GetTagItem(GrpcTracingConventions.MessagesReceived));
        Assert.Equal(1, span.GetTagItem(GrpcTracingConventions.MessagesSent));
        Assert.Equal(0, span.GetTagItem("rpc.grpc.status_code"));
    }

    [Fact]
    public async Task AsyncServerStreamingCall_ReadToEnd_RequestCountedAsSentAsTheServerCountsItReceived()
    {
        // Arrange: the server's span counts the call's one request as received; the client's span sent it.
        using var recorder = new SpanRecorder();
        await using var server = await TracingTestServer.StartAsync(TestInterceptors.Server(recorder));
        var client = server.CreateClient(TestInterceptors.Client(recorder));

        // Act
        using var call = client.ServerStream(new TraceRequest { Count = 2 });
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
        {
        }

        await recorder.WaitForStoppedAsync(2);

        // Assert
        var clientSpan = recorder.Single(ActivityKind.Client);
        var serverSpan = recorder.Single(ActivityKind.Server);
        Assert.Equal(1, serverSpan.GetTagItem(GrpcTracingConventions.MessagesReceived));
        Assert.Equal(1, clientSpan.GetTagItem(GrpcTracingConventions.MessagesSent));
        Assert.Equal(2, serverSpan.GetTagItem(GrpcTracingConventions.MessagesSent));
        Assert.Equal(2, clientSpan.GetTagItem(GrpcTracingConventions.MessagesReceived));
    }

    [Fact]
    public async Task AsyncServerStreamingCall_ErrorStatusAtEnd_ErrorRecorded()
    {
        // Arrange
        using var recorder = new SpanRecorder();
        await using var server = await TracingTestServer.StartAsync(interceptor: null);
        var client = server.CreateClient(TestInterceptors.Client(recorder));

        // Act
        using var call = client.ServerStream(new TraceRequest { Count = 1, FailWithStatus = (int)StatusCode.Internal });
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
            }
        });

        // Assert
        Assert.Equal(StatusCode.Internal, error.StatusCode);
        var span = recorder.Single(ActivityKind.Client);
        Assert.Equal(13, span.GetTagItem("rpc.grpc.status_code"));
        Assert.Equal(1, span.GetTagItem(GrpcTracingConventions.MessagesReceived));
        Assert.Equal(ActivityStatusCode.Error, span.Status);
    }

    [Fact]
    public async Task AsyncServerStreamingCall_DisposedBeforeReading_SpanEndsAsDisposed()
    {
        // Arrange
        using var recorder = new SpanRecorder();
        await using var server = await TracingTestServer.StartAsync(interceptor: null, kestrel: true);
        var client = server.CreateClient(TestInterceptors.Client(recorder));

        // Act
        var call = client.ServerStream(new TraceRequest { Count = 3, DelayMs = 5000 });
        call.Dispose();

        // Assert
        var span = recorder.Single(ActivityKind.Client);
        Assert.Equal(1, span.GetTagItem("rpc.grpc.status_code"));
        Assert.Contains(span.Events, e => e.Name == GrpcTracingConventions.DisposedEvent);
        Assert.Empty(recorder.Open);
    }

    [Theory]
    [InlineData(MethodType.ServerStreaming)]
    [InlineData(MethodType.DuplexStreaming)]
    public async Task StreamingCalls_DeadlineBeforeResponseHeaders_HeadersFailAndSpanEndsWithDeadline(MethodType shape)
    {
        // Arrange: the handler sends nothing (no header, no message) until its 5 s delay, so the headers wait for the deadline.
        // Only the client knows the deadline: the server would otherwise enforce it too, and when its timer won the race
        // (under load) its DEADLINE_EXCEEDED came as a trailers-only response, whose headers succeed.
        // Over Kestrel: over TestServer the client's abort ran the handler's cancellation at once, whose UNKNOWN came back
        // as a trailers-only response under grpc-dotnet's client (see TracingTestServer.StartAsync).
        using var recorder = new SpanRecorder();
        await using var server = await TracingTestServer.StartAsync(
            interceptor: null,
            beforeEndpoints: app => app.Use((context, next) =>
            {
                context.Request.Headers.Remove("grpc-timeout");
                return next(context);
            }),
            kestrel: true);
        var client = server.CreateClient(TestInterceptors.Client(recorder));
        var deadline = DateTime.UtcNow.AddMilliseconds(200);

        // Act
        using IDisposable call = shape == MethodType.ServerStreaming
            ? client.ServerStream(new TraceRequest { DelayMs = 5000 }, deadline: deadline)
            : client.Duplex(deadline: deadline);
        var headers = call is AsyncServerStreamingCall<TraceReply> serverStreaming
            ? serverStreaming.ResponseHeadersAsync
            : ((AsyncDuplexStreamingCall<TraceRequest, TraceReply>)call).ResponseHeadersAsync;
        var error = await Assert.ThrowsAsync<RpcException>(() => headers);
        var endedBeforeDispose = recorder.Stopped;

        // Assert
        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        var span = Assert.Single(endedBeforeDispose);
        Assert.Equal((int)StatusCode.DeadlineExceeded, span.GetTagItem("rpc.grpc.status_code"));
        Assert.Contains(span.Events, e => e.Name == GrpcTracingConventions.DeadlineExceededEvent);
        Assert.DoesNotContain(span.Events, e => e.Name == GrpcTracingConventions.DisposedEvent);
    }

    [Theory]
    [InlineData(MethodType.ServerStreaming, StatusCode.NotFound, false)]
    [InlineData(MethodType.ServerStreaming, StatusCode.DeadlineExceeded, false)]
    [InlineData(MethodType.DuplexStreaming, StatusCode.DeadlineExceeded, false)]
    [InlineData(MethodType.ServerStreaming, StatusCode.NotFound, true)]
    [InlineData(MethodType.ServerStreaming, StatusCode.DeadlineExceeded, true)]
    [InlineData(MethodType.DuplexStreaming, StatusCode.DeadlineExceeded, true)]
    public async Task StreamingCalls_EndedUnseenThenDisposedOrTokenCancelled_FinalStatusRecordedNotEndedEarly(MethodType shape, StatusCode final, bool tokenCancelled)
    {
        // Arrange: the call ends (the handler's error status, or the deadline) while nobody reads it; then the caller
        // disposes it, or its token (an app's timeout or stopping token) is cancelled. Over Kestrel, so the deadline is the
        // client's own status (see TracingTestServer.StartAsync).
        using var recorder = new SpanRecorder();
        await using var server = await TracingTestServer.StartAsync(interceptor: null, kestrel: true);
        var client = server.CreateClient(TestInterceptors.Client(recorder));
        using var cts = new CancellationTokenSource();
        DateTime? deadline = final == StatusCode.DeadlineExceeded ? DateTime.UtcNow.AddMilliseconds(200) : null;
        var request = new TraceRequest { FailWithStatus = final == StatusCode.NotFound ? (int)StatusCode.NotFound : 0, DelayMs = deadline is null ? 0 : 5000 };
        IDisposable call;
        Func<Status> getStatus;
        if (shape == MethodType.ServerStreaming)
        {
            var serverStreaming = client.ServerStream(request, deadline: deadline, cancellationToken: cts.Token);
            (call, getStatus) = (serverStreaming, serverStreaming.GetStatus);
        }
        else
        {
            var duplex = client.Duplex(deadline: deadline, cancellationToken: cts.Token);
            (call, getStatus) = (duplex, duplex.GetStatus);
        }

        using var disposeLater = call;
        var status = await WaitForFinalStatusAsync(getStatus);

        // Act
        if (tokenCancelled)
        {
            await cts.CancelAsync();
        }
        else
        {
            call.Dispose();
        }

        // Assert: the span has the status the call ended with (the call still reports it after the cancellation).
        Assert.Equal(final, status.StatusCode);
        if (tokenCancelled)
        {
            Assert.Equal(final, getStatus().StatusCode);
        }

        var span = recorder.Single(ActivityKind.Client);
        Assert.Equal((int)final, span.GetTagItem("rpc.grpc.status_code"));
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.DoesNotContain(span.Events, e => e.Name == GrpcTracingConventions.DisposedEvent);
        Assert.DoesNotContain(span.Events, e => e.Name == GrpcTracingConventions.CancelledEvent);
        Assert.Empty(recorder.Open);
    }

    [Fact]
    public void AsyncServerStreamingCall_DisposedWithoutStatusAfterItsDeadline_DeadlineExceededRecorded()
    {
        // Arrange: the deadline has passed but the transport has no status yet (GetStatus throws, as for a running call).
        using var recorder = new SpanRecorder();
        var interceptor = TestInterceptors.Client(recorder);
        var method = new Method<string, string>(MethodType.ServerStreaming, InProcessCall.Service, "Stream", Marshallers.StringMarshaller, Marshallers.StringMarshaller);
        var context = new ClientInterceptorContext<string, string>(method, null, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(-1)));
        var inner = new InProcessCall.CallState();

        // Act
        var call = interceptor.AsyncServerStreamingCall("hi", context, (_, _) => new AsyncServerStreamingCall<string>(
            new NoReplies(),
            static _ => Task.FromResult(new Metadata()),
            static _ => throw new InvalidOperationException("The call is not complete."),
            static _ => [],
            static s => ((InProcessCall.CallState)s).Disposed = true,
            inner));
        call.Dispose();

        // Assert
        Assert.True(inner.Disposed);
        var span = recorder.Single(ActivityKind.Client);
        Assert.Equal((int)StatusCode.DeadlineExceeded, span.GetTagItem("rpc.grpc.status_code"));
        Assert.DoesNotContain(span.Events, e => e.Name == GrpcTracingConventions.DisposedEvent);
    }

    [Fact]
    public async Task AsyncServerStreamingCall_TokenCancelledWhileNeverRead_SpanEnds()
    {
        // Arrange
        using var recorder = new SpanRecorder();
        await using var server = await TracingTestServer.StartAsync(interceptor: null);
        var client = server.CreateClient(TestInterceptors.Client(recorder));
        using var cts = new CancellationTokenSource();

        // Act
        using var call = client.ServerStream(new TraceRequest { Count = 1, DelayMs = 5000 }, cancellationToken: cts.Token);
        await cts.CancelAsync();
        var spans = await recorder.WaitForStoppedAsync(1);

        // Assert
        Assert.Equal(1, spans[0].GetTagItem("rpc.grpc.status_code"));
        Assert.Empty(recorder.Open);
    }

    [Fact]
    public async Task AsyncClientStreamingCall_ThreeWrites_SentCountAndSpanEndsWithResponse()
    {
        // Arrange
        using var recorder = new SpanRecorder();
        await using var server = await TracingTestServer.StartAsync(interceptor: null);
        var client = server.CreateClient(TestInterceptors.Client(recorder));
        using var parent = TestInterceptors.StartParent(recorder);

        // Act
        using var call = client.ClientStream();
        for (var i = 0; i < 3; i++)
        {
            await call.RequestStream.WriteAsync(new TraceRequest { Text = "m" + i });
        }

        Assert.Empty(recorder.Stopped);
        await call.RequestStream.CompleteAsync();
        var reply = await call.ResponseAsync;

        // Assert
        Assert.Equal(3, reply.Received);
        var span = recorder.Single(ActivityKind.Client);
        Assert.Equal(Service + "/ClientStream", span.DisplayName);
        Assert.Equal(parent.SpanId, span.ParentSpanId);
        Assert.Equal(3, span.GetTagItem(GrpcTracingConventions.MessagesSent));
        Assert.Equal(1, span.GetTagItem(GrpcTracingConventions.MessagesReceived));
        Assert.Contains(span.SpanId.ToHexString(), reply.Traceparent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AsyncClientStreamingCall_DisposedBeforeCompleting_SpanEnds()
    {
        // Arrange
        using var recorder = new SpanRecorder();
        await using var server = await TracingTestServer.StartAsync(interceptor: null, kestrel: true);
        var client = server.CreateClient(TestInterceptors.Client(recorder));

        // Act
        var call = client.ClientStream();
        await call.RequestStream.WriteAsync(new TraceRequest());
        call.Dispose();
        var spans = await recorder.WaitForStoppedAsync(1);

        // Assert
        Assert.Equal(1, spans[0].GetTagItem("rpc.grpc.status_code"));
        Assert.Empty(recorder.Open);
    }

    [Fact]
    public async Task AsyncClientStreamingCall_ServerAnswersBeforeReadingAllWrites_SpanRecordsTheResponsesStatus()
    {
        // Arrange: the handler reads 100 messages and answers OK; the client goes on writing. The server's answer resets
        // the request stream, so a later write fails (grpc-dotnet: RpcException CANCELLED while the call still runs)
        // though the response the caller awaits is OK. (compat/Grpc fails the write and the call alike: UNAVAILABLE.)
        // A few calls, each writing until a write fails (at most 5,000 messages: more than any flow-control window holds,
        // so a fast client cannot buffer them all before the reset arrives); every span must match its response.
        using var recorder = new SpanRecorder();
        await using var server = await TracingTestServer.StartAsync(interceptor: null, kestrel: true);
        var client = server.CreateClient(TestInterceptors.Client(recorder));
        var message = new TraceRequest { Text = new string('x', 1000) };
        var failedWrites = 0;

        for (var call = 0; call < 5; call++)
        {
            // Act
            using var clientStream = client.ClientStream();
            for (var i = 0; i < 5_000; i++)
            {
                try
                {
                    await clientStream.RequestStream.WriteAsync(message);
                }
                catch (Exception ex) when (ex is RpcException or InvalidOperationException)
                {
                    failedWrites++;
                    break;
                }
            }

            StatusCode observed;
            try
            {
                await clientStream;
                observed = StatusCode.OK;
            }
            catch (RpcException ex)
            {
                observed = ex.StatusCode;
            }

            // Assert: the span ended with the response (before the caller's await resumed), with the caller's status.
            var span = recorder.Stopped[call];
            Assert.Equal((int)observed, span.GetTagItem("rpc.grpc.status_code"));
            Assert.Equal(observed == StatusCode.OK ? ActivityStatusCode.Unset : ActivityStatusCode.Error, span.Status);
        }

        Assert.NotEqual(0, failedWrites);
        Assert.Equal(5, recorder.Stopped.Count);
        Assert.Empty(recorder.Open);
    }

    [Fact]
    public async Task AsyncDuplexStreamingCall_Exchanges_CountsAndEndsAtEndOfResponseStream()
    {
        // Arrange
        using var recorder = new SpanRecorder();
        await using var server = await TracingTestServer.StartAsync(interceptor: null);
        var client = server.CreateClient(TestInterceptors.Client(recorder));

        // Act
        using var call = client.Duplex();
        for (var i = 0; i < 2; i++)
        {
            await call.RequestStream.WriteAsync(new TraceRequest { Text = "m" + i });
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        }

        Assert.Empty(recorder.Stopped);
        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None));

        // Assert
        var span = recorder.Single(ActivityKind.Client);
        Assert.Equal(Service + "/Duplex", span.DisplayName);
        Assert.Equal(2, span.GetTagItem(GrpcTracingConventions.MessagesSent));
        Assert.Equal(2, span.GetTagItem(GrpcTracingConventions.MessagesReceived));
        Assert.Equal(0, span.GetTagItem("rpc.grpc.status_code"));
    }

    [Fact]
    public async Task AsyncDuplexStreamingCall_DisposedBeforeReading_SpanEndsAsDisposed()
    {
        // Arrange
        using var recorder = new SpanRecorder();
        await using var server = await TracingTestServer.StartAsync(interceptor: null, kestrel: true);
        var client = server.CreateClient(TestInterceptors.Client(recorder));

        // Act
        var call = client.Duplex();
        call.Dispose();

        // Assert
        var span = recorder.Single(ActivityKind.Client);
        Assert.Contains(span.Events, e => e.Name == GrpcTracingConventions.DisposedEvent);
        Assert.Empty(recorder.Open);
    }

    [Fact]
    public async Task AsyncDuplexStreamingCall_Deadline_DeadlineExceededRecorded()
    {
        // Arrange: over Kestrel, so the client reports its own deadline (see TracingTestServer.StartAsync).
        using var recorder = new SpanRecorder();
        await using var server = await TracingTestServer.StartAsync(interceptor: null, kestrel: true);
        var client = server.CreateClient(TestInterceptors.Client(recorder));

        // Act
        using var call = client.Duplex(deadline: DateTime.UtcNow.AddMilliseconds(200));
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            // Inside: on a slow machine the deadline can pass before the write, which then throws it.
            await call.RequestStream.WriteAsync(new TraceRequest { DelayMs = 5000 });
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
            }
        });
        var spans = await recorder.WaitForStoppedAsync(1);

        // Assert
        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.Equal(4, spans[0].GetTagItem("rpc.grpc.status_code"));
    }

    [Fact]
    public async Task BothInterceptors_UnaryCall_ServerSpanIsChildOfClientSpan()
    {
        // Arrange
        using var recorder = new SpanRecorder();
        await using var server = await TracingTestServer.StartAsync(TestInterceptors.Server(recorder));
        var client = server.CreateClient(TestInterceptors.Client(recorder));
        using var parent = TestInterceptors.StartParent(recorder);

        // Act
        var reply = await client.UnaryAsync(new TraceRequest());
        var spans = await recorder.WaitForStoppedAsync(2);

        // Assert
        var clientSpan = Assert.Single(spans, s => s.Kind == ActivityKind.Client);
        var serverSpan = Assert.Single(spans, s => s.Kind == ActivityKind.Server);
        Assert.Equal(parent.TraceId, clientSpan.TraceId);
        Assert.Equal(parent.TraceId, serverSpan.TraceId);
        Assert.Equal(clientSpan.SpanId, serverSpan.ParentSpanId);
        Assert.Equal(serverSpan.SpanId.ToHexString(), reply.SpanId);
    }

    [Fact]
    public async Task BlockingUnaryCall_Deadline_DeadlineExceededRecordedAndCurrentRestored()
    {
        // Arrange: over Kestrel, so the client reports its own deadline or cancellation (see TracingTestServer.StartAsync).
        using var recorder = new SpanRecorder();
        await using var server = await TracingTestServer.StartAsync(interceptor: null, kestrel: true);
        var client = server.CreateClient(TestInterceptors.Client(recorder));
        using var parent = TestInterceptors.StartParent(recorder);

        // Act
        var error = Assert.Throws<RpcException>(() => client.Unary(new TraceRequest { DelayMs = 5000 }, deadline: DateTime.UtcNow.AddMilliseconds(200)));

        // Assert
        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.Same(parent, Activity.Current);
        var span = recorder.Single(ActivityKind.Client);
        Assert.Equal(4, span.GetTagItem("rpc.grpc.status_code"));
        Assert.Equal(ActivityStatusCode.Error, span.Status);
    }

    [Fact]
    public async Task AsyncClientStreamingCall_ServerFails_ErrorRecorded()
    {
        // Arrange
        using var recorder = new SpanRecorder();
        await using var server = await TracingTestServer.StartAsync(interceptor: null);
        var client = server.CreateClient(TestInterceptors.Client(recorder));

        // Act
        using var call = client.ClientStream();
        await call.RequestStream.WriteAsync(new TraceRequest { FailWithStatus = (int)StatusCode.PermissionDenied });
        await call.RequestStream.CompleteAsync();
        var error = await Assert.ThrowsAsync<RpcException>(async () => await call);

        // Assert
        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        var span = recorder.Single(ActivityKind.Client);
        Assert.Equal(7, span.GetTagItem("rpc.grpc.status_code"));
        Assert.Equal(1, span.GetTagItem(GrpcTracingConventions.MessagesSent));
        Assert.Equal(ActivityStatusCode.Error, span.Status);
    }

    [Fact]
    public async Task AsyncDuplexStreamingCall_ServerFails_ErrorRecordedWithCounts()
    {
        // Arrange
        using var recorder = new SpanRecorder();
        await using var server = await TracingTestServer.StartAsync(interceptor: null);
        var client = server.CreateClient(TestInterceptors.Client(recorder));

        // Act
        using var call = client.Duplex();
        await call.RequestStream.WriteAsync(new TraceRequest { FailWithStatus = (int)StatusCode.Aborted });
        await call.RequestStream.CompleteAsync();
        var read = 0;
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
                read++;
            }
        });

        // Assert
        Assert.Equal(StatusCode.Aborted, error.StatusCode);
        var span = recorder.Single(ActivityKind.Client);
        Assert.Equal(10, span.GetTagItem("rpc.grpc.status_code"));
        Assert.Equal(read, span.GetTagItem(GrpcTracingConventions.MessagesReceived));
        Assert.Equal(1, span.GetTagItem(GrpcTracingConventions.MessagesSent));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AsyncDuplexStreamingCall_WriteCancelled_SpanEndsWithTheWriteUndisposed(bool throwOperationCanceled)
    {
        // Arrange: a write's own token cancels the whole call (grpc-dotnet and compat alike); the write then throws
        // RpcException, or OperationCanceledException on a channel with ThrowOperationCanceledOnCancellation. Nothing
        // else ends a duplex call's span here: its headers and response stream are never read.
        using var recorder = new SpanRecorder();
        await using var server = await TracingTestServer.StartAsync(interceptor: null, kestrel: true);
        var client = server.CreateClient(TestInterceptors.Client(recorder), throwOperationCanceled);
        using var call = client.Duplex();
        await call.RequestStream.WriteAsync(new TraceRequest());
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        // Act
        var error = await Assert.ThrowsAnyAsync<Exception>(() => call.RequestStream.WriteAsync(new TraceRequest(), cts.Token));
        var endedBeforeDispose = recorder.Stopped;

        // Assert
        Assert.True(throwOperationCanceled ? error is OperationCanceledException : error is RpcException { StatusCode: StatusCode.Cancelled }, error.ToString());
        var span = Assert.Single(endedBeforeDispose);
        Assert.Equal((int)StatusCode.Cancelled, span.GetTagItem("rpc.grpc.status_code"));
        Assert.Equal(StatusCode.Cancelled, call.GetStatus().StatusCode);
        Assert.Contains(span.Events, e => e.Name == "exception");
        Assert.DoesNotContain(span.Events, e => e.Name == GrpcTracingConventions.DisposedEvent);
        Assert.Equal(1, span.GetTagItem(GrpcTracingConventions.MessagesSent));
    }

    [Fact]
    public async Task AsyncDuplexStreamingCall_ReadWhileAnotherReadPending_SpanEndsWithTheCallsOwnStatus()
    {
        // Arrange: a second read started while the first waits (two consumers of one stream) throws
        // InvalidOperationException in grpc-dotnet and compat alike, and the call goes on. The server answers only once
        // the client has written, so the first read is still pending when the second starts.
        using var recorder = new SpanRecorder();
        await using var server = await TracingTestServer.StartAsync(interceptor: null, kestrel: true);
        var client = server.CreateClient(TestInterceptors.Client(recorder));
        using var call = client.Duplex();
        var firstRead = call.ResponseStream.MoveNext(CancellationToken.None);

        // Act
        var misuse = await Assert.ThrowsAsync<InvalidOperationException>(() => call.ResponseStream.MoveNext(CancellationToken.None));
        var endedByMisuse = recorder.Stopped;
        await call.RequestStream.WriteAsync(new TraceRequest());
        Assert.True(await firstRead);
        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None));

        // Assert: the span ended with the call, OK, counting the message read; not at the misuse as UNKNOWN.
        Assert.NotNull(misuse);
        Assert.Empty(endedByMisuse);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
        var span = recorder.Single(ActivityKind.Client);
        Assert.Equal((int)StatusCode.OK, span.GetTagItem("rpc.grpc.status_code"));
        Assert.Equal(ActivityStatusCode.Unset, span.Status);
        Assert.DoesNotContain(span.Events, e => e.Name == "exception");
        Assert.Equal(1, span.GetTagItem(GrpcTracingConventions.MessagesReceived));
        Assert.Equal(1, span.GetTagItem(GrpcTracingConventions.MessagesSent));
    }

    [Fact]
    public async Task AsyncUnaryCall_ResponseAlreadyComplete_SpanEndsBeforeReturningAndCallBehavesAsTheInnerCall()
    {
        // Arrange
        using var recorder = new SpanRecorder();
        var interceptor = TestInterceptors.Client(recorder);
        using var parent = TestInterceptors.StartParent(recorder);
        var inner = new InProcessCall.CallState();
        Metadata? sent = null;

        // Act
        var call = interceptor.AsyncUnaryCall("hi", InProcessCall.ClientContext(), (_, context) =>
        {
            sent = context.Options.Headers;
            return InProcessCall.UnaryCall(Task.FromResult("reply"), inner);
        });
        var endedBeforeReturn = recorder.Stopped.Count(a => a.Kind == ActivityKind.Client);
        var currentAfterReturn = Activity.Current;
        var reply = await call.ResponseAsync;
        call.Dispose();

        // Assert
        Assert.Equal(1, endedBeforeReturn);
        Assert.Same(parent, currentAfterReturn);
        Assert.Equal("reply", reply);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
        Assert.True(inner.Disposed);
        var span = recorder.Single(ActivityKind.Client);
        Assert.Equal(parent.SpanId, span.ParentSpanId);
        Assert.Equal(0, span.GetTagItem("rpc.grpc.status_code"));
        Assert.Equal(ActivityStatusCode.Unset, span.Status);
        Assert.DoesNotContain(span.Events, e => e.Name == GrpcTracingConventions.DisposedEvent);
        Assert.Equal($"00-{span.TraceId.ToHexString()}-{span.SpanId.ToHexString()}-01", sent?.GetValue("traceparent"));
    }

    [Fact]
    public void AsyncUnaryCall_ParentHasBaggage_BaggageSentWithTheTraceHeaders()
    {
        // Arrange
        using var recorder = new SpanRecorder();
        var interceptor = TestInterceptors.Client(recorder);
        using var parent = TestInterceptors.StartParent(recorder);
        parent.AddBaggage("tenant", "blue");
        Metadata? sent = null;

        // Act
        using var call = interceptor.AsyncUnaryCall("hi", InProcessCall.ClientContext(), (_, context) =>
        {
            sent = context.Options.Headers;
            return InProcessCall.UnaryCall(Task.FromResult("reply"));
        });

        // Assert
        var span = recorder.Single(ActivityKind.Client);
        Assert.NotNull(sent);
        Assert.Equal("tenant=blue", sent.GetValue("baggage"));
        Assert.Equal($"00-{span.TraceId.ToHexString()}-{span.SpanId.ToHexString()}-01", sent.GetValue("traceparent"));
        Assert.Equal(span.TraceId.ToHexString(), sent.GetValue("x-trace-id"));
    }

    [Fact]
    public void AsyncUnaryCall_ParentOverridesGrandparentBaggage_KeySentOnceWithTheParentsValue()
    {
        // Arrange
        using var recorder = new SpanRecorder();
        var interceptor = TestInterceptors.Client(recorder);
        using var grandparent = TestInterceptors.StartParent(recorder);
        grandparent.AddBaggage("tenant", "blue");
        grandparent.AddBaggage("k", "old");
        using var parent = TestInterceptors.StartParent(recorder);
        parent.AddBaggage("k", "new");
        Metadata? sent = null;

        // Act
        using var call = interceptor.AsyncUnaryCall("hi", InProcessCall.ClientContext(), (_, context) =>
        {
            sent = context.Options.Headers;
            return InProcessCall.UnaryCall(Task.FromResult("reply"));
        });

        // Assert
        Assert.NotNull(sent);
        Assert.Equal("k=new,tenant=blue", sent.GetValue("baggage"));
    }

    [Fact]
    public void AsyncUnaryCall_NoBaggage_NoBaggageHeaderButTraceHeaders()
    {
        // Arrange
        using var recorder = new SpanRecorder();
        var interceptor = TestInterceptors.Client(recorder);
        Metadata? sent = null;

        // Act
        using var call = interceptor.AsyncUnaryCall("hi", InProcessCall.ClientContext(), (_, context) =>
        {
            sent = context.Options.Headers;
            return InProcessCall.UnaryCall(Task.FromResult("reply"));
        });

        // Assert
        var span = recorder.Single(ActivityKind.Client);
        Assert.NotNull(sent);
        Assert.Null(sent.Get("baggage"));
        Assert.Equal($"00-{span.TraceId.ToHexString()}-{span.SpanId.ToHexString()}-01", sent.GetValue("traceparent"));
        Assert.Equal(span.SpanId.ToHexString(), sent.GetValue("x-span-id"));
    }

    /// <summary>Makes calls whose response has already failed, disposes them, and returns weak references to their
    /// inner calls' states (in a method of its own, so no local of the test keeps one alive).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference<InProcessCall.CallState>[] MakeFailedCalls(Interceptor interceptor, MethodType shape, CancellationToken token, int count)
    {
        var method = new Method<string, string>(shape, InProcessCall.Service, "Failed", Marshallers.StringMarshaller, Marshallers.StringMarshaller);
        var context = new ClientInterceptorContext<string, string>(method, null, new CallOptions(cancellationToken: token));
        var states = new WeakReference<InProcessCall.CallState>[count];
        for (var i = 0; i < count; i++)
        {
            var state = new InProcessCall.CallState();
            states[i] = new WeakReference<InProcessCall.CallState>(state);
            var failed = Task.FromException<string>(new RpcException(new Status(StatusCode.Unavailable, "down")));
            if (shape == MethodType.Unary)
            {
                using var call = interceptor.AsyncUnaryCall("hi", context, (_, _) => InProcessCall.UnaryCall(failed, state));
                _ = call.ResponseAsync.Exception;
            }
            else
            {
                using var call = interceptor.AsyncClientStreamingCall(context, _ => new AsyncClientStreamingCall<string, string>(
                    new NoWrites(),
                    failed,
                    static _ => Task.FromResult(new Metadata()),
                    static _ => new Status(StatusCode.Unavailable, "down"),
                    static _ => [],
                    static s => ((InProcessCall.CallState)s).Disposed = true,
                    state));
                _ = call.ResponseAsync.Exception;
            }
        }

        return states;
    }

    private sealed class NoWrites : IClientStreamWriter<string>
    {
        public WriteOptions? WriteOptions { get; set; }

        public Task CompleteAsync() => Task.CompletedTask;

        public Task WriteAsync(string message) => Task.CompletedTask;
    }

    private sealed class NoReplies : IAsyncStreamReader<string>
    {
        public string Current => throw new InvalidOperationException("No message was read.");

        public Task<bool> MoveNext(CancellationToken cancellationToken) => new TaskCompletionSource<bool>().Task;
    }

    /// <summary>Waits (bounded) until the call has a final status: <c>GetStatus()</c> throws while the call runs.</summary>
    private static async Task<Status> WaitForFinalStatusAsync(Func<Status> getStatus)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                return getStatus();
            }
            catch (InvalidOperationException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(10);
            }
        }
    }

    [Theory]
    [InlineData("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")]
    [InlineData("x-trace-id", "0af7651916cd43dd8448eb211c80319c")]
    [InlineData("X-B3-TraceId", "0af7651916cd43dd8448eb211c80319c")]
    [InlineData("b3", "0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-1")]
    public void AsyncUnaryCall_CallerSetOneTraceFormat_KeptAndNoOtherTraceFormatAdded(string key, string value)
    {
        // Arrange: the interceptor injects traceparent and x-trace-id/x-span-id (the defaults) and baggage.
        using var recorder = new SpanRecorder();
        var interceptor = TestInterceptors.Client(recorder);
        using var parent = TestInterceptors.StartParent(recorder);
        parent.AddBaggage("tenant", "blue");
        var callers = new Metadata { { key, value }, { "x-custom", "1" } };
        Metadata? sent = null;

        // Act
        using var call = interceptor.AsyncUnaryCall("hi", InProcessCall.ClientContext(headers: callers), (_, context) =>
        {
            sent = context.Options.Headers;
            return InProcessCall.UnaryCall(Task.FromResult("reply"));
        });

        // Assert: one trace id on the call, the caller's; baggage (not a trace header) still sent.
        Assert.NotNull(sent);
        Assert.Equal(
            [(key.ToLowerInvariant(), value), ("x-custom", "1"), ("baggage", "tenant=blue")],
            sent.Select(e => (e.Key, e.Value)).ToArray());
        Assert.Equal(2, callers.Count);
    }

    [Theory]
    [InlineData("tracestate", "vendor=caller")]
    [InlineData("X-B3-Sampled", "1")]
    [InlineData("x-b3-flags", "1")]
    [InlineData("b3", "0")]
    [InlineData("B3", " d ")]
    public void AsyncUnaryCall_CallerSetOnlyTraceHeaderWithoutIds_KeptAndOurIdsAddedBesideIt(string key, string value)
    {
        // Arrange: every format injected; the parent has a tracestate and baggage of its own.
        using var recorder = new SpanRecorder();
        var formats = new PropagationOptions
        {
            InjectFormats = [PropagationFormat.TraceContext, PropagationFormat.Legacy, PropagationFormat.B3, PropagationFormat.B3Single, PropagationFormat.Baggage],
        };
        var interceptor = new TracingClientInterceptor(TestInterceptors.Settings(recorder, formats));
        using var parent = TestInterceptors.StartParent(recorder);
        parent.TraceStateString = "ours=1";
        parent.AddBaggage("tenant", "blue");
        var callers = new Metadata { { key, value } };
        Metadata? sent = null;

        // Act
        using var call = interceptor.AsyncUnaryCall("hi", InProcessCall.ClientContext(headers: callers), (_, context) =>
        {
            sent = context.Options.Headers;
            return InProcessCall.UnaryCall(Task.FromResult("reply"));
        });

        // Assert: the caller's entry once, as set; every id-carrying entry ours; the other entries without ids ours too.
        var span = recorder.Single(ActivityKind.Client);
        var traceId = span.TraceId.ToHexString();
        Assert.NotNull(sent);
        Assert.Equal(value, Assert.Single(sent, e => string.Equals(e.Key, key, StringComparison.OrdinalIgnoreCase)).Value);
        Assert.Equal($"00-{traceId}-{span.SpanId.ToHexString()}-01", sent.GetValue("traceparent"));
        Assert.Equal(traceId, sent.GetValue("x-trace-id"));
        Assert.Equal(span.SpanId.ToHexString(), sent.GetValue("x-b3-spanid"));
        Assert.Equal("tenant=blue", sent.GetValue("baggage"));
        foreach (var (other, ours) in new[] { ("tracestate", "ours=1"), ("x-b3-sampled", "1"), ("b3", $"{traceId}-{span.SpanId.ToHexString()}-1") })
        {
            if (!string.Equals(other, key, StringComparison.OrdinalIgnoreCase))
            {
                Assert.Equal(ours, Assert.Single(sent, e => e.Key == other).Value);
            }
        }

        Assert.Single(callers);
    }

    [Fact]
    public void AsyncUnaryCall_OverwriteCallerHeaders_CallersTraceAndBaggageEntriesReplacedByOurs()
    {
        // Arrange: the caller set two trace formats (one the interceptor does not inject) and baggage.
        using var recorder = new SpanRecorder();
        var interceptor = TestInterceptors.Client(recorder, s => s.OverwriteCallerHeaders = true);
        var callers = new Metadata
        {
            { "traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" },
            { "x-b3-traceid", "0af7651916cd43dd8448eb211c80319c" },
            { "baggage", "tenant=red" },
            { "x-custom", "1" },
        };
        Metadata? sent = null;

        // Act
        using var call = interceptor.AsyncUnaryCall("hi", InProcessCall.ClientContext(headers: callers), (_, context) =>
        {
            sent = context.Options.Headers;
            return InProcessCall.UnaryCall(Task.FromResult("reply"));
        });

        // Assert: only our trace context (no baggage on our span, so none is sent); other entries untouched.
        var span = recorder.Single(ActivityKind.Client);
        Assert.NotNull(sent);
        Assert.Equal(
            ["x-custom", "traceparent", "x-trace-id", "x-span-id"],
            sent.Select(e => e.Key).ToArray());
        Assert.Equal($"00-{span.TraceId.ToHexString()}-{span.SpanId.ToHexString()}-01", sent.GetValue("traceparent"));
        Assert.Equal(span.TraceId.ToHexString(), sent.GetValue("x-trace-id"));
        Assert.Equal(4, callers.Count);
    }

    [Fact]
    public void AsyncUnaryCall_CallsToDifferentHosts_EachSpanHasItsOwnServerAddressAndPort()
    {
        // Arrange
        using var recorder = new SpanRecorder();
        var interceptor = TestInterceptors.Client(recorder);
        Interceptor.AsyncUnaryCallContinuation<string, string> continuation = static (_, _) => InProcessCall.UnaryCall(Task.FromResult("reply"));

        // Act
        interceptor.AsyncUnaryCall("1", InProcessCall.ClientContext(host: "api.example:8443"), continuation).Dispose();
        interceptor.AsyncUnaryCall("2", InProcessCall.ClientContext(host: "other.example"), continuation).Dispose();
        interceptor.AsyncUnaryCall("3", InProcessCall.ClientContext(host: "api.example:8443"), continuation).Dispose();

        // Assert
        HostTagAssertions.AssertThreeHostCalls(recorder.Stopped);
    }

    [Theory]
    [InlineData("api.example:0", null)]
    [InlineData("api.example:65536", null)]
    [InlineData("api.example:65535", 65535)]
    public void AsyncUnaryCall_HostPort_RecordedOnlyWhenAPort(string host, int? expected)
    {
        // Arrange
        using var recorder = new SpanRecorder();
        var interceptor = TestInterceptors.Client(recorder);

        // Act
        interceptor.AsyncUnaryCall("1", InProcessCall.ClientContext(host: host), static (_, _) => InProcessCall.UnaryCall(Task.FromResult("reply"))).Dispose();

        // Assert
        var span = Assert.Single(recorder.Stopped);
        Assert.Equal("api.example", span.GetTagItem("server.address"));
        Assert.Equal(expected, (int?)span.GetTagItem("server.port"));
    }

    [Theory]
    [InlineData("xn--a.example", "xn--a.example", null)]
    [InlineData("xn--zz-.example:8443", "xn--zz-.example", 8443)]
    [InlineData("xn--bcher-kva.example:8443", "bücher.example", 8443)]
    public async Task AsyncUnaryCall_HostNotValidPunycode_CallGoesThroughWithTheHostAsWritten(string host, string address, int? port)
    {
        // Arrange: HostString.FromUriComponent decodes an xn-- host and throws ArgumentException for one that is not valid
        // punycode; the interceptor must neither fail the call nor leave its span open and current.
        using var recorder = new SpanRecorder();
        var interceptor = TestInterceptors.Client(recorder);
        using var parent = TestInterceptors.StartParent(recorder);

        // Act
        using var call = interceptor.AsyncUnaryCall("1", InProcessCall.ClientContext(host: host), static (_, _) => InProcessCall.UnaryCall(Task.FromResult("reply")));
        var currentAfterReturn = Activity.Current;
        var reply = await call.ResponseAsync;

        // Assert
        Assert.Equal("reply", reply);
        Assert.Same(parent, currentAfterReturn);
        var span = recorder.Single(ActivityKind.Client);
        Assert.Equal(parent.SpanId, span.ParentSpanId);
        Assert.Equal(address, span.GetTagItem("server.address"));
        Assert.Equal(port, (int?)span.GetTagItem("server.port"));
        Assert.DoesNotContain(recorder.Open, a => a.Kind == ActivityKind.Client);
    }
}
