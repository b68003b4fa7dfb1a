using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Options;
using Propagation;
using Propagation.Collector;
using Propagation.Middleware;
using Propagation.Middleware.Internal;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers tracing for an ASP.NET Core app: <see cref="TracingOptions"/>, the app's propagator and the tracing pipeline.</summary>
public static class TracingServiceCollectionExtensions
{
    /// <summary>Registers tracing with options from configuration and the defaults.</summary>
    /// <param name="services">The services.</param>
    /// <returns><paramref name="services"/>.</returns>
    /// <inheritdoc cref="AddTracing(IServiceCollection, Action{TracingOptions})" path="/remarks"/>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is <see langword="null"/>.</exception>
    public static IServiceCollection AddTracing(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        return Register(services);
    }

    /// <summary>Registers tracing and configures its options.</summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Configures the options after configuration was applied; runs once, when the options are first needed.</param>
    /// <returns><paramref name="services"/>.</returns>
    /// <remarks>
    /// <para>Idempotent: calling it again registers nothing new; every <paramref name="configure"/> is applied, in call order.</para>
    /// <para>
    /// Registers, per service provider: <see cref="TracingOptions"/> (bound from <c>OTEL_SERVICE_NAME</c>,
    /// <c>OTEL_PROPAGATORS</c> and the <c>Tracing</c> section, validated at start-up with every error
    /// listed, the pipeline's and the span store's too when these fail), <see cref="PropagationHealth"/>, the
    /// tracing pipeline (<c>AddTracingPipeline</c>) and the span store (<c>AddSpanStore</c>).
    /// </para>
    /// <para>
    /// It registers no <c>IHttpContextAccessor</c> (hosting sets one on every request when it is registered, which
    /// costs every request). A trust decision that depends on the request (<see cref="TracingOptions.TrustDecider"/>,
    /// <see cref="TracingOptions.TrustedNetworks"/>, <see cref="TracingOptions.TrustClientCertificates"/>) uses the
    /// app's accessor when it registered one, and otherwise a private one that hosting's <c>IHttpContextFactory</c>
    /// (the default one, which <c>AddTracing</c> registers in its place) sets for tracing alone.
    /// </para>
    /// <para>
    /// It <b>replaces</b> the <see cref="DistributedContextPropagator"/> service that ASP.NET Core hosting
    /// resolves (by default <see cref="DistributedContextPropagator.Current"/>) with an adapter over this
    /// app's codecs and trust policy, so hosting's request activity is parented by our rules. HttpClient's own
    /// activities in <c>IHttpClientFactory</c> clients without <c>AddTraceHeaders</c> inject through the same codecs:
    /// a primary <see cref="SocketsHttpHandler"/> (also inside <see cref="HttpClientHandler"/>) whose
    /// <see cref="SocketsHttpHandler.ActivityHeadersPropagator"/> is still the default gets an adapter that writes the
    /// app's formats, limited on each hop (redirects included) by <see cref="TracingOptions.OutboundDestinations"/>.
    /// <see cref="DistributedContextPropagator.Current"/> itself is never changed: several apps with
    /// different options can run in one process.
    /// </para>
    /// </remarks>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static IServiceCollection AddTracing(this IServiceCollection services, Action<TracingOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        Register(services);
        services.Configure(configure);
        return services;
    }

    private static IServiceCollection Register(IServiceCollection services)
    {
        foreach (var descriptor in services)
        {
            if (descriptor.ServiceType == typeof(TracingService))
            {
                return services;
            }
        }

        services.AddOptions<TracingOptions>().ValidateOnStart();
        services.AddSingleton<TracingOptionsSetup>();
        services.AddSingleton<IConfigureOptions<TracingOptions>>(static sp => sp.GetRequiredService<TracingOptionsSetup>());
        services.AddSingleton<IPostConfigureOptions<TracingOptions>>(static sp => sp.GetRequiredService<TracingOptionsSetup>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TracingOptions>, TracingOptionsValidator>());
        UseTracingContextFactory(services);
        services.TryAddSingleton(static sp => sp.GetService<IMeterFactory>() is { } meters ? new PropagationHealth(meters) : new PropagationHealth());
        services.AddSingleton<TracingService>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPropagationHealthSource, PropagationHealthSource>());

        // Hosting resolves DistributedContextPropagator from DI (the web host TryAdds Current): replace it per app.
        services.RemoveAll<DistributedContextPropagator>();
        services.AddSingleton<DistributedContextPropagator, HostingPropagator>();

        // HttpClient's own activities (factory clients without AddTraceHeaders) inject with the app's propagator too.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHttpMessageHandlerBuilderFilter, OutboundPropagatorFilter>());

        services.AddTracingPipeline();

        // One service name: the pipeline's resource follows TracingOptions unless the pipeline sets its own. Invalid
        // TracingOptions are reported by their own validation (which lists the pipeline's errors too); the pipeline's
        // options are still built, so that their errors can be listed.
        services.AddOptions<TracingPipelineOptions>().Configure<IOptions<TracingOptions>>(
            static (pipeline, tracing) =>
            {
                try
                {
                    pipeline.ServiceName ??= tracing.Value.ServiceName;
                }
                catch (OptionsValidationException ex) when (ex.OptionsType == typeof(TracingOptions))
                {
                    // Reported by TracingOptions' validation; the pipeline falls back to OTEL_SERVICE_NAME meanwhile.
                }
            });
        services.AddSpanStore();
        return services;
    }

    private static void UseTracingContextFactory(IServiceCollection services)
    {
        // Hosting TryAdds DefaultHttpContextFactory, before or after this call: take its place, but never replace a
        // factory the app chose.
        for (var i = services.Count - 1; i >= 0; i--)
        {
            var descriptor = services[i];
            if (descriptor.ServiceType != typeof(IHttpContextFactory))
            {
                continue;
            }

            if (descriptor.ImplementationType != typeof(DefaultHttpContextFactory))
            {
                return;
            }

            services.RemoveAt(i);
            break;
        }

        services.AddSingleton<IHttpContextFactory>(static sp => TracingHttpContextFactory.Create(sp));
    }
}
