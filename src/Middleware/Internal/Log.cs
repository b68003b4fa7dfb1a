using Microsoft.Extensions.Logging;

namespace Propagation.Middleware.Internal;

/// <summary>Log messages of Propagation.Middleware (event ids 1000-1099).</summary>
internal static partial class Log
{
    /// <summary>Inbound trace headers were rejected or trimmed. Only the reasons are logged, never the raw values.</summary>
    [LoggerMessage(1000, LogLevel.Debug, "Inbound trace headers were rejected or trimmed: {Reasons} (trust policy {Policy}).", EventName = "InboundHeadersRejected")]
    public static partial void InboundHeadersRejected(ILogger logger, PropagationIssues reasons, TrustPolicy policy);

    [LoggerMessage(1001, LogLevel.Error, "TracingOptions.TrustDecider threw; the request is treated as untrusted (logged once: later failures are counted as trust_decider_failed in propagation health).", EventName = "TrustDeciderFailed")]
    public static partial void TrustDeciderFailed(ILogger logger, Exception exception);

    [LoggerMessage(1002, LogLevel.Warning, "Slow request: {Operation} took {DurationMs} ms (threshold {ThresholdMs} ms), trace {TraceId}.", EventName = "SlowRequest")]
    public static partial void SlowRequest(ILogger logger, string operation, double durationMs, double thresholdMs, string traceId);

    [LoggerMessage(1003, LogLevel.Information, "span trace_id={trace_id} span_id={span_id} parent_id={parent_id} operation={operation} duration_ms={duration_ms} service={service} status_code={status_code}", EventName = "SpanFinished")]
#pragma warning disable CA1707 // The structured field names are the log schema.
    public static partial void SpanFinished(ILogger logger, string trace_id, string span_id, string parent_id, string operation, double duration_ms, string service, int status_code);
#pragma warning restore CA1707

    [LoggerMessage(1004, LogLevel.Debug, "Trace response headers were not written: the response had already started.", EventName = "ResponseHeadersNotWritten")]
    public static partial void ResponseHeadersNotWritten(ILogger logger);

    [LoggerMessage(1005, LogLevel.Warning, "HttpClient '{ClientName}': its primary handler {HandlerType} could not be adjusted (a SocketsHttpHandler shared with another client that already sent a request, or an HttpClientHandler whose inner SocketsHttpHandler was not found), so it may start its own System.Net.Http activity and inject headers beside ours; give this client a primary handler of its own to avoid a duplicate client span.", EventName = "PrimaryHandlerNotConfigured")]
    public static partial void PrimaryHandlerNotConfigured(ILogger logger, string clientName, string handlerType);

    [LoggerMessage(1007, LogLevel.Warning, "The trust decision depends on the request, but ASP.NET Core hosting's propagator call could not see the request (an IHttpContextFactory of the app's that sets no IHttpContextAccessor, or a DistributedContextPropagator registered after AddTracing), so requests get TracingOptions.UntrustedPolicy. Register an IHttpContextAccessor (services.AddHttpContextAccessor()) that the factory sets, or keep the default factory.", EventName = "RequestNotSeenByPropagator")]
    public static partial void RequestNotSeenByPropagator(ILogger logger);

    [LoggerMessage(1008, LogLevel.Warning, "TracingOptions.TrustDecider returned {Value}, which is not a TrustPolicy; such requests are treated as untrusted (logged once).", EventName = "TrustDeciderUndefined")]
    public static partial void TrustDeciderUndefined(ILogger logger, int value);

    [LoggerMessage(1006, LogLevel.Debug, "The caller set trace headers on an outbound request; they are kept and no trace header is injected.", EventName = "CallerHeadersKept")]
    public static partial void CallerHeadersKept(ILogger logger);
}
