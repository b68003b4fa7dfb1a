using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Propagation.Collector.Internal;

namespace Propagation.Collector.Tests.Pipeline;

public class PipelineOwnershipProcessorTests
{
    [Fact]
    public async Task OnEnd_TwoPipelinesInOneProcess_EachExportsOnlyItsOwnSpans()
    {
        using var source = PipelineTestHost.NewSource(nameof(OnEnd_TwoPipelinesInOneProcess_EachExportsOnlyItsOwnSpans));
        var (hostA, recorderA) = BuildHost(source, exportUnowned: false);
        var (hostB, recorderB) = BuildHost(source, exportUnowned: false);
        using (hostA)
        using (hostB)
        {
            await hostA.StartAsync().Bounded();
            await hostB.StartAsync().Bounded();
            var ownerA = hostA.Services.GetRequiredService<TracingOwner>();
            var ownerB = hostB.Services.GetRequiredService<TracingOwner>();

            using (var rootA = source.StartActivity("a-root"))
            {
                TracingOwnership.Mark(rootA!, ownerA);
                source.StartActivity("a-child")!.Stop();
            }

            using (var rootB = source.StartActivity("b-root"))
            {
                TracingOwnership.Mark(rootB!, ownerB);
                source.StartActivity("b-child")!.Stop();
            }

            source.StartActivity("unowned")!.Stop();
            await hostA.StopAsync().Bounded();
            await hostB.StopAsync().Bounded();
        }

        Assert.Equal(["a-child", "a-root"], recorderA.Spans.Select(a => a.DisplayName).Order());
        Assert.Equal(["b-child", "b-root"], recorderB.Spans.Select(a => a.DisplayName).Order());
    }

    [Fact]
    public async Task OnEnd_UnownedSpan_ExportedOnlyByPipelinesThatAcceptUnowned()
    {
        using var source = PipelineTestHost.NewSource(nameof(OnEnd_UnownedSpan_ExportedOnlyByPipelinesThatAcceptUnowned));
        var (accepting, acceptingRecorder) = BuildHost(source, exportUnowned: true);
        var (refusing, refusingRecorder) = BuildHost(source, exportUnowned: false);
        using (accepting)
        using (refusing)
        {
            await accepting.StartAsync().Bounded();
            await refusing.StartAsync().Bounded();

            using (source.StartActivity("unowned-root"))
            {
                source.StartActivity("unowned-child")!.Stop();
            }

            await accepting.StopAsync().Bounded();
            await refusing.StopAsync().Bounded();
        }

        Assert.Equal(["unowned-child", "unowned-root"], acceptingRecorder.Spans.Select(a => a.DisplayName).Order());
        Assert.Empty(refusingRecorder.Spans);
    }

    [Fact]
    public async Task OnEnd_TwoTestServersCallingEachOther_EachHostExportsOnlyItsServerSpanAndChildren()
    {
        using var source = PipelineTestHost.NewSource(nameof(OnEnd_TwoTestServersCallingEachOther_EachHostExportsOnlyItsServerSpanAndChildren));
        var recorderBackend = new RecordingExporter();
        var recorderKernel = new RecordingExporter();
        HttpClient? kernelClient = null;

        using var kernel = await StartWebHost(source, recorderKernel, async context =>
        {
            using var work = source.StartActivity("kernel-work");
            await context.Response.WriteAsync("kernel");
        });
        kernelClient = kernel.GetTestClient();

        using var backend = await StartWebHost(source, recorderBackend, async context =>
        {
            using var work = source.StartActivity("backend-work");
            using var request = new HttpRequestMessage(HttpMethod.Get, "/kernel");
            request.Headers.Add("traceparent", work!.Id);
            using var response = await kernelClient.SendAsync(request);
            await context.Response.WriteAsync("backend:" + await response.Content.ReadAsStringAsync());
        });

        using var response = await backend.GetTestClient().GetAsync(new Uri("/backend", UriKind.Relative)).Bounded();
        var body = await response.Content.ReadAsStringAsync();
        await backend.StopAsync().Bounded();
        await kernel.StopAsync().Bounded();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("backend:kernel", body);
        var backendSpans = recorderBackend.Spans.ToArray();
        var kernelSpans = recorderKernel.Spans.ToArray();
        Assert.Equal(2, backendSpans.Length);
        Assert.Equal(2, kernelSpans.Length);
        Assert.Contains(backendSpans, a => a.DisplayName == "backend-work");
        Assert.Contains(backendSpans, a => a.Kind == ActivityKind.Server);
        Assert.Contains(kernelSpans, a => a.DisplayName == "kernel-work");
        Assert.Contains(kernelSpans, a => a.Kind == ActivityKind.Server);

        // One trace across both hosts: the kernel's server span continues the backend's work span.
        var backendWork = backendSpans.Single(a => a.DisplayName == "backend-work");
        var kernelServer = kernelSpans.Single(a => a.Kind == ActivityKind.Server);
        Assert.Equal(backendWork.TraceId, kernelServer.TraceId);
        Assert.Equal(backendWork.SpanId, kernelServer.ParentSpanId);
    }

