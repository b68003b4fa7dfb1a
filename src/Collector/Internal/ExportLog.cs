using Microsoft.Extensions.Logging;

namespace Propagation.Collector.Internal;

/// <summary>Log messages of the exporters (event ids 7110–7119).</summary>
internal static partial class ExportLog
{
    [LoggerMessage(EventId = 7110, Level = LogLevel.Information, Message = "{Span}")]
    public static partial void Span(ILogger logger, string span);
}
