using Grpc.AspNetCore.Server;
using Grpc.AspNetCore.Server.Internal;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Registers the services that host gRPC services in ASP.NET Core.
/// </summary>
public static class GrpcServicesExtensions
{
    /// <summary>
    /// Adds the services that host gRPC services; map each service with <c>app.MapGrpcService&lt;TService&gt;()</c>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <returns>A builder to configure gRPC further.</returns>
    public static IGrpcServerBuilder AddGrpc(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);

        services.AddRouting();
        services.AddOptions();
        services.TryAddSingleton<GrpcMarkerService>();
        return new GrpcServerBuilder(services);
    }

    /// <summary>
    /// Adds the services that host gRPC services and configures the options shared by every service.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configureOptions">Configures <see cref="GrpcServiceOptions"/>.</param>
    /// <returns>A builder to configure gRPC further.</returns>
    public static IGrpcServerBuilder AddGrpc(this IServiceCollection services, Action<GrpcServiceOptions> configureOptions)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configureOptions);

        return services.Configure(configureOptions).AddGrpc();
    }

    /// <summary>
    /// Configures options for one service type. Values set here override the global options; interceptors added
    /// here run after (inside) the global interceptors.
    /// </summary>
    /// <typeparam name="TService">The service type to configure.</typeparam>
    /// <param name="grpcBuilder">The builder returned by <c>AddGrpc</c>.</param>
    /// <param name="configure">Configures <see cref="GrpcServiceOptions{TService}"/>.</param>
    /// <returns>The same builder.</returns>
    public static IGrpcServerBuilder AddServiceOptions<TService>(this IGrpcServerBuilder grpcBuilder, Action<GrpcServiceOptions<TService>> configure)
        where TService : class
    {
        ArgumentNullException.ThrowIfNull(grpcBuilder);
        ArgumentNullException.ThrowIfNull(configure);

        grpcBuilder.Services.Configure(configure);
        return grpcBuilder;
    }
}
