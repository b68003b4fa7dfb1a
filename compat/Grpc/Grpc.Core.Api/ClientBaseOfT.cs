namespace Grpc.Core;

/// <summary>
/// Generic base class of generated client stubs.
/// </summary>
/// <typeparam name="T">The concrete client type.</typeparam>
public abstract class ClientBase<T> : ClientBase
    where T : ClientBase<T>
{
    /// <summary>
    /// Initializes a client whose calls all throw <see cref="NotImplementedException"/>; for test doubles.
    /// </summary>
    protected ClientBase()
    {
    }

    /// <summary>
    /// Initializes a client from a configuration.
    /// </summary>
    /// <param name="configuration">The configuration.</param>
    protected ClientBase(ClientBaseConfiguration configuration)
        : base(configuration)
    {
    }

    /// <summary>
    /// Initializes a client that makes calls on a channel.
    /// </summary>
    /// <param name="channel">The channel.</param>
    public ClientBase(ChannelBase channel)
        : base(channel)
    {
    }

    /// <summary>
    /// Initializes a client that makes calls through a call invoker.
    /// </summary>
    /// <param name="callInvoker">The call invoker.</param>
    public ClientBase(CallInvoker callInvoker)
        : base(callInvoker)
    {
    }

    /// <summary>
    /// Returns a client that sends its calls to the given host.
    /// </summary>
    /// <param name="host">The host.</param>
    /// <returns>The new client.</returns>
    public T WithHost(string host) => NewInstance(Configuration.WithHost(host));

    /// <summary>
    /// Creates a new client instance from a configuration.
    /// </summary>
    /// <param name="configuration">The configuration.</param>
    /// <returns>The new client.</returns>
    protected abstract T NewInstance(ClientBaseConfiguration configuration);
}
