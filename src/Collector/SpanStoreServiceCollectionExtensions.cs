using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Propagation.Collector;
using Propagation.Collector.Internal;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the in-process <see cref="SpanStore"/>.</summary>
public static class SpanStoreServiceCollectionExtensions
{
    /// <summary>Registers <see cref="SpanStore"/> as a singleton with default <see cref="SpanStoreOptions"/>,
    /// validated at start-up.</summary>
    /// <param name="services">The services.</param>
    /// <returns><paramref name="services"/>.</returns>
    /// <remarks>Idempotent: calling it again (for example from <c>AddTracing</c>) adds nothing twice. Also registers
    /// <see cref="TimeProvider.System"/> unless a <see cref="TimeProvider"/> is already registered.</remarks>
    public static IServiceCollection AddSpanStore(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<SpanStoreOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SpanStoreOptions>, SpanStoreOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(static sp => new SpanStore(
            sp.GetRequiredService<IOptions<SpanStoreOptions>>(),
            sp.GetRequiredService<TimeProvider>()));
        return services;
    }

    /// <summary>Registers <see cref="SpanStore"/> as a singleton and configures its options.</summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Configures the options; they are validated at start-up and every error is reported
    /// together.</param>
    /// <returns><paramref name="services"/>.</returns>
    public static IServiceCollection AddSpanStore(this IServiceCollection services, Action<SpanStoreOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddSpanStore();
        services.Configure(configure);
        return services;
    }
}
