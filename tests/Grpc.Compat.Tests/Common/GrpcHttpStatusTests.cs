using System.Net;
using Grpc.Core;
using Grpc.Net.Common;

namespace Grpc.Compat.Tests.Common;

public class GrpcHttpStatusTests
{
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
    [InlineData(418, StatusCode.Unknown)]
    [InlineData(302, StatusCode.Unknown)]
    public void ToStatusCode_HttpStatus_MapsPerSpec(int httpStatus, StatusCode expected)
    {
        Assert.Equal(expected, GrpcHttpStatus.ToStatusCode(httpStatus));
    }

    [Fact]
    public void CreateStatus_NotFound_NamesHttpStatusInDetail()
    {
        var status = GrpcHttpStatus.CreateStatus(HttpStatusCode.NotFound);

        Assert.Equal(StatusCode.Unimplemented, status.StatusCode);
        Assert.Contains("404", status.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0", StatusCode.OK)]
    [InlineData("5", StatusCode.NotFound)]
    [InlineData("16", StatusCode.Unauthenticated)]
    [InlineData("17", StatusCode.Unknown)]
    [InlineData("4294967295", StatusCode.Unknown)]
    public void TryParseStatusCode_Digits_ReturnsCode(string value, StatusCode expected)
    {
        Assert.True(GrpcHttpStatus.TryParseStatusCode(value, out var code));
        Assert.Equal(expected, code);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("-1", "negative")]
    [InlineData("1a", "letter")]
    [InlineData(" 1", "space")]
    [InlineData("12345678901", "eleven digits")]
    public void TryParseStatusCode_Invalid_ReturnsFalse(string value, string reason)
    {
        Assert.False(GrpcHttpStatus.TryParseStatusCode(value, out _), reason);
    }
}
