using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Propagation.Collector.Tests.Pipeline;

/// <summary>The host stopping (and being disposed) while requests, client calls and spans are still in flight, on real
/// Kestrel (127.0.0.1, a port the OS chooses).</summary>
public class HostShutdownTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private static WebApplication BuildKestrelApp(RecordingExporter recorder, Action<WebApplication> map, Action<IServiceCollection>? services = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Services.AddTracing(o => o.ServiceName = "shutdown-test");
        builder.Services.AddTracingPipeline(o =>
        {
            o.AddExporter("recording", _ => recorder);
            o.Exporters = ["recording"];
            o.ScheduleDelay = TimeSpan.FromHours(1); // only a flush exports
        });
        services?.Invoke(builder.Services);
        var app = builder.Build();
        app.UseTracing();
        map(app);
        return app;
    }

    private static Uri AddressOf(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());

    [Fact]
    public async Task StopAsync_SlowRequestInFlight_ItsSpanExportedByTheFinalFlush()
    {
        // Arrange
        var recorder = new RecordingExporter();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = BuildKestrelApp(recorder, a => a.MapGet("/slow", async () =>
        {
            entered.SetResult();
            await release.Task.WaitAsync(Bound);
            return "done";
        }));
        await app.StartAsync().WaitAsync(Bound);
        using var client = new HttpClient { BaseAddress = AddressOf(app), Timeout = Bound };
        var response = client.GetStringAsync(new Uri("/slow", UriKind.Relative));
        await entered.Task.WaitAsync(Bound);

        // Act: the host stops while the request runs; the request finishes once the stop has begun.
        var stopping = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        app.Lifetime.ApplicationStopping.Register(() => stopping.TrySetResult());
        var stop = app.StopAsync();
        await stopping.Task.WaitAsync(Bound);
        release.SetResult();
        Assert.Equal("done", await response.WaitAsync(Bound));
        await stop.WaitAsync(Bound);

        // Assert
        Assert.Contains(recorder.Spans, s => s.Kind == ActivityKind.Server && (s.GetTagItem("url.path") as string) == "/slow");
    }

    [Fact]
    public async Task TraceHeadersHandler_CallsAfterStopAndDispose_Succeed()
    {
        // Arrange: a server that outlives the app whose client calls it.
        var recorder = new RecordingExporter();
        await using var server = BuildKestrelApp(new RecordingExporter(), a => a.MapGet("/ok", () => "ok"));
        await server.StartAsync().WaitAsync(Bound);
        var app = BuildKestrelApp(recorder, _ => { }, s => s.AddHttpClient("out", c => c.BaseAddress = AddressOf(server)).AddTraceHeaders());
        await app.StartAsync().WaitAsync(Bound);
        var client = app.Services.GetRequiredService<IHttpClientFactory>().CreateClient("out");
        client.Timeout = Bound;
        Assert.Equal("ok", await client.GetStringAsync(new Uri("/ok", UriKind.Relative)));

        // Act
        await app.StopAsync().WaitAsync(Bound);
        var duringStop = await client.GetStringAsync(new Uri("/ok", UriKind.Relative));
        await app.DisposeAsync();
        var afterDispose = await client.GetStringAsync(new Uri("/ok", UriKind.Relative));

        // Assert
        Assert.Equal("ok", duringStop);
        Assert.Equal("ok", afterDispose);
    }

    [Fact]
    public async Task StopAsync_TracingApiMappedAndRequestInFlight_StopCompletes()
    {
        var recorder = new RecordingExporter();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = BuildKestrelApp(recorder, a =>
        {
            a.MapGet("/slow", async () =>
            {
                entered.SetResult();
                await release.Task.WaitAsync(Bound);
                return "done";
            });
            a.MapTracingApi();
        }, s => s.AddRouting());
        await app.StartAsync().WaitAsync(Bound);
        using var client = new HttpClient { BaseAddress = AddressOf(app), Timeout = Bound };
        using var api = await client.GetAsync(new Uri("/api/tracing/status", UriKind.Relative));
        var before = await api.Content.ReadAsStringAsync();
        Assert.True(api.IsSuccessStatusCode, before);
        var response = client.GetStringAsync(new Uri("/slow", UriKind.Relative));
        await entered.Task.WaitAsync(Bound);
        var stop = app.StopAsync();
        release.SetResult();
        await response.WaitAsync(Bound);
        await stop.WaitAsync(Bound);
    }

    [Fact]
    public async Task ActivityStop_AfterTheHostIsDisposed_NoExceptionNotExported()
    {
        var recorder = new RecordingExporter();
        var app = BuildKestrelApp(recorder, _ => { }, s => s.AddTracingPipeline(o => o.Sources.Add("Propagation.Collector.Tests.HostShutdown.Late")));
        using var source = new ActivitySource("Propagation.Collector.Tests.HostShutdown.Late");
        await app.StartAsync().WaitAsync(Bound);
        var activity = source.StartActivity("late");
        Assert.NotNull(activity);
        await app.StopAsync().WaitAsync(Bound);
        await app.DisposeAsync();
        activity.Stop(); // on a listener that is gone: must not throw or hang

        Assert.DoesNotContain(recorder.Spans, s => s.DisplayName == "late");
    }

    [Fact]
    public async Task StopAndDispose_ExporterHangs_BoundedByShutdownTimeout()
    {
        var blocking = new BlockingExporter();
        var app = BuildKestrelApp(new RecordingExporter(), a => a.MapGet("/ok", () => "ok"), s => s.AddTracingPipeline(o =>
        {
            o.AddExporter("blocking", _ => blocking);
            o.Exporters = ["blocking"];
            o.ShutdownTimeout = TimeSpan.FromMilliseconds(500);
        }));
        await app.StartAsync().WaitAsync(Bound);
        using var client = new HttpClient { BaseAddress = AddressOf(app), Timeout = Bound };
        await client.GetStringAsync(new Uri("/ok", UriKind.Relative));
        var sw = Stopwatch.StartNew();
        await app.StopAsync().WaitAsync(Bound);
        var stop = sw.Elapsed;
        await app.DisposeAsync().AsTask().WaitAsync(Bound);
        var total = sw.Elapsed;
        blocking.Release();

        // The exporter blocks until released, so without the 500 ms shutdown timeout stop would hang (up to Bound);
        // the margin below is for a loaded CI machine, not a measure of speed.
        Assert.True(total < TimeSpan.FromSeconds(15), $"stop {stop}, total {total}");
    }
}
