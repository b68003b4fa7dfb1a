using System.Text;
using Google.Protobuf;
using Grpc.Compat.Tests.Client.Infrastructure;
using Grpc.Compat.Tests.Protos;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Grpc.Compat.Tests.Client;

public class HttpClientCallInvokerTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task AsyncUnaryCall_Success_SendsProtocolHeadersAndMetadataAndReturnsResponse()
    {
        // Arrange
        IHeaderDictionary? received = null;
        string? path = null;
        EchoRequest? request = null;
        await using var server = await WireTestServer.StartAsync(async context =>
        {
            received = context.Request.Headers;
            path = context.Request.Path;
            request = EchoRequest.Parser.ParseFrom(await Wire.ReadMessageAsync(context));
            Wire.StartResponse(context);
            context.Response.Headers["x-reply"] = "hello";
            await Wire.WriteMessageAsync(context, new EchoReply { Text = request.Text + "!" });
            context.Response.AppendTrailer("x-trailer", "t1");
            Wire.SetStatus(context, 0);
        });
        using var channel = server.CreateChannel();
        var client = new TestService.TestServiceClient(channel);
        var headers = new Metadata { { "x-user", "alice" }, { "x-data-bin", new byte[] { 0, 1, 2, 255 } } };

        // Act
        using var call = client.UnaryAsync(new EchoRequest { Text = "hi" }, headers, DateTime.UtcNow.AddSeconds(30));
        var reply = await call.ResponseAsync.WaitAsync(Bound);
        var responseHeaders = await call.ResponseHeadersAsync.WaitAsync(Bound);

        // Assert
        Assert.Equal("hi!", reply.Text);
        Assert.Equal("/compat.test.TestService/Unary", path);
        Assert.Equal("hi", request!.Text);
        Assert.Equal("application/grpc", received!.ContentType.ToString());
        Assert.Equal("trailers", received["te"].ToString());
        Assert.Equal("alice", received["x-user"].ToString());
        Assert.Equal(Convert.ToBase64String(new byte[] { 0, 1, 2, 255 }), received["x-data-bin"].ToString());
        var timeout = received["grpc-timeout"].ToString();
        Assert.True(Grpc.Net.Common.GrpcTimeoutCodec.TryParse(timeout, out var parsed), timeout);
        Assert.InRange(parsed, TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(31));
        Assert.Equal("hello", responseHeaders.GetValue("x-reply"));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
        Assert.Equal("t1", call.GetTrailers().GetValue("x-trailer"));
    }

    [Fact]
    public async Task AsyncUnaryCall_MixedCaseResponseHeaderNames_AreLowercasedNotDropped()
    {
        // Arrange: TestServer (and HTTP/1.1 proxies) keep the case of header names; metadata keys are lowercase.
        await using var server = await WireTestServer.StartAsync(async context =>
        {
            await Wire.ReadMessageAsync(context);
            Wire.StartResponse(context);
            context.Response.Headers["X-Trace-ID"] = "abc";
            await Wire.WriteMessageAsync(context, new EchoReply { Text = "ok" });
            context.Response.AppendTrailer("X-Extra-Trailer", "t");
            Wire.SetStatus(context, 0);
        });
        using var channel = server.CreateChannel();
        var client = new TestService.TestServiceClient(channel);

        // Act
        using var call = client.UnaryAsync(new EchoRequest { Text = "hi" });
        await call.ResponseAsync.WaitAsync(Bound);
        var responseHeaders = await call.ResponseHeadersAsync.WaitAsync(Bound);

        // Assert
        var entry = Assert.Single(responseHeaders, e => e.Key == "x-trace-id");
        Assert.Equal("abc", entry.Value);
        Assert.Equal("t", call.GetTrailers().GetValue("x-extra-trailer"));
    }

    [Theory]
    [InlineData(DateTimeKind.Local)]
    [InlineData(DateTimeKind.Unspecified)]
    public async Task AsyncCalls_DeadlineNotUtc_ThrowInvalidOperationLikeGrpcDotnet(DateTimeKind kind)
    {
        // grpc-dotnet refuses such deadlines when the call is made; accepting them here would let code that fails
        // there pass our tests (a local time is silently off by the UTC offset).
        await using var server = await WireTestServer.StartAsync(_ => Task.CompletedTask);
        using var channel = server.CreateChannel();
        var client = new TestService.TestServiceClient(channel);
        var deadline = DateTime.SpecifyKind(DateTime.UtcNow.AddMinutes(1), kind);

        var unary = Assert.Throws<InvalidOperationException>(() => client.UnaryAsync(new EchoRequest(), deadline: deadline));
        Assert.Throws<InvalidOperationException>(() => client.ServerStream(new EchoRequest(), deadline: deadline));
        Assert.Throws<InvalidOperationException>(() => client.ClientStream(deadline: deadline));
        Assert.Throws<InvalidOperationException>(() => client.Duplex(deadline: deadline));
        Assert.Throws<InvalidOperationException>(() => client.Unary(new EchoRequest(), deadline: deadline));

        Assert.Equal("Deadline must have a kind DateTimeKind.Utc or be equal to DateTime.MaxValue or DateTime.MinValue.", unary.Message);
        Assert.Equal(0, server.RequestCount);

        // DateTime.MaxValue (no deadline) and DateTime.MinValue (already expired) are accepted whatever their kind.
        Assert.Equal(StatusCode.DeadlineExceeded, (await Assert.ThrowsAsync<RpcException>(() => client.UnaryAsync(new EchoRequest(), deadline: DateTime.MinValue).ResponseAsync.WaitAsync(Bound))).StatusCode);
    }

    [Fact]
    public async Task AsyncUnaryCall_NoDeadline_SendsNoTimeoutHeader()
    {
        var hasTimeout = true;
        await using var server = await WireTestServer.StartAsync(async context =>
        {
            hasTimeout = context.Request.Headers.ContainsKey("grpc-timeout");
            await Wire.ReadMessageAsync(context);
            Wire.StartResponse(context);
            await Wire.WriteMessageAsync(context, new EchoReply());
            Wire.SetStatus(context, 0);
        });
        using var channel = server.CreateChannel();

        await new TestService.TestServiceClient(channel).UnaryAsync(new EchoRequest()).ResponseAsync.WaitAsync(Bound);

        Assert.False(hasTimeout);
    }

    [Fact]
    public async Task AsyncUnaryCall_ErrorStatusInTrailers_ThrowsRpcExceptionWithDecodedMessageAndTrailers()
    {
        await using var server = await WireTestServer.StartAsync(async context =>
        {
            await Wire.ReadMessageAsync(context);
            Wire.StartResponse(context);
            await context.Response.Body.FlushAsync();
            context.Response.AppendTrailer("x-why", "because");
            Wire.SetStatus(context, (int)StatusCode.NotFound, "no such key: ü 100%");
        });
        using var channel = server.CreateChannel();
        var client = new TestService.TestServiceClient(channel);

        var ex = await Assert.ThrowsAsync<RpcException>(() => client.UnaryAsync(new EchoRequest()).ResponseAsync.WaitAsync(Bound));

        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
        Assert.Equal("no such key: ü 100%", ex.Status.Detail);
        Assert.Equal("because", ex.Trailers.GetValue("x-why"));
    }

    [Fact]
    public async Task AsyncUnaryCall_TrailersOnlyResponse_UsesStatusFromHeaders()
    {
        await using var server = await WireTestServer.StartAsync(context =>
        {
            Wire.StartResponse(context);
            context.Response.Headers["grpc-status"] = "7";
            context.Response.Headers["grpc-message"] = "denied";
            context.Response.Headers["x-extra"] = "e";
            return Task.CompletedTask;
        });
        using var channel = server.CreateChannel();
        using var call = new TestService.TestServiceClient(channel).UnaryAsync(new EchoRequest());

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync.WaitAsync(Bound));

        Assert.Equal(StatusCode.PermissionDenied, ex.StatusCode);
        Assert.Equal("denied", ex.Status.Detail);
        Assert.Equal("e", call.GetTrailers().GetValue("x-extra"));
        Assert.Equal(StatusCode.PermissionDenied, call.GetStatus().StatusCode);
    }

    [Theory]
    [InlineData(400, StatusCode.Internal)]
    [InlineData(401, StatusCode.Unauthenticated)]
    [InlineData(403, StatusCode.PermissionDenied)]
    [InlineData(404, StatusCode.Unimplemented)]
    [InlineData(429, StatusCode.Unavailable)]
    [InlineData(502, StatusCode.Unavailable)]
    [InlineData(503, StatusCode.Unavailable)]
    [InlineData(504, StatusCode.Unavailable)]
    [InlineData(500, StatusCode.Unknown)]
    public async Task AsyncUnaryCall_HttpErrorWithoutGrpcStatus_MapsHttpStatus(int httpStatus, StatusCode expected)
    {
        await using var server = await WireTestServer.StartAsync(context =>
        {
            context.Response.StatusCode = httpStatus;
            context.Response.ContentType = "text/html";
            return context.Response.WriteAsync("<html>proxy error</html>");
        });
        using var channel = server.CreateChannel();

        var ex = await Assert.ThrowsAsync<RpcException>(() => new TestService.TestServiceClient(channel).UnaryAsync(new EchoRequest()).ResponseAsync.WaitAsync(Bound));

        Assert.Equal(expected, ex.StatusCode);
        Assert.Contains(httpStatus.ToString(System.Globalization.CultureInfo.InvariantCulture), ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AsyncUnaryCall_NoGrpcStatus_IsCancelled()
    {
        await using var server = await WireTestServer.StartAsync(async context =>
        {
            Wire.StartResponse(context);
            await Wire.WriteMessageAsync(context, new EchoReply());
        });
        using var channel = server.CreateChannel();

        var ex = await Assert.ThrowsAsync<RpcException>(() => new TestService.TestServiceClient(channel).UnaryAsync(new EchoRequest()).ResponseAsync.WaitAsync(Bound));

        Assert.Equal(StatusCode.Cancelled, ex.StatusCode);
        Assert.Contains("grpc-status", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AsyncUnaryCall_OkWithoutMessage_IsInternal()
    {
        await using var server = await WireTestServer.StartAsync(async context =>
        {
            Wire.StartResponse(context);
            await context.Response.Body.FlushAsync();
            Wire.SetStatus(context, 0);
        });
        using var channel = server.CreateChannel();

        var ex = await Assert.ThrowsAsync<RpcException>(() => new TestService.TestServiceClient(channel).UnaryAsync(new EchoRequest()).ResponseAsync.WaitAsync(Bound));

        Assert.Equal(StatusCode.Internal, ex.StatusCode);
    }

    [Fact]
    public async Task AsyncUnaryCall_TrailersOnlyOk_IsInternalNotHanging()
    {
        await using var server = await WireTestServer.StartAsync(context =>
        {
            Wire.StartResponse(context);
            context.Response.Headers["grpc-status"] = "0";
            return Task.CompletedTask;
        });
        using var channel = server.CreateChannel();
        using var call = new TestService.TestServiceClient(channel).UnaryAsync(new EchoRequest());

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync.WaitAsync(Bound));

        Assert.Equal(StatusCode.Internal, ex.StatusCode);
        Assert.Equal(StatusCode.Internal, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task AsyncUnaryCall_TwoResponseMessages_IsInternal()
    {
        await using var server = await WireTestServer.StartAsync(async context =>
        {
            Wire.StartResponse(context);
            await Wire.WriteMessageAsync(context, new EchoReply { Text = "1" });
            await Wire.WriteMessageAsync(context, new EchoReply { Text = "2" });
            Wire.SetStatus(context, 0);
        });
        using var channel = server.CreateChannel();

        var ex = await Assert.ThrowsAsync<RpcException>(() => new TestService.TestServiceClient(channel).UnaryAsync(new EchoRequest()).ResponseAsync.WaitAsync(Bound));

        Assert.Equal(StatusCode.Internal, ex.StatusCode);
    }

    [Fact]
    public async Task AsyncUnaryCall_TruncatedMessage_IsInternal()
    {
        await using var server = await WireTestServer.StartAsync(async context =>
        {
            Wire.StartResponse(context);
            await context.Response.Body.WriteAsync(new byte[] { 0, 0, 0, 0, 10, 1, 2 });
            Wire.SetStatus(context, 0);
        });
        using var channel = server.CreateChannel();

        var ex = await Assert.ThrowsAsync<RpcException>(() => new TestService.TestServiceClient(channel).UnaryAsync(new EchoRequest()).ResponseAsync.WaitAsync(Bound));

        Assert.Equal(StatusCode.Internal, ex.StatusCode);
    }

    [Fact]
    public async Task AsyncServerStreamingCall_ConcurrentMoveNext_ThrowsInvalidOperation()
    {
        await using var server = await WireTestServer.StartAsync(async context =>
        {
            Wire.StartResponse(context);
            await context.Response.Body.FlushAsync();
            await Task.Delay(Bound, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
        });
        using var channel = server.CreateChannel();
        using var call = new TestService.TestServiceClient(channel).ServerStream(new EchoRequest());

        var first = call.ResponseStream.MoveNext(CancellationToken.None);

        await Assert.ThrowsAsync<InvalidOperationException>(() => call.ResponseStream.MoveNext(CancellationToken.None));
        call.Dispose();
        await Assert.ThrowsAsync<RpcException>(() => first.WaitAsync(Bound));
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData(null)]
    public async Task AsyncUnaryCall_WrongContentType_IsCancelledAsGrpcDotnet(string? contentType)
    {
        await using var server = await WireTestServer.StartAsync(context =>
        {
            context.Response.ContentType = contentType;
            return context.Response.WriteAsync("{}");
        });
        using var channel = server.CreateChannel();

        var ex = await Assert.ThrowsAsync<RpcException>(() => new TestService.TestServiceClient(channel).UnaryAsync(new EchoRequest()).ResponseAsync.WaitAsync(Bound));

        Assert.Equal(StatusCode.Cancelled, ex.StatusCode);
        Assert.StartsWith("Bad gRPC response.", ex.Status.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("json", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AsyncUnaryCall_UnsupportedGrpcEncoding_IsUnimplemented()
    {
        await using var server = await WireTestServer.StartAsync(async context =>
        {
            Wire.StartResponse(context);
            context.Response.Headers["grpc-encoding"] = "gzip";
            await context.Response.Body.WriteAsync(new byte[] { 1, 0, 0, 0, 1, 42 });
            Wire.SetStatus(context, 0);
        });
        using var channel = server.CreateChannel();

        var ex = await Assert.ThrowsAsync<RpcException>(() => new TestService.TestServiceClient(channel).UnaryAsync(new EchoRequest()).ResponseAsync.WaitAsync(Bound));

        Assert.Equal(StatusCode.Unimplemented, ex.StatusCode);
        Assert.Contains("identity", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AsyncUnaryCall_ResponseOverMaxReceiveSize_IsResourceExhausted()
    {
        await using var server = await WireTestServer.StartAsync(async context =>
        {
            Wire.StartResponse(context);
            await Wire.WriteMessageAsync(context, new EchoReply { Payload = ByteString.CopyFrom(new byte[2048]) });
            Wire.SetStatus(context, 0);
        });
        using var channel = server.CreateChannel(new GrpcChannelOptions { MaxReceiveMessageSize = 1024 });

        var ex = await Assert.ThrowsAsync<RpcException>(() => new TestService.TestServiceClient(channel).UnaryAsync(new EchoRequest()).ResponseAsync.WaitAsync(Bound));

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
    }

    [Fact]
    public async Task AsyncUnaryCall_RequestOverMaxSendSize_IsResourceExhaustedAndNotSent()
    {
        await using var server = await WireTestServer.StartAsync(context => Task.CompletedTask);
        using var channel = server.CreateChannel(new GrpcChannelOptions { MaxSendMessageSize = 10 });

        var ex = await Assert.ThrowsAsync<RpcException>(() => new TestService.TestServiceClient(channel).UnaryAsync(new EchoRequest { Text = new string('x', 100) }).ResponseAsync.WaitAsync(Bound));

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Equal(0, server.RequestCount);
    }

    [Fact]
    public async Task AsyncUnaryCall_InvalidAsciiMetadataValue_IsInternalAndNotSent()
    {
        await using var server = await WireTestServer.StartAsync(context => Task.CompletedTask);
        using var channel = server.CreateChannel();
        var headers = new Metadata { { "x-bad", "line1\nline2" } };

        var ex = await Assert.ThrowsAsync<RpcException>(() => new TestService.TestServiceClient(channel).UnaryAsync(new EchoRequest(), headers).ResponseAsync.WaitAsync(Bound));

        Assert.Equal(StatusCode.Internal, ex.StatusCode);
        Assert.Equal(0, server.RequestCount);
    }

    [Fact]
    public async Task AsyncUnaryCall_InvalidResponseMetadata_IsIgnoredAndValidKept()
    {
        await using var server = await WireTestServer.StartAsync(async context =>
        {
            Wire.StartResponse(context);
            context.Response.Headers["x-good"] = "ok";
            context.Response.Headers["x-broken-bin"] = "!!!not base64!!!";
            await Wire.WriteMessageAsync(context, new EchoReply());
            Wire.SetStatus(context, 0);
        });
        using var channel = server.CreateChannel();
        using var call = new TestService.TestServiceClient(channel).UnaryAsync(new EchoRequest());

        var headers = await call.ResponseHeadersAsync.WaitAsync(Bound);
        await call.ResponseAsync.WaitAsync(Bound);

        Assert.Equal("ok", headers.GetValue("x-good"));
        Assert.Null(headers.Get("x-broken-bin"));
    }

    [Fact]
    public async Task AsyncUnaryCall_DeadlineExceeded_IsDeadlineExceededAndServerSeesAbort()
    {
        var serverAborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await WireTestServer.StartAsync(async context =>
        {
            var request = EchoRequest.Parser.ParseFrom(await Wire.ReadMessageAsync(context));
            Wire.StartResponse(context);
            if (request.DelayMs > 0)
            {
                context.RequestAborted.Register(() => serverAborted.TrySetResult());
                await Task.Delay(request.DelayMs, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                return;
            }

            await Wire.WriteMessageAsync(context, new EchoReply());
            Wire.SetStatus(context, 0);
        });
        using var channel = server.CreateChannel();
        var client = new TestService.TestServiceClient(channel);
        await client.UnaryAsync(new EchoRequest { Text = "warm-up" }).ResponseAsync.WaitAsync(Bound);

        var ex = await Assert.ThrowsAsync<RpcException>(() => client.UnaryAsync(new EchoRequest { DelayMs = 15_000 }, deadline: DateTime.UtcNow.AddSeconds(1)).ResponseAsync.WaitAsync(Bound));

        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        await serverAborted.Task.WaitAsync(Bound);
    }

    [Fact]
    public async Task AsyncUnaryCall_DeadlineInPast_FailsWithoutSending()
    {
        await using var server = await WireTestServer.StartAsync(context => Task.CompletedTask);
        using var channel = server.CreateChannel();
        using var call = new TestService.TestServiceClient(channel).UnaryAsync(new EchoRequest(), deadline: DateTime.UtcNow.AddSeconds(-1));

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync.WaitAsync(Bound));

        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        Assert.Equal(0, server.RequestCount);
    }

    [Fact]
    public async Task AsyncUnaryCall_CancellationToken_IsCancelledAndServerSeesAbort()
    {
        var serverStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var serverAborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await WireTestServer.StartAsync(async context =>
        {
            context.RequestAborted.Register(() => serverAborted.TrySetResult());
            await Wire.ReadMessageAsync(context);
            serverStarted.TrySetResult();
            await Task.Delay(Bound, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
        });
        using var channel = server.CreateChannel();
        using var cts = new CancellationTokenSource();
        using var call = new TestService.TestServiceClient(channel).UnaryAsync(new EchoRequest(), cancellationToken: cts.Token);
        await serverStarted.Task.WaitAsync(Bound);

        cts.Cancel();
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync.WaitAsync(Bound));

        Assert.Equal(StatusCode.Cancelled, ex.StatusCode);
        Assert.Equal(StatusCode.Cancelled, call.GetStatus().StatusCode);
        await serverAborted.Task.WaitAsync(Bound);
    }

    [Fact]
    public async Task AsyncUnaryCall_CancelledWithThrowOperationCanceled_ThrowsOperationCanceledException()
    {
        await using var server = await WireTestServer.StartAsync(async context =>
        {
            await Task.Delay(Bound, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
        });
        using var channel = server.CreateChannel(new GrpcChannelOptions { ThrowOperationCanceledOnCancellation = true });
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new TestService.TestServiceClient(channel).UnaryAsync(new EchoRequest(), cancellationToken: cts.Token).ResponseAsync.WaitAsync(Bound));
    }

    [Fact]
    public async Task BlockingUnaryCall_Success_ReturnsResponse()
    {
        await using var server = await WireTestServer.StartAsync(async context =>
        {
            var request = EchoRequest.Parser.ParseFrom(await Wire.ReadMessageAsync(context));
            Wire.StartResponse(context);
            await Wire.WriteMessageAsync(context, new EchoReply { Text = request.Text });
            Wire.SetStatus(context, 0);
        });
        using var channel = server.CreateChannel();

        var reply = await Task.Run(() => new TestService.TestServiceClient(channel).Unary(new EchoRequest { Text = "sync" })).WaitAsync(Bound);

        Assert.Equal("sync", reply.Text);
    }

    [Fact]
    public async Task AsyncServerStreamingCall_Messages_ReadsAllThenOkStatusAndTrailers()
    {
        await using var server = await WireTestServer.StartAsync(async context =>
        {
            var request = EchoRequest.Parser.ParseFrom(await Wire.ReadMessageAsync(context));
            Wire.StartResponse(context);
            for (var i = 0; i < request.Count; i++)
            {
                await Wire.WriteMessageAsync(context, new EchoReply { Text = request.Text, Index = i });
            }

            context.Response.AppendTrailer("x-count", request.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Wire.SetStatus(context, 0);
        });
        using var channel = server.CreateChannel();
        using var call = new TestService.TestServiceClient(channel).ServerStream(new EchoRequest { Text = "s", Count = 5 });

        var indexes = new List<int>();
        await foreach (var reply in call.ResponseStream.ReadAllAsync().WithCancellation(CancellationToken.None))
        {
            indexes.Add(reply.Index);
        }

        Assert.Equal(new[] { 0, 1, 2, 3, 4 }, indexes);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
        Assert.Equal("5", call.GetTrailers().GetValue("x-count"));
    }

    [Fact]
    public async Task AsyncServerStreamingCall_ErrorAfterMessages_DeliversMessagesThenThrows()
    {
        await using var server = await WireTestServer.StartAsync(async context =>
        {
            await Wire.ReadMessageAsync(context);
            Wire.StartResponse(context);
            await Wire.WriteMessageAsync(context, new EchoReply { Index = 0 });
            Wire.SetStatus(context, (int)StatusCode.Aborted, "stopped");
        });
        using var channel = server.CreateChannel();
        using var call = new TestService.TestServiceClient(channel).ServerStream(new EchoRequest());

        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Bound));
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Bound));

        Assert.Equal(StatusCode.Aborted, ex.StatusCode);
        Assert.Equal("stopped", ex.Status.Detail);
    }

    [Theory]
    [InlineData(0x8, false, StatusCode.Cancelled)]          // CANCEL, before the response headers
    [InlineData(0x8, true, StatusCode.Cancelled)]           // CANCEL, after a message
    [InlineData(0x2, true, StatusCode.Internal)]            // INTERNAL_ERROR (what HttpContext.Abort sends)
    [InlineData(0xB, false, StatusCode.ResourceExhausted)]  // ENHANCE_YOUR_CALM
    [InlineData(0xC, true, StatusCode.PermissionDenied)]    // INADEQUATE_SECURITY
    public async Task AsyncServerStreamingCall_ServerResetsStream_StatusFromHttp2ErrorCode(int errorCode, bool afterMessage, StatusCode expected)
    {
        // gRPC over HTTP/2 ("Errors") maps RST_STREAM codes to statuses, as grpc-dotnet does; only a failure
        // without an error code (connection refused or lost) is UNAVAILABLE, which clients may retry.
        var firstRead = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await WireTestServer.StartAsync(async context =>
        {
            if (afterMessage)
            {
                await Wire.ReadMessageAsync(context);
                Wire.StartResponse(context);
                await Wire.WriteMessageAsync(context, new EchoReply { Index = 1 });
                await context.Response.Body.FlushAsync();
                await firstRead.Task.WaitAsync(Bound); // a reset discards data the client has not read yet
            }

            context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResetFeature>()!.Reset(errorCode);
        }, kestrel: true);
        using var channel = server.CreateChannel();
        using var call = new TestService.TestServiceClient(channel).ServerStream(new EchoRequest());
        var replies = new List<int>();

        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Bound))
            {
                replies.Add(call.ResponseStream.Current.Index);
                firstRead.TrySetResult();
            }
        });

        Assert.Equal(expected, ex.StatusCode);
        Assert.Equal(expected, call.GetStatus().StatusCode);
        Assert.Equal(afterMessage ? [1] : [], replies);
    }

    [Fact]
    public async Task AsyncUnaryCall_TrailersOnlyError_StatusAvailableOnceResponseHeadersComplete()
    {
        // grpc-dotnet completes ResponseHeadersAsync of a trailers-only response only after the call's status is
        // set, so GetStatus() right after awaiting the headers never throws "the call is not complete".
        await using var server = await WireTestServer.StartAsync(context =>
        {
            Wire.StartResponse(context);
            context.Response.Headers["x-reason"] = "gone";
            context.Response.Headers["grpc-status"] = "5";
            context.Response.Headers["grpc-message"] = "nope";
            return Task.CompletedTask;
        });
        using var channel = server.CreateChannel();
        var client = new TestService.TestServiceClient(channel);

        // The race this guards against was rare (about 1 in 10,000 calls): many calls, with varying delays.
        for (var i = 0; i < 3000; i++)
        {
            using var call = client.UnaryAsync(new EchoRequest());
            var headers = await call.ResponseHeadersAsync.WaitAsync(Bound);
            Thread.SpinWait(i % 50);

            Assert.Equal("gone", headers.GetValue("x-reason"));
            Assert.Equal(StatusCode.NotFound, call.GetStatus().StatusCode);
            Assert.Equal("gone", call.GetTrailers().GetValue("x-reason"));
        }
    }

    [Theory]
    [InlineData("cancel")]
    [InlineData("deadline")]
    [InlineData("dispose")]
    [InlineData("oversized")]
    public async Task GetTrailers_CallEndedOnClientSide_ThrowsInvalidOperationAsGrpcDotnet(string how)
    {
        // grpc-dotnet has trailers only for a response read to its end; a call the client ended has none, and
        // GetTrailers() says so instead of returning an empty collection.
        await using var server = await WireTestServer.StartAsync(async context =>
        {
            await Wire.ReadMessageAsync(context);
            Wire.StartResponse(context);
            await Wire.WriteMessageAsync(context, new EchoReply { Payload = ByteString.CopyFrom(new byte[how == "oversized" ? 2048 : 1]) });
            await Task.Delay(Bound, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
        });
        using var channel = server.CreateChannel(new GrpcChannelOptions { MaxReceiveMessageSize = 1024 });
        using var cts = new CancellationTokenSource();
        var call = new TestService.TestServiceClient(channel).ServerStream(
            new EchoRequest(), deadline: how == "deadline" ? DateTime.UtcNow.AddMilliseconds(300) : null, cancellationToken: cts.Token);
        if (how != "oversized")
        {
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Bound));
        }

        if (how == "cancel")
        {
            cts.Cancel();
        }
        else if (how == "dispose")
        {
            call.Dispose();
        }

        if (how == "dispose")
        {
            // As grpc-dotnet: a call disposed by the caller is not read again (see AsyncDuplexStreamingCall_UsedAfterDispose_*).
            Assert.Throws<ObjectDisposedException>(() => { _ = call.ResponseStream.MoveNext(CancellationToken.None); });
        }
        else
        {
            var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Bound));
            Assert.Empty(ex.Trailers);
        }

        Assert.NotEqual(StatusCode.OK, call.GetStatus().StatusCode);
        var error = Assert.Throws<InvalidOperationException>(call.GetTrailers);
        Assert.Equal("Can't get the call trailers because the call has not completed successfully.", error.Message);
        call.Dispose();
    }

    [Theory]
    [InlineData("MoveNext", false)]
    [InlineData("MoveNext", true)]
    [InlineData("WriteAsync", false)]
    [InlineData("WriteAsync", true)]
    [InlineData("CompleteAsync", false)]
    [InlineData("CompleteAsync", true)]
    public async Task AsyncDuplexStreamingCall_UsedAfterDispose_ThrowsObjectDisposedAsGrpcDotnet(string operation, bool endedBeforeDispose)
    {
        // Arrange: grpc-dotnet checks for disposal first in MoveNext, WriteAsync and CompleteAsync, whether the call was
        // still running or had already ended; MoveNext and CompleteAsync throw at once, WriteAsync returns a failed task.
        await using var server = await WireTestServer.StartAsync(async context =>
        {
            Wire.StartResponse(context);
            if (endedBeforeDispose)
            {
                Wire.SetStatus(context, 0);
                return;
            }

            await context.Response.Body.FlushAsync();
            await Task.Delay(Bound, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
        });
        using var channel = server.CreateChannel();
        var call = new TestService.TestServiceClient(channel).Duplex();
        if (endedBeforeDispose)
        {
            Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Bound));
        }
        else
        {
            await call.ResponseHeadersAsync.WaitAsync(Bound);
        }

        // Act
        call.Dispose();

        // Assert
        switch (operation)
        {
            case "MoveNext":
                Assert.Throws<ObjectDisposedException>(() => { _ = call.ResponseStream.MoveNext(CancellationToken.None); });
                break;
            case "WriteAsync":
                var write = call.RequestStream.WriteAsync(new EchoRequest());
                await Assert.ThrowsAsync<ObjectDisposedException>(() => write.WaitAsync(Bound));
                break;
            default:
                Assert.Throws<ObjectDisposedException>(() => { _ = call.RequestStream.CompleteAsync(); });
                break;
        }
    }

    [Theory]
    [InlineData("MoveNext")]
    [InlineData("WriteAsync")]
    [InlineData("CompleteAsync")]
    public async Task AsyncDuplexStreamingCall_UsedAfterTokenCancelled_KeepsTheCallsStatusNotObjectDisposed(string operation)
    {
        // Arrange: only a call the caller disposed is "disposed"; one its token cancelled reports CANCELLED, as in
        // grpc-dotnet, and completing its request stream is still allowed.
        await using var server = await WireTestServer.StartAsync(async context =>
        {
            Wire.StartResponse(context);
            await context.Response.Body.FlushAsync();
            await Task.Delay(Bound, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
        });
        using var channel = server.CreateChannel();
        using var cts = new CancellationTokenSource();
        using var call = new TestService.TestServiceClient(channel).Duplex(cancellationToken: cts.Token);
        await call.ResponseHeadersAsync.WaitAsync(Bound);

        // Act
        await cts.CancelAsync();

        // Assert
        switch (operation)
        {
            case "MoveNext":
                var read = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Bound));
                Assert.Equal(StatusCode.Cancelled, read.StatusCode);
                break;
            case "WriteAsync":
                var write = await Assert.ThrowsAsync<RpcException>(() => call.RequestStream.WriteAsync(new EchoRequest()).WaitAsync(Bound));
                Assert.Equal(StatusCode.Cancelled, write.StatusCode);
                break;
            default:
                await call.RequestStream.CompleteAsync().WaitAsync(Bound);
                break;
        }

        Assert.Equal(StatusCode.Cancelled, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task AsyncServerStreamingCall_DisposedEarly_ServerSeesAbort()
    {
        var serverAborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await WireTestServer.StartAsync(async context =>
        {
            context.RequestAborted.Register(() => serverAborted.TrySetResult());
            await Wire.ReadMessageAsync(context);
            Wire.StartResponse(context);
            await Wire.WriteMessageAsync(context, new EchoReply());
            await Task.Delay(Bound, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
        });
        using var channel = server.CreateChannel();
        var call = new TestService.TestServiceClient(channel).ServerStream(new EchoRequest());
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Bound));

        call.Dispose();

        await serverAborted.Task.WaitAsync(Bound);
        Assert.Equal(StatusCode.Cancelled, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task AsyncServerStreamingCall_MoveNextTokenCancelled_CancelsCall()
    {
        await using var server = await WireTestServer.StartAsync(async context =>
        {
            await Wire.ReadMessageAsync(context);
            Wire.StartResponse(context);
            await context.Response.Body.FlushAsync();
            await Task.Delay(Bound, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
        });
        using var channel = server.CreateChannel();
        using var call = new TestService.TestServiceClient(channel).ServerStream(new EchoRequest());
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(cts.Token).WaitAsync(Bound));

        Assert.Equal(StatusCode.Cancelled, ex.StatusCode);
    }

    [Fact]
    public async Task AsyncClientStreamingCall_Messages_ServerReceivesAllInOrder()
    {
        await using var server = await WireTestServer.StartAsync(async context =>
        {
            var requests = await Wire.ReadAllAsync(context, EchoRequest.Parser);
            Wire.StartResponse(context);
            await Wire.WriteMessageAsync(context, new EchoReply { Text = string.Join(",", requests.Select(r => r.Text)), Index = requests.Count });
            Wire.SetStatus(context, 0);
        });
        using var channel = server.CreateChannel();
        using var call = new TestService.TestServiceClient(channel).ClientStream();

        foreach (var text in new[] { "a", "b", "c" })
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Text = text }).WaitAsync(Bound);
        }

        await call.RequestStream.CompleteAsync();
        var reply = await call.ResponseAsync.WaitAsync(Bound);

        Assert.Equal("a,b,c", reply.Text);
        Assert.Equal(3, reply.Index);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task AsyncClientStreamingCall_WriteAfterComplete_ThrowsInvalidOperation()
    {
        await using var server = await WireTestServer.StartAsync(async context =>
        {
            await Wire.ReadAllAsync(context, EchoRequest.Parser);
            Wire.StartResponse(context);
            await Wire.WriteMessageAsync(context, new EchoReply());
            Wire.SetStatus(context, 0);
        });
        using var channel = server.CreateChannel();
        using var call = new TestService.TestServiceClient(channel).ClientStream();
        await call.RequestStream.CompleteAsync();

        await Assert.ThrowsAsync<InvalidOperationException>(() => call.RequestStream.WriteAsync(new EchoRequest()));
        await call.ResponseAsync.WaitAsync(Bound);
    }

    [Fact]
    public async Task AsyncClientStreamingCall_ServerFailsEarly_WriteThrowsRpcExceptionWithServerStatus()
    {
        await using var server = await WireTestServer.StartAsync(context =>
        {
            Wire.StartResponse(context);
            context.Response.Headers["grpc-status"] = ((int)StatusCode.InvalidArgument).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Task.CompletedTask;
        });
        using var channel = server.CreateChannel();
        using var call = new TestService.TestServiceClient(channel).ClientStream();

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync.WaitAsync(Bound));
        var writeEx = await Assert.ThrowsAsync<RpcException>(() => call.RequestStream.WriteAsync(new EchoRequest()).WaitAsync(Bound));

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, writeEx.StatusCode);
    }

    [Fact]
    public async Task AsyncDuplexStreamingCall_PingPong_EachReplyArrivesBeforeNextWrite()
    {
        await using var server = await WireTestServer.StartAsync(DuplexEchoAsync);
        using var channel = server.CreateChannel();

        await AssertPingPongAsync(channel);
    }

    [Fact]
    public async Task AsyncDuplexStreamingCall_OverKestrelH2c_PingPongWorks()
    {
        await using var server = await WireTestServer.StartAsync(DuplexEchoAsync, kestrel: true);
        using var channel = server.CreateChannel();

        await AssertPingPongAsync(channel);
    }

    [Theory]
    [InlineData(MethodType.ClientStreaming)]
    [InlineData(MethodType.DuplexStreaming)]
    public async Task StreamingRequestCalls_OverKestrelBeforeAnyWrite_RequestReachesTheServer(MethodType shape)
    {
        // Arrange: the server answers a streaming call without reading its request stream, and the client waits for that
        // answer before writing. The connection is already open (a unary call made it) and nothing else on it sends frames,
        // so the streaming call's request headers must be sent on their own, as grpc-dotnet does, not wait for a first
        // message: SocketsHttpHandler buffers the headers of a request that has a body until the body writes or flushes.
        var streamingCallArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await WireTestServer.StartAsync(
            async context =>
            {
                if (context.Request.Path.Value!.EndsWith("/Unary", StringComparison.Ordinal))
                {
                    await Wire.ReadMessageAsync(context);
                }
                else
                {
                    streamingCallArrived.TrySetResult();
                }

                Wire.StartResponse(context);
                await Wire.WriteMessageAsync(context, new EchoReply { Text = "first" });
                Wire.SetStatus(context, 0);
            },
            kestrel: true);
        using var channel = server.CreateChannel();
        var client = new TestService.TestServiceClient(channel);
        await client.UnaryAsync(new EchoRequest()).ResponseAsync.WaitAsync(Bound);

        // Not a timing assertion: a pause lets the frames the unary call leaves behind (SocketsHttpHandler's RTT pings
        // after response data) go out first, or one of them can carry the streaming call's headers out by chance.
        await Task.Delay(300);

        // Act
        string reply;
        if (shape == MethodType.ClientStreaming)
        {
            using var call = client.ClientStream();
            reply = (await call.ResponseAsync.WaitAsync(Bound)).Text;
        }
        else
        {
            using var call = client.Duplex();
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Bound));
            reply = call.ResponseStream.Current.Text;
        }

        // Assert
        Assert.True(streamingCallArrived.Task.IsCompleted);
        Assert.Equal("first", reply);
        Assert.Equal(2, server.RequestCount);
    }

    [Fact]
    public async Task AsyncUnaryCall_OverKestrelH2c_RoundTripsMetadataAndUsesHttp2()
    {
        string? protocol = null;
        await using var server = await WireTestServer.StartAsync(
            async context =>
            {
                protocol = context.Request.Protocol;
                var request = EchoRequest.Parser.ParseFrom(await Wire.ReadMessageAsync(context));
                Wire.StartResponse(context);
                context.Response.Headers["x-echo-bin"] = context.Request.Headers["x-data-bin"];
                await Wire.WriteMessageAsync(context, new EchoReply { Text = request.Text });
                Wire.SetStatus(context, 0);
            },
            kestrel: true);
        using var channel = server.CreateChannel();
        var bytes = Encoding.UTF8.GetBytes("binary\0value");
        using var call = new TestService.TestServiceClient(channel).UnaryAsync(new EchoRequest { Text = "k" }, new Metadata { { "x-data-bin", bytes } });

        var reply = await call.ResponseAsync.WaitAsync(Bound);
        var headers = await call.ResponseHeadersAsync.WaitAsync(Bound);

        Assert.Equal("k", reply.Text);
        Assert.Equal("HTTP/2", protocol);
        Assert.Equal(bytes, headers.GetValueBytes("x-echo-bin"));
    }

    [Fact]
    public async Task AsyncUnaryCall_OverKestrelCancelled_ServerSeesAbort()
    {
        var serverStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var serverAborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await WireTestServer.StartAsync(
            async context =>
            {
                context.RequestAborted.Register(() => serverAborted.TrySetResult());
                await Wire.ReadMessageAsync(context);
                serverStarted.TrySetResult();
                await Task.Delay(Bound, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
            },
            kestrel: true);
        using var channel = server.CreateChannel();
        using var cts = new CancellationTokenSource();
        using var call = new TestService.TestServiceClient(channel).UnaryAsync(new EchoRequest(), cancellationToken: cts.Token);
        await serverStarted.Task.WaitAsync(Bound);

        cts.Cancel();

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync.WaitAsync(Bound));
        Assert.Equal(StatusCode.Cancelled, ex.StatusCode);
        await serverAborted.Task.WaitAsync(Bound);
    }

    [Fact]
    public async Task AsyncUnaryCall_PropagationTokenWithEarlierDeadline_UsesParentDeadline()
    {
        var timeout = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await WireTestServer.StartAsync(async context =>
        {
            timeout.TrySetResult(context.Request.Headers["grpc-timeout"].ToString());
            await Task.Delay(Bound, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
        });
        using var channel = server.CreateChannel();
        var parent = new TestPropagationToken(DateTime.UtcNow.AddSeconds(2), CancellationToken.None, ContextPropagationOptions.Default);
        var options = new CallOptions(deadline: DateTime.UtcNow.AddMinutes(5), propagationToken: parent);

        var ex = await Assert.ThrowsAsync<RpcException>(() => new TestService.TestServiceClient(channel).UnaryAsync(new EchoRequest(), options).ResponseAsync.WaitAsync(Bound));
        var sent = await timeout.Task.WaitAsync(Bound);

        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        Assert.True(Grpc.Net.Common.GrpcTimeoutCodec.TryParse(sent, out var parsed), "not a timeout: " + sent);
        Assert.True(parsed <= TimeSpan.FromSeconds(2), "longer than the parent deadline: " + sent);
    }

    [Fact]
    public async Task AsyncUnaryCall_PropagationTokenCancelled_CancelsChildCall()
    {
        var serverStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await WireTestServer.StartAsync(async context =>
        {
            serverStarted.TrySetResult();
            await Task.Delay(Bound, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
        });
        using var channel = server.CreateChannel();
        using var parentCts = new CancellationTokenSource();
        var parent = new TestPropagationToken(DateTime.MaxValue, parentCts.Token, ContextPropagationOptions.Default);
        using var call = new TestService.TestServiceClient(channel).UnaryAsync(new EchoRequest(), new CallOptions(propagationToken: parent));
        await serverStarted.Task.WaitAsync(Bound);

        parentCts.Cancel();

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync.WaitAsync(Bound));
        Assert.Equal(StatusCode.Cancelled, ex.StatusCode);
    }

    [Fact]
    public async Task AsyncUnaryCall_PropagationTokenWithoutDeadlinePropagation_SendsNoTimeout()
    {
        var hasTimeout = true;
        await using var server = await WireTestServer.StartAsync(async context =>
        {
            hasTimeout = context.Request.Headers.ContainsKey("grpc-timeout");
            await Wire.ReadMessageAsync(context);
            Wire.StartResponse(context);
            await Wire.WriteMessageAsync(context, new EchoReply());
            Wire.SetStatus(context, 0);
        });
        using var channel = server.CreateChannel();
        var parent = new TestPropagationToken(DateTime.UtcNow.AddSeconds(30), CancellationToken.None, new ContextPropagationOptions(propagateDeadline: false));

        await new TestService.TestServiceClient(channel).UnaryAsync(new EchoRequest(), new CallOptions(propagationToken: parent)).ResponseAsync.WaitAsync(Bound);

        Assert.False(hasTimeout);
    }

    private sealed class TestPropagationToken(DateTime deadline, CancellationToken cancellationToken, ContextPropagationOptions options)
        : ContextPropagationToken, Grpc.Core.Internal.IPropagatedCallContext
    {
        public DateTime Deadline => deadline;

        public CancellationToken CancellationToken => cancellationToken;

        public ContextPropagationOptions Options => options;
    }

    private static async Task DuplexEchoAsync(HttpContext context)
    {
        Wire.StartResponse(context);
        await context.Response.Body.FlushAsync();
        var index = 0;
        while (index < 1000 && await Wire.ReadMessageAsync(context) is { } payload)
        {
            var request = EchoRequest.Parser.ParseFrom(payload);
            await Wire.WriteMessageAsync(context, new EchoReply { Text = request.Text, Index = index++ });
        }

        Wire.SetStatus(context, 0);
    }

    private static async Task AssertPingPongAsync(GrpcChannel channel)
    {
        using var call = new TestService.TestServiceClient(channel).Duplex();
        for (var i = 0; i < 3; i++)
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Text = "ping" + i }).WaitAsync(Bound);
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Bound));
            Assert.Equal("ping" + i, call.ResponseStream.Current.Text);
            Assert.Equal(i, call.ResponseStream.Current.Index);
        }

        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Bound));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }
}
