namespace Grpc.Core;

/// <summary>
/// Writes the request stream of a client-streaming or duplex call.
/// </summary>
/// <typeparam name="T">The request message type.</typeparam>
public interface IClientStreamWriter<in T> : IAsyncStreamWriter<T>
{
    /// <summary>
    /// Ends the request stream: no more messages will be written.
    /// </summary>
    /// <returns>A task that completes when the end of the stream was handed to the transport.</returns>
    Task CompleteAsync();
}
