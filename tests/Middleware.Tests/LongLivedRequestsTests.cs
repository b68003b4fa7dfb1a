using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Propagation.Collector;
using Propagation.Middleware.Internal;
using Propagation.Middleware.Tests.Infrastructure;

namespace Propagation.Middleware.Tests;

/// <summary>
/// WebSockets through <c>UseTracing</c> on Kestrel (127.0.0.1): one server span per connection, open while the
/// connection is and ended however it ends, with the handshake's status and echo; calls made from the receive loop are
/// its children; nothing is kept after the connections close.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class LongLivedRequestsTests
{
    /// <summary>How a connection ends.</summary>
    public enum End
    {
        /// <summary>The client closes it with the close handshake.</summary>
        ClientCloses,

        /// <summary>The client aborts the TCP connection (or HTTP/2 stream).</summary>
        ClientAborts,

        /// <summary>The server aborts the request (<c>HttpContext.Abort</c>).</summary>
        ServerAborts,

        /// <summary>The host stops with the connection open: Kestrel aborts it after the shutdown timeout.</summary>
        HostStops,
    }

    [Theory]
    [InlineData(true, false, End.ClientCloses)]
    [InlineData(false, false, End.ClientCloses)]
    [InlineData(true, true, End.ClientCloses)]
    [InlineData(false, true, End.ClientCloses)]
    [InlineData(true, false, End.ClientAborts)]
    [InlineData(false, false, End.ClientAborts)]
    [InlineData(false, true, End.ClientAborts)]
    [InlineData(true, false, End.ServerAborts)]
    [InlineData(false, false, End.ServerAborts)]
    [InlineData(true, false, End.HostStops)]
    [InlineData(false, false, End.HostStops)]
    public async Task WebSocket_OneServerSpanOpenUntilTheConnectionEnds(bool hostingListened, bool http2, End end)
    {
        var path = "/ws-" + Guid.NewGuid().ToString("N");
        string[] sources = hostingListened ? ["Microsoft.AspNetCore", TracingService.ServerSourceName, TracingService.ClientSourceName] : [TracingService.ServerSourceName, TracingService.ClientSourceName];
        using var listener = new TestListener(path, sources);
        var recorder = new RecordingHandler();
        using var host = await StartAsync(path, http2, end, recorder);
        var invoker = new HttpMessageInvoker(new SocketsHttpHandler());
        using var client = new ClientWebSocket();
        client.Options.CollectHttpResponseDetails = true;
        if (http2)
        {
            client.Options.HttpVersion = HttpVersion.Version20;
            client.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        }

        await client.ConnectAsync(new Uri("ws://" + TestHosts.KestrelAddress(host).Authority + path), invoker, default);
        var echoedTraceId = client.HttpResponseHeaders!["X-Trace-ID"].Single();
        var echoedSpanId = client.HttpResponseHeaders!["X-Span-ID"].Single();

        // A message the loop answers after calling out: the call is a child of the connection's span.
        await client.SendAsync("ping"u8.ToArray(), WebSocketMessageType.Text, endOfMessage: true, default);
        var buffer = new byte[16];
        if (end != End.ServerAborts)
        {
            await client.ReceiveAsync(buffer, default);
            await Task.Delay(200);
            Assert.DoesNotContain(listener.Stopped, a => a.Kind == ActivityKind.Server);
        }

        switch (end)
        {
            case End.ClientCloses:
                await client.CloseAsync(WebSocketCloseStatus.NormalClosure, null, default);
                break;
            case End.ClientAborts:
                client.Abort();
                invoker.Dispose();
                break;
            case End.ServerAborts:
                await Assert.ThrowsAnyAsync<Exception>(() => client.ReceiveAsync(buffer, default));
                break;
            case End.HostStops:
                await host.StopAsync();
                break;
        }

        var server = await WaitForServerSpanAsync(listener);
        Assert.Equal(hostingListened ? "Microsoft.AspNetCore" : TracingService.ServerSourceName, server.Source.Name);
        Assert.Equal(echoedTraceId, server.TraceId.ToHexString());
        Assert.Equal(echoedSpanId, server.SpanId.ToHexString());
        Assert.Equal(http2 ? 200 : 101, server.GetTagItem("http.response.status_code"));
        Assert.Equal(http2 ? "2" : "1.1", server.GetTagItem("network.protocol.version"));
        Assert.Equal(http2 ? "CONNECT" : "GET", server.GetTagItem("http.request.method"));
        Assert.Equal(end is End.ClientCloses or End.ServerAborts ? ActivityStatusCode.Unset : ActivityStatusCode.Error, server.Status);
        Assert.Single(listener.Stopped, a => a.Kind == ActivityKind.Server);
        if (end != End.ServerAborts)
        {
            var traceparent = Assert.Single(recorder.Sent)["traceparent"].Single();
            Assert.StartsWith("00-" + server.TraceId.ToHexString() + "-", traceparent, StringComparison.Ordinal);
            var call = Assert.Single(listener.Stopped, a => a.Kind == ActivityKind.Client && a.Source.Name == TracingService.ClientSourceName);
            Assert.Equal(server.SpanId, call.ParentSpanId);
        }

        invoker.Dispose();
        await host.StopAsync();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task WebSocket_ManyConnectionsClosed_NoSpanOrRequestKept(bool hostingListened)
    {
        const int Connections = 200;
        var path = "/wsm-" + Guid.NewGuid().ToString("N");
        string[] sources = hostingListened ? ["Microsoft.AspNetCore", TracingService.ServerSourceName] : [TracingService.ServerSourceName];
        using var listener = new TestListener(path, sources);
        var spans = new System.Collections.Concurrent.ConcurrentQueue<WeakReference>();
        var contexts = new System.Collections.Concurrent.ConcurrentQueue<WeakReference>();
        using var host = await TestHosts.StartAsync(
            s => s.AddTracing(o =>
            {
                o.SlowRequestThreshold = TimeSpan.FromMilliseconds(1);
                o.LogSpans = true;
            }),
            app =>
            {
                app.UseTracing();
                app.UseWebSockets();
                app.Run(async context =>
                {
                    spans.Enqueue(new WeakReference(Activity.Current));
                    contexts.Enqueue(new WeakReference(context));
                    using var socket = await context.WebSockets.AcceptWebSocketAsync();
                    var buffer = new byte[16];
                    while ((await socket.ReceiveAsync(buffer, default)).MessageType != WebSocketMessageType.Close)
                    {
                    }

                    await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, default);
                });
            },
            kestrel: true);
        var address = TestHosts.KestrelAddress(host);
        var clients = new List<ClientWebSocket>();
        for (var i = 0; i < Connections; i++)
        {
            var client = new ClientWebSocket();
            clients.Add(client);
            await client.ConnectAsync(new Uri("ws://" + address.Authority + path), default);
        }

        Assert.Empty(listener.Stopped);
        await Task.WhenAll(clients.Select(c => c.CloseAsync(WebSocketCloseStatus.NormalClosure, null, default)));
        await listener.WaitAsync(Connections);
        foreach (var client in clients)
        {
            client.Dispose();
        }

        clients.Clear();
        listener.Stopped.Clear();
        Assert.Equal(Connections, spans.Count);
        for (var i = 0; i < 20 && (spans.Any(w => w.IsAlive) || contexts.Any(w => w.IsAlive)); i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            await Task.Delay(50);
        }

        Assert.Equal(0, spans.Count(w => w.IsAlive));
        Assert.Equal(0, contexts.Count(w => w.IsAlive));
        await host.StopAsync();
    }

    private static async Task<Activity> WaitForServerSpanAsync(TestListener listener)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            if (listener.Stopped.FirstOrDefault(a => a.Kind == ActivityKind.Server) is { } span)
            {
                return span;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException("the connection's server span was not stopped within 10 s");
    }

    private static async Task<IHost> StartAsync(string path, bool http2, End end, RecordingHandler recorder)
    {
        var host = new HostBuilder()
            .ConfigureWebHost(web => web
                .UseKestrel(o => o.Listen(IPAddress.Loopback, 0, l => l.Protocols = http2 ? HttpProtocols.Http2 : HttpProtocols.Http1))
                .UseShutdownTimeout(TimeSpan.FromSeconds(1))
                .ConfigureServices(s =>
                {
                    s.AddRouting();
                    s.AddHttpContextAccessor();
                    s.AddTracing();
                    s.AddHttpClient("out").AddTraceHeaders().ConfigurePrimaryHttpMessageHandler(() => recorder);
                    s.Configure<TracingPipelineOptions>(o => o.Enabled = false);
                })
                .Configure(app =>
                {
                    app.UseTracing();
                    app.UseWebSockets();
                    app.UseRouting();

                    // Map, not MapGet: an HTTP/2 WebSocket is a CONNECT request.
                    app.UseEndpoints(e => e.Map(path, async context =>
                    {
                        using var socket = await context.WebSockets.AcceptWebSocketAsync();
                        var buffer = new byte[16];
                        while (true)
                        {
                            var received = await socket.ReceiveAsync(buffer, default);
                            if (received.MessageType == WebSocketMessageType.Close)
                            {
                                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, default);
                                return;
                            }

                            if (end == End.ServerAborts)
                            {
                                context.Abort();
                                return;
                            }

                            var client = context.RequestServices.GetRequiredService<IHttpClientFactory>().CreateClient("out");
                            using (await client.GetAsync(new Uri("http://downstream.internal/on-message"))) { }
                            await socket.SendAsync(buffer.AsMemory(0, received.Count), received.MessageType, received.EndOfMessage, default);
                        }
                    }));
                }))
            .Build();
        await host.StartAsync();
        return host;
    }
}
