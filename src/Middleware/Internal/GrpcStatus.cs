using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;

namespace Propagation.Middleware.Internal;

/// <summary>
/// The final gRPC status on a server or client span, one rule for both places that record it: the gRPC interceptors
/// (Propagation.Interceptors, for the calls they handle) and <c>UseTracing</c> (for a gRPC call the runtime answered
/// before the server interceptor ran). Codes are the numeric <c>grpc-status</c> values, so this assembly needs no gRPC
/// reference.
/// </summary>
internal static class GrpcStatus
{
    /// <summary>Span attribute <c>rpc.system</c>.</summary>
    public const string RpcSystem = "rpc.system";

    /// <summary>The value of <see cref="RpcSystem"/> for gRPC.</summary>
    public const string RpcSystemValue = "grpc";

    /// <summary>Span attribute <c>rpc.grpc.status_code</c>: the numeric final status.</summary>
    public const string RpcGrpcStatusCode = "rpc.grpc.status_code";

    /// <summary>Span event: the call was cancelled.</summary>
    public const string CancelledEvent = "rpc.grpc.cancelled";

    /// <summary>Span event: the call's deadline passed before it completed.</summary>
    public const string DeadlineExceededEvent = "rpc.grpc.deadline_exceeded";

    /// <summary>The trailer (or, in a trailers-only response, the header) with the final status.</summary>
    private const string StatusHeader = "grpc-status";

    /// <summary>The gRPC content type; <c>+format</c> and <c>;parameters</c> may follow (and <c>-web</c> for gRPC-Web).</summary>
    public const string ContentType = "application/grpc";

    private const int Cancelled = 1;
    private const int DeadlineExceeded = 4;

    // The status codes of the gRPC protocol (doc/statuscodes.md), by value; an index is a valid code.
    private static readonly string[] Names =
    [
        "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
        "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED",
        "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
    ];

    // Boxed once: rpc.grpc.status_code is set on every gRPC span.
    private static readonly object[] BoxedCodes = CreateBoxedCodes();

    /// <summary>The server-side error codes of the OpenTelemetry RPC conventions.</summary>
    public static bool IsServerError(int code) => code is 2 or 4 or 12 or 13 or 14 or 15;

    /// <summary>The code's name (<c>UNIMPLEMENTED</c>), the span status description of an error; a code outside the protocol's, as a number.</summary>
    public static string GetName(int code) => (uint)code < (uint)Names.Length ? Names[code] : code.ToString(CultureInfo.InvariantCulture);

    /// <summary>The boxed code, one box per protocol code.</summary>
    public static object Box(int code) => (uint)code < (uint)BoxedCodes.Length ? BoxedCodes[code] : code;

    /// <summary>
    /// Records the final status: <c>rpc.grpc.status_code</c>, status Error with the code's name when
    /// <paramref name="error"/>, and the cancel or deadline event. <paramref name="own"/>: the span was started by the
    /// caller, which writes each attribute once (added, no list walk); otherwise set, replacing any value already there.
    /// </summary>
    public static void Record(Activity activity, int code, bool error, bool own)
    {
        if (own)
        {
            activity.AddTag(RpcGrpcStatusCode, Box(code));
        }
        else
        {
            activity.SetTag(RpcGrpcStatusCode, Box(code));
        }

        if (error)
        {
            activity.SetStatus(ActivityStatusCode.Error, GetName(code));
        }

        if (code == Cancelled)
        {
            activity.AddEvent(new ActivityEvent(CancelledEvent));
        }
        else if (code == DeadlineExceeded)
        {
            activity.AddEvent(new ActivityEvent(DeadlineExceededEvent));
        }
    }

