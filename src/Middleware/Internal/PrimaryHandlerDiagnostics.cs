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

    /// <summary>Adjusts the primary handler of a client being built; warns (event 1005) when it cannot be, once per client
    /// name of <paramref name="service"/>'s app (the factory builds the handler again at each HandlerLifetime).</summary>
    public static void Disable(HttpMessageHandlerBuilder builder, string clientName, ILoggerFactory? loggers, RedirectScopePropagator? redirectGuard, TracingService? service)
    {
        var handler = Innermost(builder.PrimaryHandler);
        if (!TryDisable(handler, redirectGuard) && (service is null || service.TryClaimUnadjustedHandlerReport(clientName)))
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
        var sockets = AsSockets(Innermost(handler), out _);
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
        var sockets = AsSockets(handler, out var reachable);
        if (sockets is null)
        {
            // Only SocketsHttpHandler (directly or inside HttpClientHandler) adds System.Net.Http's DiagnosticsHandler.
            return reachable;
        }

        var wanted = sockets.AllowAutoRedirect ? redirectGuard : null;
        var current = sockets.ActivityHeadersPropagator;
        if (current is null ? wanted is null : wanted is not null && wanted.SameAs(current))
        {
            // Already so (a handler shared by clients, adjusted when the first was built): a handler that sent a
            // request refuses even a setting to the value it has.
            return true;
        }

        try
        {
            sockets.ActivityHeadersPropagator = wanted;
            return true;
        }
        catch (InvalidOperationException)
        {
            // The handler already sent a request (a shared instance): its settings are frozen.
            return false;
        }
    }

    private static HttpMessageHandler? Innermost(HttpMessageHandler? handler)
    {
        while (handler is DelegatingHandler { InnerHandler: { } inner })
        {
            handler = inner;
        }

        return handler;
    }

    /// <summary>
    /// The <see cref="SocketsHttpHandler"/> that would add System.Net.Http's diagnostics: the handler itself, or the one
    /// inside an <see cref="HttpClientHandler"/>. <paramref name="reachable"/> is false when an
    /// <see cref="HttpClientHandler"/>'s inner handler cannot be found (its private field changed).
    /// </summary>
    private static SocketsHttpHandler? AsSockets(HttpMessageHandler? handler, out bool reachable)
    {
        reachable = true;
        switch (handler)
        {
            case SocketsHttpHandler sockets:
                return sockets;
            case HttpClientHandler client:
                var inner = UnderlyingHandler?.GetValue(client) as SocketsHttpHandler;
                reachable = inner is not null;
                return inner;
            default:
                return null;
        }
    }
}
