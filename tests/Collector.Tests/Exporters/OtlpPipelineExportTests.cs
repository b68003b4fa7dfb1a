using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Propagation.Collector.Tests.Pipeline;

namespace Propagation.Collector.Tests.Exporters;

/// <summary>The <c>otlp</c> exporter of the pipeline, end to end: spans leave as OTLP/HTTP protobuf, decoded by an
/// in-test receiver; with the endpoint down or hanging, requests still succeed and losses are counted.</summary>
public class OtlpPipelineExportTests
{
    private static readonly ActivityTraceId RemoteTraceId = ActivityTraceId.CreateFromString("4bf92f3577b34da6a3ce929d0e0e4736");
    private static readonly ActivitySpanId RemoteParentId = ActivitySpanId.CreateFromString("00f067aa0ba902b7");

    [Fact]
    public async Task Export_OtlpHttpProtobuf_ReceiverDecodesIdsParentsNamesServiceAndAttributes()
    {
        await using var receiver = await OtlpTestReceiver.StartAsync();
        using var source = PipelineTestHost.NewSource(nameof(Export_OtlpHttpProtobuf_ReceiverDecodesIdsParentsNamesServiceAndAttributes));
        using var host = PipelineTestHost.Build(
            source,
            o => o.ConfigureOtlpExporter = otlp => otlp.HttpClientFactory = receiver.CreateClient,
            new Dictionary<string, string?>
            {
                ["OTEL_SERVICE_NAME"] = "checkout",
                ["OTEL_TRACES_EXPORTER"] = "otlp",
                ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
                ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://localhost",
                ["OTEL_EXPORTER_OTLP_HEADERS"] = "x-tenant=blue",
            });
        await host.StartAsync().Bounded();

        Activity server, client;
        using (server = source.StartActivity("POST /checkout", ActivityKind.Server, new ActivityContext(RemoteTraceId, RemoteParentId, ActivityTraceFlags.Recorded, isRemote: true))!)
        {
            server.SetTag("http.request.method", "POST");
            server.SetTag("http.response.status_code", 201);
            using (client = source.StartActivity("charge-card", ActivityKind.Client)!)
            {
                client.SetTag("retry", true);
                client.SetTag("amount", 12.5);
                client.SetTag("url.query", "[REDACTED]");
                client.SetStatus(ActivityStatusCode.Error, "declined");
            }
        }

        await host.StopAsync().Bounded();

        var spans = receiver.Spans.ToArray();
        Assert.Equal(2, spans.Length);
        var (contentType, tenant) = Assert.Single(receiver.Requests);
        Assert.Equal("application/x-protobuf", contentType);
        Assert.Equal("blue", tenant);

        var serverSpan = Assert.Single(spans, s => s.Name == "POST /checkout");
        Assert.Equal(RemoteTraceId.ToHexString(), serverSpan.TraceId);
        Assert.Equal(server.SpanId.ToHexString(), serverSpan.SpanId);
        Assert.Equal(RemoteParentId.ToHexString(), serverSpan.ParentSpanId);
        Assert.Equal(2, serverSpan.Kind); // SPAN_KIND_SERVER
        Assert.Equal("POST", serverSpan.Attributes["http.request.method"]);
        Assert.Equal(201L, serverSpan.Attributes["http.response.status_code"]);
        Assert.Equal(source.Name, serverSpan.ScopeName);
        Assert.True(serverSpan.EndTimeUnixNano >= serverSpan.StartTimeUnixNano);

        var clientSpan = Assert.Single(spans, s => s.Name == "charge-card");
        Assert.Equal(RemoteTraceId.ToHexString(), clientSpan.TraceId);
        Assert.Equal(client.SpanId.ToHexString(), clientSpan.SpanId);
        Assert.Equal(server.SpanId.ToHexString(), clientSpan.ParentSpanId);
        Assert.Equal(3, clientSpan.Kind); // SPAN_KIND_CLIENT
        Assert.Equal(true, clientSpan.Attributes["retry"]);
        Assert.Equal(12.5, clientSpan.Attributes["amount"]);
        Assert.Equal("[REDACTED]", clientSpan.Attributes["url.query"]);
        Assert.Equal(2, clientSpan.StatusCode); // STATUS_CODE_ERROR
        Assert.Equal("declined", clientSpan.StatusMessage);

        Assert.All(spans, s => Assert.Equal("checkout", s.ResourceAttributes["service.name"]));
        var exporter = Assert.Single(host.Services.GetRequiredService<ExportStatistics>().GetExporterStatuses());
        Assert.Equal("otlp", exporter.Name);
        Assert.Equal(2, exporter.ExportedSpans);
        Assert.Equal(0, exporter.FailedSpans + exporter.DroppedSpans);
    }

