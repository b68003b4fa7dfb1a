using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Trace;
using Propagation.Collector.Internal;
using Propagation.Testing;

namespace Propagation.Collector.Tests.Pipeline;

public class PipelineHostedServiceTests
{
    [Fact]
    public async Task StartAndStop_HostLifetime_ProviderBuiltOnStartFlushedAndDisposedOnStop()
    {
        using var source = PipelineTestHost.NewSource(nameof(StartAndStop_HostLifetime_ProviderBuiltOnStartFlushedAndDisposedOnStop));
        var recorder = new RecordingExporter();
        using var host = PipelineTestHost.Build(source, o =>
        {
            o.AddExporter("recording", _ => recorder);
            o.Exporters = ["recording"];
            o.ScheduleDelay = TimeSpan.FromHours(1); // only the shutdown flush can export
        });
        var service = host.Services.GetRequiredService<PipelineHostedService>();
        var statistics = host.Services.GetRequiredService<ExportStatistics>();

        Assert.Null(service.Provider);
        Assert.Null(source.StartActivity("before-start"));

        await host.StartAsync().Bounded();
        Assert.NotNull(service.Provider);
        Assert.True(statistics.IsRunning);
        using (var activity = source.StartActivity("during"))
        {
            Assert.NotNull(activity);
        }

        Assert.Empty(recorder.Spans);
        await host.StopAsync().Bounded();

        Assert.Null(service.Provider);
        Assert.False(statistics.IsRunning);
        Assert.Equal("during", Assert.Single(recorder.Spans).DisplayName);
        Assert.Equal(1, recorder.ShutdownCalls);
        Assert.Null(source.StartActivity("after-stop"));
    }

    [Fact]
    public async Task Start_SdkServices_ReadTheHostsConfigurationNotTheProcessEnvironment()
    {
        // The SDK reads OTEL_SDK_DISABLED and its other settings from the IConfiguration of its own services; by
        // default that is the process environment, which would let one variable change every host in the process.
        using var source = PipelineTestHost.NewSource(nameof(Start_SdkServices_ReadTheHostsConfigurationNotTheProcessEnvironment));
        string? seen = null;
        using var host = PipelineTestHost.Build(
            source,
            o => o.ConfigureTracerProvider = b => b.AddProcessor(sp =>
            {
                seen = sp.GetRequiredService<IConfiguration>()["PIPELINE_TEST_KEY"];
                return new SimpleActivityExportProcessor(new RecordingExporter());
            }),
            new Dictionary<string, string?> { ["PIPELINE_TEST_KEY"] = "from-host-configuration" });

        await host.StartAsync().Bounded();
        await host.StopAsync().Bounded();

        Assert.Equal("from-host-configuration", seen);
    }

    [Fact]
    public async Task Start_EnabledFalse_BuildsNoProvider()
    {
        using var source = PipelineTestHost.NewSource(nameof(Start_EnabledFalse_BuildsNoProvider));
        using var host = PipelineTestHost.Build(source, o => o.Enabled = false);

        await host.StartAsync().Bounded();

        Assert.Null(host.Services.GetRequiredService<PipelineHostedService>().Provider);
        Assert.False(host.Services.GetRequiredService<ExportStatistics>().IsRunning);
        Assert.Null(source.StartActivity("not-listened"));
        await host.StopAsync().Bounded();
    }

    [Fact]
    public async Task Start_OtelSdkDisabled_BuildsNoProvider()
    {
        using var source = PipelineTestHost.NewSource(nameof(Start_OtelSdkDisabled_BuildsNoProvider));
        using var host = PipelineTestHost.Build(source, _ => { }, new Dictionary<string, string?> { ["OTEL_SDK_DISABLED"] = "true" });

        await host.StartAsync().Bounded();

        Assert.Null(host.Services.GetRequiredService<PipelineHostedService>().Provider);
        Assert.Null(source.StartActivity("not-listened"));
        await host.StopAsync().Bounded();
    }

    [Theory]
    [InlineData("1")]
    [InlineData("yes")]
    public async Task Start_OtelSdkDisabledNotABoolean_BuildsProviderAndWarnsOnce(string value)
    {
        using var source = PipelineTestHost.NewSource(nameof(Start_OtelSdkDisabledNotABoolean_BuildsProviderAndWarnsOnce));
        var logs = new RecordingLoggerProvider();
        using var host = PipelineTestHost.Build(source, _ => { }, new Dictionary<string, string?> { ["OTEL_SDK_DISABLED"] = value }, logs);

        await host.StartAsync().Bounded();

        // Not disabled: the provider is built, the SDK too listens (it reads the same configuration).
        Assert.NotNull(host.Services.GetRequiredService<PipelineHostedService>().Provider);
        using (var activity = source.StartActivity("listened"))
        {
            Assert.NotNull(activity);
        }

        var warning = Assert.Single(logs.Entries, e => e.EventId.Id == 7102);
        Assert.Equal("Propagation.Collector.Pipeline", warning.Category);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("OTEL_SDK_DISABLED", warning.Message, StringComparison.Ordinal);
        Assert.Contains("'false'", warning.Message, StringComparison.Ordinal);
        await host.StopAsync().Bounded();
    }

