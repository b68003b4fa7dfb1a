using System.Net;
using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Grpc.Compat.Tests.Server.Infrastructure;

/// <summary>
/// A host running <see cref="TestServiceImpl"/> over TestServer or over Kestrel (h2c on 127.0.0.1, OS-picked port).
/// </summary>
public sealed class TestGrpcHost : IAsyncDisposable
{
    private readonly IHost _host;

    private TestGrpcHost(IHost host, HttpMessageHandler handler, Uri address, CallProbe probe)
    {
        _host = host;
        Handler = handler;
        Address = address;
        Probe = probe;
        Client = new HttpClient(handler, disposeHandler: false)
        {
            BaseAddress = address,
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = RawGrpcClient.Timeout,
        };
    }

    public HttpMessageHandler Handler { get; }

    public HttpClient Client { get; }

    public Uri Address { get; }

    public CallProbe Probe { get; }

    public IServiceProvider Services => _host.Services;

    public static async Task<TestGrpcHost> StartAsync(
        bool kestrel = false,
        Action<GrpcServiceOptions>? configureGrpc = null,
        Action<IGrpcServerBuilder>? configureBuilder = null,
        Action<IServiceCollection>? configureServices = null,
        Action<IEndpointRouteBuilder>? configureEndpoints = null)
    {
        var probe = new CallProbe();
        var host = new HostBuilder()
            .ConfigureWebHost(web =>
            {
                if (kestrel)
                {
                    web.UseKestrel(options => options.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
                }
                else
                {
                    web.UseTestServer();
                }

                web.ConfigureServices(services =>
                {
                    services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
                    services.AddSingleton(probe);
                    var builder = configureGrpc is null ? services.AddGrpc() : services.AddGrpc(configureGrpc);
                    configureBuilder?.Invoke(builder);
                    configureServices?.Invoke(services);
                });
                web.Configure(app =>
                {
                    app.UseRouting();
                    app.UseEndpoints(endpoints =>
                    {
                        if (configureEndpoints is null)
                        {
                            endpoints.MapGrpcService<TestServiceImpl>();
                        }
                        else
                        {
                            configureEndpoints(endpoints);
                        }
                    });
                });
            })
            .Build();

        using var startTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await host.StartAsync(startTimeout.Token);

        if (kestrel)
        {
            var address = host.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
            var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true };
            return new TestGrpcHost(host, handler, new Uri(address), probe);
        }

        var testServer = host.GetTestServer();
        return new TestGrpcHost(host, testServer.CreateHandler(), testServer.BaseAddress, probe);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        Handler.Dispose();
        using var stopTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _host.StopAsync(stopTimeout.Token);
        _host.Dispose();
    }
}