    /// <summary>
    /// For <c>UseTracing</c>'s server span of a gRPC request (content type <c>application/grpc</c>, <c>+format</c> or
    /// <c>;parameters</c> after it) that the gRPC server interceptor did not record: a call the runtime answered before
    /// any interceptor ran (an unknown service or method, a request message over the size limit, an unsupported
    /// encoding) or one an interceptor ahead of ours answered. Records <c>rpc.system</c> and the final status the
    /// response carries, as the interceptor records it. The runtime writes the status before its endpoint returns: in
    /// the trailers, or in the headers of a trailers-only response. <c>rpc.service</c> and <c>rpc.method</c> are not set:
    /// for an unknown service or method they would be the caller's path, any number of distinct values.
    /// </summary>
    /// <remarks>
    /// An HTTP/1.x request returns without reading a header; a request of another content type (gRPC-Web's, whose
    /// trailers travel in the body, unless <c>UseGrpcWeb</c> translated it: it presents the call as HTTP/2
    /// <c>application/grpc</c> until the response starts, so a trailers-only answer is read) after one header read.
    /// Neither allocates. A <c>grpc-status</c> that is not one
    /// decimal code 0..16 as gRPC writes it is ignored.
    /// </remarks>
    public static void RecordAnswered(HttpContext context, Activity activity)
    {
        // gRPC needs HTTP/2 or later: an HTTP/1.x request (most plain HTTP traffic) is let go without a header read.
        var request = context.Request;
        var protocol = request.Protocol;
        if (HttpProtocol.IsHttp11(protocol) || HttpProtocol.IsHttp10(protocol) || !IsGrpcContentType(request.ContentType))
        {
            return;
        }

        RecordAnsweredCore(context, activity);
    }

    /// <summary>Whether a request's content type is gRPC's: <c>application/grpc</c>, optionally followed by <c>+format</c> or <c>;parameters</c>.</summary>
    public static bool IsGrpcContentType(string? contentType) =>
        contentType is not null
        && contentType.StartsWith(ContentType, StringComparison.OrdinalIgnoreCase)
        && (contentType.Length == ContentType.Length || contentType[ContentType.Length] is '+' or ';');

    /// <summary>
    /// Parses a <c>grpc-status</c> value strictly: exactly one value, a decimal code 0..16 without sign, spaces or
    /// leading zeros (the protocol's <c>1*DIGIT</c>, as servers write it). Anything else is treated as absent.
    /// </summary>
    public static bool TryParse(StringValues values, out int code)
    {
        code = -1;
        if (values.Count != 1 || values[0] is not { Length: 1 or 2 } value)
        {
            return false;
        }

        var first = value[0] - '0';
        if ((uint)first > 9 || (value.Length == 2 && first == 0))
        {
            return false;
        }

        var parsed = first;
        if (value.Length == 2)
        {
            var second = value[1] - '0';
            if ((uint)second > 9)
            {
                return false;
            }

            parsed = (first * 10) + second;
        }

        if (parsed >= Names.Length)
        {
            return false;
        }

        code = parsed;
        return true;
    }

    private static void RecordAnsweredCore(HttpContext context, Activity activity)
    {
        // The interceptor recorded the call (its final status is set when the call ends, before the runtime's endpoint
        // returns): its attributes stand, so nothing is recorded twice.
        if (activity.GetTagItem(RpcGrpcStatusCode) is not null)
        {
            return;
        }

        var status = context.Features.Get<IHttpResponseTrailersFeature>()?.Trailers is { } trailers ? trailers[StatusHeader] : default;
        if (status.Count == 0)
        {
            // Trailers-only: the status in the response headers.
            status = context.Response.Headers[StatusHeader];
        }

        if (!TryParse(status, out var code))
        {
            return;
        }

        activity.SetTag(RpcSystem, RpcSystemValue);
        Record(activity, code, IsServerError(code), own: false);
    }

    private static object[] CreateBoxedCodes()
    {
        var codes = new object[Names.Length];
        for (var i = 0; i < codes.Length; i++)
        {
            codes[i] = i;
        }

        return codes;
    }
}
