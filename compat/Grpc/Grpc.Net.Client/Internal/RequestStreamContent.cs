using System.Net;

namespace Grpc.Net.Client.Internal;

/// <summary>
/// A request body that stays open while the client writes messages: HttpClient hands over the
/// request stream when it starts sending (the request headers are flushed then, before any message), and the body ends
/// when <see cref="Complete"/> is called.
/// </summary>
internal sealed class RequestStreamContent : HttpContent
{
    private readonly TaskCompletionSource<Stream> _stream = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public RequestStreamContent()
    {
        Headers.TryAddWithoutValidation("Content-Type", Common.GrpcProtocolConstants.ContentType);
    }

    /// <summary>Gets the request stream once HttpClient has started sending the body.</summary>
    public Task<Stream> StreamTask => _stream.Task;

    /// <summary>Ends the request body.</summary>
    public void Complete() => _completed.TrySetResult();

    /// <summary>Aborts the request body (the HTTP/2 stream is reset).</summary>
    public void Abort()
    {
        _stream.TrySetCanceled();
        _completed.TrySetCanceled();
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        // SocketsHttpHandler holds back the HTTP/2 headers of a request with a body until the body is written or flushed:
        // flush now, so the server sees the call before the first message (a client may wait for the server's answer first).
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        _stream.TrySetResult(stream);
        await _completed.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override bool TryComputeLength(out long length)
    {
        length = -1;
        return false;
    }
}
