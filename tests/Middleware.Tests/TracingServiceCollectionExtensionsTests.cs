using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Propagation.Middleware.Internal;
using Propagation.Middleware.Tests.Infrastructure;

namespace Propagation.Middleware.Tests;

public sealed class TracingServiceCollectionExtensionsTests
{
    [Fact]
    public void AddTracing_CalledTwice_RegistersOnceAndAppliesEveryConfigure()
    {
        // Arrange
        var services = new ServiceCollection();
        services.AddLogging();

        // Act
        services.AddTracing(o => o.ServiceName = "first");
        services.AddTracing(o => o.LogSpans = true);
        using var provider = services.BuildServiceProvider();

        // Assert
        Assert.Single(services, d => d.ServiceType == typeof(TracingService));
        Assert.Single(services, d => d.ServiceType == typeof(DistributedContextPropagator));
        var options = provider.GetRequiredService<IOptions<TracingOptions>>().Value;
        Assert.Equal("first", options.ServiceName);
        Assert.True(options.LogSpans);
    }

    [Fact]
    public async Task AddTracing_InWebHost_ReplacesHostingPropagatorWithoutTouchingCurrent()
    {
        // Arrange
        var before = DistributedContextPropagator.Current;

        // Act
        using var host = await TestHosts.StartTracedAsync(null, c => Task.CompletedTask);

        // Assert
        Assert.IsType<HostingPropagator>(host.Services.GetRequiredService<DistributedContextPropagator>());
        Assert.Same(before, DistributedContextPropagator.Current);
    }

    [Fact]
    public void AddTracing_Registered_RegistersNoHttpContextAccessorAndUsesDefaultContextFactory()
    {
        // Arrange
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddOptions();

        // Act
        services.AddTracing();
        using var provider = services.BuildServiceProvider();

        // Assert
        Assert.Null(provider.GetService<IHttpContextAccessor>());
        Assert.IsType<DefaultHttpContextFactory>(provider.GetRequiredService<IHttpContextFactory>());
        Assert.Single(services, d => d.ServiceType == typeof(IHttpContextFactory));
    }

    [Fact]
    public void AddTracing_AppContextFactoryRegistered_KeepsIt()
    {
        // Arrange
        var services = new ServiceCollection();
        services.AddLogging();
        var appFactory = new AppContextFactory();
        services.AddSingleton<IHttpContextFactory>(appFactory);

        // Act
        services.AddTracing();
        using var provider = services.BuildServiceProvider();

        // Assert
        Assert.Same(appFactory, provider.GetRequiredService<IHttpContextFactory>());
    }

    [Fact]
    public async Task AddTracing_InWebHost_HostingUsesDefaultContextFactoryWithoutAccessor()
    {
        // Act
        var (host, listener) = await TestHosts.StartWithoutAccessorAsync(null, c => Task.CompletedTask);
        using var _ = host;
        using var __ = listener;

        // Assert
        Assert.Single(host.Services.GetServices<IHttpContextFactory>());
        Assert.IsType<DefaultHttpContextFactory>(host.Services.GetRequiredService<IHttpContextFactory>());
        Assert.Null(host.Services.GetService<IHttpContextAccessor>());
    }

    [Fact]
    public void AddTracing_OtelVariables_SetServiceNameAndFormats()
    {
        // Arrange
        var services = Create(new Dictionary<string, string?>
        {
            ["OTEL_SERVICE_NAME"] = "billing",
            ["OTEL_PROPAGATORS"] = "b3multi, xtrace",
        });

        // Act
        using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<IOptions<TracingOptions>>().Value;

        // Assert
        Assert.Equal("billing", options.ServiceName);
        Assert.Equal([PropagationFormat.B3Single, PropagationFormat.B3, PropagationFormat.Legacy], options.Propagation.ExtractFormats); // B3 Extract: both encodings
        Assert.Equal([PropagationFormat.B3, PropagationFormat.Legacy], options.Propagation.InjectFormats);
        Assert.False(options.Propagation.ExtractBaggage);
    }

