using Microsoft.Extensions.Logging;

namespace Propagation.Interceptors;

/// <summary>Log messages of the gRPC interceptors (event ids 5000-5099).</summary>
internal static partial class Log
{
    [LoggerMessage(5000, LogLevel.Debug, "gRPC call {Method}: inbound trace context issues {Issues} (values not logged).")]
    public static partial void InboundIssues(ILogger logger, string method, PropagationIssues issues);

    [LoggerMessage(5001, LogLevel.Debug, "gRPC call {Method}: enriching the existing server span {SpanId}.")]
    public static partial void EnrichingServerSpan(ILogger logger, string method, string spanId);

    [LoggerMessage(5002, LogLevel.Debug, "gRPC call {Method}: the caller's sampling decision was deny; the server span carries the decision on and is not recorded.")]
    public static partial void SamplingDenied(ILogger logger, string method);

    [LoggerMessage(5003, LogLevel.Debug, "gRPC call {Method}: response already started; trace id headers not echoed.")]
    public static partial void EchoSkipped(ILogger logger, string method);
}
