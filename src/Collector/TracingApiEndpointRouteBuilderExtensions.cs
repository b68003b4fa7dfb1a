using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Propagation.Collector;
using Propagation.Collector.Internal;
using Propagation.Collector.Internal.Api;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the read-only tracing HTTP API over the registered <see cref="SpanStore"/>.</summary>
/// <remarks>
/// <para>Endpoints (all <c>GET</c> and <c>HEAD</c>, JSON): <c>status</c>, <c>health</c>, <c>traces/search</c>,
/// <c>traces/{traceId}</c>, <c>performance/summary</c>, <c>performance/bottlenecks</c>, <c>operations/{name}/analysis</c>,
/// <c>dependencies</c>, <c>propagation</c>. Invalid parameters get a 400 problem response whose <c>parameter</c>
/// extension names the parameter; raw parameter values are never echoed.</para>
/// <para>The API exposes what services do: protect it with <c>.RequireAuthorization(policy)</c> on the returned
/// builder. Mapped without authorization outside the Development environment, a warning is logged at start-up.
/// Attribute values are returned as stored: credentials were redacted at ingest and stay redacted. Every answer carries
/// <c>Cache-Control: no-store</c> and <c>X-Content-Type-Options: nosniff</c>.</para>
/// </remarks>
public static class TracingApiEndpointRouteBuilderExtensions
{
    /// <summary>The default route prefix: <c>/api/tracing</c>.</summary>
    public const string DefaultPrefix = "/api/tracing";

    /// <summary>Maps the tracing API under <see cref="DefaultPrefix"/>.</summary>
    /// <param name="endpoints">The endpoint route builder (e.g. the <c>WebApplication</c>).</param>
    /// <returns>A builder for the API's route group: add <c>.RequireAuthorization(policy)</c> and other conventions here.</returns>
    /// <exception cref="InvalidOperationException">No <see cref="SpanStore"/> is registered (call <c>AddSpanStore()</c>).</exception>
    public static RouteGroupBuilder MapTracingApi(this IEndpointRouteBuilder endpoints) => endpoints.MapTracingApi(DefaultPrefix);

    /// <summary>Maps the tracing API under a prefix.</summary>
    /// <param name="endpoints">The endpoint route builder (e.g. the <c>WebApplication</c>).</param>
    /// <param name="prefix">The route prefix, e.g. <c>/internal/tracing</c>.</param>
    /// <returns>A builder for the API's route group: add <c>.RequireAuthorization(policy)</c> and other conventions here.</returns>
    /// <exception cref="InvalidOperationException">No <see cref="SpanStore"/> is registered (call <c>AddSpanStore()</c>).</exception>
    public static RouteGroupBuilder MapTracingApi(this IEndpointRouteBuilder endpoints, string prefix)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(prefix);
        if (endpoints.ServiceProvider.GetService<SpanStore>() is null)
        {
            throw new InvalidOperationException(
                "MapTracingApi needs a SpanStore: call services.AddSpanStore() (or AddTracing()) when configuring services.");
        }

        var marker = new TracingApiEndpointMarker(prefix);
        var group = endpoints.MapGroup(prefix);
        group.WithMetadata(marker);
        group.AddEndpointFilter(TracingApiEndpointFilter.InvokeAsync);
        // HEAD wherever GET (RFC 9110 section 9.1): the same status and headers, no content (TracingApiEndpointFilter).
        string[] methods = [HttpMethods.Get, HttpMethods.Head];
        group.MapMethods("status", methods, TracingApiHandlers.Status);
        group.MapMethods("health", methods, TracingApiHandlers.Health);
        group.MapMethods("traces/search", methods, TracingApiHandlers.Search);
        group.MapMethods("traces/{traceId}", methods, TracingApiHandlers.Trace);
        group.MapMethods("performance/summary", methods, TracingApiHandlers.PerformanceSummary);
        group.MapMethods("performance/bottlenecks", methods, TracingApiHandlers.Bottlenecks);
        group.MapMethods("operations/{name}/analysis", methods, TracingApiHandlers.OperationAnalysis);
        group.MapMethods("dependencies", methods, TracingApiHandlers.Dependencies);
        group.MapMethods("propagation", methods, TracingApiHandlers.Propagation);

        var services = endpoints.ServiceProvider;
        var environment = services.GetService<IHostEnvironment>();
        var lifetime = services.GetService<IHostApplicationLifetime>();
        if (environment is not null && lifetime is not null && !environment.IsDevelopment())
        {
            var dataSources = endpoints.DataSources;
            lifetime.ApplicationStarted.Register(() => WarnIfUnprotected(services, dataSources, marker, environment.EnvironmentName));
        }

        return group;
    }

    private static void WarnIfUnprotected(IServiceProvider services, ICollection<EndpointDataSource> dataSources, TracingApiEndpointMarker marker, string environment)
    {
        foreach (var dataSource in dataSources)
        {
            foreach (var endpoint in dataSource.Endpoints)
            {
                if (!ReferenceEquals(endpoint.Metadata.GetMetadata<TracingApiEndpointMarker>(), marker))
                {
                    continue;
                }

                if (endpoint.Metadata.GetMetadata<IAuthorizeData>() is null && endpoint.Metadata.GetMetadata<AuthorizationPolicy>() is null)
                {
                    var logger = services.GetService<ILoggerFactory>()?.CreateLogger(TracingApiLog.Category);
                    if (logger is not null)
                    {
                        TracingApiLog.MappedWithoutAuthorization(logger, marker.Prefix, environment);
                    }

                    return;
                }
            }
        }
    }
}
