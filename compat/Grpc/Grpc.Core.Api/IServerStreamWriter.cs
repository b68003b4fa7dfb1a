namespace Grpc.Core;

/// <summary>
/// Writes the response stream of a server-streaming or duplex call.
/// </summary>
/// <typeparam name="T">The response message type.</typeparam>
#pragma warning disable CA1040 // The empty interface is part of grpc-dotnet's API shape.
public interface IServerStreamWriter<in T> : IAsyncStreamWriter<T>
#pragma warning restore CA1040
{
}
