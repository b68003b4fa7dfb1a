using System.Net;
using System.Net.Sockets;
using Grpc.Core;
using Grpc.Net.Common;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.Extensions.Logging;

namespace Grpc.AspNetCore.Server.Internal;

/// <summary>
/// The <see cref="ServerCallContext"/> of one call hosted by ASP.NET Core: owns the response (headers,
/// messages, trailers), the deadline and the call's cancellation.
/// </summary>
/// <remarks>
/// Response writes are serialized with the deadline: when the deadline fires it cancels the call token, then
/// (under the same write lock as the handler's writes) ends the response with <c>DEADLINE_EXCEEDED</c>;
/// anything the handler writes afterwards, or once the call's token fired, fails with <see cref="InvalidOperationException"/>.
/// </remarks>
internal sealed class HttpContextServerCallContext : ServerCallContext, IAsyncDisposable
{
    private readonly ServiceMethodOptions _options;
    private readonly ILogger _logger;
    private readonly string _method;
    private readonly PipeSerializationContext _serializationContext;
    private readonly SequenceDeserializationContext _deserializationContext = new();
    private bool _unsupportedRequestEncoding;
    private Metadata? _requestHeaders;
    private AuthContext? _authContext;
    private Metadata? _responseTrailers;
    private Status _status = Status.DefaultSuccess;
    private WriteOptions? _writeOptions;
    private DateTime _deadline = DateTime.MaxValue;
    private CancellationTokenSource? _callCts;
    private Timer? _deadlineTimer;
    private SemaphoreSlim? _writeLock;
    private Task? _deadlineCompletion;
    private bool _responseStarted;
    private bool _completed;
    private volatile bool _deadlineExceeded;
    private int _writeInProgress;

    public HttpContextServerCallContext(HttpContext httpContext, string method, ServiceMethodOptions options, ILogger logger)
    {
        HttpContext = httpContext;
        _method = method;
        _options = options;
        _logger = logger;
        _serializationContext = new PipeSerializationContext(options.MaxSendMessageSize);
    }

    public HttpContext HttpContext { get; }

    public ServiceMethodOptions Options => _options;

    public ILogger Logger => _logger;

    public SequenceDeserializationContext DeserializationContext => _deserializationContext;

    /// <summary>Gets a value indicating whether the deadline fired.</summary>
    public bool DeadlineExceeded => _deadlineExceeded;

    protected override string MethodCore => _method;

    protected override string HostCore => HttpContext.Request.Host.Value ?? string.Empty;

    protected override string PeerCore => FormatPeer(HttpContext.Connection.RemoteIpAddress, HttpContext.Connection.RemotePort);

    protected override DateTime DeadlineCore => _deadline;

    protected override Metadata RequestHeadersCore => _requestHeaders ??= RequestHeaderParser.Parse(HttpContext.Request.Headers, this);

    protected override CancellationToken CancellationTokenCore => _callCts?.Token ?? HttpContext.RequestAborted;

    protected override Metadata ResponseTrailersCore => _responseTrailers ??= new Metadata();

    protected override Status StatusCore
    {
        get => _status;
        set => _status = value;
    }

    protected override WriteOptions? WriteOptionsCore
    {
        get => _writeOptions;
        set => _writeOptions = value;
    }

    /// <summary>Gets the call's user state: <see cref="HttpContext.Items"/>, shared with middleware (as in grpc-dotnet).</summary>
    protected override IDictionary<object, object> UserStateCore => HttpContext.Items!;

    protected override AuthContext AuthContextCore => _authContext ??= new AuthContext(null, new Dictionary<string, List<AuthProperty>>());

