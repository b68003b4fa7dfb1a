using System.Diagnostics.CodeAnalysis;
using Grpc.Core;
using Grpc.Net.Client.Internal;
using Grpc.Net.Common;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Grpc.Net.Client;

/// <summary>
/// A channel to a gRPC server over HTTP/2, made with <see cref="HttpClient"/> or an <see cref="HttpMessageHandler"/>.
/// </summary>
/// <remarks>
/// Cleartext (<c>http://</c>) addresses use HTTP/2 with prior knowledge (h2c); <c>https://</c> addresses negotiate HTTP/2 with ALPN.
/// </remarks>
public sealed class GrpcChannel : ChannelBase, IDisposable
{
    internal const int DefaultMaxReceiveMessageSize = GrpcProtocolConstants.DefaultMaxReceiveMessageSize;

    private readonly HttpMessageInvoker _invoker;
    private readonly bool _isHttpClient;
    private readonly bool _disposeInvoker;
    private readonly string _baseAddress;
    private readonly HashSet<IDisposable> _activeCalls = [];
    private bool _disposed;

    private GrpcChannel(Uri address, GrpcChannelOptions options)
        : base(address.Authority)
    {
        if (options.HttpClient is not null && options.HttpHandler is not null)
        {
            throw new ArgumentException($"{nameof(GrpcChannelOptions.HttpClient)} and {nameof(GrpcChannelOptions.HttpHandler)} cannot both be set; choose one.", nameof(options));
        }

        if (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps)
        {
            throw new ArgumentException($"Address '{address}' must use the http or https scheme.", nameof(address));
        }

        Address = address;
        // As grpc-dotnet: only scheme and authority are used; a path in the address is ignored, so the request goes to
        // /package.Service/Method whatever the address's path.
        _baseAddress = address.GetLeftPart(UriPartial.Authority);
        MaxReceiveMessageSize = options.MaxReceiveMessageSize;
        MaxSendMessageSize = options.MaxSendMessageSize;
        ThrowOperationCanceledOnCancellation = options.ThrowOperationCanceledOnCancellation;
        LoggerFactory = options.LoggerFactory ?? NullLoggerFactory.Instance;
        Logger = LoggerFactory.CreateLogger<GrpcChannel>();
        HttpVersionPolicy = address.Scheme == Uri.UriSchemeHttps ? HttpVersionPolicy.RequestVersionOrHigher : HttpVersionPolicy.RequestVersionExact;

        if (options.HttpClient is not null)
        {
            _invoker = options.HttpClient;
            _isHttpClient = true;
            _disposeInvoker = options.DisposeHttpClient;
        }
        else if (options.HttpHandler is not null)
        {
            _invoker = new HttpMessageInvoker(options.HttpHandler, disposeHandler: options.DisposeHttpClient);
            _disposeInvoker = true;
        }
        else
        {
            _invoker = new HttpMessageInvoker(CreateDefaultHandler(), disposeHandler: true);
            _disposeInvoker = true;
        }
    }

    internal Uri Address { get; }

    internal int? MaxReceiveMessageSize { get; }

    internal int? MaxSendMessageSize { get; }

    internal bool ThrowOperationCanceledOnCancellation { get; }

    internal ILoggerFactory LoggerFactory { get; }

    internal ILogger Logger { get; }

    internal HttpVersionPolicy HttpVersionPolicy { get; }

    /// <summary>
    /// Creates a channel for the given address with default options.
    /// </summary>
    /// <param name="address">The server address, for example <c>http://localhost:5000</c>.</param>
    /// <returns>The channel.</returns>
    [SuppressMessage("Design", "CA1054:URI parameters should not be strings", Justification = "grpc-dotnet's API shape.")]
    public static GrpcChannel ForAddress(string address) => ForAddress(address, new GrpcChannelOptions());

    /// <summary>
    /// Creates a channel for the given address.
    /// </summary>
    /// <param name="address">The server address, for example <c>http://localhost:5000</c>.</param>
    /// <param name="channelOptions">The options.</param>
    /// <returns>The channel.</returns>
    [SuppressMessage("Design", "CA1054:URI parameters should not be strings", Justification = "grpc-dotnet's API shape.")]
    public static GrpcChannel ForAddress(string address, GrpcChannelOptions channelOptions)
    {
        ArgumentNullException.ThrowIfNull(address);
        return ForAddress(new Uri(address), channelOptions);
    }

    /// <summary>
    /// Creates a channel for the given address with default options.
    /// </summary>
    /// <param name="address">The server address.</param>
    /// <returns>The channel.</returns>
    public static GrpcChannel ForAddress(Uri address) => ForAddress(address, new GrpcChannelOptions());

    /// <summary>
    /// Creates a channel for the given address.
    /// </summary>
    /// <param name="address">The server address.</param>
    /// <param name="channelOptions">The options.</param>
    /// <returns>The channel.</returns>
    public static GrpcChannel ForAddress(Uri address, GrpcChannelOptions channelOptions)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(channelOptions);
        return new GrpcChannel(address, channelOptions);
    }

    /// <summary>
    /// Creates a call invoker that makes calls on this channel.
    /// </summary>
    /// <returns>The call invoker.</returns>
    public override CallInvoker CreateCallInvoker()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return new HttpClientCallInvoker(this);
    }

    /// <summary>
    /// Releases the channel and, when owned, its HTTP client or handler. As in grpc-dotnet, calls in progress are
    /// disposed: a pending call ends with <see cref="StatusCode.Cancelled"/> and its streams throw
    /// <see cref="ObjectDisposedException"/>.
    /// </summary>
    public void Dispose()
    {
        IDisposable[] activeCalls;
        lock (_activeCalls)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            activeCalls = [.. _activeCalls];
            _activeCalls.Clear();
        }

        foreach (var call in activeCalls)
        {
            call.Dispose();
        }

        if (_disposeInvoker)
        {
            _invoker.Dispose();
        }
    }

    /// <summary>Gets a value indicating whether <see cref="Dispose"/> was called.</summary>
    internal bool IsDisposed => Volatile.Read(ref _disposed);

    /// <summary>Tracks a call that has started, so <see cref="Dispose"/> disposes it; false once the channel is disposed.</summary>
    internal bool TryAddActiveCall(IDisposable call)
    {
        lock (_activeCalls)
        {
            return !_disposed && _activeCalls.Add(call);
        }
    }

    /// <summary>Stops tracking a call that has ended or was disposed.</summary>
    internal void RemoveActiveCall(IDisposable call)
    {
        lock (_activeCalls)
        {
            _activeCalls.Remove(call);
        }
    }

    internal string GetRequestUri(string methodFullName) => _baseAddress + methodFullName;

    internal Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _isHttpClient
            ? ((HttpClient)_invoker).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken)
            : _invoker.SendAsync(request, cancellationToken);
    }

    private static SocketsHttpHandler CreateDefaultHandler() => new()
    {
        EnableMultipleHttp2Connections = true,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
    };
}