    [Fact]
    public async Task Export_ResourceAttributesSetServiceInstanceId_ReceiverGetsThatIdNotAGeneratedOne()
    {
        await using var receiver = await OtlpTestReceiver.StartAsync();
        using var source = PipelineTestHost.NewSource(nameof(Export_ResourceAttributesSetServiceInstanceId_ReceiverGetsThatIdNotAGeneratedOne));
        using var host = PipelineTestHost.Build(
            source,
            o => o.ConfigureOtlpExporter = otlp => otlp.HttpClientFactory = receiver.CreateClient,
            new Dictionary<string, string?>
            {
                ["OTEL_RESOURCE_ATTRIBUTES"] = "service.name=billing,service.instance.id=billing-pod-7,deployment.environment.name=prod",
                ["OTEL_TRACES_EXPORTER"] = "otlp",
                ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
                ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://localhost",
            });
        await host.StartAsync().Bounded();

        using (source.StartActivity("invoice", ActivityKind.Server))
        {
        }

        await host.StopAsync().Bounded();

        var span = Assert.Single(receiver.Spans);
        Assert.Equal("billing", span.ResourceAttributes["service.name"]);
        Assert.Equal("billing-pod-7", span.ResourceAttributes["service.instance.id"]);
        Assert.Equal("prod", span.ResourceAttributes["deployment.environment.name"]);
    }

    [Fact]
    public async Task Export_OtlpGrpc_ReceiverDecodesSpansWithParentsAndService()
    {
        await using var receiver = await OtlpTestReceiver.StartAsync();
        using var source = PipelineTestHost.NewSource(nameof(Export_OtlpGrpc_ReceiverDecodesSpansWithParentsAndService));
        using var host = PipelineTestHost.Build(
            source,
            o => o.ConfigureOtlpExporter = otlp => otlp.HttpClientFactory = receiver.CreateClient,
            new Dictionary<string, string?>
            {
                ["OTEL_SERVICE_NAME"] = "kernel",
                ["OTEL_TRACES_EXPORTER"] = "otlp",
                ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "grpc",
                ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://localhost",
                ["OTEL_EXPORTER_OTLP_HEADERS"] = "x-tenant=green",
            });
        await host.StartAsync().Bounded();

        Activity parent, child;
        using (parent = source.StartActivity("rpc-parent", ActivityKind.Server)!)
        {
            using (child = source.StartActivity("rpc-child")!)
            {
                child.SetTag("rpc.method", "Complete");
            }
        }

        await host.StopAsync().Bounded();

        var (contentType, tenant) = Assert.Single(receiver.Requests);
        Assert.Equal("application/grpc", contentType);
        Assert.Equal("green", tenant);
        var spans = receiver.Spans.ToArray();
        var parentSpan = Assert.Single(spans, s => s.Name == "rpc-parent");
        var childSpan = Assert.Single(spans, s => s.Name == "rpc-child");
        Assert.Equal(parent.TraceId.ToHexString(), childSpan.TraceId);
        Assert.Equal(string.Empty, parentSpan.ParentSpanId);
        Assert.Equal(parent.SpanId.ToHexString(), childSpan.ParentSpanId);
        Assert.Equal(child.SpanId.ToHexString(), childSpan.SpanId);
        Assert.Equal("Complete", childSpan.Attributes["rpc.method"]);
        Assert.All(spans, s => Assert.Equal("kernel", s.ResourceAttributes["service.name"]));
        Assert.Equal(2, Assert.Single(host.Services.GetRequiredService<ExportStatistics>().GetExporterStatuses()).ExportedSpans);
    }

