using Grpc.Core;

namespace Grpc.Compat.Tests.Core;

public class StatusTests
{
    [Fact]
    public void DefaultSuccess_IsOkWithEmptyDetail()
    {
        Assert.Equal(StatusCode.OK, Status.DefaultSuccess.StatusCode);
        Assert.Equal(string.Empty, Status.DefaultSuccess.Detail);
        Assert.Equal(StatusCode.Cancelled, Status.DefaultCancelled.StatusCode);
    }

    [Fact]
    public void ToString_WithoutException_ShowsCodeAndDetail()
    {
        Assert.Equal("Status(StatusCode=\"NotFound\", Detail=\"gone\")", new Status(StatusCode.NotFound, "gone").ToString());
    }

    [Fact]
    public void ToString_WithException_IncludesExceptionType()
    {
        var status = new Status(StatusCode.Internal, "boom", new InvalidOperationException("bad"));

        Assert.Contains("DebugException=\"System.InvalidOperationException: bad\"", status.ToString(), StringComparison.Ordinal);
        Assert.IsType<InvalidOperationException>(status.DebugException);
    }

    [Fact]
    public void StatusCode_Values_MatchTheGrpcSpec()
    {
        Assert.Equal(0, (int)StatusCode.OK);
        Assert.Equal(4, (int)StatusCode.DeadlineExceeded);
        Assert.Equal(8, (int)StatusCode.ResourceExhausted);
        Assert.Equal(12, (int)StatusCode.Unimplemented);
        Assert.Equal(14, (int)StatusCode.Unavailable);
        Assert.Equal(16, (int)StatusCode.Unauthenticated);
    }
}
