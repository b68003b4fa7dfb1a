using Microsoft.Extensions.DependencyInjection.Extensions;
using Propagation.Interceptors;
using Propagation.Middleware;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the gRPC tracing interceptors.</summary>
public static class GrpcTracingServiceCollectionExtensions
{
    /// <summary>
    /// Registers tracing (<c>AddTracing()</c>, idempotent) and the <see cref="TracingInterceptor"/> and
    /// <see cref="TracingClientInterceptor"/> singletons, so that
    /// <c>services.AddGrpc(o =&gt; o.Interceptors.Add&lt;TracingInterceptor&gt;())</c> and
    /// <c>services.AddGrpcClient&lt;T&gt;(...).AddInterceptor&lt;TracingClientInterceptor&gt;()</c> resolve them.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <returns><paramref name="services"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is <see langword="null"/>.</exception>
    public static IServiceCollection AddGrpcTracing(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddTracing();
        services.TryAddSingleton(static sp => new TracingInterceptor(sp));
        services.TryAddSingleton(static sp => new TracingClientInterceptor(sp));
        return services;
    }

    /// <summary>Registers tracing configured by <paramref name="configure"/> and the gRPC tracing interceptors.</summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Configures the tracing options (see <c>AddTracing</c>).</param>
    /// <returns><paramref name="services"/>.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static IServiceCollection AddGrpcTracing(this IServiceCollection services, Action<TracingOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddTracing(configure);
        return services.AddGrpcTracing();
    }
}
