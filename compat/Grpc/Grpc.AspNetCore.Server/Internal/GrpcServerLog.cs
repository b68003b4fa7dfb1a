using Microsoft.Extensions.Logging;

namespace Grpc.AspNetCore.Server.Internal;

/// <summary>
/// Server log messages, event ids 9000-9099. Never logs message payloads or raw header values.
/// </summary>
internal static partial class GrpcServerLog
{
    [LoggerMessage(9000, LogLevel.Debug, "Request protocol {Protocol} is not supported; gRPC requires HTTP/2.", EventName = "UnsupportedRequestProtocol")]
    public static partial void UnsupportedRequestProtocol(ILogger logger, string protocol);

    [LoggerMessage(9001, LogLevel.Debug, "Request content type is not a gRPC content type; answered 415.", EventName = "UnsupportedRequestContentType")]
    public static partial void UnsupportedRequestContentType(ILogger logger);

    [LoggerMessage(9002, LogLevel.Debug, "A request message is compressed with a grpc-encoding other than 'identity'; answered UNIMPLEMENTED.", EventName = "UnsupportedRequestEncoding")]
    public static partial void UnsupportedRequestEncoding(ILogger logger);

    [LoggerMessage(9003, LogLevel.Debug, "Ignored malformed grpc-timeout header ({Length} characters).", EventName = "InvalidTimeoutIgnored")]
    public static partial void InvalidTimeoutIgnored(ILogger logger, int length);

    [LoggerMessage(9004, LogLevel.Debug, "gRPC call {Method}: deadline in {Timeout}.", EventName = "DeadlineStarted")]
    public static partial void DeadlineStarted(ILogger logger, string method, TimeSpan timeout);

    [LoggerMessage(9005, LogLevel.Debug, "gRPC call {Method} exceeded its deadline.", EventName = "DeadlineExceeded")]
    public static partial void DeadlineExceeded(ILogger logger, string method);

    [LoggerMessage(9006, LogLevel.Debug, "gRPC call {Method} was canceled by the client.", EventName = "CallCanceledByClient")]
    public static partial void CallCanceledByClient(ILogger logger, string method);

    [LoggerMessage(9007, LogLevel.Information, "gRPC call {Method} ended with status {StatusCode}.", EventName = "RpcExceptionThrown")]
    public static partial void RpcExceptionThrown(ILogger logger, string method, Grpc.Core.StatusCode statusCode);

    [LoggerMessage(9008, LogLevel.Error, "gRPC call {Method}: the service method threw an exception.", EventName = "ErrorExecutingServiceMethod")]
    public static partial void ErrorExecutingServiceMethod(ILogger logger, string method, Exception exception);

    [LoggerMessage(9009, LogLevel.Debug, "gRPC call {Method}: skipped request header metadata with an invalid key or binary value.", EventName = "InvalidRequestHeaderSkipped")]
    public static partial void InvalidRequestHeaderSkipped(ILogger logger, string method);

    [LoggerMessage(9010, LogLevel.Debug, "gRPC call to an unimplemented {Kind}: answered UNIMPLEMENTED.", EventName = "Unimplemented")]
    public static partial void Unimplemented(ILogger logger, string kind);

    [LoggerMessage(9011, LogLevel.Warning, "gRPC call {Method}: a response message was partly written when the call failed; the stream is reset.", EventName = "PartialMessageAborted")]
    public static partial void PartialMessageAborted(ILogger logger, string method);

    [LoggerMessage(9012, LogLevel.Debug, "gRPC call {Method}: failed to complete the response after the deadline.", EventName = "DeadlineCompletionFailed")]
    public static partial void DeadlineCompletionFailed(ILogger logger, string method, Exception exception);

    [LoggerMessage(9013, LogLevel.Debug, "gRPC call {Method}: the response trailers could not be written because the transport does not support trailers.", EventName = "TrailersNotSupported")]
    public static partial void TrailersNotSupported(ILogger logger, string method);

    [LoggerMessage(9014, LogLevel.Warning, "gRPC call {Method}: the status could not be written; the stream is reset.", EventName = "StatusWriteFailed")]
    public static partial void StatusWriteFailed(ILogger logger, string method, Exception exception);

    [LoggerMessage(9015, LogLevel.Warning, "gRPC call {Method}: skipped response metadata entry with a value that is not printable ASCII.", EventName = "InvalidResponseMetadataSkipped")]
    public static partial void InvalidResponseMetadataSkipped(ILogger logger, string method);
}
