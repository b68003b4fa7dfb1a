using System.Diagnostics;
using System.Net;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Propagation.Interceptors.Tests.Infrastructure;
using Propagation.Middleware;
using Propagation.Interceptors.Tests.Protos;

namespace Propagation.Interceptors.Tests.Official;

/// <summary>
/// gRPC-Web (browser clients): grpc-dotnet's <c>UseGrpcWeb</c> behind <c>UseTracing</c>, calls made with grpc-dotnet's
/// <see cref="GrpcWebHandler"/> over HTTP/1.1, as a browser makes them. compat/Grpc has no gRPC-Web, so this file is
/// compiled only with <c>-p:GrpcImplementation=Official</c>. AddTracing listens process-wide, so these run alone.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class GrpcWebTests
{
    private const string Service = "propagation.test.TraceTestService";

    [Theory]
    [InlineData(GrpcWebMode.GrpcWebText, 0, false)]
    [InlineData(GrpcWebMode.GrpcWebText, 13, false)]
    [InlineData(GrpcWebMode.GrpcWeb, 13, false)]
    [InlineData(GrpcWebMode.GrpcWebText, 12, true)]
    [InlineData(GrpcWebMode.GrpcWebText, 0, true)]
    public async Task UnaryCall_OverHttp11_NetworkProtocolVersionIsTheClients(GrpcWebMode mode, int status, bool kestrel)
    {
        // Arrange: UseGrpcWeb presents the request to grpc-dotnet as HTTP/2 and puts the client's protocol back only when
        // the response starts, which for an answer without a message (trailers-only: every error a handler raises before
        // writing) is after UseTracing completed the span.
        using var recorder = Recorder();
        await using var server = await GrpcWebServer.StartAsync(kestrel);
        var client = server.CreateClient(mode);

        // Act
        var call = client.UnaryAsync(new TraceRequest { FailWithStatus = status }, Traceparent(recorder));
        var got = status == 0 ? StatusCode.OK : (await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync)).StatusCode;

        // Assert
        Assert.Equal((StatusCode)status, got);
        var span = await ServerSpanAsync(recorder);
        Assert.Equal(status, span.GetTagItem("rpc.grpc.status_code"));
        Assert.Equal("1.1", span.GetTagItem("network.protocol.version"));
    }

    [Theory]
    [InlineData(GrpcWebMode.GrpcWebText, 0, false)]
    [InlineData(GrpcWebMode.GrpcWeb, 0, false)]
    [InlineData(GrpcWebMode.GrpcWebText, 5, false)]
    [InlineData(GrpcWebMode.GrpcWebText, 13, false)]
    [InlineData(GrpcWebMode.GrpcWeb, 14, false)]
    [InlineData(GrpcWebMode.GrpcWebText, 0, true)]
    [InlineData(GrpcWebMode.GrpcWebText, 13, true)]
    [InlineData(GrpcWebMode.GrpcWebText, 0, true, true)]
    [InlineData(GrpcWebMode.GrpcWeb, 13, true, true)]
    public async Task UnaryCall_GrpcWeb_OneServerSpanContinuingTheCallersTraceWithTheRpcAttributes(GrpcWebMode mode, int status, bool kestrel, bool http2 = false)
    {
        // Arrange
        using var recorder = Recorder();
        await using var server = await GrpcWebServer.StartAsync(kestrel, protocols: http2 ? HttpProtocols.Http2 : HttpProtocols.Http1AndHttp2);
        var client = new TraceTestService.TraceTestServiceClient(server.CreateChannel(mode, http2 ? HttpVersion.Version20 : HttpVersion.Version11));

        // Act
        var call = client.UnaryAsync(new TraceRequest { FailWithStatus = status }, Traceparent(recorder));
        var got = status == 0 ? StatusCode.OK : (await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync)).StatusCode;

        // Assert: hosting's span, enriched once by UseTracing and the interceptor, a child of the caller's traceparent;
        // its status is the call's (from the interceptor: the gRPC-Web trailers travel in the body), Error only for a
        // server-side code; the HTTP status is 200 whatever the call's.
        Assert.Equal((StatusCode)status, got);
        var span = await ServerSpanAsync(recorder);
        Assert.Equal("Microsoft.AspNetCore", span.Source.Name);
        Assert.Equal(recorder.Parent.TraceId, span.TraceId);
        Assert.Equal(recorder.Parent.SpanId, span.ParentSpanId);
        Assert.Equal(Service + "/Unary", span.DisplayName);
        Assert.Equal("grpc", span.GetTagItem("rpc.system"));
        Assert.Equal(Service, span.GetTagItem("rpc.service"));
        Assert.Equal("Unary", span.GetTagItem("rpc.method"));
        Assert.Equal(status, Assert.Single(span.TagObjects, static t => t.Key == "rpc.grpc.status_code").Value);
        Assert.Equal(200, span.GetTagItem("http.response.status_code"));
        Assert.Equal("/" + Service + "/Unary", span.GetTagItem("http.route"));
        Assert.Equal(http2 ? "2" : "1.1", span.GetTagItem("network.protocol.version"));
        var error = status is 13 or 14;
        Assert.Equal(error ? ActivityStatusCode.Error : ActivityStatusCode.Unset, span.Status);
        if (error)
        {
            Assert.Equal(status == 13 ? "INTERNAL" : "UNAVAILABLE", span.StatusDescription);
        }
    }

    [Theory]
    [InlineData(GrpcWebMode.GrpcWebText)]
    [InlineData(GrpcWebMode.GrpcWeb)]
    public async Task UnknownMethod_GrpcWeb_ServerSpanHasTheRuntimesUnimplemented(GrpcWebMode mode)
    {
        // Arrange: a method the service does not have; the runtime answers UNIMPLEMENTED (trailers-only, in the headers)
        // before any interceptor runs. UseGrpcWeb has presented the call as gRPC, so UseTracing reads that answer.
        using var recorder = Recorder();
        await using var server = await GrpcWebServer.StartAsync(kestrel: false);
        var invoker = server.CreateChannel(mode).CreateCallInvoker();
        var method = new Method<TraceRequest, TraceReply>(
            MethodType.Unary,
            Service,
            "Missing",
            Marshallers.Create(static (TraceRequest r) => Google.Protobuf.MessageExtensions.ToByteArray(r), TraceRequest.Parser.ParseFrom),
            Marshallers.Create(static (TraceReply r) => Google.Protobuf.MessageExtensions.ToByteArray(r), TraceReply.Parser.ParseFrom));

        // Act
        var ex = await Assert.ThrowsAsync<RpcException>(async () => await invoker.AsyncUnaryCall(method, null, new CallOptions(Traceparent(recorder)), new TraceRequest()));

        // Assert
        Assert.Equal(StatusCode.Unimplemented, ex.StatusCode);
        var span = await ServerSpanAsync(recorder);
        Assert.Equal(recorder.Parent.SpanId, span.ParentSpanId);
        Assert.Equal("grpc", span.GetTagItem("rpc.system"));
        Assert.Equal(12, span.GetTagItem("rpc.grpc.status_code"));
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal("UNIMPLEMENTED", span.StatusDescription);
        Assert.Null(span.GetTagItem("rpc.method"));
        Assert.DoesNotContain("Missing", span.DisplayName, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, "application/grpc-web-text")]
    [InlineData(13, "application/grpc-web-text")]
    [InlineData(0, "application/grpc-web-text+proto")]
    [InlineData(0, "application/grpc-web+proto")]
    [InlineData(13, "application/grpc-web+proto")]
    public async Task BrowserRequest_GrpcWeb_EchoesTheServerSpansIdsOnceAndTheStatusMatchesTheTrailers(int status, string contentType)
    {
        // Arrange: what a browser's gRPC-Web client sends (X-Grpc-Web, X-User-Agent, an Origin), with the page's
        // traceparent as metadata, which gRPC-Web sends as a plain header.
        using var recorder = Recorder();
        await using var server = await GrpcWebServer.StartAsync(kestrel: true);
        using var request = BrowserRequest("Unary", new TraceRequest { Text = "web", FailWithStatus = status }, contentType);
        request.Headers.Add("traceparent", $"00-{recorder.Parent.TraceId.ToHexString()}-{recorder.Parent.SpanId.ToHexString()}-01");

        // Act
        using var response = await server.CreateHttpClient().SendAsync(request);
        var text = contentType.StartsWith("application/grpc-web-text", StringComparison.Ordinal);
        var frames = ReadFrames(text ? FromBase64(await response.Content.ReadAsStringAsync()) : await response.Content.ReadAsByteArrayAsync());

        // Assert: the answer is gRPC-Web's; the call's status is in a trailer frame of the body, or, for an error
        // answered before any message (trailers-only), in the headers.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(text ? "application/grpc-web-text" : "application/grpc-web", response.Content.Headers.ContentType?.MediaType);
        var trailers = frames.Where(static f => f.Trailers).Select(static f => System.Text.Encoding.ASCII.GetString(f.Payload)).ToArray();
        var grpcStatus = status == 0 ? Assert.Single(trailers) : "grpc-status: " + Assert.Single(response.Headers.GetValues("grpc-status"));
        Assert.StartsWith("grpc-status: " + status.ToString(System.Globalization.CultureInfo.InvariantCulture), grpcStatus, StringComparison.Ordinal);

        // The span: the caller's trace continued, the status the browser got, the ids echoed once each (the interceptor
        // and UseTracing both write them: one value per header, as a browser's getResponseHeader must read it).
        var span = await ServerSpanAsync(recorder);
        Assert.Equal(recorder.Parent.SpanId, span.ParentSpanId);
        Assert.Equal(status, span.GetTagItem("rpc.grpc.status_code"));
        Assert.Equal(status == 0 ? ActivityStatusCode.Unset : ActivityStatusCode.Error, span.Status);
        Assert.Equal(span.TraceId.ToHexString(), Assert.Single(response.Headers.GetValues("x-trace-id")));
        Assert.Equal(span.SpanId.ToHexString(), Assert.Single(response.Headers.GetValues("x-span-id")));
        Assert.False(response.Headers.Contains("traceresponse"));
        if (status == 0)
        {
            var reply = TraceReply.Parser.ParseFrom(Assert.Single(frames, static f => !f.Trailers).Payload);
            Assert.Equal(span.SpanId.ToHexString(), reply.SpanId);
            Assert.Equal(1, reply.TraceparentCount);
        }
    }

    [Fact]
    public async Task BrowserRequest_UntrustedCaller_RestartedTraceEchoedWithTraceresponse()
    {
        // Arrange: only 10.0.0.0/8 is trusted, so the browser's traceparent (from 127.0.0.1) is not continued.
        await using var server = await GrpcWebServer.StartAsync(kestrel: true, static o => o.TrustedNetworks.Add("10.0.0.0/8"));
        using var request = BrowserRequest("Unary", new TraceRequest { Text = "web" });
        const string inbound = "4bf92f3577b34da6a3ce929d0e0e4736";
        request.Headers.Add("traceparent", $"00-{inbound}-00f067aa0ba902b7-01");

        // Act
        using var response = await server.CreateHttpClient().SendAsync(request);

        // Assert: the new trace's ids, and traceresponse naming the same span.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var traceId = Assert.Single(response.Headers.GetValues("x-trace-id"));
        var spanId = Assert.Single(response.Headers.GetValues("x-span-id"));
        Assert.NotEqual(inbound, traceId);
        Assert.StartsWith($"00-{traceId}-{spanId}-", Assert.Single(response.Headers.GetValues("traceresponse")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CorsPreflight_ThenGrpcWebCall_OneHttpSpanForThePreflightAndOneRequestCountedEach()
    {
        // Arrange: the preflight a browser sends before a gRPC-Web call from another origin. (A browser's preflight
        // carries no traceparent; this one does, so the recorder sees its span.)
        using var recorder = Recorder();
        await using var server = await GrpcWebServer.StartAsync(kestrel: true);
        var health = server.Services.GetRequiredService<PropagationHealth>();
        var before = health.TotalRequests;
        var http = server.CreateHttpClient();
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/" + Service + "/Unary");
        preflight.Headers.Add("Origin", "http://app.example");
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        preflight.Headers.Add("Access-Control-Request-Headers", "content-type,x-grpc-web,x-user-agent,traceparent");
        preflight.Headers.Add("traceparent", $"00-{recorder.Parent.TraceId.ToHexString()}-{recorder.Parent.SpanId.ToHexString()}-01");

        // Act
        using var answer = await http.SendAsync(preflight);
        using var call = BrowserRequest("Unary", new TraceRequest { Text = "web" });
        call.Headers.Add("traceparent", $"00-{recorder.Parent.TraceId.ToHexString()}-{recorder.Parent.SpanId.ToHexString()}-01");
        using var response = await http.SendAsync(call);

        // Assert: the preflight is an HTTP span (CORS answered it: 204, no gRPC attributes, not an error) named after
        // the method's route; the call has its own span; each request counted once (UseTracing and the interceptor
        // do not both count the call).
        Assert.Equal(HttpStatusCode.NoContent, answer.StatusCode);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await recorder.WaitForStoppedAsync(static s => s.Kind == ActivityKind.Server && s.DisplayName == Service + "/Unary");
        var spans = recorder.Stopped.Where(static s => s.Kind == ActivityKind.Server).ToArray();
        Assert.Equal(2, spans.Length);
        var options = Assert.Single(spans, static s => s.GetTagItem("http.request.method") as string == "OPTIONS");
        Assert.Equal("OPTIONS /" + Service + "/Unary", options.DisplayName);
        Assert.Equal("/" + Service + "/Unary", options.GetTagItem("http.route"));
        Assert.Equal(204, options.GetTagItem("http.response.status_code"));
        Assert.Equal(ActivityStatusCode.Unset, options.Status);
        Assert.Null(options.GetTagItem("rpc.system"));
        Assert.Equal(options.SpanId.ToHexString(), Assert.Single(answer.Headers.GetValues("x-span-id")));
        Assert.Equal(before + 2, health.TotalRequests);
    }

    [Theory]
    [InlineData(GrpcWebMode.GrpcWebText)]
    [InlineData(GrpcWebMode.GrpcWeb)]
    public async Task ServerStream_GrpcWeb_SpanLastsUntilTheStreamEndsAndCountsTheMessages(GrpcWebMode mode)
    {
        // Arrange: three messages, then the handler waits before it returns (the stream's end).
        using var recorder = Recorder();
        await using var server = await GrpcWebServer.StartAsync(kestrel: false);
        var client = server.CreateClient(mode);

        // Act
        using var call = client.ServerStream(new TraceRequest { Count = 3, DelayMs = 300 }, Traceparent(recorder));
        var received = 0;
        while (received < 10 && await call.ResponseStream.MoveNext(CancellationToken.None))
        {
            received++;
        }

        // Assert
        Assert.Equal(3, received);
        var span = await ServerSpanAsync(recorder);
        Assert.Equal(Service + "/ServerStream", span.DisplayName);
        Assert.Equal(0, span.GetTagItem("rpc.grpc.status_code"));
        Assert.Equal(3, span.GetTagItem("rpc.grpc.messages_sent"));
        Assert.Equal(1, span.GetTagItem("rpc.grpc.messages_received"));
        // (Clocks differ by a little: the span must not end at the messages, well before the handler's 300 ms wait.)
        Assert.True(span.Duration >= TimeSpan.FromMilliseconds(250), $"The span ended after {span.Duration.TotalMilliseconds} ms, before the stream did.");
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public async Task FactoryClient_GrpcWebHandler_OneClientSpanPerCallAndItsTraceparentSentOnce(bool addTraceHeaders, bool kestrel)
    {
        // Arrange: the client of a .NET app that calls a gRPC-Web service: GrpcWebHandler as the factory client's primary
        // handler, under the interceptor (and the HTTP handler). Over Kestrel the SocketsHttpHandler under GrpcWebHandler
        // makes HttpClient's own activity for the request.
        using var recorder = Recorder();
        await using var server = await GrpcWebServer.StartAsync(kestrel);
        var services = new ServiceCollection().AddLogging().AddGrpcTracing();
        var builder = services.AddGrpcClient<TraceTestService.TraceTestServiceClient>(o => o.Address = server.Address)
            .ConfigureChannel(static o => o.HttpVersion = HttpVersion.Version11)
            .ConfigurePrimaryHttpMessageHandler(() => new GrpcWebHandler(GrpcWebMode.GrpcWebText, server.Transport()))
            .AddInterceptor<TracingClientInterceptor>();
        if (addTraceHeaders)
        {
            builder.AddTraceHeaders();
        }

        await using var provider = services.BuildServiceProvider();

        // Act
        var reply = await provider.GetRequiredService<TraceTestService.TraceTestServiceClient>().UnaryAsync(new TraceRequest());

        // Assert: one client span, the call's, under the caller's; no other recorded client span; the server saw one
        // traceparent, the call span's, and its span is that span's child.
        var call = Assert.Single(recorder.Stopped, static s => s.Source.Name == GrpcTracingConventions.ActivitySourceName);
        Assert.Equal(ActivityKind.Client, call.Kind);
        Assert.Equal(recorder.Parent.SpanId, call.ParentSpanId);
        Assert.Equal(Service + "/Unary", call.DisplayName);
        Assert.Equal(0, call.GetTagItem(GrpcTracingConventions.RpcGrpcStatusCode));
        Assert.DoesNotContain(recorder.Stopped, static s => s.Kind == ActivityKind.Client && s.IsAllDataRequested && s.Source.Name != GrpcTracingConventions.ActivitySourceName);
        Assert.Equal(1, reply.TraceparentCount);
        Assert.Equal($"00-{call.TraceId.ToHexString()}-{call.SpanId.ToHexString()}-01", reply.Traceparent);
        Assert.Equal(call.SpanId.ToHexString(), reply.ParentSpanId);
        var span = await ServerSpanAsync(recorder);
        Assert.Equal(call.SpanId, span.ParentSpanId);
    }

    internal static TraceRecorder Recorder() =>
        new(GrpcTracingConventions.ActivitySourceName, "Microsoft.AspNetCore", "Propagation.AspNetCore", "Propagation.Http", "System.Net.Http");

    internal static Metadata Traceparent(TraceRecorder recorder) =>
        TracingInterceptorTests.Traceparent(recorder.Parent.TraceId, recorder.Parent.SpanId);

    /// <summary>A request as a browser's gRPC-Web client sends it: one message (base64 for grpc-web-text), from another origin.</summary>
    internal static HttpRequestMessage BrowserRequest(string method, TraceRequest message, string contentType = "application/grpc-web-text")
    {
        var text = contentType.StartsWith("application/grpc-web-text", StringComparison.Ordinal);
        var body = Google.Protobuf.MessageExtensions.ToByteArray(message);
        var framed = new byte[5 + body.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(framed.AsSpan(1), body.Length);
        body.CopyTo(framed, 5);
        var request = new HttpRequestMessage(HttpMethod.Post, "/" + Service + "/" + method)
        {
            Content = text ? new StringContent(Convert.ToBase64String(framed)) : new ByteArrayContent(framed),
        };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        request.Headers.Accept.ParseAdd(contentType);
        request.Headers.Add("X-Grpc-Web", "1");
        request.Headers.Add("X-User-Agent", "grpc-web-javascript/0.1");
        request.Headers.Add("Origin", "http://app.example");
        return request;
    }

    /// <summary>A grpc-web-text body: base64 written in pieces, each padded, so it is decoded 4 characters at a time.</summary>
    internal static byte[] FromBase64(string body)
    {
        var bytes = new List<byte>();
        for (var i = 0; i + 4 <= body.Length; i += 4)
        {
            bytes.AddRange(Convert.FromBase64String(body.Substring(i, 4)));
        }

        return [.. bytes];
    }

    /// <summary>The frames of a gRPC-Web body: each a flag byte (0x80: trailers), a big-endian length and the payload.</summary>
    internal static List<(bool Trailers, byte[] Payload)> ReadFrames(byte[] data)
    {
        var frames = new List<(bool, byte[])>();
        for (var offset = 0; offset + 5 <= data.Length && frames.Count < 16;)
        {
            var length = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(offset + 1));
            frames.Add(((data[offset] & 0x80) != 0, data.AsSpan(offset + 5, length).ToArray()));
            offset += 5 + length;
        }

        return frames;
    }

    internal static async Task<Activity> ServerSpanAsync(TraceRecorder recorder)
    {
        await recorder.WaitForStoppedAsync(static s => s.Kind == ActivityKind.Server);
        return Assert.Single(recorder.Stopped, static s => s.Kind == ActivityKind.Server);
    }

    /// <summary>
    /// A service with gRPC-Web as the docs set it up: <c>UseTracing</c> first, then routing, CORS and <c>UseGrpcWeb</c>;
    /// <see cref="TraceTestServiceImpl"/> mapped with <c>EnableGrpcWeb()</c> behind <see cref="TracingInterceptor"/>.
    /// Over TestServer, or Kestrel (HTTP/1.1 and HTTP/2) on 127.0.0.1 with an OS-picked port.
    /// </summary>
    internal sealed class GrpcWebServer : IAsyncDisposable
    {
        private readonly IHost _host;
        private readonly List<IDisposable> _disposables = [];

        private GrpcWebServer(IHost host, HttpMessageHandler? handler, Uri address)
        {
            _host = host;
            Handler = handler;
            Address = address;
        }

        /// <summary>TestServer's handler; null over Kestrel.</summary>
        public HttpMessageHandler? Handler { get; }

        public Uri Address { get; }

        public IServiceProvider Services => _host.Services;

        /// <param name="protocols">Kestrel's: without TLS, HTTP/2 needs a listener of its own (no ALPN to choose it).</param>
        public static async Task<GrpcWebServer> StartAsync(bool kestrel, Action<TracingOptions>? tracing = null, HttpProtocols protocols = HttpProtocols.Http1AndHttp2)
        {
            var host = await new HostBuilder()
                .ConfigureWebHost(web =>
                {
                    if (kestrel)
                    {
                        web.UseKestrel(o => o.Listen(IPAddress.Loopback, 0, l => l.Protocols = protocols));
                    }
                    else
                    {
                        web.UseTestServer();
                    }

                    web.ConfigureServices(services =>
                    {
                        services.AddLogging(l => l.SetMinimumLevel(LogLevel.Warning));
                        services.AddRouting();
                        services.AddTracing(o => tracing?.Invoke(o));
                        services.AddGrpcTracing();
                        services.AddGrpc(o => o.Interceptors.Add<TracingInterceptor>());
                        services.AddCors(o => o.AddDefaultPolicy(p => p
                            .WithOrigins("http://app.example")
                            .AllowAnyHeader()
                            .WithMethods("POST")
                            .WithExposedHeaders("grpc-status", "grpc-message", "x-trace-id", "x-span-id", "traceresponse")));
                    });
                    web.Configure(app =>
                    {
                        app.UseTracing();
                        app.UseRouting();
                        app.UseCors();
                        app.UseGrpcWeb();
                        app.UseEndpoints(e => e.MapGrpcService<TraceTestServiceImpl>().EnableGrpcWeb());
                    });
                })
                .StartAsync();

            if (kestrel)
            {
                var addresses = host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
                return new GrpcWebServer(host, null, new Uri(addresses.First()));
            }

            var server = host.GetTestServer();
            return new GrpcWebServer(host, server.CreateHandler(), server.BaseAddress);
        }

        /// <summary>The handler under gRPC-Web's: TestServer's, or a new SocketsHttpHandler over Kestrel.</summary>
        public HttpMessageHandler Transport() => Handler ?? new SocketsHttpHandler();

        /// <summary>A client over <see cref="GrpcWebHandler"/> in <paramref name="mode"/>, HTTP/1.1 as a browser uses.</summary>
        public TraceTestService.TraceTestServiceClient CreateClient(GrpcWebMode mode) => new(CreateChannel(mode));

        /// <summary>A channel over <see cref="GrpcWebHandler"/> in <paramref name="mode"/>, HTTP/1.1 unless <paramref name="version"/> says.</summary>
        public GrpcChannel CreateChannel(GrpcWebMode mode, Version? version = null)
        {
            var channel = GrpcChannel.ForAddress(Address, new GrpcChannelOptions
            {
                HttpHandler = new GrpcWebHandler(mode, Transport()),
                HttpVersion = version ?? HttpVersion.Version11,
                HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            });
            lock (_disposables)
            {
                _disposables.Add(channel);
            }

            return channel;
        }

        /// <summary>A plain HttpClient to the server, for requests shaped like a browser's.</summary>
        public HttpClient CreateHttpClient()
        {
            var http = new HttpClient(Handler ?? new SocketsHttpHandler(), disposeHandler: Handler is null) { BaseAddress = Address };
            lock (_disposables)
            {
                _disposables.Add(http);
            }

            return http;
        }

        public async ValueTask DisposeAsync()
        {
            lock (_disposables)
            {
                foreach (var disposable in _disposables)
                {
                    disposable.Dispose();
                }
            }

            await _host.StopAsync();
            _host.Dispose();
        }
    }
}
