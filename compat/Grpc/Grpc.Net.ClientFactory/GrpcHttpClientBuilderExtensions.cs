using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Grpc.Net.ClientFactory;
using Grpc.Net.ClientFactory.Internal;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Configures a gRPC client registered with <c>AddGrpcClient</c> through its <see cref="IHttpClientBuilder"/>.
/// </summary>
public static class GrpcHttpClientBuilderExtensions
{
    /// <summary>
    /// Adds a channel-scoped interceptor created by a delegate.
    /// </summary>
    /// <param name="builder">The builder from <c>AddGrpcClient</c>.</param>
    /// <param name="configureInvoker">Creates the interceptor.</param>
    /// <returns>The builder.</returns>
    public static IHttpClientBuilder AddInterceptor(this IHttpClientBuilder builder, Func<Interceptor> configureInvoker)
    {
        ArgumentNullException.ThrowIfNull(configureInvoker);
        return builder.AddInterceptor(InterceptorScope.Channel, _ => configureInvoker());
    }

    /// <summary>
    /// Adds a channel-scoped interceptor created from the service provider.
    /// </summary>
    /// <param name="builder">The builder from <c>AddGrpcClient</c>.</param>
    /// <param name="configureInvoker">Creates the interceptor.</param>
    /// <returns>The builder.</returns>
    public static IHttpClientBuilder AddInterceptor(this IHttpClientBuilder builder, Func<IServiceProvider, Interceptor> configureInvoker)
    {
        return builder.AddInterceptor(InterceptorScope.Channel, configureInvoker);
    }

    /// <summary>
    /// Adds an interceptor with the given scope, created from the service provider.
    /// </summary>
    /// <param name="builder">The builder from <c>AddGrpcClient</c>.</param>
    /// <param name="scope">The scope.</param>
    /// <param name="configureInvoker">Creates the interceptor.</param>
    /// <returns>The builder.</returns>
    public static IHttpClientBuilder AddInterceptor(this IHttpClientBuilder builder, InterceptorScope scope, Func<IServiceProvider, Interceptor> configureInvoker)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configureInvoker);
        ValidateGrpcClient(builder, nameof(AddInterceptor));
        builder.Services.Configure<GrpcClientFactoryOptions>(builder.Name, options => options.InterceptorRegistrations.Add(new InterceptorRegistration(scope, configureInvoker)));
        return builder;
    }

    /// <summary>
    /// Adds a channel-scoped interceptor resolved from the service provider (register <typeparamref name="TInterceptor"/> there).
    /// </summary>
    /// <typeparam name="TInterceptor">The interceptor type.</typeparam>
    /// <param name="builder">The builder from <c>AddGrpcClient</c>.</param>
    /// <returns>The builder.</returns>
    public static IHttpClientBuilder AddInterceptor<TInterceptor>(this IHttpClientBuilder builder)
        where TInterceptor : Interceptor
    {
        return builder.AddInterceptor<TInterceptor>(InterceptorScope.Channel);
    }

    /// <summary>
    /// Adds an interceptor with the given scope, resolved from the service provider (register <typeparamref name="TInterceptor"/> there).
    /// </summary>
    /// <typeparam name="TInterceptor">The interceptor type.</typeparam>
    /// <param name="builder">The builder from <c>AddGrpcClient</c>.</param>
    /// <param name="scope">The scope.</param>
    /// <returns>The builder.</returns>
    public static IHttpClientBuilder AddInterceptor<TInterceptor>(this IHttpClientBuilder builder, InterceptorScope scope)
        where TInterceptor : Interceptor
    {
        return builder.AddInterceptor(scope, static provider => provider.GetRequiredService<TInterceptor>());
    }

    /// <summary>
    /// Adds an action that configures the client's <see cref="GrpcChannelOptions"/>.
    /// </summary>
    /// <param name="builder">The builder from <c>AddGrpcClient</c>.</param>
    /// <param name="configureChannel">Configures the channel options.</param>
    /// <returns>The builder.</returns>
    public static IHttpClientBuilder ConfigureChannel(this IHttpClientBuilder builder, Action<GrpcChannelOptions> configureChannel)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configureChannel);
        ValidateGrpcClient(builder, nameof(ConfigureChannel));
        builder.Services.Configure<GrpcClientFactoryOptions>(builder.Name, options => options.ChannelOptionsActions.Add(configureChannel));
        return builder;
    }

    /// <summary>
    /// Adds an action that configures the client's <see cref="GrpcChannelOptions"/>, with access to services.
    /// </summary>
    /// <param name="builder">The builder from <c>AddGrpcClient</c>.</param>
    /// <param name="configureChannel">Configures the channel options.</param>
    /// <returns>The builder.</returns>
    public static IHttpClientBuilder ConfigureChannel(this IHttpClientBuilder builder, Action<IServiceProvider, GrpcChannelOptions> configureChannel)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configureChannel);
        ValidateGrpcClient(builder, nameof(ConfigureChannel));
        builder.Services.AddTransient<IConfigureOptions<GrpcClientFactoryOptions>>(provider =>
            new ConfigureNamedOptions<GrpcClientFactoryOptions>(builder.Name, options => options.ChannelOptionsActions.Add(channel => configureChannel(provider, channel))));
        return builder;
    }

    private static void ValidateGrpcClient(IHttpClientBuilder builder, string caller)
    {
        foreach (var service in builder.Services)
        {
            if (service.ServiceType == typeof(GrpcClientMarker)
                && service.ImplementationInstance is GrpcClientMarker marker
                && string.Equals(marker.Name, builder.Name, StringComparison.Ordinal))
            {
                return;
            }
        }

        throw new InvalidOperationException($"{caller} must be used with a gRPC client: call it on the builder returned by AddGrpcClient.");
    }
}
