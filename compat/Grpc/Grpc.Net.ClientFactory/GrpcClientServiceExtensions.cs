using Grpc.Net.ClientFactory;
using Grpc.Net.ClientFactory.Internal;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Registers gRPC clients in the service collection.
/// </summary>
public static class GrpcClientServiceExtensions
{
    /// <summary>
    /// Registers <typeparamref name="TClient"/> as a transient gRPC client named after its type.
    /// </summary>
    /// <typeparam name="TClient">The generated client type.</typeparam>
    /// <param name="services">The services.</param>
    /// <returns>The HttpClient builder of the client, for message handlers and interceptors.</returns>
    public static IHttpClientBuilder AddGrpcClient<TClient>(this IServiceCollection services)
        where TClient : class
    {
        return services.AddGrpcClient<TClient>(DefaultName<TClient>(), static _ => { });
    }

    /// <summary>
    /// Registers <typeparamref name="TClient"/> as a transient gRPC client named after its type.
    /// </summary>
    /// <typeparam name="TClient">The generated client type.</typeparam>
    /// <param name="services">The services.</param>
    /// <param name="configureClient">Configures the client, at least its <see cref="GrpcClientFactoryOptions.Address"/>.</param>
    /// <returns>The HttpClient builder of the client, for message handlers and interceptors.</returns>
    public static IHttpClientBuilder AddGrpcClient<TClient>(this IServiceCollection services, Action<GrpcClientFactoryOptions> configureClient)
        where TClient : class
    {
        return services.AddGrpcClient<TClient>(DefaultName<TClient>(), configureClient);
    }

    /// <summary>
    /// Registers <typeparamref name="TClient"/> as a transient gRPC client named after its type.
    /// </summary>
    /// <typeparam name="TClient">The generated client type.</typeparam>
    /// <param name="services">The services.</param>
    /// <param name="configureClient">Configures the client, with access to services.</param>
    /// <returns>The HttpClient builder of the client, for message handlers and interceptors.</returns>
    public static IHttpClientBuilder AddGrpcClient<TClient>(this IServiceCollection services, Action<IServiceProvider, GrpcClientFactoryOptions> configureClient)
        where TClient : class
    {
        return services.AddGrpcClient<TClient>(DefaultName<TClient>(), configureClient);
    }

    /// <summary>
    /// Registers <typeparamref name="TClient"/> as a transient gRPC client with the given name.
    /// </summary>
    /// <typeparam name="TClient">The generated client type.</typeparam>
    /// <param name="services">The services.</param>
    /// <param name="name">The name of the client (and of its HttpClient).</param>
    /// <returns>The HttpClient builder of the client, for message handlers and interceptors.</returns>
    public static IHttpClientBuilder AddGrpcClient<TClient>(this IServiceCollection services, string name)
        where TClient : class
    {
        return services.AddGrpcClient<TClient>(name, static _ => { });
    }

    /// <summary>
    /// Registers <typeparamref name="TClient"/> as a transient gRPC client with the given name.
    /// </summary>
    /// <typeparam name="TClient">The generated client type.</typeparam>
    /// <param name="services">The services.</param>
    /// <param name="name">The name of the client (and of its HttpClient).</param>
    /// <param name="configureClient">Configures the client, at least its <see cref="GrpcClientFactoryOptions.Address"/>.</param>
    /// <returns>The HttpClient builder of the client, for message handlers and interceptors.</returns>
    public static IHttpClientBuilder AddGrpcClient<TClient>(this IServiceCollection services, string name, Action<GrpcClientFactoryOptions> configureClient)
        where TClient : class
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(configureClient);
        services.Configure(name, configureClient);
        return AddGrpcClientCore<TClient>(services, name);
    }

    /// <summary>
    /// Registers <typeparamref name="TClient"/> as a transient gRPC client with the given name.
    /// </summary>
    /// <typeparam name="TClient">The generated client type.</typeparam>
    /// <param name="services">The services.</param>
    /// <param name="name">The name of the client (and of its HttpClient).</param>
    /// <param name="configureClient">Configures the client, with access to services.</param>
    /// <returns>The HttpClient builder of the client, for message handlers and interceptors.</returns>
    public static IHttpClientBuilder AddGrpcClient<TClient>(this IServiceCollection services, string name, Action<IServiceProvider, GrpcClientFactoryOptions> configureClient)
        where TClient : class
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(configureClient);
        services.AddTransient<IConfigureOptions<GrpcClientFactoryOptions>>(provider =>
            new ConfigureNamedOptions<GrpcClientFactoryOptions>(name, options => configureClient(provider, options)));
        return AddGrpcClientCore<TClient>(services, name);
    }

    private static IHttpClientBuilder AddGrpcClientCore<TClient>(IServiceCollection services, string name)
        where TClient : class
    {
        var builder = services.AddHttpClient(name);
        services.TryAddSingleton<GrpcClientFactory, DefaultGrpcClientFactory>();
        services.AddSingleton(new GrpcClientMarker(name));
        services.AddTransient(provider => provider.GetRequiredService<GrpcClientFactory>().CreateClient<TClient>(name));
        return builder;
    }

    private static string DefaultName<TClient>() => typeof(TClient).Name;
}
