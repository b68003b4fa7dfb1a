using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Propagation.Collector.Tests.Pipeline;

namespace Propagation.Collector.Tests.Exporters;

/// <summary>An in-test OTLP receiver on TestServer: <c>POST /v1/traces</c> (OTLP/HTTP) and the gRPC method
/// <c>POST /opentelemetry.proto.collector.trace.v1.TraceService/Export</c> (OTLP/gRPC: one length-prefixed message,
/// answered with an empty message and <c>grpc-status: 0</c>) decode the protobuf body; or, when told to hang, the
/// HTTP route never answers until the caller gives up.</summary>
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
                    app.UseEndpoints(endpoints => endpoints.MapPost("/opentelemetry.proto.collector.trace.v1.TraceService/Export", async context =>
                    {
                        using var body = new MemoryStream();
                        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
                        var frame = body.ToArray();
                        receiver!.Requests.Enqueue((context.Request.ContentType, context.Request.Headers["x-tenant"].ToString()));

                        // gRPC message framing: 1 byte compressed flag (0), 4 bytes big-endian length, the message.
                        var length = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(frame.AsSpan(1, 4));
                        foreach (var span in OtlpTraceDecoder.DecodeExportRequest(frame.AsSpan(5, length).ToArray()))
                        {
                            receiver.Spans.Enqueue(span);
                        }

                        context.Response.ContentType = "application/grpc";
                        await context.Response.Body.WriteAsync(new byte[5]);
                        context.Response.AppendTrailer("grpc-status", "0");
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
