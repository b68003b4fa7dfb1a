using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Propagation.Middleware.Internal;

namespace Propagation.Middleware.Tests;

public sealed class TracingHttpContextFactoryTests
{
    [Fact]
    public void Create_PerRequestTrustWithoutAppAccessor_FactorySetsPrivateAccessor()
    {
        // Arrange
        using var provider = Build(o => o.TrustedNetworks.Add("10.0.0.0/8"), appAccessor: false);
        var tracing = provider.GetRequiredService<TracingService>();
        var factory = TracingHttpContextFactory.Create(provider);

        // Act
        var context = factory.Create(new FeatureCollection());

        // Assert
        Assert.True(tracing.OwnsContextAccessor);
        Assert.Same(context, tracing.ContextAccessor!.HttpContext);
        Assert.Null(provider.GetService<IHttpContextAccessor>());
        factory.Dispose(context);
    }

    [Fact]
    public void Create_AppAccessorRegistered_FactorySetsAppAccessorAndTracingUsesIt()
    {
        // Arrange
        using var provider = Build(o => o.TrustDecider = static _ => TrustPolicy.Continue, appAccessor: true);
        var tracing = provider.GetRequiredService<TracingService>();
        var factory = TracingHttpContextFactory.Create(provider);

        // Act
        var context = factory.Create(new FeatureCollection());

        // Assert
        Assert.False(tracing.OwnsContextAccessor);
        Assert.Same(provider.GetRequiredService<IHttpContextAccessor>(), tracing.ContextAccessor);
        Assert.Same(context, tracing.ContextAccessor!.HttpContext);
        factory.Dispose(context);
    }

    [Fact]
    public void Create_TrustNotPerRequest_NoAccessorIsSet()
    {
        // Arrange
        using var provider = Build(null, appAccessor: false);
        var tracing = provider.GetRequiredService<TracingService>();

        // Act
        var factory = TracingHttpContextFactory.Create(provider);

        // Assert
        Assert.IsType<DefaultHttpContextFactory>(factory);
        Assert.Null(tracing.ContextAccessor);
        Assert.False(tracing.OwnsContextAccessor);
    }

    private static ServiceProvider Build(Action<TracingOptions>? configure, bool appAccessor)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddOptions();
        if (appAccessor)
        {
            services.AddHttpContextAccessor();
        }

        services.AddTracing(configure ?? (static _ => { }));
        return services.BuildServiceProvider();
    }
}
