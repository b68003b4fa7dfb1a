using Grpc.Compat.Tests.Infrastructure;
using Grpc.Compat.Tests.Protos;
using Grpc.Compat.Tests.Server.Infrastructure;
using Grpc.Core;

namespace Grpc.Compat.Tests.Server;

public sealed class HttpContextServerCallContextTests
{
    private const string UnaryPath = "/compat.test.TestService/Unary";
    private const string ServerStreamPath = "/compat.test.TestService/ServerStream";
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(20);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Deadline_HandlerWaitsOnToken_DeadlineExceededAndTokenFires(bool kestrel)
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync(kestrel);
        var request = new EchoRequest { DelayMs = 30_000 };

        // Act
        var response = await RawGrpcClient.CallAsync(host.Client, UnaryPath, request, r => r.Headers.Add("grpc-timeout", "200m"));

        // Assert
        Assert.Equal((int)StatusCode.DeadlineExceeded, response.GrpcStatus);
        Assert.Equal("Deadline Exceeded", response.GrpcMessage);
        await host.Probe.CancellationObserved.Task.WaitAsync(WaitLimit);
        Assert.Equal(1, host.Probe.Count("deadline-passed-at-cancel"));
    }

    [Fact]
    public async Task Deadline_AfterStreamedMessages_MessagesThenDeadlineExceededTrailers()
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync();
        var request = new EchoRequest { Count = 3, DelayMs = 30_000 };

        // Act: three messages, then the service waits on its token until the deadline.
        var response = await RawGrpcClient.CallAsync(host.Client, ServerStreamPath, request, r => r.Headers.Add("grpc-timeout", "300m"));

        // Assert
        Assert.Equal(3, GrpcFrames.Parse(response.Body, EchoReply.Parser).Count);
        Assert.False(response.IsTrailersOnly);
        Assert.Equal((int)StatusCode.DeadlineExceeded, response.GrpcStatus);
        await host.Probe.CancellationObserved.Task.WaitAsync(WaitLimit);
    }

    [Fact]
    public async Task Deadline_HandlerIgnoresToken_DeadlineExceededAndLaterWriteFails()
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync();
        var request = new EchoRequest { Text = "ignore-deadline", DelayMs = 300 };

        // Act
        var response = await RawGrpcClient.CallAsync(host.Client, ServerStreamPath, request, r => r.Headers.Add("grpc-timeout", "50m"));
        var writeError = await host.Probe.WriteAfterDeadlineFailed.Task.WaitAsync(WaitLimit);

        // Assert
        Assert.Equal((int)StatusCode.DeadlineExceeded, response.GrpcStatus);
        Assert.Empty(response.Body);
        Assert.Contains("complete", writeError.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deadline_HandlerIgnoresTokenOnKestrel_ResponseEndsBeforeHandlerReturns()
    {
        // Arrange: TestServer only ends the response when the handler returns; Kestrel ends it at the deadline.
        await using var host = await TestGrpcHost.StartAsync(kestrel: true);
        var request = new EchoRequest { Text = "ignore-deadline", DelayMs = 3_000 };

        // Act
        var response = await RawGrpcClient.CallAsync(host.Client, ServerStreamPath, request, r => r.Headers.Add("grpc-timeout", "100m"));
        var handlerStillRunning = !host.Probe.WriteAfterDeadlineFailed.Task.IsCompleted;
        await host.Probe.WriteAfterDeadlineFailed.Task.WaitAsync(WaitLimit);

        // Assert
        Assert.Equal((int)StatusCode.DeadlineExceeded, response.GrpcStatus);
        Assert.True(handlerStillRunning, "the response waited for the handler to return");
    }

    [Theory]
    [InlineData("1S", true)]
    [InlineData("100000M", true)]
    [InlineData("99999999H", false)]
    [InlineData("abc", false)]
    [InlineData("123456789S", false)]
    [InlineData("10x", false)]
    public async Task Deadline_TimeoutHeader_ParsedOrIgnored(string timeout, bool hasDeadline)
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync();

        // Act
        var response = await RawGrpcClient.CallAsync(host.Client, UnaryPath, new EchoRequest { Text = "context" }, r => r.Headers.TryAddWithoutValidation("grpc-timeout", timeout));

        // Assert
        Assert.Equal(0, response.GrpcStatus);
        var reply = Assert.Single(GrpcFrames.Parse(response.Body, EchoReply.Parser));
        Assert.EndsWith("|" + hasDeadline, reply.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CancellationToken_ClientCancels_HandlerTokenFires(bool kestrel)
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync(kestrel);
        using var cts = new CancellationTokenSource();

        // Act
        var call = RawGrpcClient.CallAsync(host.Client, UnaryPath, new EchoRequest { DelayMs = 30_000 }, cancellationToken: cts.Token);
        await host.Probe.HandlerStarted.Task.WaitAsync(WaitLimit);
        await cts.CancelAsync();

        // Assert
        await Assert.ThrowsAnyAsync<Exception>(() => call);
        await host.Probe.CancellationObserved.Task.WaitAsync(WaitLimit);
    }

    [Fact]
    public async Task RequestHeaders_AsciiAndBinaryMetadata_RoundTripToTrailers()
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync();
        byte[] binary = [0, 1, 2, 250, 255];

        // Act
        var response = await RawGrpcClient.CallAsync(host.Client, UnaryPath, new EchoRequest(), r =>
        {
            r.Headers.Add("echo-text", "value 1");
            r.Headers.Add("echo-data-bin", Convert.ToBase64String(binary));
            r.Headers.Add("echo-unpadded-bin", Convert.ToBase64String(binary).TrimEnd('='));
        });

        // Assert
        Assert.Equal(0, response.GrpcStatus);
        Assert.Equal("value 1", response.Trailer("echo-text"));
        Assert.Equal(binary, Convert.FromBase64String(response.Trailer("echo-data-bin")!));
        Assert.Equal(binary, Convert.FromBase64String(response.Trailer("echo-unpadded-bin")!));
    }

    [Fact]
    public async Task RequestHeaders_InvalidBinaryValue_SkippedAndCallSucceeds()
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync();

        // Act
        var response = await RawGrpcClient.CallAsync(host.Client, UnaryPath, new EchoRequest { Text = "ok" }, r =>
        {
            r.Headers.TryAddWithoutValidation("echo-broken-bin", "not*base64!");
            r.Headers.Add("echo-fine", "yes");
        });

        // Assert
        Assert.Equal(0, response.GrpcStatus);
        Assert.Null(response.Trailer("echo-broken-bin"));
        Assert.Equal("yes", response.Trailer("echo-fine"));
    }

    [Fact]
    public async Task RequestHeaders_ProtocolHeaders_LeftOutButUserAgentKeptAsGrpcDotnet()
    {
        // Arrange: grpc-dotnet (and gRPC Core) hand user-agent to the service; protocol headers are not metadata.
        await using var host = await TestGrpcHost.StartAsync(kestrel: true);

        // Act
        var response = await RawGrpcClient.CallAsync(host.Client, UnaryPath, new EchoRequest { Text = "metadata-keys" }, r =>
        {
            r.Headers.TryAddWithoutValidation("user-agent", "grpc-python/1.51.1 grpc-c/29.0.0 (linux; chttp2)");
            r.Headers.TryAddWithoutValidation("grpc-timeout", "10S");
            r.Headers.TryAddWithoutValidation("grpc-accept-encoding", "identity,deflate,gzip");
            r.Headers.TryAddWithoutValidation("accept-encoding", "gzip");
            r.Headers.TryAddWithoutValidation("x-user", "alice");
        });

        // Assert
        Assert.Equal(0, response.GrpcStatus);
        var keys = Assert.Single(GrpcFrames.Parse(response.Body, EchoReply.Parser)).Text.Split(',');
        Assert.Equal(["user-agent", "x-user"], keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task UserState_IsHttpContextItemsAsGrpcDotnet()
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync();

        // Act
        var response = await RawGrpcClient.CallAsync(host.Client, UnaryPath, new EchoRequest { Text = "user-state-items" });

        // Assert
        Assert.Equal("set by middleware|set by an interceptor", Assert.Single(GrpcFrames.Parse(response.Body, EchoReply.Parser)).Text);
    }

    [Fact]
    public async Task Properties_UnaryCall_ExposeMethodHostAndPeer()
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync(kestrel: true);

        // Act
        var response = await RawGrpcClient.CallAsync(host.Client, UnaryPath, new EchoRequest { Text = "context" });

        // Assert
        var parts = Assert.Single(GrpcFrames.Parse(response.Body, EchoReply.Parser)).Text.Split('|');
        Assert.Equal(UnaryPath, parts[0]);
        Assert.Equal(host.Address.Authority, parts[1]);
        Assert.StartsWith("ipv4:127.0.0.1:", parts[2], StringComparison.Ordinal);
        Assert.Equal("False", parts[3]);
    }

    [Fact]
    public async Task GetHttpContext_InHandler_ReturnsTheRequestsContext()
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync();

        // Act
        var response = await RawGrpcClient.CallAsync(host.Client, UnaryPath, new EchoRequest { Text = "http-context" });

        // Assert
        Assert.Equal(UnaryPath, Assert.Single(GrpcFrames.Parse(response.Body, EchoReply.Parser)).Text);
    }
}
