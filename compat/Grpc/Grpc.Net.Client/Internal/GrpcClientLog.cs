using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace Grpc.Net.Client.Internal;

/// <summary>
/// Client log messages; event ids 2100-2199.
/// </summary>
internal static partial class GrpcClientLog
{
    [LoggerMessage(2100, LogLevel.Debug, "Starting gRPC call to {Method}.", EventName = "StartingCall")]
    public static partial void StartingCall(ILogger logger, string method);

    [LoggerMessage(2101, LogLevel.Debug, "gRPC call to {Method} finished with status {StatusCode}.", EventName = "CallFinished")]
    public static partial void CallFinished(ILogger logger, string method, StatusCode statusCode);

    [LoggerMessage(2102, LogLevel.Debug, "gRPC call to {Method} exceeded its deadline.", EventName = "DeadlineExceeded")]
    public static partial void DeadlineExceeded(ILogger logger, string method);

    [LoggerMessage(2103, LogLevel.Debug, "gRPC call to {Method} was cancelled by the client.", EventName = "CallCanceled")]
    public static partial void CallCanceled(ILogger logger, string method);

    // The status detail may come from the server; it is never logged.
    [LoggerMessage(2104, LogLevel.Debug, "gRPC call to {Method} failed with status {StatusCode}.", EventName = "CallFailed")]
    public static partial void CallFailed(ILogger logger, string method, StatusCode statusCode, Exception? exception);

    [LoggerMessage(2105, LogLevel.Debug, "A response header or trailer of gRPC call to {Method} is not valid metadata and was ignored.", EventName = "InvalidResponseHeaderIgnored")]
    public static partial void InvalidResponseHeaderIgnored(ILogger logger, string method);
}
