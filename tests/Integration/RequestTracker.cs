using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Propagation.Integration.Tests;

/// <summary>
/// Counts the requests in flight in the hosts it is added to, so a test can wait until every host has finished every
/// request: not only sent its response, but also ended hosting's server span for it.
/// </summary>
/// <remarks>
/// ASP.NET Core hosting creates each request's <see cref="HttpContext"/> through <see cref="IHttpContextFactory"/> and
/// disposes it through the same factory only after it has stopped the request's activity (and run the response's
/// <c>OnCompleted</c> callbacks), so a request counts as done once its context is disposed. The caller can have the
/// response earlier: a span that ends after the response is stored later, and a wait for "at least N spans" can return
/// before a late extra one.
/// </remarks>
internal sealed class RequestTracker
{
    private readonly Lock _gate = new();
    private int _inFlight;
    private TaskCompletionSource _idle = Idle();

    /// <summary>
    /// Adds the tracker to a host, after everything else is registered: the <see cref="IHttpContextFactory"/> the host
    /// would use (the tracing pipeline's own, which lets its trust decisions see the request) is wrapped, not replaced,
    /// and counts every request it serves.
    /// </summary>
    public void AddTo(IServiceCollection services)
    {
        var registered = services.LastOrDefault(static d => d.ServiceType == typeof(IHttpContextFactory));
        Assert.True(registered is { IsKeyedService: false, Lifetime: ServiceLifetime.Singleton }, "The host has no singleton IHttpContextFactory to count requests with.");
        services.Remove(registered);
        services.AddSingleton<IHttpContextFactory>(sp => new CountingHttpContextFactory(Create(sp, registered), this));
    }

    /// <summary>Completes once no request is in flight in any host the tracker was added to (bounded by <paramref name="timeout"/>).</summary>
    public async Task WaitUntilIdleAsync(TimeSpan timeout)
    {
        Task idle;
        lock (_gate)
        {
            idle = _idle.Task;
        }

        try
        {
            await idle.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"{Volatile.Read(ref _inFlight)} request(s) still in flight after {timeout}.");
        }
    }

    private static IHttpContextFactory Create(IServiceProvider services, ServiceDescriptor registered) =>
        (IHttpContextFactory)(registered.ImplementationInstance
            ?? registered.ImplementationFactory?.Invoke(services)
            ?? ActivatorUtilities.CreateInstance(services, registered.ImplementationType!));

    private static TaskCompletionSource Idle()
    {
        var idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        idle.SetResult();
        return idle;
    }

    private void Started()
    {
        lock (_gate)
        {
            if (_inFlight++ == 0)
            {
                _idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    private void Ended()
    {
        TaskCompletionSource? idle = null;
        lock (_gate)
        {
            if (--_inFlight == 0)
            {
                idle = _idle;
            }
        }

        idle?.SetResult();
    }

    private sealed class CountingHttpContextFactory(IHttpContextFactory inner, RequestTracker tracker) : IHttpContextFactory
    {
        public HttpContext Create(IFeatureCollection featureCollection)
        {
            tracker.Started();
            return inner.Create(featureCollection);
        }

        public void Dispose(HttpContext httpContext)
        {
            try
            {
                inner.Dispose(httpContext);
            }
            finally
            {
                tracker.Ended();
            }
        }
    }
}
