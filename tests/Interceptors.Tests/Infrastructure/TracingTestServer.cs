using System.Diagnostics;
using System.Net;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Propagation.Interceptors.Tests.Protos;

namespace Propagation.Interceptors.Tests.Infrastructure;

/// <summary>
/// A host running <see cref="TraceTestServiceImpl"/> behind a <see cref="TracingInterceptor"/> over
/// TestServer (or Kestrel h2c on 127.0.0.1, OS-picked port), and clients for it.
/// </summary>
public sealed class TracingTestServer : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly List<GrpcChannel> _channels = [];

    private TracingTestServer(IHost host, HttpMessageHandler? handler, Uri address)
    {
        _host = host;
        Handler = handler;
        Address = address;
    }

    public HttpMessageHandler? Handler { get; }

    public Uri Address { get; }

    public IServiceProvider Services => _host.Services;

    /// <summary>Starts a host; <paramref name="interceptor"/> null runs the service without one.</summary>
    /// <param name="kestrel">
    /// Real HTTP/2 on loopback instead of TestServer. A test of what a call's deadline or cancellation does needs it: over
    /// TestServer the client's abort reaches the server's request at once, in process, and grpc-dotnet's client can then
    /// surface the server's answer to that abort instead of its own status (the handler's UNKNOWN "Exception was thrown by
    /// handler.", or TestServer's reset as INTERNAL HttpResetTestException "error code 8"), and throw RpcException where
    /// ThrowOperationCanceledOnCancellation would throw OperationCanceledException. Over HTTP/2 the reset stream carries
    /// no answer, as in production. (compat/Grpc decides the status before the abort, so TestServer hid this.)
    /// </param>
    public static async Task<TracingTestServer> StartAsync(
        TracingInterceptor? interceptor,
        Action<IApplicationBuilder>? beforeEndpoints = null,
        bool kestrel = false,
        Action<IServiceCollection>? configureServices = null)
    {
        var host = await new HostBuilder()
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
                    services.AddRouting();
                    if (interceptor is not null)
                    {
                        services.AddSingleton(interceptor);
                        services.AddGrpc(o => o.Interceptors.Add<TracingInterceptor>());
                    }
                    else
                    {
                        services.AddGrpc();
                    }

                    configureServices?.Invoke(services);
                });
                web.Configure(app =>
                {
                    beforeEndpoints?.Invoke(app);
                    app.UseRouting();
                    app.UseEndpoints(endpoints => endpoints.MapGrpcService<TraceTestServiceImpl>());
                });
            })
            .StartAsync();

        if (kestrel)
        {
            var addresses = host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
            return new TracingTestServer(host, null, new Uri(addresses.First()));
        }

        var server = host.GetTestServer();
        return new TracingTestServer(host, server.CreateHandler(), server.BaseAddress);
    }

    /// <summary>
    /// A channel to this server; with <paramref name="interceptor"/>, a client intercepted by it; with
    /// <paramref name="throwOperationCanceled"/>, a cancelled or deadline-exceeded call throws <see cref="OperationCanceledException"/>.
    /// </summary>
    public TraceTestService.TraceTestServiceClient CreateClient(Interceptor? interceptor = null, bool throwOperationCanceled = false)
    {
        var channel = GrpcChannel.ForAddress(Address, new GrpcChannelOptions { HttpHandler = Handler, ThrowOperationCanceledOnCancellation = throwOperationCanceled });
        lock (_channels)
        {
            _channels.Add(channel);
        }

        return interceptor is null
            ? new TraceTestService.TraceTestServiceClient(channel)
            : new TraceTestService.TraceTestServiceClient(channel.Intercept(interceptor));
    }

    public async ValueTask DisposeAsync()
    {
        lock (_channels)
        {
            foreach (var channel in _channels)
            {
                channel.Dispose();
            }
        }

        await _host.StopAsync();
        _host.Dispose();
    }
}

/// <summary>Builds interceptors over a test's own <see cref="SpanRecorder"/> source.</summary>
internal static class TestInterceptors
{
    public static GrpcTracingSettings Settings(SpanRecorder recorder, PropagationOptions? options = null) =>
        new(new TracePropagator(options ?? new PropagationOptions()), recorder.Source);

    public static TracingInterceptor Server(SpanRecorder recorder, Action<GrpcTracingSettings>? configure = null)
    {
        var settings = Settings(recorder);
        configure?.Invoke(settings);
        return new TracingInterceptor(settings);
    }

    public static TracingClientInterceptor Client(SpanRecorder recorder, Action<GrpcTracingSettings>? configure = null)
    {
        var settings = Settings(recorder);
        configure?.Invoke(settings);
        return new TracingClientInterceptor(settings);
    }

    /// <summary>Starts a parent span the test controls (internal kind) on the recorder's source.</summary>
    public static Activity StartParent(SpanRecorder recorder) =>
        recorder.Source.StartActivity("test-parent", ActivityKind.Internal) ?? throw new InvalidOperationException("The recorder does not sample.");
}
