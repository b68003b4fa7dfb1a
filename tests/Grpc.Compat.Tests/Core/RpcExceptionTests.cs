using Grpc.Core;

namespace Grpc.Compat.Tests.Core;

public class RpcExceptionTests
{
    [Fact]
    public void Ctor_StatusOnly_UsesStatusTextAndEmptyTrailers()
    {
        var status = new Status(StatusCode.Aborted, "stop");

        var ex = new RpcException(status);

        Assert.Equal(status.ToString(), ex.Message);
        Assert.Equal(StatusCode.Aborted, ex.StatusCode);
        Assert.Equal("stop", ex.Status.Detail);
        Assert.Empty(ex.Trailers);
    }

    [Fact]
    public void Ctor_WithTrailersAndMessage_KeepsBoth()
    {
        var trailers = new Metadata { { "k", "v" } };

        var ex = new RpcException(new Status(StatusCode.Internal, "d"), trailers, "custom");

        Assert.Equal("custom", ex.Message);
        Assert.Same(trailers, ex.Trailers);
    }

    [Fact]
    public void Ctor_NullTrailers_Throws()
    {
        Assert.Throws<ArgumentNullException>(() => new RpcException(Status.DefaultCancelled, (Metadata)null!));
    }
}
