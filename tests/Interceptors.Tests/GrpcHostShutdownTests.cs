using System.Collections.Concurrent;
using System.Diagnostics;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using Propagation.Interceptors.Tests.Infrastructure;
using Propagation.Interceptors.Tests.Protos;

namespace Propagation.Interceptors.Tests;

/// <summary>A streaming call still running on real Kestrel (127.0.0.1, OS-chosen port) when the host stops.</summary>
/// <remarks>Its pipeline listens to hosting's activities process-wide, so it runs alone (tests of other classes count on
/// servers without them).</remarks>
[Collection(SerialCollection.Name)]
public class GrpcHostShutdownTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task StopAsync_DuplexCallInFlight_ServerSpanExportedByTheFinalFlush()
    {
        // Arrange: the pipeline exports only on a flush; the call is open when the stop begins.
        var exported = new ConcurrentQueue<Activity>();
        await using var server = await TracingTestServer.StartAsync(interceptor: null, kestrel: true, configureServices: services =>
        {
            services.AddGrpcTracing();
            services.AddGrpc(o => o.Interceptors.Add<TracingInterceptor>());
            services.AddTracingPipeline(o =>
            {
                o.AddExporter("recording", _ => new QueueExporter(exported));
                o.Exporters = ["recording"];
                o.ScheduleDelay = TimeSpan.FromHours(1);
            });
        });
        var client = server.CreateClient();
        using var call = client.Duplex(deadline: DateTime.UtcNow + Bound);
        await call.RequestStream.WriteAsync(new TraceRequest { Text = "a" });
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Bound));
        var lifetime = server.Services.GetRequiredService<IHostApplicationLifetime>();
        var stopping = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lifetime.ApplicationStopping.Register(() => stopping.TrySetResult());

        // Act: the host stops; the client ends the call once the stop has begun.
        var stop = server.Services.GetRequiredService<IHost>().StopAsync();
        await stopping.Task.WaitAsync(Bound);
        await call.RequestStream.CompleteAsync().WaitAsync(Bound);
        while (await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Bound))
        {
        }

        await stop.WaitAsync(Bound);

        // Assert
        Assert.Contains(exported, s => s.Kind == ActivityKind.Server && (s.GetTagItem("rpc.method") as string) == "Duplex");
    }

    private sealed class QueueExporter(ConcurrentQueue<Activity> spans) : BaseExporter<Activity>
    {
        public override ExportResult Export(in Batch<Activity> batch)
        {
            foreach (var activity in batch)
            {
                spans.Enqueue(activity);
            }

            return ExportResult.Success;
        }
    }
}
