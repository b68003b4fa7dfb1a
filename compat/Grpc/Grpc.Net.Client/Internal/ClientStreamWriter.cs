using Grpc.Core;

namespace Grpc.Net.Client.Internal;

/// <summary>
/// The request stream of a client-streaming or duplex call.
/// </summary>
internal sealed class ClientStreamWriter<TRequest, TResponse> : IClientStreamWriter<TRequest>
    where TRequest : class
    where TResponse : class
{
    private readonly GrpcCall<TRequest, TResponse> _call;

    public ClientStreamWriter(GrpcCall<TRequest, TResponse> call, WriteOptions? writeOptions)
    {
        _call = call;
        WriteOptions = writeOptions;
    }

    public WriteOptions? WriteOptions { get; set; }

    public Task WriteAsync(TRequest message) => _call.WriteMessageAsync(message, CancellationToken.None);

    public Task WriteAsync(TRequest message, CancellationToken cancellationToken) => _call.WriteMessageAsync(message, cancellationToken);

    public Task CompleteAsync() => _call.CompleteRequestAsync();
}
