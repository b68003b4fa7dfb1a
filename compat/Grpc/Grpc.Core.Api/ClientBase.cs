using Grpc.Core.Internal;

namespace Grpc.Core;

/// <summary>
/// Base class of generated client stubs.
/// </summary>
public abstract class ClientBase
{
    /// <summary>
    /// Initializes a client whose calls all throw <see cref="NotImplementedException"/>; for test doubles.
    /// </summary>
    protected ClientBase()
        : this(new UnimplementedCallInvoker())
    {
    }

    /// <summary>
    /// Initializes a client from a configuration.
    /// </summary>
    /// <param name="configuration">The configuration.</param>
    protected ClientBase(ClientBaseConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        Configuration = configuration;
        CallInvoker = configuration.CreateDecoratedCallInvoker();
    }

    /// <summary>
    /// Initializes a client that makes calls on a channel.
    /// </summary>
    /// <param name="channel">The channel.</param>
#pragma warning disable CA1062 // A null channel fails here, as in grpc-dotnet.
    public ClientBase(ChannelBase channel)
        : this(channel.CreateCallInvoker())
#pragma warning restore CA1062
    {
    }

    /// <summary>
    /// Initializes a client that makes calls through a call invoker.
    /// </summary>
    /// <param name="callInvoker">The call invoker.</param>
    public ClientBase(CallInvoker callInvoker)
        : this(new ClientBaseConfiguration(callInvoker, null))
    {
    }

    /// <summary>
    /// Gets the call invoker the client calls through.
    /// </summary>
    protected CallInvoker CallInvoker { get; }

    internal ClientBaseConfiguration Configuration { get; }

    /// <summary>
    /// The configuration of a client: its undecorated call invoker and host. Opaque to subclasses.
    /// </summary>
#pragma warning disable CA1034 // Nested type is part of grpc-dotnet's API shape (generated code names it).
    protected internal class ClientBaseConfiguration
#pragma warning restore CA1034
    {
        private readonly CallInvoker _undecoratedCallInvoker;
        private readonly string? _host;

        internal ClientBaseConfiguration(CallInvoker undecoratedCallInvoker, string? host)
        {
            ArgumentNullException.ThrowIfNull(undecoratedCallInvoker);
            _undecoratedCallInvoker = undecoratedCallInvoker;
            _host = host;
        }

        internal CallInvoker CreateDecoratedCallInvoker() => _host is null ? _undecoratedCallInvoker : new HostCallInvoker(_undecoratedCallInvoker, _host);

        internal ClientBaseConfiguration WithHost(string host)
        {
            ArgumentNullException.ThrowIfNull(host);
            return new ClientBaseConfiguration(_undecoratedCallInvoker, host);
        }
    }
}
