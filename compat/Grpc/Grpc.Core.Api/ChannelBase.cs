namespace Grpc.Core;

/// <summary>
/// A connection to a gRPC server, from which call invokers are created.
/// </summary>
public abstract class ChannelBase
{
    /// <summary>
    /// Initializes the channel with its target.
    /// </summary>
    /// <param name="target">The target, for example a URI or host name.</param>
    protected ChannelBase(string target)
    {
        ArgumentNullException.ThrowIfNull(target);
        Target = target;
    }

    /// <summary>
    /// Gets the target the channel connects to.
    /// </summary>
    public string Target { get; }

    /// <summary>
    /// Creates a call invoker that makes calls on this channel.
    /// </summary>
    /// <returns>The call invoker.</returns>
    public abstract CallInvoker CreateCallInvoker();

    /// <summary>
    /// Shuts the channel down.
    /// </summary>
    /// <returns>A task that completes when the channel is shut down.</returns>
    public Task ShutdownAsync() => ShutdownAsyncCore();

    /// <summary>
    /// Shuts the channel down; override to release resources.
    /// </summary>
    /// <returns>A task that completes when the channel is shut down.</returns>
    protected virtual Task ShutdownAsyncCore() => Task.CompletedTask;
}
