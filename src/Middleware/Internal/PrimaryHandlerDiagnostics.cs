using System.Reflection;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Propagation.Middleware.Internal;

/// <summary>
/// Turns off the <c>System.Net.Http</c> diagnostics of a client's primary handler: with
/// <see cref="SocketsHttpHandler.ActivityHeadersPropagator"/> set to <see langword="null"/>,
/// <see cref="SocketsHttpHandler"/> neither starts its own client activity nor injects headers, so
/// our handler's span is the only client span and the destination policy is the only header rule.
/// </summary>
internal static class PrimaryHandlerDiagnostics
{
    // HttpClientHandler wraps a SocketsHttpHandler it does not expose; on .NET 10 it is this field.
    private static readonly FieldInfo? UnderlyingHandler =
        typeof(HttpClientHandler).GetField("_underlyingHandler", BindingFlags.Instance | BindingFlags.NonPublic);

    public static void Disable(HttpMessageHandlerBuilder builder, string clientName, ILoggerFactory? loggers)
    {
        var handler = builder.PrimaryHandler;
        while (handler is DelegatingHandler delegating && delegating.InnerHandler is not null)
        {
            handler = delegating.InnerHandler;
        }

        if (!TryDisable(handler))
        {
            Log.PrimaryHandlerNotConfigured(
                (loggers ?? NullLoggerFactory.Instance).CreateLogger("Propagation.Middleware.Tracing"),
                clientName,
                handler?.GetType().FullName ?? "(none)");
        }
    }

    /// <summary>Turns the diagnostics off; returns false when the handler would still create them.</summary>
    internal static bool TryDisable(HttpMessageHandler? handler)
    {
        try
        {
            switch (handler)
            {
                case SocketsHttpHandler sockets:
                    sockets.ActivityHeadersPropagator = null;
                    return true;
                case HttpClientHandler client:
                    if (UnderlyingHandler?.GetValue(client) is SocketsHttpHandler inner)
                    {
                        inner.ActivityHeadersPropagator = null;
                        return true;
                    }

                    return false;
                default:
                    // Only SocketsHttpHandler (directly or inside HttpClientHandler) adds System.Net.Http's DiagnosticsHandler.
                    return true;
            }
        }
        catch (InvalidOperationException)
        {
            // The handler already sent a request (a shared instance): its settings are frozen.
            return false;
        }
    }
}
