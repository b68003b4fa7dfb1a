using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Propagation.Collector.Internal;

namespace Propagation.Collector.Tests.Pipeline;

public class TracingPipelineServiceCollectionExtensionsTests
{
    [Fact]
    public void AddTracingPipeline_CalledTwice_RegistersOnceAndAppliesBothCallbacks()
    {
        var services = new ServiceCollection();

        services.AddTracingPipeline(o => o.ServiceName = "first");
        services.AddTracingPipeline(o => o.Sources.Add("Second"));
        services.AddTracingPipeline();
        using var provider = services.BuildServiceProvider();

        Assert.Single(services, d => d.ServiceType == typeof(PipelineHostedService));
        Assert.Single(provider.GetServices<IHostedService>());
        var options = provider.GetRequiredService<IOptions<TracingPipelineOptions>>().Value;
        Assert.Equal("first", options.ServiceName);
        Assert.Contains("Second", options.Sources);
    }

    [Fact]
    public void AddTracingPipeline_RegistersOwnerStatisticsAndStoreAsSingletons()
    {
        using var provider = new ServiceCollection().AddTracingPipeline().BuildServiceProvider();

        Assert.Same(provider.GetRequiredService<TracingOwner>(), provider.GetRequiredService<TracingOwner>());
        Assert.Same(provider.GetRequiredService<ExportStatistics>(), provider.GetRequiredService<ExportStatistics>());
        Assert.Same(provider.GetRequiredService<ExportStatistics>(), Assert.Single(provider.GetServices<IExporterStatusSource>()));
        Assert.NotNull(provider.GetService<SpanStore>());
    }

    [Fact]
    public void AddTracingPipeline_TwoHosts_GetDistinctOwners()
    {
        using var first = new ServiceCollection().AddTracingPipeline().BuildServiceProvider();
        using var second = new ServiceCollection().AddTracingPipeline().BuildServiceProvider();

        Assert.NotSame(first.GetRequiredService<TracingOwner>(), second.GetRequiredService<TracingOwner>());
    }

    [Fact]
    public void AddTracingPipeline_NullArguments_Throw()
    {
        Assert.Throws<ArgumentNullException>(() => ((IServiceCollection)null!).AddTracingPipeline());
        Assert.Throws<ArgumentNullException>(() => new ServiceCollection().AddTracingPipeline(null!));
    }

    [Fact]
    public async Task AddTracingPipeline_InvalidConfiguration_HostStartFailsListingEveryError()
    {
        using var host = new HostBuilder()
            .ConfigureAppConfiguration(c => c.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["OTEL_TRACES_SAMPLER"] = "sometimes",
                ["OTEL_TRACES_EXPORTER"] = "fax",
            }))
            .ConfigureServices(s => s.AddTracingPipeline())
            .Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync().Bounded());

        Assert.Contains(error.Failures, f => f.StartsWith("OTEL_TRACES_SAMPLER 'sometimes'", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("exporter 'fax' is unknown", StringComparison.Ordinal));
        Assert.Null(host.Services.GetRequiredService<PipelineHostedService>().Provider);
    }
}
