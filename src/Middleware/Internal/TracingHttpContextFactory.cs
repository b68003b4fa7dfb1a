using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Propagation.Middleware.Internal;

/// <summary>
/// Builds hosting's <see cref="IHttpContextFactory"/>: the same <see cref="DefaultHttpContextFactory"/> hosting
/// registers (so hosting keeps pooling its contexts), told to set <see cref="TracingService.ContextAccessor"/>
/// when that accessor is private to tracing.
/// </summary>
/// <remarks>
/// Hosting sets an <see cref="IHttpContextAccessor"/> on every request when one is registered, at a cost to every
/// request; tracing needs the request in hosting's propagator call only for a per-request trust decision. So
/// <c>AddTracing</c> registers no accessor: an app that registers its own keeps it as it is, and a per-request trust
/// decision without one gets a private accessor that only this factory sets.
/// </remarks>
internal static class TracingHttpContextFactory
{
    public static IHttpContextFactory Create(IServiceProvider services)
    {
        var tracing = services.GetRequiredService<TracingService>();
        return tracing.OwnsContextAccessor
            ? new DefaultHttpContextFactory(new WithAccessor(services, tracing.ContextAccessor!))
            : new DefaultHttpContextFactory(services);
    }

    /// <summary>The app's services, with the private accessor as <see cref="IHttpContextAccessor"/>.</summary>
    private sealed class WithAccessor : IServiceProvider
    {
        private readonly IServiceProvider _services;
        private readonly IHttpContextAccessor _accessor;

        public WithAccessor(IServiceProvider services, IHttpContextAccessor accessor)
        {
            _services = services;
            _accessor = accessor;
        }

        public object? GetService(Type serviceType) =>
            serviceType == typeof(IHttpContextAccessor) ? _accessor : _services.GetService(serviceType);
    }
}
