using Grpc.Core;

namespace Grpc.AspNetCore.Server.Internal;

/// <summary>The request stream of a client-streaming or duplex call.</summary>
internal sealed class HttpContextStreamReader<TRequest> : IAsyncStreamReader<TRequest>
    where TRequest : class
{
    private readonly HttpContextServerCallContext _call;
    private readonly Func<DeserializationContext, TRequest> _deserializer;
    private TRequest? _current;
    private bool _ended;

    public HttpContextStreamReader(HttpContextServerCallContext call, Func<DeserializationContext, TRequest> deserializer)
    {
        _call = call;
        _deserializer = deserializer;
    }

    public TRequest Current => _current ?? throw new InvalidOperationException("No current element is available; call MoveNext first.");

    public Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        if (_ended)
        {
            return Task.FromResult(false);
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<bool>(cancellationToken);
        }

        return MoveNextCoreAsync(cancellationToken);
    }

    private async Task<bool> MoveNextCoreAsync(CancellationToken cancellationToken)
    {
        (bool Found, TRequest? Message) result;
        if (!cancellationToken.CanBeCanceled || cancellationToken == _call.ReadToken)
        {
            result = await _call.ReadMessageAsync(_deserializer, _call.ReadToken).ConfigureAwait(false);
        }
        else
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _call.ReadToken);
            result = await _call.ReadMessageAsync(_deserializer, linked.Token).ConfigureAwait(false);
        }

        if (!result.Found)
        {
            _ended = true;
            _current = null;
            return false;
        }

        _current = result.Message;
        return true;
    }
}
