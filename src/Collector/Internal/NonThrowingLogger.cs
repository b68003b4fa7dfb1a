using Microsoft.Extensions.Logging;

namespace Propagation.Collector.Internal;

/// <summary>
/// The pipeline's own logger: a logging provider that fails (the logger factory then throws an
/// <see cref="AggregateException"/> from every call) loses the message, never the pipeline's work. The export threads
/// write their warnings between exporting a batch and counting it done, and the host's shutdown writes them before
/// disposing the provider; a warning that threw there left flushes waiting for a batch already exported and the
/// provider undisposed.
/// </summary>
/// <remarks>Not for <see cref="JsonSpanExporter"/>'s logger: a span it cannot log is a failed export, as documented.</remarks>
internal sealed class NonThrowingLogger : ILogger
{
    private readonly ILogger _inner;

    private NonThrowingLogger(ILogger inner) => _inner = inner;

    /// <summary>Returns <paramref name="logger"/> wrapped once (a logger already wrapped is returned as it is).</summary>
    public static ILogger Wrap(ILogger logger) => logger as NonThrowingLogger ?? new NonThrowingLogger(logger);

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => _inner.BeginScope(state);

    public bool IsEnabled(LogLevel logLevel)
    {
        try
        {
            return _inner.IsEnabled(logLevel);
        }
#pragma warning disable CA1031 // A failing provider must not fail the pipeline; there is nowhere left to report it.
        catch (Exception ex) when (!ExportSpanFormat.IsFatal(ex))
#pragma warning restore CA1031
        {
            return false;
        }
    }

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        try
        {
            _inner.Log(logLevel, eventId, state, exception, formatter);
        }
#pragma warning disable CA1031 // A failing provider must not fail the pipeline; there is nowhere left to report it.
        catch (Exception ex) when (!ExportSpanFormat.IsFatal(ex))
#pragma warning restore CA1031
        {
        }
    }
}