    [Fact]
    public async Task Start_ResourceAttributesWithInvalidEscape_WarnsWithoutTheValue()
    {
        using var source = PipelineTestHost.NewSource(nameof(Start_ResourceAttributesWithInvalidEscape_WarnsWithoutTheValue));
        var logs = new RecordingLoggerProvider();
        using var host = PipelineTestHost.Build(
            source, _ => { }, new Dictionary<string, string?> { ["OTEL_RESOURCE_ATTRIBUTES"] = "team=s3cr3t-ish,service.name=a%zzb" }, logs);

        await host.StartAsync().Bounded();

        Assert.NotNull(host.Services.GetRequiredService<PipelineHostedService>().Provider);
        var warning = Assert.Single(logs.Entries, e => e.EventId.Id == 7102);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("OTEL_RESOURCE_ATTRIBUTES", warning.Message, StringComparison.Ordinal);
        Assert.Contains("item 2", warning.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t", warning.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("%zz", warning.Message, StringComparison.Ordinal);
        await host.StopAsync().Bounded();
    }

    [Fact]
    public async Task Start_SeveralExporters_EachGetsEverySpanAndItsOwnCounters()
    {
        using var source = PipelineTestHost.NewSource(nameof(Start_SeveralExporters_EachGetsEverySpanAndItsOwnCounters));
        var first = new RecordingExporter();
        var second = new RecordingExporter();
        var console = new StringWriter();
        var json = new StringWriter();
        using var host = PipelineTestHost.Build(
            source,
            o =>
            {
                o.AddExporter("first", _ => first).AddExporter("second", _ => second);
                o.ConsoleWriter = console;
                o.JsonWriter = json;
            },
            new Dictionary<string, string?> { ["OTEL_TRACES_EXPORTER"] = "first,second,console,json" });

        await host.StartAsync().Bounded();
        source.StartActivity("one")!.Stop();
        source.StartActivity("two")!.Stop();
        var statistics = host.Services.GetRequiredService<ExportStatistics>();
        var names = statistics.GetExporterStatuses().Select(e => e.Name).ToArray();
        await host.StopAsync().Bounded();

        Assert.Equal(["first", "second", "console", "json"], names);
        Assert.Equal(["one", "two"], first.Spans.Select(a => a.DisplayName).Order());
        Assert.Equal(["one", "two"], second.Spans.Select(a => a.DisplayName).Order());
        Assert.Equal(2, console.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal(2, json.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.All(statistics.GetExporterStatuses(), e => Assert.Equal(2, e.ExportedSpans));
    }

    [Fact]
    public async Task Start_ExporterNone_SamplesButExportsNothing()
    {
        using var source = PipelineTestHost.NewSource(nameof(Start_ExporterNone_SamplesButExportsNothing));
        var recorder = new RecordingExporter();
        using var host = PipelineTestHost.Build(
            source,
            o => o.AddExporter("recording", _ => recorder),
            new Dictionary<string, string?> { ["OTEL_TRACES_EXPORTER"] = "none" });

        await host.StartAsync().Bounded();
        using (var activity = source.StartActivity("sampled"))
        {
            Assert.NotNull(activity);
            Assert.True(activity.Recorded);
        }

        var statistics = host.Services.GetRequiredService<ExportStatistics>();
        await host.StopAsync().Bounded();

        Assert.Empty(statistics.GetExporterStatuses());
        Assert.Empty(recorder.Spans);
    }

    [Fact]
    public async Task Start_SamplerAlwaysOff_NothingRecordedOrExported()
    {
        using var source = PipelineTestHost.NewSource(nameof(Start_SamplerAlwaysOff_NothingRecordedOrExported));
        var recorder = new RecordingExporter();
        using var host = PipelineTestHost.Build(
            source,
            o =>
            {
                o.AddExporter("recording", _ => recorder);
                o.Exporters = ["recording"];
            },
            new Dictionary<string, string?> { ["OTEL_TRACES_SAMPLER"] = "always_off" });

        await host.StartAsync().Bounded();
        var activity = source.StartActivity("dropped");
        activity?.Stop();
        var sampler = host.Services.GetRequiredService<ExportStatistics>().Sampler;
        await host.StopAsync().Bounded();

        Assert.True(activity is null || !activity.Recorded);
        Assert.Equal("always_off", sampler);
        Assert.Empty(recorder.Spans);
    }

    [Fact]
    public async Task Start_DefaultExporters_StoresSpansInTheAppsSpanStoreWithServiceName()
    {
        using var source = PipelineTestHost.NewSource(nameof(Start_DefaultExporters_StoresSpansInTheAppsSpanStoreWithServiceName));
        using var host = PipelineTestHost.Build(source, o => o.ServiceName = "store-test");
        var store = host.Services.GetRequiredService<SpanStore>();

        await host.StartAsync().Bounded();
        var exporterNames = host.Services.GetRequiredService<ExportStatistics>().GetExporterStatuses().Select(e => e.Name).ToArray();
        string traceId;
        using (var activity = source.StartActivity("stored"))
        {
            traceId = activity!.TraceId.ToHexString();
        }

        await host.StopAsync().Bounded();

        Assert.Equal(["store"], exporterNames);
        var span = Assert.Single(store.GetTrace(traceId)!);
        Assert.Equal("stored", span.Name);
        Assert.Equal("store-test", span.ServiceName);
    }

    [Fact]
    public async Task Start_LocalExporters_UseTheShortLocalDelayAndOthersTheScheduleDelay()
    {
        using var source = PipelineTestHost.NewSource(nameof(Start_LocalExporters_UseTheShortLocalDelayAndOthersTheScheduleDelay));
        var recorder = new RecordingExporter();
        using var host = PipelineTestHost.Build(source, o =>
        {
            o.AddExporter("recording", _ => recorder);
            o.Exporters = ["store", "recording"];
            o.ScheduleDelay = TimeSpan.FromHours(1);
            o.LocalScheduleDelay = TimeSpan.FromMilliseconds(10);
        });
        var store = host.Services.GetRequiredService<SpanStore>();
        await host.StartAsync().Bounded();
        string traceId;
        using (var activity = source.StartActivity("quick"))
        {
            traceId = activity!.TraceId.ToHexString();
        }

        var stored = SpinWait.SpinUntil(() => store.GetTrace(traceId) is { Count: 1 }, TimeSpan.FromSeconds(30));
        var recordedBeforeStop = recorder.Spans.Count;
        await host.StopAsync().Bounded();

        Assert.True(stored, "the store exporter did not run within its local delay");
        Assert.Equal(0, recordedBeforeStop);
        Assert.Single(recorder.Spans);
    }

    [Fact]
    public void Stop_LoggingProviderFails_ProviderShutDownAndStopDoesNotThrow()
    {
        // Arrange: the json exporter logs spans through ILogger; the logging provider fails once the pipeline runs, so
        // each span fails to export (as documented) and every warning of the pipeline fails to be written too.
        using var source = PipelineTestHost.NewSource(nameof(Stop_LoggingProviderFails_ProviderShutDownAndStopDoesNotThrow));
        var logs = new FailingLoggerProvider();
        using var services = new ServiceCollection()
            .AddLogging(l => l.AddProvider(logs))
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().Build())
            .AddTracingPipeline(o =>
            {
                PipelineTestHost.ListenOnlyTo(o, source);
                o.Exporters = ["json"];
                o.ShutdownTimeout = TimeSpan.FromSeconds(5);
            })
            .BuildServiceProvider();
        var pipeline = services.GetRequiredService<PipelineHostedService>();
        var statistics = services.GetRequiredService<ExportStatistics>();
        pipeline.Start();
        logs.Failing = true;
        source.StartActivity("unlogged")!.Stop();

        // Act
        var stop = Record.Exception(pipeline.Stop);

        // Assert: the span counted as failed, the provider shut down (nothing listens any more), and no exception.
        Assert.Null(stop);
        Assert.Null(pipeline.Provider);
        Assert.False(source.HasListeners());
        Assert.Equal(1, Assert.Single(statistics.GetExporterStatuses()).FailedSpans);
    }

    [Fact]
    public async Task ForceFlushTracing_RunningPipeline_ExportsAtOnce()
    {
        using var source = PipelineTestHost.NewSource(nameof(ForceFlushTracing_RunningPipeline_ExportsAtOnce));
        var recorder = new RecordingExporter();
        using var host = PipelineTestHost.Build(source, o =>
        {
            o.AddExporter("recording", _ => recorder);
            o.Exporters = ["recording", "store"];
            o.ScheduleDelay = TimeSpan.FromHours(1);
            o.LocalScheduleDelay = TimeSpan.FromHours(1);
        });
        Assert.False(host.Services.ForceFlushTracing(TimeSpan.FromSeconds(1)));
        await host.StartAsync().Bounded();
        string traceId;
        using (var activity = source.StartActivity("flushed"))
        {
            traceId = activity!.TraceId.ToHexString();
        }

        var flushed = host.Services.ForceFlushTracing(TimeSpan.FromSeconds(30));
        var recorded = recorder.Spans.Count;
        var stored = host.Services.GetRequiredService<SpanStore>().GetTrace(traceId)?.Count;
        await host.StopAsync().Bounded();

        Assert.True(flushed);
        Assert.Equal(1, recorded);
        Assert.Equal(1, stored);
        Assert.False(host.Services.ForceFlushTracing(TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public async Task Start_ConfigureTracerProvider_IsApplied()
    {
        using var source = PipelineTestHost.NewSource(nameof(Start_ConfigureTracerProvider_IsApplied));
        using var extra = PipelineTestHost.NewSource("Extra");
        using var host = PipelineTestHost.Build(source, o => o.ConfigureTracerProvider = b => b.AddSource(extra.Name));

        await host.StartAsync().Bounded();
        using var activity = extra.StartActivity("extra");
        await host.StopAsync().Bounded();

        Assert.NotNull(activity);
    }
}