    /// <summary>Starts the call: response content type and, when the client sent <c>grpc-timeout</c>, the deadline.</summary>
    public void Initialize(bool streamingRequest)
    {
        var response = HttpContext.Response;
        response.ContentType = GrpcProtocolConstants.ContentType;

        // gRPC limits each message itself; Kestrel's whole-body limit (30 MB) would cut long request streams.
        var maxBodySize = HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (maxBodySize is { IsReadOnly: false })
        {
            maxBodySize.MaxRequestBodySize = null;
        }

        if (streamingRequest && HttpContext.Features.Get<IHttpMinRequestBodyDataRateFeature>() is { } minDataRate)
        {
            // A request stream may legitimately stay idle between messages.
            minDataRate.MinDataRate = null;
        }

        // Any grpc-encoding is accepted; only a message compressed with one other than identity is refused.
        var encoding = HttpContext.Request.Headers[GrpcProtocolConstants.MessageEncodingHeader];
        _unsupportedRequestEncoding = encoding.Count != 0
            && !(encoding.Count == 1 && string.Equals(encoding[0], GrpcProtocolConstants.IdentityEncoding, StringComparison.Ordinal));

        var timeoutHeader = HttpContext.Request.Headers[GrpcProtocolConstants.TimeoutHeader];
        if (timeoutHeader.Count == 0)
        {
            return;
        }

        var text = timeoutHeader[0];
        if (timeoutHeader.Count != 1 || !GrpcTimeoutCodec.TryParse(text, out var timeout))
        {
            GrpcServerLog.InvalidTimeoutIgnored(_logger, text?.Length ?? 0);
            return;
        }

        if (timeout == TimeSpan.Zero)
        {
            // As in grpc-dotnet, a zero timeout ("0n", "0S", ...) starts no deadline: Deadline stays DateTime.MaxValue.
            return;
        }

        StartDeadline(timeout);
    }

    /// <summary>Gets the token request-body reads observe: the call token.</summary>
    public CancellationToken ReadToken => CancellationTokenCore;

    internal void LogInvalidRequestHeader() => GrpcServerLog.InvalidRequestHeaderSkipped(_logger, _method);

    /// <summary>Reads the next request message; <c>Found</c> is <see langword="false"/> at the end of the body.</summary>
    public ValueTask<(bool Found, T? Message)> ReadMessageAsync<T>(Func<DeserializationContext, T> deserializer, CancellationToken cancellationToken)
        where T : class
    {
        var read = RequestMessageReader.ReadMessageAsync(
            HttpContext.Request.BodyReader, _deserializationContext, deserializer, _options.MaxReceiveMessageSize, _unsupportedRequestEncoding, cancellationToken);
        return _unsupportedRequestEncoding ? ReadWithUnsupportedEncodingAsync(read) : read;
    }

    private async ValueTask<(bool Found, T? Message)> ReadWithUnsupportedEncodingAsync<T>(ValueTask<(bool Found, T? Message)> read)
        where T : class
    {
        try
        {
            return await read.ConfigureAwait(false);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Unimplemented)
        {
            // A compressed message in an encoding this server cannot read: say which encodings it accepts, as
            // gRPC's compression spec asks (and grpc-dotnet does) while the headers can still be set.
            GrpcServerLog.UnsupportedRequestEncoding(_logger);
            if (!HttpContext.Response.HasStarted)
            {
                HttpContext.Response.Headers[GrpcProtocolConstants.MessageAcceptEncodingHeader] = GrpcProtocolConstants.IdentityEncoding;
            }

            throw;
        }
    }

    /// <summary>Reads exactly one request message (unary and server-streaming calls).</summary>
    public async ValueTask<T> ReadSingleMessageAsync<T>(Func<DeserializationContext, T> deserializer)
        where T : class
    {
        var (found, message) = await ReadMessageAsync(deserializer, CancellationTokenCore).ConfigureAwait(false);
        if (!found)
        {
            throw new RpcException(new Status(StatusCode.Internal, "Request did not contain a message."));
        }

        await RequestMessageReader.EnsureEndOfBodyAsync(HttpContext.Request.BodyReader, CancellationTokenCore).ConfigureAwait(false);
        return message!;
    }

    /// <summary>Writes one response message; flushes unless <paramref name="flush"/> is false or the write options ask to buffer.</summary>
    public async Task WriteMessageAsync<T>(T message, Action<T, SerializationContext> serializer, bool flush, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (Interlocked.Exchange(ref _writeInProgress, 1) == 1)
        {
            throw new InvalidOperationException("Can't write the message because the previous write is in progress.");
        }

        var locked = false;
        try
        {
            if (_writeLock is not null)
            {
                await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
                locked = true;
            }

            // As in grpc-dotnet, a call that is over (its status written, the client gone or the deadline passed) refuses
            // writes with InvalidOperationException, not as a cancellation; code matches this text, so keep it.
            if (_completed || CancellationTokenCore.IsCancellationRequested)
            {
                throw new InvalidOperationException("Can't write the message because the request is complete.");
            }

            cancellationToken.ThrowIfCancellationRequested();

            var writer = HttpContext.Response.BodyWriter;
            _serializationContext.Start(writer);
            serializer(message, _serializationContext);
            _serializationContext.EnsureCompleted();
            _responseStarted = true;

            var options = _writeOptions;
            if (flush && (options is null || (options.Flags & WriteFlags.BufferHint) == 0))
            {
                await writer.FlushAsync(cancellationToken.CanBeCanceled ? cancellationToken : CancellationTokenCore).ConfigureAwait(false);
            }
        }
        finally
        {
            if (locked)
            {
                _writeLock!.Release();
            }

            Volatile.Write(ref _writeInProgress, 0);
        }
    }

