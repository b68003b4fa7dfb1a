using System.Net;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Grpc.Compat.Tests.Client.Infrastructure;

/// <summary>
/// A server with one hand-written endpoint that speaks the gRPC wire protocol, over TestServer or
/// over Kestrel on 127.0.0.1 (port 0, HTTP/2 cleartext), so client tests can control every byte.
/// </summary>
internal sealed class WireTestServer : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly Uri _address;
    private readonly bool _kestrel;
    private int _requestCount;

    private WireTestServer(IHost host, Uri address, bool kestrel)
    {
        _host = host;
        _address = address;
        _kestrel = kestrel;
    }

    /// <summary>Gets the number of requests the endpoint received.</summary>
    public int RequestCount => Volatile.Read(ref _requestCount);

    public static async Task<WireTestServer> StartAsync(RequestDelegate handler, bool kestrel = false)
    {
        WireTestServer? server = null;
        var builder = new HostBuilder().ConfigureWebHost(web =>
        {
            if (kestrel)
            {
                web.UseKestrel(options => options.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
            }
            else
            {
                web.UseTestServer();
            }

            web.ConfigureServices(services => services.AddRouting());
            web.Configure(app =>
            {
                app.UseRouting();
                app.UseEndpoints(endpoints => endpoints.MapPost("/{service}/{method}", async context =>
                {
                    Interlocked.Increment(ref server!._requestCount);
                    await handler(context);
                }));
            });
        });

        var host = await builder.StartAsync();
        Uri address;
        if (kestrel)
        {
            var addresses = host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
            address = new Uri(addresses.First());
        }
        else
        {
            address = new Uri("http://localhost");
        }

        server = new WireTestServer(host, address, kestrel);
        return server;
    }

    /// <summary>Gets the server address.</summary>
    public Uri Address => _address;

    /// <summary>Creates a handler that reaches the server (TestServer's in-memory handler, or sockets for Kestrel).</summary>
    public HttpMessageHandler CreateHandler() => _kestrel ? new SocketsHttpHandler() : _host.GetTestServer().CreateHandler();

    public GrpcChannel CreateChannel(GrpcChannelOptions? options = null)
    {
        options ??= new GrpcChannelOptions();
        if (!_kestrel && options.HttpClient is null && options.HttpHandler is null)
        {
            options.HttpHandler = _host.GetTestServer().CreateHandler();
        }

        return GrpcChannel.ForAddress(_address, options);
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _host.StopAsync(timeout.Token);
        _host.Dispose();
    }
}
