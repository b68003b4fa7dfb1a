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
    /// Maps an HTTP status code to a gRPC status code: 400 Internal, 401 Unauthenticated,
    /// 403 PermissionDenied, 404 Unimplemented, 429/502/503/504 Unavailable, anything else Unknown.
    /// </summary>
    /// <param name="httpStatusCode">The HTTP status code.</param>
    /// <returns>The gRPC status code.</returns>
    public static StatusCode ToStatusCode(int httpStatusCode) => httpStatusCode switch
    {
        400 => StatusCode.Internal,
        401 => StatusCode.Unauthenticated,
        403 => StatusCode.PermissionDenied,
        404 => StatusCode.Unimplemented,
        429 or 502 or 503 or 504 => StatusCode.Unavailable,
        _ => StatusCode.Unknown,
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
