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

    internal static TraceRecorder Recorder() =>
        new(GrpcTracingConventions.ActivitySourceName, "Microsoft.AspNetCore", "Propagation.AspNetCore", "Propagation.Http", "System.Net.Http");

    internal static Metadata Traceparent(TraceRecorder recorder) =>
        TracingInterceptorTests.Traceparent(recorder.Parent.TraceId, recorder.Parent.SpanId);

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

        public static async Task<GrpcWebServer> StartAsync(bool kestrel, Action<TracingOptions>? tracing = null)
        {
            var host = await new HostBuilder()
                .ConfigureWebHost(web =>
                {
                    if (kestrel)
                    {
                        web.UseKestrel(o => o.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http1AndHttp2));
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

        /// <summary>A channel over <see cref="GrpcWebHandler"/> in <paramref name="mode"/>, HTTP/1.1.</summary>
        public GrpcChannel CreateChannel(GrpcWebMode mode)
        {
            var channel = GrpcChannel.ForAddress(Address, new GrpcChannelOptions
            {
                HttpHandler = new GrpcWebHandler(mode, Transport()),
                HttpVersion = HttpVersion.Version11,
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