    [Fact]
    public void AddTracing_OtelPropagatorsNone_ExtractsAndInjectsNothing()
    {
        // Arrange
        var services = Create(new Dictionary<string, string?> { ["OTEL_PROPAGATORS"] = "none" });

        // Act
        using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<IOptions<TracingOptions>>().Value;

        // Assert
        Assert.Empty(options.Propagation.ExtractFormats);
        Assert.Empty(options.Propagation.InjectFormats);
    }

    [Fact]
    public void AddTracing_TracingSection_OverridesOtelVariablesAndReplacesLists()
    {
        // Arrange
        var services = Create(new Dictionary<string, string?>
        {
            ["OTEL_SERVICE_NAME"] = "from-otel",
            ["Tracing:ServiceName"] = "from-section",
            ["Tracing:Propagation:ExtractFormats:0"] = "Legacy",
            ["Tracing:RedactedQueryParameters:0"] = "session",
            ["Tracing:TrustedNetworks:0"] = "10.0.0.0/8",
            ["Tracing:OutboundDestinations:*.partner.example"] = "TraceParentOnly",
            ["Tracing:DefaultTrustPolicy"] = "RestartAndLink",
            ["Tracing:SlowRequestThreshold"] = "00:00:02",
        });

        // Act
        using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<IOptions<TracingOptions>>().Value;

        // Assert
        Assert.Equal("from-section", options.ServiceName);
        Assert.Equal([PropagationFormat.Legacy], options.Propagation.ExtractFormats);
        Assert.Equal(["session"], options.RedactedQueryParameters);
        Assert.Equal(["10.0.0.0/8"], options.TrustedNetworks);
        Assert.Equal(InjectionScope.TraceParentOnly, options.OutboundDestinations["*.partner.example"]);
        Assert.Equal(TrustPolicy.RestartAndLink, options.DefaultTrustPolicy);
        Assert.Equal(TimeSpan.FromSeconds(2), options.SlowRequestThreshold);
    }

