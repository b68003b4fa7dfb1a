using Microsoft.Extensions.Logging;

namespace Propagation.Collector.Tests.Pipeline;

/// <summary>A logging provider whose loggers throw while <see cref="Failing"/> (a sink that cannot write, a full disk).</summary>
internal sealed class FailingLoggerProvider : ILoggerProvider
{
    public volatile bool Failing;

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    private sealed class Logger(FailingLoggerProvider owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (owner.Failing)
            {
                throw new IOException("No space left on device");
            }
        }
    }
}
