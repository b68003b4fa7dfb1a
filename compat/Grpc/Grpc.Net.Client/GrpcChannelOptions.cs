using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace Grpc.Net.Client;

/// <summary>
/// Options for a <see cref="GrpcChannel"/>.
/// </summary>
public sealed class GrpcChannelOptions
{
    /// <summary>
    /// Creates options with the defaults.
    /// </summary>
    public GrpcChannelOptions()
    {
        MaxReceiveMessageSize = GrpcChannel.DefaultMaxReceiveMessageSize;
    }

    /// <summary>
    /// Gets or sets the largest message, in bytes, the client may send; a larger one fails the call with
    /// <see cref="StatusCode.ResourceExhausted"/>.
    /// </summary>
    /// <value>Default <see langword="null"/>: no limit.</value>
    public int? MaxSendMessageSize { get; set; }

    /// <summary>
    /// Gets or sets the largest message, in bytes, the client accepts; a larger one fails the call with
    /// <see cref="StatusCode.ResourceExhausted"/>.
    /// </summary>
    /// <value>Default 4,194,304 (4 MiB); <see langword="null"/> for no limit.</value>
    public int? MaxReceiveMessageSize { get; set; }

    /// <summary>
    /// Gets or sets the logger factory the channel logs to.
    /// </summary>
    /// <value>Default <see langword="null"/>: no logging.</value>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>
    /// Gets or sets the <see cref="System.Net.Http.HttpClient"/> that makes the HTTP calls.
    /// </summary>
    /// <value>Default <see langword="null"/>.</value>
    /// <remarks>Not disposed with the channel unless <see cref="DisposeHttpClient"/> is set. Cannot be combined with <see cref="HttpHandler"/>.</remarks>
    public HttpClient? HttpClient { get; set; }

    /// <summary>
    /// Gets or sets the <see cref="HttpMessageHandler"/> that makes the HTTP calls.
    /// </summary>
    /// <value>Default <see langword="null"/>: the channel creates a <see cref="SocketsHttpHandler"/> it owns.</value>
    /// <remarks>Not disposed with the channel unless <see cref="DisposeHttpClient"/> is set. Cannot be combined with <see cref="HttpClient"/>.</remarks>
    public HttpMessageHandler? HttpHandler { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether the given <see cref="HttpClient"/> or <see cref="HttpHandler"/> is disposed with the channel.
    /// </summary>
    /// <value>Default <see langword="false"/>.</value>
    public bool DisposeHttpClient { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether a call cancelled through its token or deadline throws
    /// <see cref="OperationCanceledException"/> instead of <see cref="RpcException"/>.
    /// </summary>
    /// <value>Default <see langword="false"/>.</value>
    public bool ThrowOperationCanceledOnCancellation { get; set; }
}
