using System.Net;
using Grpc.Core;
using Grpc.Net.Common;

namespace Grpc.Compat.Tests.Common;

public class GrpcHttpStatusTests
{
    [Theory]
    [InlineData(400, StatusCode.Internal)]
    [InlineData(431, StatusCode.Internal)]
    [InlineData(103, StatusCode.Internal)]
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

    [Theory]
    [InlineData(0x0L, StatusCode.Internal)]            // NO_ERROR
    [InlineData(0x1L, StatusCode.Internal)]            // PROTOCOL_ERROR
    [InlineData(0x2L, StatusCode.Internal)]            // INTERNAL_ERROR
    [InlineData(0x3L, StatusCode.Internal)]            // FLOW_CONTROL_ERROR
    [InlineData(0x7L, StatusCode.Unavailable)]         // REFUSED_STREAM
    [InlineData(0x8L, StatusCode.Cancelled)]           // CANCEL
    [InlineData(0xBL, StatusCode.ResourceExhausted)]   // ENHANCE_YOUR_CALM
    [InlineData(0xCL, StatusCode.PermissionDenied)]    // INADEQUATE_SECURITY
    [InlineData(0xDL, StatusCode.Internal)]            // HTTP_1_1_REQUIRED
    [InlineData(0x102L, StatusCode.Internal)]          // H3_INTERNAL_ERROR
    [InlineData(0x107L, StatusCode.ResourceExhausted)] // H3_EXCESSIVE_LOAD
    [InlineData(0x10BL, StatusCode.Unavailable)]       // H3_REQUEST_REJECTED
    [InlineData(0x10CL, StatusCode.Cancelled)]         // H3_REQUEST_CANCELLED
    [InlineData(0x7FFFFFFFL, StatusCode.Internal)]
    public void FromProtocolErrorCode_Http2AndHttp3Codes_MapPerSpec(long errorCode, StatusCode expected)
    {
        Assert.Equal(expected, GrpcHttpStatus.FromProtocolErrorCode(errorCode));
    }

    [Fact]
    public void FromTransportException_ResetInsideHttpRequestException_UsesItsErrorCode()
    {
        var reset = new HttpProtocolException(0x8, "The HTTP/2 server reset the stream.", null);

        Assert.Equal(StatusCode.Cancelled, GrpcHttpStatus.FromTransportException(new HttpRequestException("failed", reset)));
        Assert.Equal(StatusCode.Unavailable, GrpcHttpStatus.FromTransportException(new HttpRequestException("refused", new System.Net.Sockets.SocketException(111))));
        Assert.Equal(StatusCode.Unavailable, GrpcHttpStatus.FromTransportException(new IOException("connection lost")));
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
