using System.Diagnostics;
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
/// A handler that follows redirects for a client whose scope depends on the host gets a
/// <see cref="RedirectScopePropagator"/> instead, which applies the policy on each hop.
/// </summary>
internal static class PrimaryHandlerDiagnostics
{
    // HttpClientHandler wraps a SocketsHttpHandler it does not expose; on .NET 10 it is this field.
    private static readonly FieldInfo? UnderlyingHandler =
        typeof(HttpClientHandler).GetField("_underlyingHandler", BindingFlags.Instance | BindingFlags.NonPublic);

    public static void Disable(HttpMessageHandlerBuilder builder, string clientName, ILoggerFactory? loggers, RedirectScopePropagator? redirectGuard)
    {
        var handler = builder.PrimaryHandler;
        while (handler is DelegatingHandler delegating && delegating.InnerHandler is not null)
        {
            handler = delegating.InnerHandler;
        }

        if (!TryDisable(handler, redirectGuard))
        {
            Log.PrimaryHandlerNotConfigured(
                (loggers ?? NullLoggerFactory.Instance).CreateLogger("Propagation.Middleware.Tracing"),
                clientName,
                handler?.GetType().FullName ?? "(none)");
        }
    }

    /// <summary>
    /// Gives the primary handler the app's propagator when it still has the process-wide default; a handler already
    /// sending (shared, its settings frozen) keeps its own.
    /// </summary>
    public static void UseAppPropagator(HttpMessageHandler? handler, Lazy<DistributedContextPropagator> propagator)
    {
        while (handler is DelegatingHandler delegating && delegating.InnerHandler is not null)
        {
            handler = delegating.InnerHandler;
        }

        var sockets = handler switch
        {
            SocketsHttpHandler direct => direct,
            HttpClientHandler client => UnderlyingHandler?.GetValue(client) as SocketsHttpHandler,
            _ => null,
        };
        if (sockets is null || !ReferenceEquals(sockets.ActivityHeadersPropagator, DistributedContextPropagator.Current))
        {
            return;
        }

        try
        {
            sockets.ActivityHeadersPropagator = propagator.Value;
        }
        catch (InvalidOperationException)
        {
            // Frozen: the handler already sent a request.
        }
    }

    /// <summary>Turns the diagnostics off (or to the redirect guard); returns false when the handler would still create them.</summary>
    internal static bool TryDisable(HttpMessageHandler? handler, RedirectScopePropagator? redirectGuard = null)
    {
        try
        {
            switch (handler)
            {
                case SocketsHttpHandler sockets:
                    sockets.ActivityHeadersPropagator = sockets.AllowAutoRedirect ? redirectGuard : null;
                    return true;
                case HttpClientHandler client:
                    if (UnderlyingHandler?.GetValue(client) is SocketsHttpHandler inner)
                    {
                        inner.ActivityHeadersPropagator = inner.AllowAutoRedirect ? redirectGuard : null;
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
