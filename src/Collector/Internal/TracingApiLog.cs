using Microsoft.Extensions.Logging;

namespace Propagation.Collector.Internal;

/// <summary>Log messages of the tracing API (event ids 7050–7059).</summary>
internal static partial class TracingApiLog
{
    /// <summary>The category, among this library's own (<c>Propagation.*</c>): a filter for the framework's
    /// <c>Microsoft.*</c> categories must not silence the warning that the traces are readable by anyone.</summary>
    public const string Category = "Propagation.Collector.TracingApi";

    [LoggerMessage(
        EventId = 7050,
        Level = LogLevel.Warning,
        Message = "The tracing API at '{Prefix}' is mapped without an authorization policy in the '{Environment}' environment: " +
                  "anyone who can reach this app can read its traces. Call RequireAuthorization(policy) on the result of MapTracingApi().")]
    public static partial void MappedWithoutAuthorization(ILogger logger, string prefix, string environment);
}