    protected override async Task WriteResponseHeadersAsyncCore(Metadata responseHeaders)
    {
        // As in grpc-dotnet, null is not "no headers" (an empty Metadata is): it fails the call.
        ArgumentNullException.ThrowIfNull(responseHeaders);
        var locked = false;
        try
        {
            if (_writeLock is not null)
            {
                await _writeLock.WaitAsync(CancellationTokenCore).ConfigureAwait(false);
                locked = true;
            }

            if (_completed)
            {
                throw new InvalidOperationException("Can't write response headers because the call is complete.");
            }

            if (_responseStarted || HttpContext.Response.HasStarted)
            {
                throw new InvalidOperationException("Response headers can only be sent once per call.");
            }

            if (!MetadataHeaderWriter.AddHeaders(HttpContext.Response.Headers, responseHeaders))
            {
                GrpcServerLog.InvalidResponseMetadataSkipped(_logger, _method);
            }

            _responseStarted = true;
            await HttpContext.Response.BodyWriter.FlushAsync(CancellationTokenCore).ConfigureAwait(false);
        }
        finally
        {
            if (locked)
            {
                _writeLock!.Release();
            }
        }
    }

    protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options)
    {
        return new ServerCallPropagationToken(_deadline, options ?? ContextPropagationOptions.Default, CancellationTokenCore);
    }

    /// <summary>Ends a call whose handler returned: writes the status (and trailers) unless the deadline already did.</summary>
    public async Task EndCallAsync()
    {
        var locked = false;
        try
        {
            if (_writeLock is not null)
            {
                await _writeLock.WaitAsync().ConfigureAwait(false);
                locked = true;
            }

            if (_completed)
            {
                return;
            }

            _completed = true;
            if (HttpContext.RequestAborted.IsCancellationRequested)
            {
                GrpcServerLog.CallCanceledByClient(_logger, _method);
                return;
            }

            if (_deadlineExceeded)
            {
                _status = new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded");
            }

            WriteStatus();
        }
        finally
        {
            if (locked)
            {
                _writeLock!.Release();
            }
        }
    }

    /// <summary>Turns an exception from the handler (or from reading/writing) into the call's status.</summary>
    public async Task ProcessHandlerErrorAsync(Exception exception)
    {
        if (_deadlineExceeded)
        {
            await EndCallAsync().ConfigureAwait(false);
            return;
        }

        if (HttpContext.RequestAborted.IsCancellationRequested)
        {
            GrpcServerLog.CallCanceledByClient(_logger, _method);
            _status = Status.DefaultCancelled;
            _completed = true;
            return;
        }

        if (_serializationContext.HasPartialFrame)
        {
            // Half a frame went into the response: nothing sent after it can be parsed, so reset the stream.
            GrpcServerLog.PartialMessageAborted(_logger, _method);
            _completed = true;
            HttpContext.Abort();
            return;
        }

        if (exception is RpcException rpcException)
        {
            GrpcServerLog.RpcExceptionThrown(_logger, _method, rpcException.StatusCode);
            _status = rpcException.Status;
            var trailers = rpcException.Trailers;
            for (var i = 0; i < trailers.Count; i++)
            {
                ResponseTrailersCore.Add(trailers[i]);
            }
        }
        else
        {
            GrpcServerLog.ErrorExecutingServiceMethod(_logger, _method, exception);
            var detail = _options.EnableDetailedErrors
                ? $"Exception was thrown by handler. {exception.GetType().Name}: {exception.Message}"
                : "Exception was thrown by handler.";
            _status = new Status(StatusCode.Unknown, detail, exception);
        }

        await EndCallAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_deadlineTimer is not null)
        {
            // Completes once a callback already running has returned.
            await _deadlineTimer.DisposeAsync().ConfigureAwait(false);
        }

        if (_deadlineCompletion is not null)
        {
            await _deadlineCompletion.ConfigureAwait(false);
        }

        _callCts?.Dispose();
        _writeLock?.Dispose();
    }

    private void StartDeadline(TimeSpan timeout)
    {
        var now = DateTime.UtcNow;
        _deadline = timeout >= DateTime.MaxValue - now ? DateTime.MaxValue : now + timeout;
        _callCts = CancellationTokenSource.CreateLinkedTokenSource(HttpContext.RequestAborted);
        _writeLock = new SemaphoreSlim(1, 1);
        if (timeout > GrpcServerConstants.MaxTimerDueTime)
        {
            // Longer than a timer can wait (about 49 days): the deadline is reported but never fires.
            return;
        }

        GrpcServerLog.DeadlineStarted(_logger, _method, timeout);
        _deadlineTimer = new Timer(static state => ((HttpContextServerCallContext)state!).OnDeadlineTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _deadlineTimer.Change(timeout, Timeout.InfiniteTimeSpan);
    }

    private void OnDeadlineTimer()
    {
        // Timers run on a different clock than DateTime.UtcNow and may fire a little early: wait out the rest so
        // that whoever sees the token fire also sees Deadline in the past.
        var remaining = _deadline - DateTime.UtcNow;
        if (remaining > TimeSpan.Zero)
        {
            try
            {
                _deadlineTimer!.Change(remaining + TimeSpan.FromMilliseconds(1), Timeout.InfiniteTimeSpan);
                return;
            }
            catch (ObjectDisposedException)
            {
                return; // the call already ended
            }
        }

        GrpcServerLog.DeadlineExceeded(_logger, _method);
        _deadlineExceeded = true;
        try
        {
            _callCts!.Cancel();
        }
        catch (AggregateException)
        {
            // A callback registered by user code threw; the call still ends with DEADLINE_EXCEEDED.
        }

        _deadlineCompletion = CompleteOnDeadlineAsync();
    }

    private async Task CompleteOnDeadlineAsync()
    {
        await _writeLock!.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_completed || HttpContext.RequestAborted.IsCancellationRequested)
            {
                return;
            }

            _completed = true;
            _status = new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded");
            WriteStatus();
            await HttpContext.Response.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or OperationCanceledException)
        {
            GrpcServerLog.DeadlineCompletionFailed(_logger, _method, ex);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>
    /// Writes <c>grpc-status</c>, <c>grpc-message</c> and the response trailers: in the headers when nothing
    /// was sent yet (trailers-only response), otherwise as HTTP/2 trailers.
    /// </summary>
    private void WriteStatus()
    {
        var response = HttpContext.Response;
        if (!_responseStarted && !response.HasStarted)
        {
            // Trailers-Only: HEADERS with END_STREAM carrying the status.
            var headers = response.Headers;
            headers[GrpcProtocolConstants.StatusTrailer] = StatusCodeText.Get(_status.StatusCode);
            if (!string.IsNullOrEmpty(_status.Detail))
            {
                headers[GrpcProtocolConstants.MessageTrailer] = GrpcStatusMessageCodec.Encode(_status.Detail);
            }

            if (_responseTrailers is not null)
            {
                if (!MetadataHeaderWriter.AddHeaders(headers, _responseTrailers))
                {
                    GrpcServerLog.InvalidResponseMetadataSkipped(_logger, _method);
                }
            }

            return;
        }

        if (!response.SupportsTrailers())
        {
            GrpcServerLog.TrailersNotSupported(_logger, _method);
            return;
        }

        response.AppendTrailer(GrpcProtocolConstants.StatusTrailer, StatusCodeText.Get(_status.StatusCode));
        if (!string.IsNullOrEmpty(_status.Detail))
        {
            response.AppendTrailer(GrpcProtocolConstants.MessageTrailer, GrpcStatusMessageCodec.Encode(_status.Detail));
        }

        if (_responseTrailers is not null)
        {
            if (!MetadataHeaderWriter.AppendTrailers(response, _responseTrailers))
            {
                GrpcServerLog.InvalidResponseMetadataSkipped(_logger, _method);
            }
        }
    }

    private static string FormatPeer(IPAddress? address, int port)
    {
        if (address is null)
        {
            return "unknown";
        }

        return address.AddressFamily == AddressFamily.InterNetworkV6
            ? $"ipv6:[{address}]:{port}"
            : $"ipv4:{address}:{port}";
    }
}
