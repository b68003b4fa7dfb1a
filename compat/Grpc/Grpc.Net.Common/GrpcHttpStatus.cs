using System.Globalization;
using System.Net;
using Grpc.Core;

namespace Grpc.Net.Common;

/// <summary>
/// Status handling for responses: HTTP status to gRPC status when no <c>grpc-status</c> came back
/// (https://github.com/grpc/grpc/blob/master/doc/http-grpc-status-mapping.md), and <c>grpc-status</c> parsing.
/// </summary>
internal static class GrpcHttpStatus
{
    /// <summary>
    /// Maps an HTTP status code to a gRPC status code: 400 and 431 Internal, 401 Unauthenticated,
    /// 403 PermissionDenied, 404 Unimplemented, 429/502/503/504 Unavailable, a (stray) 1xx Internal,
    /// anything else Unknown (grpc-dotnet's mapping).
    /// </summary>
    /// <param name="httpStatusCode">The HTTP status code.</param>
    /// <returns>The gRPC status code.</returns>
    public static StatusCode ToStatusCode(int httpStatusCode) => httpStatusCode switch
    {
        400 or 431 => StatusCode.Internal,
        >= 100 and < 200 => StatusCode.Internal,
        401 => StatusCode.Unauthenticated,
        403 => StatusCode.PermissionDenied,
        404 => StatusCode.Unimplemented,
        429 or 502 or 503 or 504 => StatusCode.Unavailable,
        _ => StatusCode.Unknown,
    };

    /// <summary>
    /// Maps a transport failure to a status code. A stream or connection reset by the peer carries an
    /// HTTP/2 (RST_STREAM, GOAWAY) or HTTP/3 error code, mapped as gRPC over HTTP/2 prescribes ("Errors"):
    /// CANCEL → Cancelled, REFUSED_STREAM → Unavailable, ENHANCE_YOUR_CALM → ResourceExhausted,
    /// INADEQUATE_SECURITY → PermissionDenied, any other code → Internal (as grpc-dotnet). A failure without
    /// an error code (connection refused or lost, I/O error) is Unavailable.
    /// </summary>
    /// <param name="exception">The exception the HTTP stack threw (inner exceptions are searched).</param>
    /// <returns>The gRPC status code.</returns>
    public static StatusCode FromTransportException(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is HttpProtocolException protocolError)
            {
                return FromProtocolErrorCode(protocolError.ErrorCode);
            }
        }

        return StatusCode.Unavailable;
    }

    /// <summary>
    /// Maps an HTTP/2 (below 0x100) or HTTP/3 (0x100 and up) error code to a status code.
    /// </summary>
    /// <param name="errorCode">The error code of the reset stream or connection.</param>
    /// <returns>The gRPC status code.</returns>
    public static StatusCode FromProtocolErrorCode(long errorCode) => errorCode switch
    {
        0x7 => StatusCode.Unavailable,          // REFUSED_STREAM
        0x8 => StatusCode.Cancelled,            // CANCEL
        0xB => StatusCode.ResourceExhausted,    // ENHANCE_YOUR_CALM
        0xC => StatusCode.PermissionDenied,     // INADEQUATE_SECURITY
        0x107 => StatusCode.ResourceExhausted,  // H3_EXCESSIVE_LOAD
        0x10B => StatusCode.Unavailable,        // H3_REQUEST_REJECTED
        0x10C => StatusCode.Cancelled,          // H3_REQUEST_CANCELLED
        _ => StatusCode.Internal,
    };

    /// <summary>
    /// Creates the status of a response that had a non-200 HTTP status and no <c>grpc-status</c>.
    /// </summary>
    /// <param name="httpStatusCode">The HTTP status code.</param>
    /// <returns>The status.</returns>
    public static Status CreateStatus(HttpStatusCode httpStatusCode)
    {
        var code = (int)httpStatusCode;
        return new Status(ToStatusCode(code), string.Create(CultureInfo.InvariantCulture, $"Bad gRPC response. HTTP status code: {code}"));
    }

    /// <summary>
    /// Parses a <c>grpc-status</c> value: 1 to 10 ASCII digits. Numbers outside the defined codes map to
    /// <see cref="StatusCode.Unknown"/>. Never throws.
    /// </summary>
    /// <param name="value">The header value.</param>
    /// <param name="statusCode">The status code.</param>
    /// <returns><see langword="true"/> when the value is a number.</returns>
    public static bool TryParseStatusCode(ReadOnlySpan<char> value, out StatusCode statusCode)
    {
        statusCode = StatusCode.Unknown;
        if (value.IsEmpty || value.Length > 10)
        {
            return false;
        }

        long number = 0;
        foreach (var c in value)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }

            number = (number * 10) + (c - '0');
        }

        statusCode = number <= (long)StatusCode.Unauthenticated ? (StatusCode)number : StatusCode.Unknown;
        return true;
    }
}
