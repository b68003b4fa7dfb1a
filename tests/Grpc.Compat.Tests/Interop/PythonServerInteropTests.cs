using System.Text;
using Google.Protobuf;
using Grpc.Compat.Tests.Protos;
using Grpc.Core;
using Grpc.Net.Client;

namespace Grpc.Compat.Tests.Interop;

/// <summary>
/// Our client (GrpcChannel over Kestrel-free HTTP/2 cleartext) calling an independent implementation:
/// Debian's python3-grpcio server.
/// </summary>
public class PythonServerInteropTests : IClassFixture<PythonGrpcServer>, IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);
    private readonly PythonGrpcServer _server;
    private readonly GrpcChannel _channel;
    private readonly TestService.TestServiceClient _client;

    public PythonServerInteropTests(PythonGrpcServer server)
    {
        _server = server;
        _channel = GrpcChannel.ForAddress(server.Address);
        _client = new TestService.TestServiceClient(_channel);
    }

    public void Dispose() => _channel.Dispose();

    [Fact]
    public async Task Unary_WithAsciiAndBinaryMetadata_EchoesMessageAndMetadata()
    {
        var binary = new byte[] { 0, 1, 2, 250, 255 };
        var headers = new Metadata { { "x-user", "alice" }, { "x-blob-bin", binary } };
        using var call = _client.UnaryAsync(new EchoRequest { Text = "héllo", Payload = ByteString.CopyFrom(7, 8, 9) }, headers, DateTime.UtcNow.AddSeconds(30));

        var reply = await call.ResponseAsync.WaitAsync(Bound);
        var responseHeaders = await call.ResponseHeadersAsync.WaitAsync(Bound);

        Assert.Equal("héllo", reply.Text);
        Assert.Equal(new byte[] { 7, 8, 9 }, reply.Payload.ToByteArray());
        Assert.Equal("alice", responseHeaders.GetValue("echo-x-user"));
        Assert.Equal(binary, responseHeaders.GetValueBytes("echo-x-blob-bin"));
        Assert.InRange(int.Parse(responseHeaders.GetValue("x-deadline-ms")!, System.Globalization.CultureInfo.InvariantCulture), 20_000, 30_000);
        Assert.Equal("unary-done", call.GetTrailers().GetValue("x-trailer"));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Unary_ServerAborts_ThrowsWithStatusDetailAndTrailers()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => _client.UnaryAsync(new EchoRequest { Text = "ü 100%", FailWithStatus = (int)StatusCode.FailedPrecondition }).ResponseAsync.WaitAsync(Bound));

        Assert.Equal(StatusCode.FailedPrecondition, ex.StatusCode);
        Assert.Equal("failed: ü 100%", ex.Status.Detail);
        Assert.Equal("yes", ex.Trailers.GetValue("x-failure"));
    }

    [Fact]
    public async Task Unary_DeadlineShorterThanServerDelay_DeadlineExceededOnBothEnds()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => _client.UnaryAsync(new EchoRequest { Text = "slow", DelayMs = 10_000 }, deadline: DateTime.UtcNow.AddSeconds(1)).ResponseAsync.WaitAsync(Bound));

        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        await _server.WaitForLineAsync(l => l == "EVENT unary-ended-early", Bound);
    }

    [Fact]
    public async Task Unary_UnknownMethod_IsUnimplemented()
    {
        var method = new Method<EchoRequest, EchoReply>(MethodType.Unary, "compat.test.TestService", "NoSuchMethod", Marshallers.Create<EchoRequest>(m => m.ToByteArray(), EchoRequest.Parser.ParseFrom), Marshallers.Create<EchoReply>(m => m.ToByteArray(), EchoReply.Parser.ParseFrom));

        var ex = await Assert.ThrowsAsync<RpcException>(() => _channel.CreateCallInvoker().AsyncUnaryCall(method, null, default, new EchoRequest()).ResponseAsync.WaitAsync(Bound));

        Assert.Equal(StatusCode.Unimplemented, ex.StatusCode);
    }

    [Fact]
    public async Task ServerStream_Count_ReceivesAllInOrderThenTrailers()
    {
        using var call = _client.ServerStream(new EchoRequest { Text = "s", Count = 10 });

        var indexes = new List<int>();
        while (await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Bound))
        {
            indexes.Add(call.ResponseStream.Current.Index);
        }

        Assert.Equal(Enumerable.Range(0, 10), indexes);
        Assert.Equal("stream-done", call.GetTrailers().GetValue("x-trailer"));
    }

    [Fact]
    public async Task ServerStream_ErrorAfterMessages_ThrowsAfterDeliveringThem()
    {
        using var call = _client.ServerStream(new EchoRequest { Text = "s", Count = 2, FailWithStatus = (int)StatusCode.ResourceExhausted });

        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Bound));
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Bound));
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Bound));

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
    }

    [Fact]
    public async Task ServerStream_Cancelled_ServerSeesCallEnd()
    {
        using var cts = new CancellationTokenSource();
        using var call = _client.ServerStream(new EchoRequest { Text = "s", Count = 100, DelayMs = 200 }, cancellationToken: cts.Token);
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Bound));

        cts.Cancel();

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Bound));
        Assert.Equal(StatusCode.Cancelled, ex.StatusCode);
        await _server.WaitForLineAsync(l => l == "EVENT server-stream-ended-early", Bound);
    }

    [Fact]
    public async Task ServerStream_ServerCancelsAfterMessages_CancelledAfterDeliveringThem()
    {
        using var call = _client.ServerStream(new EchoRequest { Text = "server-cancels", Count = 2 });
        var indexes = new List<int>();

        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Bound))
            {
                indexes.Add(call.ResponseStream.Current.Index);
            }
        });

        // gRPC Core ends the call with a CANCELLED status after the messages it already sent.
        Assert.Equal(StatusCode.Cancelled, ex.StatusCode);
        Assert.Equal(StatusCode.Cancelled, call.GetStatus().StatusCode);
        Assert.True(indexes.Count <= 2, string.Join(",", indexes));
    }

    [Fact]
    public async Task ClientStream_Messages_ServerReceivesAll()
    {
        using var call = _client.ClientStream(new Metadata { { "x-mode", "client-stream" } });
        for (var i = 0; i < 5; i++)
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Text = "m" + i }).WaitAsync(Bound);
        }

        await call.RequestStream.CompleteAsync();
        var reply = await call.ResponseAsync.WaitAsync(Bound);

        Assert.Equal("m0,m1,m2,m3,m4", reply.Text);
        Assert.Equal(5, reply.Index);
        Assert.Equal("client-stream", (await call.ResponseHeadersAsync).GetValue("echo-x-mode"));
    }

    [Fact]
    public async Task Duplex_PingPong_RepliesInterleaveWithRequests()
    {
        using var call = _client.Duplex();
        for (var i = 0; i < 5; i++)
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Text = "p" + i }).WaitAsync(Bound);
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Bound));
            Assert.Equal("p" + i, call.ResponseStream.Current.Text);
        }

        await call.RequestStream.CompleteAsync();

        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Bound));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Duplex_ServerFailsMidStream_ReaderThrowsStatus()
    {
        using var call = _client.Duplex();
        await call.RequestStream.WriteAsync(new EchoRequest { Text = "ok" }).WaitAsync(Bound);
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Bound));

        await call.RequestStream.WriteAsync(new EchoRequest { Text = "bad", FailWithStatus = (int)StatusCode.InvalidArgument }).WaitAsync(Bound);
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Bound));

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal("failed: bad", ex.Status.Detail);
    }

    [Fact]
    public async Task Unary_LargeMessage_RoundTrips()
    {
        var payload = Encoding.ASCII.GetBytes(new string('z', 1_000_000));

        var reply = await _client.UnaryAsync(new EchoRequest { Payload = ByteString.CopyFrom(payload) }).ResponseAsync.WaitAsync(Bound);

        Assert.Equal(payload.Length, reply.Payload.Length);
    }
}