    [Fact]
    public async Task Requests_OtlpEndpointRefusesConnections_SucceedAndLossesAreCounted()
    {
        using var source = PipelineTestHost.NewSource(nameof(Requests_OtlpEndpointRefusesConnections_SucceedAndLossesAreCounted));
        var closedPort = GetClosedPort();
        using var app = await StartApp(source, new Dictionary<string, string?>
        {
            ["OTEL_TRACES_EXPORTER"] = "otlp",
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = $"http://127.0.0.1:{closedPort}/v1/traces",
            ["OTEL_EXPORTER_OTLP_TIMEOUT"] = "2000",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "20",
            ["OTEL_BSP_MAX_EXPORT_BATCH_SIZE"] = "4",
        });
        var client = app.GetTestClient();
        const int RequestCount = 20;

        for (var i = 0; i < RequestCount; i++)
        {
            using var response = await client.GetAsync(new Uri("/work", UriKind.Relative)).Bounded();
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var statistics = app.Services.GetRequiredService<ExportStatistics>();
        await app.StopAsync().Bounded();

        var exporter = Assert.Single(statistics.GetExporterStatuses());
        Assert.Equal(0, exporter.ExportedSpans);
        Assert.Equal(RequestCount, exporter.FailedSpans + exporter.DroppedSpans);
        Assert.True(exporter.FailedSpans > 0, "no failed export was counted");
    }

    [Fact]
    public async Task Requests_OtlpEndpointHangs_SucceedAndDroppedSpansAreCounted()
    {
        await using var receiver = await OtlpTestReceiver.StartAsync(hang: true);
        using var source = PipelineTestHost.NewSource(nameof(Requests_OtlpEndpointHangs_SucceedAndDroppedSpansAreCounted));
        using var app = await StartApp(
            source,
            new Dictionary<string, string?>
            {
                ["OTEL_TRACES_EXPORTER"] = "otlp",
                ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
                ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://localhost",
                ["OTEL_EXPORTER_OTLP_TIMEOUT"] = "600000", // the exporter itself would wait ten minutes
                ["OTEL_BSP_SCHEDULE_DELAY"] = "10",
                ["OTEL_BSP_MAX_QUEUE_SIZE"] = "4",
                ["OTEL_BSP_MAX_EXPORT_BATCH_SIZE"] = "1",
                ["OTEL_BSP_EXPORT_TIMEOUT"] = "100",
            },
            o =>
            {
                o.ConfigureOtlpExporter = otlp => otlp.HttpClientFactory = receiver.CreateClient;
                o.ShutdownTimeout = TimeSpan.FromMilliseconds(200);
            });
        var client = app.GetTestClient();
        var statistics = app.Services.GetRequiredService<ExportStatistics>();

        // The first span reaches the exporter, which hangs; the queue then holds four, and the rest are dropped.
        using (var first = await client.GetAsync(new Uri("/work", UriKind.Relative)).Bounded())
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref receiver.HangingRequests) > 0, TimeSpan.FromSeconds(30)), "the exporter never reached the receiver");
        const int MoreRequests = 15;
        for (var i = 0; i < MoreRequests; i++)
        {
            using var response = await client.GetAsync(new Uri("/work", UriKind.Relative)).Bounded();
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var whileHanging = Assert.Single(statistics.GetExporterStatuses());
        Assert.True(SpinWait.SpinUntil(() => Assert.Single(statistics.GetExporterStatuses()).IsStalled, TimeSpan.FromSeconds(30)), "the hanging export was never reported as stalled");
        await app.StopAsync().Bounded();
        var afterStop = Assert.Single(statistics.GetExporterStatuses());

        Assert.Equal(MoreRequests - 4, whileHanging.DroppedSpans);
        Assert.Equal(4, whileHanging.QueueLength);
        Assert.Equal(0, whileHanging.ExportedSpans);
        // At shutdown the four queued spans are dropped too; the first span is still in the hung export call and is
        // counted (as failed) only if that call ever returns.
        Assert.Equal(MoreRequests, afterStop.DroppedSpans);
        Assert.Equal(0, afterStop.ExportedSpans);
        Assert.Equal(0, afterStop.QueueLength);
    }

    private static int GetClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static async Task<IHost> StartApp(ActivitySource source, Dictionary<string, string?> configuration, Action<TracingPipelineOptions>? configure = null)
    {
        var host = new HostBuilder()
            .ConfigureAppConfiguration(c => c.AddInMemoryCollection(configuration))
            .ConfigureWebHost(web => web
                .UseTestServer()
                .ConfigureServices(services => services.AddTracingPipeline(o =>
                {
                    PipelineTestHost.ListenOnlyTo(o, source);
                    o.ScheduleDelay = null; // from configuration
                    configure?.Invoke(o);
                }))
                .Configure(app => app.Run(async context =>
                {
                    using (source.StartActivity("work"))
                    {
                        await context.Response.WriteAsync("done");
                    }
                })))
            .Build();
        await host.StartAsync().Bounded();
        return host;
    }
}
