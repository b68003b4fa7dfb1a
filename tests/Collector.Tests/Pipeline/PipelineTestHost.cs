using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Propagation.Collector.Tests.Pipeline;

/// <summary>Builds plain hosts with the pipeline, in-memory configuration (never the process environment) and a
/// test-unique activity source.</summary>
internal static class PipelineTestHost
{
    public static ActivitySource NewSource(string test) => new("Propagation.Collector.Tests." + test + "." + Guid.NewGuid().ToString("N"));

    public static IHost Build(ActivitySource source, Action<TracingPipelineOptions> configure, IDictionary<string, string?>? configuration = null, ILoggerProvider? logs = null)
    {
        return new HostBuilder()
            .ConfigureAppConfiguration(builder => builder.AddInMemoryCollection(configuration ?? new Dictionary<string, string?>()))
            .ConfigureLogging(builder =>
            {
                if (logs is not null)
                {
                    builder.AddProvider(logs);
                }
            })
            .ConfigureServices(services => services.AddTracingPipeline(options =>
            {
                ListenOnlyTo(options, source);
                configure(options);
            }))
            .Build();
    }

    public static void ListenOnlyTo(TracingPipelineOptions options, ActivitySource source)
    {
        options.PropagationSources.Clear();
        options.ListenToAspNetCore = false;
        options.ListenToHttpClient = false;
        options.Sources.Add(source.Name);
        options.ScheduleDelay = TimeSpan.FromMilliseconds(50);
    }

    /// <summary>Bounds an await so a hang fails the test instead of blocking the run.</summary>
    public static Task Bounded(this Task task) => task.WaitAsync(TimeSpan.FromSeconds(30));

    public static Task<T> Bounded<T>(this Task<T> task) => task.WaitAsync(TimeSpan.FromSeconds(30));
}
