using Grpc.Core;

namespace Grpc.Compat.Tests.Server;

public sealed class ServerCallContextExtensionsTests
{
    [Fact]
    public void GetHttpContext_ContextNotFromAspNetCore_ThrowsInvalidOperation()
    {
        // Arrange
        ServerCallContext context = new DetachedContext();

        // Act
        var error = Assert.Throws<InvalidOperationException>(() => context.GetHttpContext());

        // Assert
        Assert.Contains("ASP.NET Core", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GetHttpContext_Null_ThrowsArgumentNull()
    {
        // Act + Assert
        Assert.Throws<ArgumentNullException>(() => ServerCallContextExtensions.GetHttpContext(null!));
    }

    private sealed class DetachedContext : ServerCallContext
    {
        protected override string MethodCore => "/a/b";

        protected override string HostCore => "h";

        protected override string PeerCore => "p";

        protected override DateTime DeadlineCore => DateTime.MaxValue;

        protected override Metadata RequestHeadersCore => [];

        protected override CancellationToken CancellationTokenCore => CancellationToken.None;

        protected override Metadata ResponseTrailersCore => [];

        protected override Status StatusCore { get; set; }

        protected override WriteOptions? WriteOptionsCore { get; set; }

        protected override AuthContext AuthContextCore => new(null, []);

        protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) => throw new NotSupportedException();

        protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => Task.CompletedTask;
    }
}
