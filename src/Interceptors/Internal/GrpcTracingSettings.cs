using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Propagation.Middleware;
using Propagation.Middleware.Internal;

namespace Propagation.Interceptors;

/// <summary>
/// Everything both interceptors need, resolved once: the propagator, the activity source, the trust
/// decision, the response echo, the injection rules and the logger.
/// </summary>
internal sealed class GrpcTracingSettings : IDisposable
{
    /// <summary>The source of every interceptor built from <c>AddTracing</c>'s services (exported by the tracing pipeline).</summary>
    internal static readonly ActivitySource SharedSource = new(GrpcTracingConventions.ActivitySourceName, typeof(GrpcTracingSettings).Assembly.GetName().Version?.ToString());

    // One settings object per app (per TracingService), however often the interceptors are activated.
    private static readonly ConditionalWeakTable<TracingService, GrpcTracingSettings> PerService = [];

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

    /// <summary>Gets or sets the per-request trust decision (the same one the HTTP side uses); the HttpContext is null outside ASP.NET Core.</summary>
    public Func<HttpContext?, TrustPolicy>? TrustDecider { get; set; }

    /// <summary>Gets the app's tracing core when built from <c>AddTracing</c> (echo, issue recording), or <see langword="null"/>.</summary>
    public TracingService? Service { get; private init; }

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
        return decider is not null ? decider(httpContext) : DefaultTrust;
    }

    /// <summary>Gets the settings of the app whose services these are; <c>AddTracing</c> must have been called.</summary>
    public static GrpcTracingSettings FromServices(IServiceProvider services, string interceptor)
    {
        ArgumentNullException.ThrowIfNull(services);
        var service = services.GetService<TracingService>()
            ?? throw new InvalidOperationException(
                $"{interceptor} needs the tracing services: call services.AddTracing() (or services.AddGrpcTracing()) when configuring the host.");
        return PerService.GetValue(service, static s => FromService(s));
    }

    /// <summary>Builds settings that reuse the HTTP side's propagator, trust rules, echo, destination policy and ownership.</summary>
    internal static GrpcTracingSettings FromService(TracingService service)
    {
        var options = service.Options;
        var destinations = service.Destinations;
        var fallbackScope = destinations.Resolve(null);
        return new GrpcTracingSettings(service.Propagator, SharedSource, service.Logger)
        {
            Service = service,
            TrustDecider = service.DecideTrust,
            TraceIdResponseHeader = options.EchoResponseHeaders ? options.TraceIdResponseHeader : null,
            SpanIdResponseHeader = options.EchoResponseHeaders ? options.SpanIdResponseHeader : null,
            OverwriteCallerHeaders = options.OverwriteCallerHeaders,
            OutboundScope = host => host is not null && Uri.TryCreate("http://" + host, UriKind.Absolute, out var uri)
                ? destinations.Resolve(uri)
                : fallbackScope,
            MarkOwned = service.MarkOwned,
        };
    }

    public void Dispose()
    {
        if (_ownsSource)
        {
            Source.Dispose();
        }
    }
}