    [Fact]
    public void AddTracing_EmptyJsonArraysInTracingSection_EmptyThoseLists()
    {
        // Arrange: the JSON provider turns [] into the key with an empty value (there are no elements to bind); the
        // section still sets those lists, to nothing.
        const string Json = """
            { "Tracing": { "Propagation": { "InjectFormats": [] }, "RedactedQueryParameters": [], "RedactQueryValues": false } }
            """;
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder()
            .AddJsonStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(Json)))
            .AddInMemoryCollection(new Dictionary<string, string?> { ["OTEL_PROPAGATORS"] = "tracecontext" })
            .Build());
        services.AddTracing();

        // Act
        using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<IOptions<TracingOptions>>().Value;

        // Assert
        Assert.Empty(options.Propagation.InjectFormats);
        Assert.Equal([PropagationFormat.TraceContext], options.Propagation.ExtractFormats);
        Assert.Empty(options.RedactedQueryParameters);
    }

    [Fact]
    public void AddTracing_CodeConfigure_WinsOverConfiguration()
    {
        // Arrange
        var services = Create(new Dictionary<string, string?> { ["Tracing:ServiceName"] = "from-section" }, o => o.ServiceName = "from-code");

        // Act
        using var provider = services.BuildServiceProvider();

        // Assert
        Assert.Equal("from-code", provider.GetRequiredService<IOptions<TracingOptions>>().Value.ServiceName);
    }

    [Fact]
    public async Task AddTracing_InvalidOptions_HostFailsToStartListingEveryError()
    {
        // Arrange
        var configuration = new Dictionary<string, string?> { ["OTEL_PROPAGATORS"] = "tracecontext,zipkin" };

        // Act
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => TestHosts.StartTracedAsync(
            o =>
            {
                o.TrustedNetworks.Add("10.0.0.0/99");
                o.TraceIdResponseHeader = "bad header";
                o.SlowRequestThreshold = TimeSpan.Zero;
                o.OutboundDestinations["bad host!"] = InjectionScope.None;
                o.DefaultTrustPolicy = (TrustPolicy)42;
                o.Propagation.ExtractFormats.Add(PropagationFormat.Baggage);
            },
            c => Task.CompletedTask,
            configuration));

        // Assert
        Assert.Equal(7, error.Failures.Count());
        Assert.Contains(error.Failures, f => f.Contains("OTEL_PROPAGATORS", StringComparison.Ordinal) && f.Contains("zipkin", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("TrustedNetworks[0]", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("TraceIdResponseHeader", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("SlowRequestThreshold", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("OutboundDestinations", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("DefaultTrustPolicy", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("ExtractFormats", StringComparison.Ordinal));
    }

    [Fact]
    public void AddTracing_ServiceName_FlowsToThePipeline()
    {
        // Arrange
        var services = Create(new Dictionary<string, string?>(), o => o.ServiceName = "checkout");

        // Act
        using var provider = services.BuildServiceProvider();

        // Assert
        Assert.Equal("checkout", provider.GetRequiredService<IOptions<Propagation.Collector.TracingPipelineOptions>>().Value.ServiceName);
    }

    [Fact]
    public void AddTracing_NoServiceNameAnywhere_UsesApplicationName()
    {
        // Arrange
        var services = Create(new Dictionary<string, string?>());
        services.AddSingleton<IHostEnvironment>(new TestEnvironment { ApplicationName = "inventory" });

        // Act
        using var provider = services.BuildServiceProvider();

        // Assert
        Assert.Equal("inventory", provider.GetRequiredService<IOptions<TracingOptions>>().Value.ServiceName);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public void AddTracing_BlankServiceNameInSection_CountsAsUnsetSoOtelServiceNameStays(string value)
    {
        // Arrange: the section binds after OTEL_SERVICE_NAME; a blank name there must not hide it behind the
        // application name.
        var services = Create(new Dictionary<string, string?> { ["OTEL_SERVICE_NAME"] = "orders", ["Tracing:ServiceName"] = value });
        services.AddSingleton<IHostEnvironment>(new TestEnvironment { ApplicationName = "inventory" });
        using var provider = services.BuildServiceProvider();

        // Act
        var options = provider.GetRequiredService<IOptions<TracingOptions>>().Value;

        // Assert
        Assert.Equal("orders", options.ServiceName);
    }

    [Theory]
    [InlineData(null, "inventory")]
    [InlineData("service.name=billing", "billing")]
    public void AddTracing_BlankServiceNameInCode_CountsAsUnset(string? resourceAttributes, string expected)
    {
        // Arrange
        var services = Create(new Dictionary<string, string?> { ["OTEL_RESOURCE_ATTRIBUTES"] = resourceAttributes }, o => o.ServiceName = " ");
        services.AddSingleton<IHostEnvironment>(new TestEnvironment { ApplicationName = "inventory" });
        using var provider = services.BuildServiceProvider();

        // Act
        var options = provider.GetRequiredService<IOptions<TracingOptions>>().Value;

        // Assert
        Assert.Equal(expected, options.ServiceName);
    }

    [Fact]
    public void AddTracing_Registered_ExposesPropagationHealthToTheTracingApi()
    {
        // Arrange
        var services = Create(new Dictionary<string, string?>());
        using var provider = services.BuildServiceProvider();
        var health = provider.GetRequiredService<PropagationHealth>();
        health.Record(PropagationIssues.TraceParentInvalid | PropagationIssues.RestartedByPolicy);

        // Act
        var snapshot = Assert.Single(provider.GetServices<Propagation.Collector.IPropagationHealthSource>()).GetSnapshot();

        // Assert
        Assert.Equal(1, snapshot.RejectedHeaders["traceparent_invalid"]);
        Assert.Equal(1, snapshot.RestartedContexts);
    }

    private static ServiceCollection Create(Dictionary<string, string?> values, Action<TracingOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(values).Build());
        if (configure is null)
        {
            services.AddTracing();
        }
        else
        {
            services.AddTracing(configure);
        }

        return services;
    }

    private sealed class TestEnvironment : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = "Test";

        public string ApplicationName { get; set; } = "test";

        public string ContentRootPath { get; set; } = "/";

        public Microsoft.Extensions.FileProviders.IFileProvider ContentRootFileProvider { get; set; } = new Microsoft.Extensions.FileProviders.NullFileProvider();
    }

    private sealed class AppContextFactory : IHttpContextFactory
    {
        public HttpContext Create(Microsoft.AspNetCore.Http.Features.IFeatureCollection featureCollection) => new DefaultHttpContext(featureCollection);

        public void Dispose(HttpContext httpContext)
        {
        }
    }
}
