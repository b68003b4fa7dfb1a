extern alias backend;

using System.Diagnostics;
using System.Net;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Propagation.Collector;
using Propagation.Interceptors;
using Samples.Kernel;
using Compute = backend::Samples.Kernel.Compute;
using Number = backend::Samples.Kernel.Number;

namespace Propagation.Integration.Tests;

/// <summary>
/// A gRPC client set up as the README shows (<c>AddGrpcClient</c> and <c>AddInterceptor&lt;TracingClientInterceptor&gt;</c>,
/// no <c>AddTraceHeaders</c>) calling the Kernel over real HTTP/2 on 127.0.0.1: the channel's primary handler is the
/// gRPC runtime's own <see cref="SocketsHttpHandler"/>, whose <c>System.Net.Http</c> diagnostics stay on, and the
/// pipeline listens to that source by default. Under grpc-dotnet the channel also starts its own per-call activity,
/// <c>Grpc.Net.Client.GrpcOut</c>, between the call's span and HttpClient's.
/// </summary>
public sealed class GrpcClientOverSocketsTests
{
    [Theory]
    [InlineData("/sum")] // AddGrpcClient + AddInterceptor: the factory's client
    [InlineData("/sum-channel")] // without DI: GrpcChannel.ForAddress + channel.Intercept, the process-wide propagator
    public async Task InterceptorOnlyClient_CallOverSockets_OneClientSpanTheServerSpansParentNoOrphan(string path)
    {
        // Arrange
        var contentRoot = Directory.CreateTempSubdirectory("propagation-grpc-sockets-").FullName;
        try
        {
            var requests = new RequestTracker();
            await using var kernel = await StartKernelAsync(contentRoot, requests);
            await using var front = await StartFrontAsync(contentRoot, new Uri(kernel.Urls.Single()), requests);
            using var client = front.GetTestClient();

            // Act
            using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
            var traceId = response.Headers.GetValues("X-Trace-ID").Single();

            // Assert
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("2", await response.Content.ReadAsStringAsync());
            // Both hosts done with every request (a server span ends after its response): all their spans are exported.
            await requests.WaitUntilIdleAsync(ServiceChain.FlushBound);
            var frontSpans = ServiceChain.SpansOf(front, traceId);
            var entry = Assert.Single(frontSpans, s => s.Kind == ActivityKind.Server);
            var call = Assert.Single(frontSpans, s => s.Kind == ActivityKind.Client);
            Assert.Equal("samples.kernel.Compute/Sum", call.Name);
            Assert.Equal(entry.SpanId, call.ParentSpanId);
            Assert.Equal(2, frontSpans.Count);
            var server = Assert.Single(ServiceChain.SpansOf(kernel, traceId));
            Assert.Equal("samples.kernel.Compute/Sum", server.Name);
            Assert.Equal(call.SpanId, server.ParentSpanId);
        }
        finally
        {
            Directory.Delete(contentRoot, recursive: true);
        }
    }

    private static async Task<WebApplication> StartKernelAsync(string contentRoot, RequestTracker requests)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = contentRoot, EnvironmentName = "Development" });
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        builder.Logging.ClearProviders();
        KernelApp.ConfigureServices(builder);
        // Two hosts share this process: each exports only the spans of its own requests.
        builder.Services.Configure<TracingPipelineOptions>(o => o.ExportUnownedSpans = false);
        requests.AddTo(builder.Services);
        var app = builder.Build();
        KernelApp.Configure(app);
        await app.StartAsync();
        return app;
    }

    private static async Task<WebApplication> StartFrontAsync(string contentRoot, Uri kernelAddress, RequestTracker requests)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = contentRoot, EnvironmentName = "Development" });
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Services.AddGrpcTracing(o => o.ServiceName = "front");
        builder.Services.AddGrpcClient<Compute.ComputeClient>(o => o.Address = kernelAddress)
            .AddInterceptor<TracingClientInterceptor>();
        builder.Services.Configure<TracingPipelineOptions>(o => o.ExportUnownedSpans = false);
        requests.AddTo(builder.Services);
        var app = builder.Build();
        app.UseTracing();
        app.MapGet("/sum", static (Compute.ComputeClient compute, CancellationToken cancellationToken) => SumAsync(compute, cancellationToken));
        var channel = GrpcChannel.ForAddress(kernelAddress);
        app.Lifetime.ApplicationStopped.Register(channel.Dispose);
        var withoutDi = new Compute.ComputeClient(channel.Intercept(new TracingClientInterceptor(app.Services)));
        app.MapGet("/sum-channel", (CancellationToken cancellationToken) => SumAsync(withoutDi, cancellationToken));
        await app.StartAsync();
        return app;
    }

    private static async Task<long> SumAsync(Compute.ComputeClient compute, CancellationToken cancellationToken)
    {
        using var call = compute.Sum(cancellationToken: cancellationToken);
        await call.RequestStream.WriteAsync(new Number { Value = 2, Mode = "ok" }, cancellationToken);
        await call.RequestStream.CompleteAsync();
        return (await call).Value;
    }
}
