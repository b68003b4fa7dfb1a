using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Propagation.Collector.Tests.Pipeline;

namespace Propagation.Collector.Tests.Exporters;

/// <summary>An in-test OTLP/HTTP receiver on TestServer: <c>POST /v1/traces</c> decodes the protobuf body; or, when
/// told to hang, never answers until the caller gives up.</summary>
internal sealed class OtlpTestReceiver : IAsyncDisposable
{
    private readonly IHost _host;

    private OtlpTestReceiver(IHost host) => _host = host;

    public ConcurrentQueue<OtlpSpan> Spans { get; } = new();

    public ConcurrentQueue<(string? ContentType, string? Tenant)> Requests { get; } = new();

    public int HangingRequests;

    public static async Task<OtlpTestReceiver> StartAsync(bool hang = false)
    {
        OtlpTestReceiver? receiver = null;
        var host = new HostBuilder()
            .ConfigureWebHost(web => web
                .UseTestServer()
                .ConfigureServices(services => services.AddRouting())
                .Configure(app =>
                {
                    app.UseRouting();
                    app.UseEndpoints(endpoints => endpoints.MapPost("/v1/traces", async context =>
                    {
                        if (hang)
                        {
                            Interlocked.Increment(ref receiver!.HangingRequests);
                            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(static _ => { }, TaskScheduler.Default);
                            return;
                        }

                        using var body = new MemoryStream();
                        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
                        receiver!.Requests.Enqueue((context.Request.ContentType, context.Request.Headers["x-tenant"].ToString()));
                        foreach (var span in OtlpTraceDecoder.DecodeExportRequest(body.ToArray()))
                        {
                            receiver.Spans.Enqueue(span);
                        }

                        // An empty ExportTraceServiceResponse: full success.
                        context.Response.ContentType = "application/x-protobuf";
                        context.Response.StatusCode = StatusCodes.Status200OK;
                    }));
                }))
            .Build();
        receiver = new OtlpTestReceiver(host);
        await host.StartAsync().Bounded();
        return receiver;
    }

    /// <summary>A client for the OTLP exporter's <c>HttpClientFactory</c>; it may call the synchronous
    /// <see cref="HttpClient.Send(HttpRequestMessage)"/>, which this wrapper routes to TestServer's async handler.</summary>
    public HttpClient CreateClient() => new(new SyncOverAsyncHandler(_host.GetTestServer().CreateHandler()));

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync().Bounded();
        _host.Dispose();
    }

    private sealed class SyncOverAsyncHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
            => base.SendAsync(request, cancellationToken).GetAwaiter().GetResult();
    }
}
