using Propagation.Collector.Internal;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Operations on a running app's tracing pipeline.</summary>
public static class TracingPipelineServiceProviderExtensions
{
    /// <summary>Exports every span the app's pipeline has seen finish so far, and waits for its exporters.</summary>
    /// <param name="services">The app's services (for example <c>app.Services</c>).</param>
    /// <param name="timeout">The longest wait; <see cref="Timeout.InfiniteTimeSpan"/> waits without limit.</param>
    /// <returns><see langword="true"/> when every exporter finished in time; <see langword="false"/> when one did not
    /// (it is slow or hangs), or when the pipeline is not registered, not started, stopped or turned off.</returns>
    /// <remarks>For tests and for diagnostics pages that must show a request's spans at once; the pipeline exports on
    /// its own schedule otherwise. Blocks the calling thread.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is <see langword="null"/>.</exception>
    public static bool ForceFlushTracing(this IServiceProvider services, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(services);
        return services.GetService<PipelineHostedService>() is { } pipeline && pipeline.ForceFlush(timeout);
    }
}
