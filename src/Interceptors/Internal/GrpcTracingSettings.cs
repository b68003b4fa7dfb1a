using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Propagation.Interceptors;

/// <summary>
/// Everything both interceptors need, resolved once: the propagator, the activity source, the trust
/// decision, the response echo, the injection rules and the logger.
/// </summary>
internal sealed class GrpcTracingSettings : IDisposable
{
    private readonly bool _ownsSource;

    public GrpcTracingSettings(TracePropagator propagator, ActivitySource? source = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(propagator);
        Propagator = propagator;
        _ownsSource = source is null;
        Source = source ?? new ActivitySource(GrpcTracingConventions.ActivitySourceName);
        Logger = logger ?? NullLogger.Instance;
    }

    public TracePropagator Propagator { get; }

    public ActivitySource Source { get; }

    public ILogger Logger { get; }

    /// <summary>Gets or sets the trust policy when <see cref="TrustDecider"/> is not set or there is no HttpContext.</summary>
    public TrustPolicy DefaultTrust { get; set; } = TrustPolicy.Continue;

    /// <summary>Gets or sets the per-request trust decision (the same one the HTTP side uses).</summary>
    public Func<HttpContext, TrustPolicy>? TrustDecider { get; set; }

    /// <summary>Gets or sets the response header carrying the server span's trace id; <see langword="null"/> disables it.</summary>
    public string? TraceIdResponseHeader { get; set; } = "x-trace-id";

    /// <summary>Gets or sets the response header carrying the server span's span id; <see langword="null"/> disables it.</summary>
    public string? SpanIdResponseHeader { get; set; } = "x-span-id";

    /// <summary>Gets or sets a value indicating whether trace headers the caller set on the call are overwritten (default: kept).</summary>
    public bool OverwriteCallerHeaders { get; set; }

    /// <summary>Gets or sets how much context goes to a call's host (<see langword="null"/> host when the channel does not say).</summary>
    public Func<string?, InjectionScope>? OutboundScope { get; set; }

    /// <summary>Gets or sets what marks a server span this interceptor created as owned by this service's pipeline.</summary>
    public Action<Activity>? MarkOwned { get; set; }

    public TrustPolicy DecideTrust(HttpContext? httpContext)
    {
        var decider = TrustDecider;
        return decider is not null && httpContext is not null ? decider(httpContext) : DefaultTrust;
    }

    public void Dispose()
    {
        if (_ownsSource)
        {
            Source.Dispose();
        }
    }
}
