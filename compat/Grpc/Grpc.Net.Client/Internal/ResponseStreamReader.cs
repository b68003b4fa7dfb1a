using Grpc.Core;

namespace Grpc.Net.Client.Internal;

/// <summary>
/// The response stream of a server-streaming or duplex call.
/// </summary>
internal sealed class ResponseStreamReader<TRequest, TResponse> : IAsyncStreamReader<TResponse>
    where TRequest : class
    where TResponse : class
{
    private readonly GrpcCall<TRequest, TResponse> _call;
    private TResponse? _current;

    public ResponseStreamReader(GrpcCall<TRequest, TResponse> call)
    {
        _call = call;
    }

    public TResponse Current => _current ?? throw new InvalidOperationException("No current message: call MoveNext first and check that it returned true.");

    public Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        // As grpc-dotnet: reading a disposed call throws at once, not through the returned task.
        _call.ThrowIfDisposed();
        return MoveNextCoreAsync(cancellationToken);
    }

    private async Task<bool> MoveNextCoreAsync(CancellationToken cancellationToken)
    {
        var message = await _call.ReadStreamMessageAsync(cancellationToken).ConfigureAwait(false);
        _current = message;
        return message is not null;
    }
}
