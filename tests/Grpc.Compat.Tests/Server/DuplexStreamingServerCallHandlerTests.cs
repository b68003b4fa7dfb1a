using System.Net;
using System.Net.Http.Headers;
using System.Threading.Channels;
using Grpc.Compat.Tests.Infrastructure;
using Grpc.Compat.Tests.Protos;
using Grpc.Compat.Tests.Server.Infrastructure;
using Grpc.Core;

namespace Grpc.Compat.Tests.Server;

public sealed class DuplexStreamingServerCallHandlerTests
{
    private const string Path = "/compat.test.TestService/Duplex";

    [Fact]
    public async Task HandleCall_AllMessagesUpFront_EchoesEachInOrder()
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync();
        var body = GrpcFrames.Frames(new EchoRequest { Text = "a" }, new EchoRequest { Text = "b" });

        // Act
        var response = await RawGrpcClient.CallAsync(host.Client, Path, body);

        // Assert
        var replies = GrpcFrames.Parse(response.Body, EchoReply.Parser);
        Assert.Equal(["a", "b"], replies.Select(r => r.Text));
        Assert.Equal([0, 1], replies.Select(r => r.Index));
        Assert.Equal(0, response.GrpcStatus);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task HandleCall_InterleavedMessages_EachReplyArrivesBeforeNextRequestIsSent(bool kestrel)
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync(kestrel);
        var requests = Channel.CreateUnbounded<byte[]>();
        using var request = new HttpRequestMessage(HttpMethod.Post, Path)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ChannelContent(requests.Reader),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        using var timeout = new CancellationTokenSource(RawGrpcClient.Timeout);

        // Act
        await requests.Writer.WriteAsync(GrpcFrames.Frame(new EchoRequest { Text = "one" }), timeout.Token);
        using var response = await host.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        var body = await response.Content.ReadAsStreamAsync(timeout.Token);
        var first = await ReadReplyAsync(body, timeout.Token);
        await requests.Writer.WriteAsync(GrpcFrames.Frame(new EchoRequest { Text = "two" }), timeout.Token);
        var second = await ReadReplyAsync(body, timeout.Token);
        requests.Writer.Complete();
        var rest = await ReadToEndAsync(body, timeout.Token);

        // Assert
        Assert.Equal("one", first.Text);
        Assert.Equal("two", second.Text);
        Assert.Equal(1, second.Index);
        Assert.Empty(rest);
        Assert.Equal("0", string.Join(",", response.TrailingHeaders.GetValues("grpc-status")));
    }

    [Fact]
    public async Task HandleCall_FailureAfterFirstReply_StatusInTrailers()
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync();
        var body = GrpcFrames.Frames(new EchoRequest { Text = "a" }, new EchoRequest { FailWithStatus = (int)StatusCode.FailedPrecondition });

        // Act
        var response = await RawGrpcClient.CallAsync(host.Client, Path, body);

        // Assert
        Assert.Single(GrpcFrames.Parse(response.Body, EchoReply.Parser));
        Assert.Equal((int)StatusCode.FailedPrecondition, response.GrpcStatus);
    }

    private static async Task<EchoReply> ReadReplyAsync(Stream body, CancellationToken cancellationToken)
    {
        var header = new byte[5];
        await body.ReadExactlyAsync(header, cancellationToken);
        var length = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(1));
        var payload = new byte[length];
        await body.ReadExactlyAsync(payload, cancellationToken);
        return EchoReply.Parser.ParseFrom(payload);
    }

    private static async Task<byte[]> ReadToEndAsync(Stream body, CancellationToken cancellationToken)
    {
        using var memory = new MemoryStream();
        await body.CopyToAsync(memory, cancellationToken);
        return memory.ToArray();
    }

    /// <summary>A request body that sends each frame as soon as the test writes it.</summary>
    private sealed class ChannelContent(ChannelReader<byte[]> frames) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await foreach (var frame in frames.ReadAllAsync())
            {
                await stream.WriteAsync(frame);
                await stream.FlushAsync();
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