    private static (IHost Host, RecordingExporter Recorder) BuildHost(ActivitySource source, bool exportUnowned)
    {
        var recorder = new RecordingExporter();
        var host = PipelineTestHost.Build(source, o =>
        {
            o.AddExporter("recording", _ => recorder);
            o.Exporters = ["recording"];
            o.ExportUnownedSpans = exportUnowned;
        });
        return (host, recorder);
    }

    [Theory]
    [InlineData("Propagation.Grpc", false, "http://127.0.0.1:5005/pkg.Service/Method", true)]
    [InlineData("Propagation.Grpc", true, "http://127.0.0.1:5005/pkg.Service/Method", true)] // under grpc-dotnet's per-call activity
    [InlineData("Propagation.Grpc", false, "https://kernel.example/base/pkg.Service/Method", true)] // a channel address with a path base
    [InlineData("Propagation.Grpc", false, "https://auth.example/oauth/token?*", false)] // another request during the call
    [InlineData("Propagation.Grpc", false, "http://127.0.0.1:5005/pkg.Service/Other", false)]
    [InlineData("Propagation.Grpc", false, "http://127.0.0.1:5005/xpkg.Service/Method", false)]
    [InlineData("Propagation.Grpc", false, "http://pkg.Service/Method", false)] // the name as the authority
    [InlineData("Propagation.Http", false, "http://127.0.0.1:5005/pkg.Service/Method", false)] // not the gRPC interceptor's span
    public void IsGrpcCallTransport_HttpClientsSpanUnderAGrpcCall_OnlyForTheCallsOwnRequest(string parentSource, bool underGrpcNetClient, string url, bool expected)
    {
        // Arrange: a client span named as the interceptor names a call, HttpClient's activity under it (or under the
        // channel's own activity), with the url.full HttpClient records.
        using var source = new ActivitySource(parentSource);
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => ReferenceEquals(s, source),
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        using var call = source.StartActivity("pkg.Service/Method", ActivityKind.Client)!;
        using var channels = underGrpcNetClient ? new Activity(GrpcCallSpans.GrpcNetClientActivityName).Start() : null;
        using var http = new Activity(GrpcCallSpans.HttpClientActivityName).Start();
        http.SetTag("url.full", url);

        // Act
        var transport = PipelineOwnershipProcessor.IsGrpcCallTransport(http);

        // Assert
        Assert.Equal(expected, transport);
        Assert.False(PipelineOwnershipProcessor.IsGrpcCallTransport(call));
    }

    private static async Task<IHost> StartWebHost(ActivitySource source, RecordingExporter recorder, RequestDelegate handler)
    {
        var host = new HostBuilder()
            .ConfigureWebHost(web => web
                .UseTestServer()
                .ConfigureServices(services => services.AddRouting().AddTracingPipeline(o =>
                {
                    PipelineTestHost.ListenOnlyTo(o, source);
                    o.ListenToAspNetCore = true; // hosting's server span, marked below as the HTTP layer will
                    o.AddExporter("recording", _ => recorder);
                    o.Exporters = ["recording"];
                    o.ExportUnownedSpans = false; // several hosts in one process
                }))
                .Configure(app =>
                {
                    var owner = app.ApplicationServices.GetRequiredService<TracingOwner>();
                    app.Use(async (context, next) =>
                    {
                        TracingOwnership.Mark(Activity.Current!, owner);
                        await next(context);
                    });
                    app.Run(handler);
                }))
            .Build();
        await host.StartAsync().Bounded();
        return host;
    }
}
