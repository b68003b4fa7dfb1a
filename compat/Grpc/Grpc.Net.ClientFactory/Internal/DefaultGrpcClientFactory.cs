using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Grpc.Net.ClientFactory.Internal;

/// <summary>
/// Creates a client: a channel over the named HttpClient handler pipeline (so message handlers
/// added with <c>AddHttpMessageHandler</c> apply), channel-scoped then client-scoped interceptors, then the client.
/// </summary>
internal sealed class DefaultGrpcClientFactory : GrpcClientFactory
{
    private readonly IServiceProvider _services;
    private readonly IHttpMessageHandlerFactory _handlerFactory;
    private readonly IOptionsMonitor<GrpcClientFactoryOptions> _options;

    public DefaultGrpcClientFactory(IServiceProvider services, IHttpMessageHandlerFactory handlerFactory, IOptionsMonitor<GrpcClientFactoryOptions> options)
    {
        _services = services;
        _handlerFactory = handlerFactory;
        _options = options;
    }

    public override TClient CreateClient<TClient>(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var options = _options.Get(name);
        if (options.Address is null)
        {
            throw new InvalidOperationException($"Could not create gRPC client '{name}': no address was configured. Set GrpcClientFactoryOptions.Address in AddGrpcClient.");
        }

        var channelOptions = new GrpcChannelOptions
        {
            HttpHandler = _handlerFactory.CreateHandler(name),
            DisposeHttpClient = false,
            LoggerFactory = _services.GetService<ILoggerFactory>(),
        };
        foreach (var configure in options.ChannelOptionsActions)
        {
            configure(channelOptions);
        }

        // The handler comes from IHttpMessageHandlerFactory, which owns and recycles it: the channel must not dispose it.
        channelOptions.DisposeHttpClient = false;
        var channel = GrpcChannel.ForAddress(options.Address, channelOptions);
        var invoker = Intercept(channel.CreateCallInvoker(), options, InterceptorScope.Channel);
        invoker = Intercept(invoker, options, InterceptorScope.Client);

        if (options.Creator is not null)
        {
            return options.Creator(invoker) as TClient
                ?? throw new InvalidOperationException($"The Creator of gRPC client '{name}' did not return a {typeof(TClient).Name}.");
        }

        return ActivatorUtilities.CreateInstance<TClient>(_services, invoker);
    }

    private CallInvoker Intercept(CallInvoker invoker, GrpcClientFactoryOptions options, InterceptorScope scope)
    {
        List<Interceptor>? interceptors = null;
        foreach (var registration in options.InterceptorRegistrations)
        {
            if (registration.Scope == scope)
            {
                (interceptors ??= []).Add(registration.Creator(_services));
            }
        }

        return interceptors is null ? invoker : invoker.Intercept([.. interceptors]);
    }
}
