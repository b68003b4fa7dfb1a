using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Propagation.Collector.Tests;

public sealed class SpanStoreServiceCollectionExtensionsTests
{
    [Fact]
    public void AddSpanStore_Configure_RegistersSingletonWithOptions()
    {
        var services = new ServiceCollection();
        services.AddSpanStore(o => o.MaxSpans = 1234);
        using var provider = services.BuildServiceProvider();

        var store = provider.GetRequiredService<SpanStore>();

        Assert.Same(store, provider.GetRequiredService<SpanStore>());
        Assert.Equal(1234, store.GetStatistics().MaxSpans);
    }

    [Fact]
    public void AddSpanStore_CalledTwice_RegistersOnce()
    {
        var services = new ServiceCollection();

        services.AddSpanStore().AddSpanStore();

        Assert.Single(services, d => d.ServiceType == typeof(SpanStore));
        Assert.Single(services, d => d.ServiceType == typeof(IValidateOptions<SpanStoreOptions>));
    }

    [Fact]
    public void AddSpanStore_CustomTimeProvider_Used()
    {
        var time = new ManualTimeProvider();
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        services.AddSpanStore(o => o.MaxAge = TimeSpan.FromSeconds(1));
        using var provider = services.BuildServiceProvider();
        var store = provider.GetRequiredService<SpanStore>();
        store.Add(TestSpans.Create(1, 1));

        time.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(0, store.GetStatistics().SpanCount);
    }

    [Fact]
    public async Task AddSpanStore_InvalidOptions_HostStartFailsListingAllErrors()
    {
        using var host = new HostBuilder()
            .ConfigureServices(s => s.AddSpanStore(o =>
            {
                o.MaxSpans = 0;
                o.MaxAge = TimeSpan.FromSeconds(-1);
            }))
            .Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(error.Failures, f => f.Contains("MaxSpans", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("MaxAge", StringComparison.Ordinal));
    }
}
