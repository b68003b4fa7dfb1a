using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Grpc.Core;
using Google.Protobuf;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Propagation.Interceptors.Tests.Infrastructure;
using Propagation.Interceptors.Tests.Protos;

namespace Propagation.Interceptors.Tests;

/// <summary>
/// Behaviour of the gRPC runtime itself that code written against grpc-dotnet notices, asserted as grpc-dotnet 2.85.0
/// does it. The same code runs against compat/Grpc and, with <c>-p:GrpcImplementation=Official</c>, against grpc-dotnet
/// (Kestrel h2c on 127.0.0.1, OS-picked port).
/// </summary>
public sealed class GrpcRuntimeParityTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task ChannelDispose_CallsInProgress_DisposedWithTheChannel()
    {
        // Arrange: a unary call the server holds, and a duplex call both sides keep open.
        var (host, address, observations) = await StartAsync();
        using var _ = host;
        var channel = GrpcChannel.ForAddress(address);
        var client = new ParityTestService.ParityTestServiceClient(channel);
        var unary = client.UnaryAsync(new ParityRequest { Scenario = "wait" });
        await observations.Started.Task.WaitAsync(Bound);
        using var duplex = client.Duplex();
        await duplex.RequestStream.WriteAsync(new ParityRequest { Scenario = "echo" });
        Assert.True(await duplex.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Bound));

        // Act
        channel.Dispose();

        // Assert: as in grpc-dotnet, disposing the channel disposes its calls: the pending unary call ends CANCELLED (and
        // the server sees its token fire), the duplex call's streams throw ObjectDisposedException.
        var ex = await Assert.ThrowsAsync<RpcException>(() => unary.ResponseAsync.WaitAsync(Bound));
        Assert.Equal(StatusCode.Cancelled, ex.StatusCode);
        await observations.TokenFired.Task.WaitAsync(Bound);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => duplex.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Bound));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => duplex.RequestStream.WriteAsync(new ParityRequest()).WaitAsync(Bound));
        await host.StopAsync();
    }

    [Fact]
    public async Task RequestStreamWrite_AfterServerEndedTheCallWithOk_ThrowsRpcExceptionWithOk()
    {
        // Arrange: the server ends the duplex call with OK without reading the rest of the request stream.
        var (host, address, _) = await StartAsync();
        using var _host = host;
        using var channel = GrpcChannel.ForAddress(address);
        var client = new ParityTestService.ParityTestServiceClient(channel);
        using var call = client.Duplex();
        await call.RequestStream.WriteAsync(new ParityRequest { Scenario = "end-ok" });
        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Bound));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);

        // Act
        var ex = await Record.ExceptionAsync(() => call.RequestStream.WriteAsync(new ParityRequest { Scenario = "late" }).WaitAsync(Bound));

        // Assert: grpc-dotnet reports the call's status, OK, as an RpcException.
        var rpc = Assert.IsType<RpcException>(ex);
        Assert.Equal(StatusCode.OK, rpc.StatusCode);
        await host.StopAsync();
    }

    [Fact]
    public async Task RequestStreamWrite_AfterCompleteAndTheCallEndedWithOk_ThrowsInvalidOperation()
    {
        // Arrange: the client completed its request stream, then the call ended with OK.
        var (host, address, _) = await StartAsync();
        using var _host = host;
        using var channel = GrpcChannel.ForAddress(address);
        var client = new ParityTestService.ParityTestServiceClient(channel);
        using var call = client.ClientStream();
        await call.RequestStream.WriteAsync(new ParityRequest { Scenario = "x" });
        await call.RequestStream.CompleteAsync();
        await call.ResponseAsync.WaitAsync(Bound);

        // Act
        var ex = await Record.ExceptionAsync(() => call.RequestStream.WriteAsync(new ParityRequest { Scenario = "late" }).WaitAsync(Bound));

        // Assert: in grpc-dotnet the completed request stream takes precedence over the call's status.
        Assert.IsType<InvalidOperationException>(ex);
        await host.StopAsync();
    }

    [Theory]
    [InlineData("server-streaming", false)]
    [InlineData("duplex", false)]
    [InlineData("server-streaming", true)]
    [InlineData("duplex", true)]
    public async Task ServerWrite_AfterTheClientCancelledOrTheDeadline_ThrowsInvalidOperation(string shape, bool deadline)
    {
        // Arrange: the handler waits for its call's token, then writes a message (the deadline leaves room for a cold start).
        var (host, address, observations) = await StartAsync();
        using var _host = host;
        using var channel = GrpcChannel.ForAddress(address);
        var client = new ParityTestService.ParityTestServiceClient(channel);
        using var cts = new CancellationTokenSource();
        var options = deadline ? new CallOptions(deadline: DateTime.UtcNow.AddSeconds(3)) : new CallOptions(cancellationToken: cts.Token);
        var request = new ParityRequest { Scenario = "wait" };
        IDisposable call;
        if (shape == "duplex")
        {
            var duplex = client.Duplex(options);
            await duplex.RequestStream.WriteAsync(request);
            call = duplex;
        }
        else
        {
            call = client.ServerStream(request, options);
        }

        using var _call = call;
        await observations.Started.Task.WaitAsync(Bound);

        // Act
        await cts.CancelAsync();
        var outcome = await observations.WriteOutcome.Task.WaitAsync(Bound);

        // Assert: as in grpc-dotnet, a write once the call is over is an InvalidOperationException, not a cancellation.
        Assert.IsType<InvalidOperationException>(outcome);
        await host.StopAsync();
    }

    [Theory]
    [InlineData("unary")]
    [InlineData("client-streaming")]
    public async Task Handler_ReturnsNullResponse_ClientGetsCancelled(string shape)
    {
        // Arrange
        var (host, address, _) = await StartAsync();
        using var _host = host;
        using var channel = GrpcChannel.ForAddress(address);
        var client = new ParityTestService.ParityTestServiceClient(channel);
        var request = new ParityRequest { Scenario = "null-reply" };

        // Act
        Task<ParityReply> response;
        if (shape == "unary")
        {
            response = client.UnaryAsync(request).ResponseAsync;
        }
        else
        {
            var call = client.ClientStream();
            await call.RequestStream.WriteAsync(request);
            await call.RequestStream.CompleteAsync();
            response = call.ResponseAsync;
        }

        // Assert: grpc-dotnet answers a handler that returned no message with CANCELLED (as Grpc.Core did).
        var ex = await Assert.ThrowsAsync<RpcException>(() => response.WaitAsync(Bound));
        Assert.Equal(StatusCode.Cancelled, ex.StatusCode);
        await host.StopAsync();
    }

    [Theory]
    [InlineData("Unary", "undeserializable", StatusCode.Unknown)]
    [InlineData("ClientStream", "undeserializable", StatusCode.Unknown)]
    [InlineData("Unary", "truncated", StatusCode.Internal)]
    [InlineData("ClientStream", "truncated", StatusCode.Internal)]
    [InlineData("Unary", "over-size", StatusCode.ResourceExhausted)]
    public async Task RequestMessage_Malformed_StatusAsGrpcDotnet(string method, string body, StatusCode expected)
    {
        // Arrange: a payload protobuf rejects (tag 0), a frame whose body ends early, or a prefix over the 4 MB default.
        var (host, address, _) = await StartAsync();
        using var _host = host;
        var frame = body switch
        {
            "undeserializable" => Frame(0, [0x00, 0x00]),
            "truncated" => [0, 0, 0, 0, 10, 0x0A, 0x01],
            _ => [0, 0, 0x50, 0, 0, 0x0A, 0x01],
        };

        // Act
        var response = await SendRawAsync(address, method, frame, encoding: null);

        // Assert: grpc-dotnet reports a message its deserializer rejects as an exception thrown by the handler
        // (UNKNOWN); a framing error keeps its own status.
        Assert.Equal(HttpStatusCode.OK, response.HttpStatus);
        Assert.Equal((int)expected, response.GrpcStatus);
        if (expected == StatusCode.Unknown)
        {
            Assert.Equal("Exception was thrown by handler.", response.GrpcMessage);
        }

        await host.StopAsync();
    }

    [Fact]
    public async Task WriteResponseHeadersAsync_Null_ThrowsArgumentNullAndTheClientGetsUnknown()
    {
        // Arrange
        var (host, address, observations) = await StartAsync();
        using var _host = host;
        using var channel = GrpcChannel.ForAddress(address);
        var client = new ParityTestService.ParityTestServiceClient(channel);

        // Act
        var ex = await Assert.ThrowsAsync<RpcException>(() => client.UnaryAsync(new ParityRequest { Scenario = "null-headers" }).ResponseAsync.WaitAsync(Bound));

        // Assert: grpc-dotnet does not take null for "no headers"; the handler's exception ends the call with UNKNOWN.
        var outcome = await observations.HeadersOutcome.Task.WaitAsync(Bound);
        Assert.IsType<ArgumentNullException>(outcome);
        Assert.Equal(StatusCode.Unknown, ex.StatusCode);
        await host.StopAsync();
    }

    [Theory]
    [InlineData("gzip", false)]
    [InlineData("x-unknown", false)]
    [InlineData("x-unknown", true)]
    public async Task GrpcEncoding_NotIdentity_OnlyACompressedMessageIsRefused(string encoding, bool compressed)
    {
        // Arrange
        var (host, address, _) = await StartAsync();
        using var _host = host;
        var frame = Frame(compressed ? (byte)1 : (byte)0, new ParityRequest { Scenario = "x" }.ToByteArray());

        // Act
        var response = await SendRawAsync(address, "Unary", frame, encoding);

        // Assert: gRPC over HTTP/2 (and grpc-dotnet) accept any grpc-encoding on messages that are not compressed; a
        // compressed message in an encoding the server does not support is UNIMPLEMENTED, with grpc-accept-encoding
        // listing what it does support (identity, never the refused encoding).
        Assert.Equal(HttpStatusCode.OK, response.HttpStatus);
        if (compressed)
        {
            Assert.Equal((int)StatusCode.Unimplemented, response.GrpcStatus);
            Assert.NotNull(response.AcceptEncoding);
            var accepted = response.AcceptEncoding.Split(',', StringSplitOptions.TrimEntries);
            Assert.Contains("identity", accepted);
            Assert.DoesNotContain(encoding, accepted);
        }
        else
        {
            Assert.Equal((int)StatusCode.OK, response.GrpcStatus);
            Assert.Equal("x", ParityReply.Parser.ParseFrom(response.Body.AsSpan(5).ToArray()).Text);
        }

        await host.StopAsync();
    }

    [Theory]
    [InlineData("0n")]
    [InlineData("0u")]
    [InlineData("0m")]
    [InlineData("0S")]
    [InlineData("0M")]
    [InlineData("00000000H")]
    public async Task GrpcTimeout_Zero_NoDeadline(string timeout)
    {
        // Arrange
        var (host, address, _) = await StartAsync();
        using var _host = host;
        var frame = Frame(0, new ParityRequest { Scenario = "deadline" }.ToByteArray());

        // Act
        var response = await SendRawAsync(address, "Unary", frame, encoding: null, timeout);

        // Assert: grpc-dotnet only starts a deadline for a timeout above zero; a zero timeout leaves the call without one.
        Assert.Equal((int)StatusCode.OK, response.GrpcStatus);
        var reply = ParityReply.Parser.ParseFrom(response.Body.AsSpan(5).ToArray());
        Assert.Equal($"{DateTime.MaxValue.ToString("O", CultureInfo.InvariantCulture)} False", reply.Text);
        await host.StopAsync();
    }

    private static byte[] Frame(byte flag, byte[] payload)
    {
        var frame = new byte[5 + payload.Length];
        frame[0] = flag;
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(1), payload.Length);
        payload.CopyTo(frame.AsSpan(5));
        return frame;
    }

    /// <summary>Sends one gRPC request with an arbitrary body and headers (h2c, prior knowledge) and reads the whole answer.</summary>
    private static async Task<RawResponse> SendRawAsync(Uri address, string method, byte[] body, string? encoding, string? timeout = null)
    {
        using var client = new HttpClient { Timeout = Bound };
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(address, "/propagation.parity.ParityTestService/" + method))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TE.Add(new TransferCodingWithQualityHeaderValue("trailers"));
        if (encoding is not null)
        {
            request.Headers.TryAddWithoutValidation("grpc-encoding", encoding);
        }

        if (timeout is not null)
        {
            request.Headers.TryAddWithoutValidation("grpc-timeout", timeout);
        }

        using var response = await client.SendAsync(request);
        var content = await response.Content.ReadAsByteArrayAsync();
        return new RawResponse(
            response.StatusCode,
            int.TryParse(Header(response, "grpc-status"), NumberStyles.None, CultureInfo.InvariantCulture, out var status) ? status : null,
            Header(response, "grpc-message"),
            Header(response, "grpc-accept-encoding"),
            content);
    }

    private static string? Header(HttpResponseMessage response, string name)
    {
        // A trailers-only answer carries its status in the headers.
        return response.TrailingHeaders.TryGetValues(name, out var values) || response.Headers.TryGetValues(name, out values)
            ? string.Join(",", values)
            : null;
    }

    private sealed record RawResponse(HttpStatusCode HttpStatus, int? GrpcStatus, string? GrpcMessage, string? AcceptEncoding, byte[] Body);

    private static async Task<(IHost Host, Uri Address, ParityObservations Observations)> StartAsync()
    {
        var observations = new ParityObservations();
        var host = await new HostBuilder()
            .ConfigureWebHost(web =>
            {
                web.UseKestrel(options => options.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
                web.ConfigureServices(services =>
                {
                    services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Critical));
                    services.AddRouting();
                    services.AddSingleton(observations);
                    services.AddGrpc();
                });
                web.Configure(app =>
                {
                    app.UseRouting();
                    app.UseEndpoints(endpoints => endpoints.MapGrpcService<ParityTestServiceImpl>());
                });
            })
            .StartAsync();
        var address = host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return (host, new Uri(address), observations);
    }
}
