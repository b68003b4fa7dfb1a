using Grpc.Net.Common;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Grpc.AspNetCore.Server.Internal;

/// <summary>
/// Checks a request before a call starts: HTTP/2 (or later) and a gRPC content type. A rejected request is
/// answered here; inbound values are never echoed. <c>grpc-encoding</c> is not checked here: gRPC over HTTP/2
/// only refuses a message that is compressed with an unsupported encoding (see <see cref="RequestMessageReader"/>).
/// </summary>
internal static class GrpcRequestValidator
{
    public static bool TryValidate(HttpContext httpContext, ILogger logger)
    {
        var request = httpContext.Request;
        if (!IsGrpcContentType(request.ContentType))
        {
            // gRPC over HTTP/2: a request without a gRPC content type is answered 415 Unsupported Media Type.
            GrpcServerLog.UnsupportedRequestContentType(logger);
            WriteHttpError(httpContext.Response, StatusCodes.Status415UnsupportedMediaType, Grpc.Core.StatusCode.Internal, "Content-Type is not supported: gRPC requires 'application/grpc'.");
            return false;
        }

        if (!HttpProtocol.IsHttp2(request.Protocol) && !HttpProtocol.IsHttp3(request.Protocol))
        {
            GrpcServerLog.UnsupportedRequestProtocol(logger, ProtocolName(request.Protocol));
            WriteHttpError(httpContext.Response, StatusCodes.Status426UpgradeRequired, Grpc.Core.StatusCode.Internal, "Request protocol is not supported: gRPC requires HTTP/2.");
            httpContext.Response.Headers.Upgrade = "h2c";
            return false;
        }

        return true;
    }

    /// <summary>
    /// <c>application/grpc</c>, optionally followed by <c>+format</c> or <c>;parameters</c>, case-insensitive.
    /// </summary>
    public static bool IsGrpcContentType(string? contentType)
    {
        if (contentType is null || !contentType.StartsWith(GrpcProtocolConstants.ContentType, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        if (contentType.Length == GrpcProtocolConstants.ContentType.Length)
        {
            return true;
        }

        var next = contentType[GrpcProtocolConstants.ContentType.Length];
        return next is '+' or ';';
    }

    public static void WriteTrailersOnlyStatus(HttpResponse response, Grpc.Core.StatusCode statusCode, string message)
    {
        response.Headers[GrpcProtocolConstants.StatusTrailer] = StatusCodeText.Get(statusCode);
        response.Headers[GrpcProtocolConstants.MessageTrailer] = GrpcStatusMessageCodec.Encode(message);
    }

    private static void WriteHttpError(HttpResponse response, int httpStatusCode, Grpc.Core.StatusCode statusCode, string message)
    {
        response.StatusCode = httpStatusCode;
        WriteTrailersOnlyStatus(response, statusCode, message);
    }

    private static string ProtocolName(string protocol)
    {
        // Only known protocol names are logged; anything else is summarized.
        return HttpProtocol.IsHttp10(protocol) ? HttpProtocol.Http10
            : HttpProtocol.IsHttp11(protocol) ? HttpProtocol.Http11
            : "other";
    }
}
