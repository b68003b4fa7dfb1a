using Grpc.Core;

namespace Grpc.AspNetCore.Server.Internal;

/// <summary>The response stream of a server-streaming or duplex call; each write is flushed unless buffered.</summary>
internal sealed class HttpContextStreamWriter<TResponse> : IServerStreamWriter<TResponse>
    where TResponse : class
{
    private readonly HttpContextServerCallContext _call;
    private readonly Action<TResponse, SerializationContext> _serializer;

    public HttpContextStreamWriter(HttpContextServerCallContext call, Action<TResponse, SerializationContext> serializer)
    {
        _call = call;
        _serializer = serializer;
    }

    /// <summary>Gets or sets the write options; shared with <see cref="ServerCallContext.WriteOptions"/>.</summary>
    public WriteOptions? WriteOptions
    {
        get => _call.WriteOptions;
        set => _call.WriteOptions = value;
    }

    public Task WriteAsync(TResponse message) => _call.WriteMessageAsync(message, _serializer, flush: true, CancellationToken.None);

    public Task WriteAsync(TResponse message, CancellationToken cancellationToken) => _call.WriteMessageAsync(message, _serializer, flush: true, cancellationToken);
}
