using Grpc.Compat.Tests.Client.Infrastructure;
using Grpc.Compat.Tests.Protos;
using Grpc.Core;
using Grpc.Net.Client;

namespace Grpc.Compat.Tests.Client;

public class GrpcChannelTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    [Fact]
    public void ForAddress_HttpClientAndHttpHandler_ThrowsArgumentException()
    {
        using var handler = new SocketsHttpHandler();
        using var httpClient = new HttpClient();

        var ex = Assert.Throws<ArgumentException>(() => GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions { HttpClient = httpClient, HttpHandler = handler }));

        Assert.Contains("HttpHandler", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ftp://localhost/")]
    [InlineData("ws://localhost/")]
    public void ForAddress_NonHttpScheme_ThrowsArgumentException(string address)
    {
        Assert.Throws<ArgumentException>(() => GrpcChannel.ForAddress(address));
    }

    [Fact]
    public void ForAddress_Address_TargetIsAuthority()
    {
        using var channel = GrpcChannel.ForAddress("http://example.org:5001");

        Assert.Equal("example.org:5001", channel.Target);
    }

    [Fact]
    public void Call_ClientCreatedBeforeDispose_ThrowsObjectDisposedWhenMade()
    {
        var handler = new TrackingHandler();
        var channel = GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions { HttpHandler = handler });
        var client = new TestService.TestServiceClient(channel);
        channel.Dispose();

        Assert.Throws<ObjectDisposedException>(() => client.UnaryAsync(new EchoRequest()));
        Assert.Throws<ObjectDisposedException>(() => client.Duplex());
        Assert.Null(handler.LastUri);
    }

    [Fact]
    public void CreateCallInvoker_AfterDispose_ThrowsObjectDisposed()
    {
        var channel = GrpcChannel.ForAddress("http://localhost");
        channel.Dispose();

        Assert.Throws<ObjectDisposedException>(() => channel.CreateCallInvoker());
    }

    [Fact]
    public void Dispose_HandlerNotOwned_LeavesHandlerUsable()
    {
        var handler = new TrackingHandler();

        GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions { HttpHandler = handler }).Dispose();

        Assert.False(handler.Disposed);
    }

    [Fact]
    public void Dispose_DisposeHttpClientSet_DisposesHandler()
    {
        var handler = new TrackingHandler();

        GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true }).Dispose();

        Assert.True(handler.Disposed);
    }

    [Theory]
    [InlineData("http://localhost:8080", "http://localhost:8080/compat.test.TestService/Unary")]
    [InlineData("http://localhost:8080/", "http://localhost:8080/compat.test.TestService/Unary")]
    // As grpc-dotnet: the address's path is ignored (a service in a sub-directory needs a handler that rewrites the URI).
    [InlineData("http://localhost:8080/base/", "http://localhost:8080/compat.test.TestService/Unary")]
    [InlineData("http://localhost:8080/base", "http://localhost:8080/compat.test.TestService/Unary")]
    [InlineData("http://localhost:8080/base?q=1", "http://localhost:8080/compat.test.TestService/Unary")]
    public async Task ForAddress_Address_RequestUriIsAuthorityPlusMethodAsGrpcDotnet(string address, string expected)
    {
        var handler = new TrackingHandler();
        using var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = handler });

        var ex = await Assert.ThrowsAsync<RpcException>(() => new TestService.TestServiceClient(channel).UnaryAsync(new EchoRequest()).ResponseAsync.WaitAsync(Bound));

        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
        Assert.IsType<HttpRequestException>(ex.Status.DebugException);
        Assert.Equal(expected, handler.LastUri?.ToString());
        Assert.Equal(new Version(2, 0), handler.LastVersion);
        Assert.Equal(HttpVersionPolicy.RequestVersionExact, handler.LastPolicy);
    }

    [Fact]
    public async Task HttpClientOption_Call_UsesGivenHttpClient()
    {
        await using var server = await WireTestServer.StartAsync(async context =>
        {
            await Wire.ReadMessageAsync(context);
            Wire.StartResponse(context);
            await Wire.WriteMessageAsync(context, new EchoReply { Text = context.Request.Headers["x-client"].ToString() });
            Wire.SetStatus(context, 0);
        });
        using var httpClient = new HttpClient(server.CreateHandler());
        httpClient.DefaultRequestHeaders.Add("x-client", "mine");
        using var channel = GrpcChannel.ForAddress(server.Address, new GrpcChannelOptions { HttpClient = httpClient });

        var reply = await new TestService.TestServiceClient(channel).UnaryAsync(new EchoRequest()).ResponseAsync.WaitAsync(Bound);

        Assert.Equal("mine", reply.Text);
    }

    private sealed class TrackingHandler : HttpMessageHandler
    {
        public bool Disposed { get; private set; }

        public Uri? LastUri { get; private set; }

        public Version? LastVersion { get; private set; }

        public HttpVersionPolicy? LastPolicy { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            LastUri = request.RequestUri;
            LastVersion = request.Version;
            LastPolicy = request.VersionPolicy;
            throw new HttpRequestException("recorded, not sent");
        }

        protected override void Dispose(bool disposing)
        {
            Disposed = true;
            base.Dispose(disposing);
        }
    }
}
