using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Propagation.Collector;
using Propagation.Collector.Internal;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the tracing pipeline: one OpenTelemetry tracer provider per app, its sampler and exporters.</summary>
public static class TracingPipelineServiceCollectionExtensions
{
    /// <summary>Registers the tracing pipeline with default options (see <see cref="TracingPipelineOptions"/>).</summary>
    /// <param name="services">The services.</param>
    /// <returns><paramref name="services"/>.</returns>
    /// <inheritdoc cref="AddTracingPipeline(IServiceCollection, Action{TracingPipelineOptions})" path="/remarks"/>
    public static IServiceCollection AddTracingPipeline(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        return Register(services);
    }

    /// <summary>Registers the tracing pipeline and configures its options.</summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Configures the options; runs once, when the host starts.</param>
    /// <returns><paramref name="services"/>.</returns>
    /// <remarks>
    /// <para>Idempotent: calling it again registers nothing new; every <paramref name="configure"/> given is applied,
    /// in call order.</para>
    /// <para>Registers, as singletons: a hosted service that builds the app's one <c>TracerProvider</c> when the host
    /// starts and flushes and disposes it once the host has stopped; the app's <see cref="TracingOwner"/> (pass it to
    /// <see cref="TracingOwnership.Mark"/> on server spans); <see cref="ExportStatistics"/>, also as an
    /// <see cref="IExporterStatusSource"/>; and the span store (<c>AddSpanStore</c>), which the default <c>store</c>
    /// exporter feeds.</para>
    /// <para>Options and the <c>OTEL_*</c> configuration keys are validated at start-up; all problems are reported
    /// together in one <see cref="OptionsValidationException"/>.</para>
    /// </remarks>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static IServiceCollection AddTracingPipeline(this IServiceCollection services, Action<TracingPipelineOptions> configure)
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
            if (descriptor.ServiceType == typeof(PipelineHostedService))
            {
                return services;
            }
        }

        services.AddOptions<TracingPipelineOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TracingPipelineOptions>, PipelineOptionsValidator>());
        services.TryAddSingleton(static sp => new TracingOwner(sp.GetService<IHostEnvironment>()?.ApplicationName ?? "app"));
        services.TryAddSingleton<ExportStatistics>();
        services.AddSingleton<IExporterStatusSource>(static sp => sp.GetRequiredService<ExportStatistics>());
        services.AddSpanStore();
        services.AddSingleton<PipelineHostedService>();
        services.AddSingleton<IHostedService>(static sp => sp.GetRequiredService<PipelineHostedService>());
        return services;
    }
}
