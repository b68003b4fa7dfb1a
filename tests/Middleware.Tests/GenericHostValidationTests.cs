using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Propagation.Middleware.Tests;

/// <summary>Start-up validation of <c>AddTracing</c> on a generic host (no ASP.NET Core server).</summary>
public sealed class GenericHostValidationTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Start_InvalidTracingPipelineAndStoreOptions_ListsEveryErrorOnce(bool pipelineRegisteredFirst)
    {
        // Arrange: every options type AddTracing registers is invalid.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Test" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["OTEL_TRACES_EXPORTER"] = "carrier-pigeon" });
        if (pipelineRegisteredFirst)
        {
            builder.Services.AddTracingPipeline();
        }

        builder.Services.AddTracing(o => o.TraceIdResponseHeader = "bad header");
        builder.Services.AddSpanStore(o => o.MaxSpans = 0);
        using var host = builder.Build();

        // Act
        var error = await Record.ExceptionAsync(() => host.StartAsync().WaitAsync(TimeSpan.FromSeconds(30)));

        // Assert
        var failures = Failures(error).ToList();
        Assert.Single(failures, f => f.Contains("TraceIdResponseHeader", StringComparison.Ordinal));
        Assert.Single(failures, f => f.Contains("carrier-pigeon", StringComparison.Ordinal));
        Assert.Single(failures, f => f.Contains("MaxSpans must", StringComparison.Ordinal));
        Assert.Equal(failures.Count, failures.Distinct(StringComparer.Ordinal).Count());
    }

    private static IEnumerable<string> Failures(Exception? error) => error switch
    {
        OptionsValidationException validation => validation.Failures,
        AggregateException aggregate => aggregate.InnerExceptions.SelectMany(Failures),
        _ => throw new Xunit.Sdk.XunitException("Expected an options validation failure, got: " + (error?.ToString() ?? "none")),
    };
}
