namespace Grpc.Core;

/// <summary>
/// Writes a stream of messages. Only one write may be pending at a time.
/// </summary>
/// <typeparam name="T">The message type.</typeparam>
public interface IAsyncStreamWriter<in T>
{
    /// <summary>
    /// Gets or sets the options for the following writes.
    /// </summary>
    WriteOptions? WriteOptions { get; set; }

    /// <summary>
    /// Writes one message.
    /// </summary>
    /// <param name="message">The message.</param>
    /// <returns>A task that completes when the message was handed to the transport.</returns>
    Task WriteAsync(T message);

    /// <summary>
    /// Writes one message, observing a cancellation token.
    /// </summary>
    /// <param name="message">The message.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the message was handed to the transport.</returns>
    /// <remarks>Implementations that do not override this accept only tokens that cannot be cancelled.</remarks>
    Task WriteAsync(T message, CancellationToken cancellationToken)
    {
        if (cancellationToken.CanBeCanceled)
        {
            throw new NotSupportedException("This stream writer does not support cancellation tokens.");
        }

        return WriteAsync(message);
    }
}
