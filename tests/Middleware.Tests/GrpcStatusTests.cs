using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;
using Propagation.Middleware.Internal;

namespace Propagation.Middleware.Tests;

public sealed class GrpcStatusTests
{
    [Theory]
    [InlineData("0", 0)]
    [InlineData("8", 8)]
    [InlineData("12", 12)]
    [InlineData("16", 16)]
    public void TryParse_ProtocolCode_Parsed(string value, int expected)
    {
        // Act
        var parsed = GrpcStatus.TryParse(new StringValues(value), out var code);

        // Assert
        Assert.True(parsed);
        Assert.Equal(expected, code);
    }

    [Theory]
    [InlineData("17", "above the protocol's codes")]
    [InlineData("99", "above the protocol's codes")]
    [InlineData("012", "three characters")]
    [InlineData("01", "leading zero")]
    [InlineData("-1", "sign")]
    [InlineData("+1", "sign")]
    [InlineData(" 1", "space")]
    [InlineData("1 ", "space")]
    [InlineData("", "empty")]
    [InlineData("a", "not a digit")]
    [InlineData("1a", "not a digit")]
    [InlineData("\u0661", "a non-ASCII digit")]
    public void TryParse_NotAProtocolCode_Rejected(string value, string reason)
    {
        // Act
        var parsed = GrpcStatus.TryParse(new StringValues(value), out _);

        // Assert
        Assert.False(parsed, reason);
    }

    [Fact]
    public void TryParse_AbsentOrSeveralValues_Rejected()
    {
        // Act + Assert
        Assert.False(GrpcStatus.TryParse(StringValues.Empty, out _));
        Assert.False(GrpcStatus.TryParse(new StringValues(["12", "12"]), out _));
    }

    [Theory]
    [InlineData("application/grpc", true)]
    [InlineData("application/grpc+proto", true)]
    [InlineData("APPLICATION/GRPC+json", true)]
    [InlineData("application/grpc;charset=utf-8", true)]
    [InlineData("application/grpc-web", false)]
    [InlineData("application/grpc-web-text", false)]
    [InlineData("application/grpcx", false)]
    [InlineData("application/json", false)]
    [InlineData("text/plain; application/grpc", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void IsGrpcContentType_ContentType_OnlyGrpcsOwn(string? contentType, bool expected)
    {
        // Act + Assert
        Assert.Equal(expected, GrpcStatus.IsGrpcContentType(contentType));
    }

    [Theory]
    [InlineData(12, true, "UNIMPLEMENTED")]
    [InlineData(2, true, "UNKNOWN")]
    [InlineData(4, true, "DEADLINE_EXCEEDED")]
    [InlineData(13, true, "INTERNAL")]
    [InlineData(14, true, "UNAVAILABLE")]
    [InlineData(15, true, "DATA_LOSS")]
    [InlineData(8, false, null)]
    [InlineData(0, false, null)]
    [InlineData(5, false, null)]
    public void RecordAnswered_GrpcStatusInTrailers_RecordedWithServerErrorRule(int code, bool error, string? description)
    {
        // Arrange
        var context = GrpcContext();
        Trailers(context)["grpc-status"] = code.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var activity = new Activity("test").Start();

        // Act
        GrpcStatus.RecordAnswered(context, activity);

        // Assert
        Assert.Equal("grpc", activity.GetTagItem("rpc.system"));
        Assert.Equal(code, activity.GetTagItem("rpc.grpc.status_code"));
        Assert.Equal(error ? ActivityStatusCode.Error : ActivityStatusCode.Unset, activity.Status);
        Assert.Equal(description, activity.StatusDescription);
        Assert.Equal(code == 4 ? 1 : 0, activity.Events.Count(e => e.Name == "rpc.grpc.deadline_exceeded"));
    }

    [Fact]
    public void RecordAnswered_TrailersOnlyResponse_StatusReadFromHeaders()
    {
        // Arrange
        var context = GrpcContext();
        context.Response.Headers["grpc-status"] = "12";
        context.Response.Headers["grpc-message"] = "Service is unimplemented.";
        using var activity = new Activity("test").Start();

        // Act
        GrpcStatus.RecordAnswered(context, activity);

        // Assert: the description is the code's name, never the message text.
        Assert.Equal(12, activity.GetTagItem("rpc.grpc.status_code"));
        Assert.Equal("UNIMPLEMENTED", activity.StatusDescription);
    }

    [Fact]
    public void RecordAnswered_StatusAlreadyRecordedByTheInterceptor_LeftAsItIs()
    {
        // Arrange
        var context = GrpcContext();
        Trailers(context)["grpc-status"] = "13";
        using var activity = new Activity("test").Start();
        activity.SetTag("rpc.grpc.status_code", 0);

        // Act
        GrpcStatus.RecordAnswered(context, activity);

        // Assert
        Assert.Equal(0, activity.GetTagItem("rpc.grpc.status_code"));
        Assert.Equal(ActivityStatusCode.Unset, activity.Status);
        Assert.Null(activity.GetTagItem("rpc.system"));
    }

    [Theory]
    [InlineData("application/json", "12")]
    [InlineData(null, "12")]
    [InlineData("application/grpc", "17")]
    [InlineData("application/grpc", "UNIMPLEMENTED")]
    public void RecordAnswered_NotGrpcOrInvalidStatus_NothingRecorded(string? contentType, string status)
    {
        // Arrange
        var context = GrpcContext();
        context.Request.ContentType = contentType;
        context.Response.Headers["grpc-status"] = status;
        using var activity = new Activity("test").Start();

        // Act
        GrpcStatus.RecordAnswered(context, activity);

        // Assert
        Assert.Empty(activity.TagObjects);
        Assert.Equal(ActivityStatusCode.Unset, activity.Status);
    }

    [Theory]
    [InlineData("HTTP/1.1")]
    [InlineData("HTTP/1.0")]
    public void RecordAnswered_Http1Request_NothingRecorded(string protocol)
    {
        // Arrange: gRPC's content type and status, but over HTTP/1.x, where no gRPC runtime answers.
        var context = GrpcContext();
        context.Request.Protocol = protocol;
        context.Response.Headers["grpc-status"] = "12";
        using var activity = new Activity("test").Start();

        // Act
        GrpcStatus.RecordAnswered(context, activity);

        // Assert
        Assert.Empty(activity.TagObjects);
        Assert.Equal(ActivityStatusCode.Unset, activity.Status);
    }

    private static DefaultHttpContext GrpcContext()
    {
        var context = new DefaultHttpContext();
        context.Request.Protocol = "HTTP/2";
        context.Request.ContentType = "application/grpc";
        context.Features.Set<IHttpResponseTrailersFeature>(new TrailersFeature());
        return context;
    }

    private static IHeaderDictionary Trailers(HttpContext context) => context.Features.Get<IHttpResponseTrailersFeature>()!.Trailers;

    private sealed class TrailersFeature : IHttpResponseTrailersFeature
    {
        public IHeaderDictionary Trailers { get; set; } = new HeaderDictionary();
    }
}
