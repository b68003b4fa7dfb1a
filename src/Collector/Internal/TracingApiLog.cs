using Microsoft.Extensions.Logging;

namespace Propagation.Collector.Internal;

/// <summary>Log messages of the tracing API (event ids 7050–7059).</summary>
internal static partial class TracingApiLog
{
    [LoggerMessage(
        EventId = 7050,
        Level = LogLevel.Warning,
        Message = "The tracing API at '{Prefix}' is mapped without an authorization policy in the '{Environment}' environment: " +
                  "anyone who can reach this app can read its traces. Call RequireAuthorization(policy) on the result of MapTracingApi().")]
    public static partial void MappedWithoutAuthorization(ILogger logger, string prefix, string environment);
}
