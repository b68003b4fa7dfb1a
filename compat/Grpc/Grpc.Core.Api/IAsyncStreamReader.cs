namespace Grpc.Core;

/// <summary>
/// Reads a stream of messages.
/// </summary>
/// <typeparam name="T">The message type.</typeparam>
public interface IAsyncStreamReader<out T>
{
    /// <summary>
    /// Gets the current message. Valid after <see cref="MoveNext(CancellationToken)"/> returned <see langword="true"/>.
    /// </summary>
    T Current { get; }

    /// <summary>
    /// Advances to the next message.
    /// </summary>
    /// <param name="cancellationToken">Cancels the read (and the call).</param>
    /// <returns><see langword="true"/> when a message was read; <see langword="false"/> at the end of the stream.</returns>
    Task<bool> MoveNext(CancellationToken cancellationToken);
}
