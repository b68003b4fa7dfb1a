using System.Net;
using System.Net.Http.Headers;
using Grpc.Core;
using Grpc.Core.Internal;
using Grpc.Net.Common;

namespace Grpc.Net.Client.Internal;

/// <summary>
/// One client call over one HTTP/2 request: sends the request (all at once, or as the client writes),
/// reads the response headers, messages and trailers, and enforces deadline, cancellation and size limits.
/// </summary>
/// <remarks>
/// The call's status is set exactly once (<see cref="TryFinish"/>); every later failure (a read or
/// write interrupted by cancellation, for example) reports that status instead of its own.
/// </remarks>
internal sealed class GrpcCall<TRequest, TResponse> : IDisposable
    where TRequest : class
    where TResponse : class
{
    private const string UserAgent = "grpc-dotnet-compat/1.0";
    private static readonly TimeSpan MaxTimerDueTime = TimeSpan.FromMilliseconds(uint.MaxValue - 1);
    private static readonly MediaTypeHeaderValue GrpcContentType = new(GrpcProtocolConstants.ContentType);

    private readonly GrpcChannel _channel;
    private readonly Method<TRequest, TResponse> _method;
    private readonly string? _host;
    private readonly CallOptions _options;
    private readonly CancellationTokenSource _callCts = new();
    private readonly TaskCompletionSource<Metadata> _headers = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<TResponse> _response = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<Stream?> _responseStream = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _lock = new();
    private readonly byte[] _prefix = new byte[GrpcProtocolConstants.MessagePrefixSize];

    private readonly DateTime? _deadline;
    private readonly CancellationToken _parentCancellation;
    private CancellationTokenRegistration _userCancellation;
    private CancellationTokenRegistration _parentCancellationRegistration;
    private Timer? _deadlineTimer;
    private HttpRequestMessage? _request;
    private HttpResponseMessage? _httpResponse;
    private RequestStreamContent? _requestContent;
    private ClientStreamWriter<TRequest, TResponse>? _writer;
    private ResponseStreamReader<TRequest, TResponse>? _reader;
    private Status? _status;
    private Metadata? _trailers;
    private bool _cancelledByCaller;
    private bool _disposed;
    private bool _requestCompleted;
    private bool _writeInProgress;
    private bool _readInProgress;

    public GrpcCall(GrpcChannel channel, Method<TRequest, TResponse> method, string? host, CallOptions options)
    {
        ArgumentNullException.ThrowIfNull(method);

        // As grpc-dotnet: a call on a disposed channel fails when it is made, not later as an RpcException.
        ObjectDisposedException.ThrowIf(channel.IsDisposed, typeof(GrpcChannel));
        if (options.Deadline is { } requested && requested != DateTime.MaxValue && requested != DateTime.MinValue && requested.Kind != DateTimeKind.Utc)
        {
            // As grpc-dotnet: a local or unspecified time would silently shift the deadline by the UTC offset.
            throw new InvalidOperationException("Deadline must have a kind DateTimeKind.Utc or be equal to DateTime.MaxValue or DateTime.MinValue.");
        }

        _channel = channel;
        _method = method;
        _host = host;
        _options = options;
        _deadline = options.Deadline is { } deadline && deadline != DateTime.MaxValue ? deadline.ToUniversalTime() : null;
        if (options.PropagationToken is IPropagatedCallContext parent)
        {
            var parentOptions = parent.Options ?? ContextPropagationOptions.Default;
            if (parentOptions.IsPropagateDeadline && parent.Deadline != DateTime.MaxValue)
            {
                var parentDeadline = parent.Deadline.ToUniversalTime();
                _deadline = _deadline is null || parentDeadline < _deadline ? parentDeadline : _deadline;
            }

            if (parentOptions.IsPropagateCancellation)
            {
                _parentCancellation = parent.CancellationToken;
            }
        }
    }

    public Task<Metadata> ResponseHeadersAsync => _headers.Task;

    public IClientStreamWriter<TRequest> RequestStream => _writer ?? throw new InvalidOperationException("The call has no request stream.");

    public IAsyncStreamReader<TResponse> ResponseStream => _reader ??= new ResponseStreamReader<TRequest, TResponse>(this);

    private static Status NoMessageStatus => new(StatusCode.Internal, "Failed to deserialize response message: the response has no message.");

    private bool HasSingleResponse => _method.Type is MethodType.Unary or MethodType.ClientStreaming;

    private bool IsFinished
    {
        get
        {
            lock (_lock)
            {
                return _status is not null;
            }
        }
    }

    /// <summary>Starts a call with a single request message (unary and server streaming).</summary>
    public void Start(TRequest request)
    {
        if (!TryStartCore())
        {
            return;
        }

        byte[] framed;
        try
        {
            framed = Serialize(request);
        }
        catch (RpcException ex)
        {
            TryFinish(ex.Status, trailers: null);
            return;
        }

        var content = new ByteArrayContent(framed);
        content.Headers.ContentType = GrpcContentType;
        _ = RunAsync(content);
    }

    /// <summary>Starts a call whose request messages are written later (client streaming and duplex).</summary>
    public void StartStreamingRequest()
    {
        _writer = new ClientStreamWriter<TRequest, TResponse>(this, _options.WriteOptions);
        _requestContent = new RequestStreamContent();
        if (TryStartCore())
        {
            _ = RunAsync(_requestContent);
        }
    }

    public Task<TResponse> GetResponseAsync() => _response.Task;

    public Status GetStatus()
    {
        lock (_lock)
        {
            return _status ?? throw new InvalidOperationException("Unable to get the status because the call is not complete.");
        }
    }

    /// <summary>
    /// Gets the trailers the server sent. As in grpc-dotnet, only a call whose response was read to its end has them:
    /// before that, and after a call ended on the client's side (cancellation, deadline, a transport or message
    /// error), this throws <see cref="InvalidOperationException"/>.
    /// </summary>
    public Metadata GetTrailers()
    {
        lock (_lock)
        {
            return _trailers ?? throw new InvalidOperationException("Can't get the call trailers because the call has not completed successfully.");
        }
    }

    public void Dispose()
    {
        Volatile.Write(ref _disposed, true);
        Cancel(new Status(StatusCode.Cancelled, "gRPC call disposed."), byCaller: false);
        Cleanup();
        _channel.RemoveActiveCall(this);
    }

    /// <summary>
    /// Throws <see cref="ObjectDisposedException"/> once the caller disposed the call, as grpc-dotnet does for
    /// <c>MoveNext</c>, <c>WriteAsync</c> and <c>CompleteAsync</c>, whatever state the call was in. A call that ended
    /// otherwise (its token, its deadline, the server) still reports its status as an <see cref="RpcException"/>.
    /// </summary>
    public void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed), this);

    /// <summary>Reads the next message of a streamed response; <see langword="null"/> at the end of the stream.</summary>
    public async Task<TResponse?> ReadStreamMessageAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_readInProgress)
            {
                throw new InvalidOperationException("Can't read the next message because the previous read is still in progress.");
            }

            _readInProgress = true;
        }

        using var registration = RegisterCallerToken(cancellationToken);
        try
        {
            var (hasMessage, message) = await ReadMessageAsync().ConfigureAwait(false);
            if (hasMessage)
            {
                return message;
            }

            ThrowIfFailed();
            return null;
        }
        finally
        {
            lock (_lock)
            {
                _readInProgress = false;
            }
        }
    }

    public async Task WriteMessageAsync(TRequest message, CancellationToken cancellationToken)
    {
        // Inside the async method: as in grpc-dotnet, the returned task fails rather than the call to WriteAsync.
        ThrowIfDisposed();
        lock (_lock)
        {
            // As in grpc-dotnet: a completed request stream is reported first; then a call that has ended reports its
            // status, OK included (the server may end a call at any time, so that is no programming error).
            if (_requestCompleted)
            {
                throw new InvalidOperationException("Can't write the message because the request stream is complete.");
            }

            if (_status is { } status)
            {
                throw CreateException(status);
            }

            if (_writeInProgress)
            {
                throw new InvalidOperationException("Can't write the message because the previous write is in progress.");
            }

            _writeInProgress = true;
        }

        using var registration = RegisterCallerToken(cancellationToken);
        try
        {
            byte[] framed;
            try
            {
                framed = Serialize(message);
            }
            catch (RpcException ex)
            {
                TryFinish(ex.Status, trailers: null);
                throw CreateException(ex.Status);
            }

            var stream = await _requestContent!.StreamTask.WaitAsync(_callCts.Token).ConfigureAwait(false);
            await stream.WriteAsync(framed, _callCts.Token).ConfigureAwait(false);
            await stream.FlushAsync(_callCts.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            TryFinish(TransportFailure("Error writing the request message.", ex), trailers: null);
            var status = GetStatus();
            if (status.StatusCode == StatusCode.OK)
            {
                // The server ended the call successfully while the message was being written.
                throw new InvalidOperationException("Can't write the message because the call is complete.", ex);
            }

            throw CreateException(status);
        }
        finally
        {
            lock (_lock)
            {
                _writeInProgress = false;
            }
        }
    }

    public Task CompleteRequestAsync()
    {
        ThrowIfDisposed();
        lock (_lock)
        {
            if (_writeInProgress)
            {
                throw new InvalidOperationException("Can't complete the request stream because a write is in progress.");
            }

            _requestCompleted = true;
        }

        _requestContent?.Complete();
        return Task.CompletedTask;
    }

    private bool TryStartCore()
    {
        GrpcClientLog.StartingCall(_channel.Logger, _method.FullName);
        if (!_channel.TryAddActiveCall(this))
        {
            // The channel was disposed since the call was made: the call goes with it, as its active calls do.
            Dispose();
            return false;
        }

        if (_deadline is { } deadline)
        {
            var timeout = deadline - DateTime.UtcNow;
            if (timeout <= TimeSpan.Zero)
            {
                GrpcClientLog.DeadlineExceeded(_channel.Logger, _method.FullName);
                TryFinish(new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded"), trailers: null);
                return false;
            }

            if (timeout < MaxTimerDueTime)
            {
                _deadlineTimer = new Timer(static state => ((GrpcCall<TRequest, TResponse>)state!).OnDeadline(), this, timeout, Timeout.InfiniteTimeSpan);
            }
        }

        if (_options.CancellationToken.CanBeCanceled)
        {
            _userCancellation = _options.CancellationToken.Register(static state => ((GrpcCall<TRequest, TResponse>)state!).OnCallerCancelled(), this);
        }

        if (_parentCancellation.CanBeCanceled)
        {
            _parentCancellationRegistration = _parentCancellation.Register(static state => ((GrpcCall<TRequest, TResponse>)state!).OnParentCancelled(), this);
        }

        return !IsFinished;
    }

    private async Task RunAsync(HttpContent content)
    {
        try
        {
            _request = CreateRequest(content);
            var response = await _channel.SendAsync(_request, _callCts.Token).ConfigureAwait(false);
            lock (_lock)
            {
                if (_status is not null)
                {
                    response.Dispose();
                    return;
                }

                _httpResponse = response;
            }

            var headers = ReadMetadata(response.Headers);
            var headerStatus = ValidateResponseHeaders(response);
            if (headerStatus is { } status)
            {
                // Trailers-only response (or an error answered by a proxy): the headers are also the trailers.
                // An OK status without a message is a protocol error for a single-response method. The status is
                // set before the headers are handed out, so GetStatus() works once ResponseHeadersAsync completes
                // (as in grpc-dotnet).
                TryFinish(status.StatusCode == StatusCode.OK && HasSingleResponse ? NoMessageStatus : status, headers, responseHeaders: headers);
                return;
            }

            _headers.TrySetResult(headers);

            var stream = await response.Content.ReadAsStreamAsync(_callCts.Token).ConfigureAwait(false);
            _responseStream.TrySetResult(stream);
            if (HasSingleResponse)
            {
                await ReadUnaryResponseAsync().ConfigureAwait(false);
            }
        }
#pragma warning disable CA1031 // Whatever fails, the call must finish with a status.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            var status = ex is RpcException rpc ? rpc.Status : TransportFailure("Error starting gRPC call.", ex);
            TryFinish(status, trailers: null);
        }
        finally
        {
            _responseStream.TrySetResult(null);
            if (HasSingleResponse && !_response.Task.IsCompleted)
            {
                // Safety net: a single-response call always completes its response task.
                TryFinish(NoMessageStatus, trailers: null);
                var status = GetStatus();
                _response.TrySetException(CreateException(status.StatusCode == StatusCode.OK ? NoMessageStatus : status));
            }
        }
    }

    private async Task ReadUnaryResponseAsync()
    {
        var (hasMessage, message) = await ReadMessageAsync(finishOnEnd: false).ConfigureAwait(false);
        if (!hasMessage)
        {
            if (!IsFinished)
            {
                // Ended without a message: an OK status here is a protocol error.
                var (status, trailers) = ReadTrailers();
                TryFinish(status.StatusCode == StatusCode.OK ? NoMessageStatus : status, trailers);
            }

            return;
        }

        var (hasSecond, _) = await ReadMessageAsync(finishOnEnd: false).ConfigureAwait(false);
        if (hasSecond)
        {
            TryFinish(new Status(StatusCode.Internal, "The server sent more than one response message for a unary response."), trailers: null);
            return;
        }

        if (!IsFinished)
        {
            var (status, trailers) = ReadTrailers();
            TryFinish(status, trailers);
        }

        if (GetStatus().StatusCode == StatusCode.OK)
        {
            _response.TrySetResult(message!);
        }
    }

    /// <summary>
    /// Reads one message. At the end of the stream reads the trailers and finishes the call (unless
    /// <paramref name="finishOnEnd"/> is false); on any error finishes the call with the error.
    /// </summary>
    private async Task<(bool HasMessage, TResponse? Message)> ReadMessageAsync(bool finishOnEnd = true)
    {
        var stream = await _responseStream.Task.ConfigureAwait(false);
        if (stream is null || IsFinished)
        {
            return (false, null);
        }

        FrameReadStatus frameStatus;
        byte[]? payload;
        try
        {
            (frameStatus, payload) = await GrpcFraming.ReadMessageAsync(stream, _channel.MaxReceiveMessageSize, _prefix, _callCts.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or HttpRequestException or ObjectDisposedException)
        {
            TryFinish(TransportFailure("Error reading the response message.", ex), trailers: null);
            return (false, null);
        }

        switch (frameStatus)
        {
            case FrameReadStatus.Message:
                try
                {
                    return (true, _method.ResponseMarshaller.ContextualDeserializer(new ArrayDeserializationContext(payload)));
                }
#pragma warning disable CA1031 // A user deserializer may throw anything; the call fails with Internal.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    TryFinish(new Status(StatusCode.Internal, "Failed to deserialize response message.", ex), trailers: null);
                    return (false, null);
                }

            case FrameReadStatus.EndOfStream:
                if (finishOnEnd)
                {
                    FinishFromTrailers();
                }

                return (false, null);

            case FrameReadStatus.TooLarge:
                TryFinish(new Status(StatusCode.ResourceExhausted, "Received message exceeds the maximum configured message size."), trailers: null);
                return (false, null);

            case FrameReadStatus.Compressed:
                // Only 'identity' responses get this far, and a compressed message needs a real grpc-encoding.
                TryFinish(new Status(StatusCode.Internal, "Received a compressed message without a grpc-encoding to decompress it."), trailers: null);
                return (false, null);

            default:
                TryFinish(new Status(StatusCode.Internal, "Received an incomplete or malformed message."), trailers: null);
                return (false, null);
        }
    }

    private void FinishFromTrailers()
    {
        var (status, trailers) = ReadTrailers();
        TryFinish(status, trailers);
    }

    private (Status Status, Metadata? Trailers) ReadTrailers()
    {
        var response = _httpResponse;
        if (response is null)
        {
            return (new Status(StatusCode.Internal, "The call has no response."), null);
        }

        var trailers = response.TrailingHeaders;
        return (ReadStatus(trailers) ?? new Status(StatusCode.Cancelled, "No grpc-status found on response."), ReadMetadata(trailers));
    }

    private static Status? ValidateResponseHeaders(HttpResponseMessage response)
    {
        var status = ReadStatus(response.Headers);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return status ?? GrpcHttpStatus.CreateStatus(response.StatusCode);
        }

        if (status is not null)
        {
            return status;
        }

        // A 200 response that is not gRPC (a proxy's page, say) is CANCELLED, as in grpc-dotnet; the value is not echoed.
        var contentType = response.Content.Headers.ContentType?.MediaType;
        if (contentType is null)
        {
            return new Status(StatusCode.Cancelled, "Bad gRPC response. Response did not have a content-type header.");
        }

        if (!contentType.StartsWith(GrpcProtocolConstants.ContentType, StringComparison.OrdinalIgnoreCase)
            || (contentType.Length > GrpcProtocolConstants.ContentType.Length && contentType[GrpcProtocolConstants.ContentType.Length] is not '+' and not ';'))
        {
            return new Status(StatusCode.Cancelled, "Bad gRPC response. Invalid content-type value: not application/grpc.");
        }

        if (response.Headers.NonValidated.TryGetValues(GrpcProtocolConstants.MessageEncodingHeader, out var encodings))
        {
            foreach (var encoding in encodings)
            {
                if (!string.Equals(encoding, GrpcProtocolConstants.IdentityEncoding, StringComparison.Ordinal))
                {
                    return new Status(StatusCode.Unimplemented, "The response uses an unsupported grpc-encoding; only 'identity' is supported.");
                }
            }
        }

        return null;
    }

    private static Status? ReadStatus(HttpHeaders headers)
    {
        if (!headers.NonValidated.TryGetValues(GrpcProtocolConstants.StatusTrailer, out var statusValues))
        {
            return null;
        }

        string? statusText = null;
        foreach (var value in statusValues)
        {
            statusText = value;
        }

        if (statusText is null || !GrpcHttpStatus.TryParseStatusCode(statusText, out var code))
        {
            return new Status(StatusCode.Unknown, "The grpc-status of the response is not a number.");
        }

        var detail = string.Empty;
        if (headers.NonValidated.TryGetValues(GrpcProtocolConstants.MessageTrailer, out var messageValues))
        {
            foreach (var value in messageValues)
            {
                detail = GrpcStatusMessageCodec.Decode(value);
            }
        }

        return new Status(code, detail);
    }

    private Metadata ReadMetadata(HttpHeaders headers)
    {
        var metadata = new Metadata();
        foreach (var header in headers.NonValidated)
        {
            var name = header.Key;
            if (!Metadata.Entry.IsValidLowercaseKey(name))
            {
                // HTTP/2 names arrive lowercase; other hosts (TestServer, HTTP/1.1 proxies) may keep the
                // case. Metadata keys are lowercase, as in grpc-dotnet.
                name = name.ToLowerInvariant();
            }

            if (MetadataCodec.IsReservedHeader(name))
            {
                continue;
            }

            foreach (var value in header.Value)
            {
                if (MetadataCodec.TryCreateEntry(name, value, out var entry))
                {
                    metadata.Add(entry);
                }
                else
                {
                    GrpcClientLog.InvalidResponseHeaderIgnored(_channel.Logger, _method.FullName);
                }
            }
        }

        return metadata;
    }

    private HttpRequestMessage CreateRequest(HttpContent content)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, _channel.GetRequestUri(_method.FullName))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = _channel.HttpVersionPolicy,
            Content = content,
        };

        var headers = request.Headers;
        headers.TryAddWithoutValidation(GrpcProtocolConstants.TeHeader, GrpcProtocolConstants.TeTrailers);
        headers.TryAddWithoutValidation("user-agent", UserAgent);
        headers.TryAddWithoutValidation(GrpcProtocolConstants.MessageAcceptEncodingHeader, GrpcProtocolConstants.IdentityEncoding);
        if (_host is not null)
        {
            headers.Host = _host;
        }

        if (_deadline is { } deadline)
        {
            headers.TryAddWithoutValidation(GrpcProtocolConstants.TimeoutHeader, GrpcTimeoutCodec.Format(deadline - DateTime.UtcNow));
        }

        if (_options.Headers is { } metadata)
        {
            foreach (var entry in metadata)
            {
                if (MetadataCodec.IsReservedHeader(entry.Key))
                {
                    continue;
                }

                var value = MetadataCodec.EncodeValue(entry);
                if (!entry.IsBinary && !MetadataCodec.IsValidAsciiValue(value))
                {
                    throw new RpcException(new Status(StatusCode.Internal, $"Request header '{entry.Key}' has a value that is not printable ASCII; use a '-bin' key for binary data."));
                }

                headers.TryAddWithoutValidation(entry.Key, value);
            }
        }

        return request;
    }

    private byte[] Serialize(TRequest message)
    {
        byte[] payload;
        try
        {
            var context = new ArraySerializationContext();
            _method.RequestMarshaller.ContextualSerializer(message, context);
            payload = context.GetPayload();
        }
#pragma warning disable CA1031 // A user serializer may throw anything; the call fails with Internal.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            throw new RpcException(new Status(StatusCode.Internal, "Error serializing the request message.", ex));
        }

        if (_channel.MaxSendMessageSize is { } max && payload.Length > max)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted, "Sending message exceeds the maximum configured message size."));
        }

        return GrpcFraming.Frame(payload);
    }

    private CancellationTokenRegistration RegisterCallerToken(CancellationToken cancellationToken)
    {
        return cancellationToken.CanBeCanceled
            ? cancellationToken.Register(static state => ((GrpcCall<TRequest, TResponse>)state!).OnCallerCancelled(), this)
            : default;
    }

    /// <summary>
    /// The status of a call the HTTP stack failed (see <see cref="GrpcHttpStatus.FromTransportException"/>). A
    /// stream the server cancelled after the deadline passed is <c>DEADLINE_EXCEEDED</c>, as when the local timer fires first.
    /// </summary>
    private Status TransportFailure(string detail, Exception exception)
    {
        var code = GrpcHttpStatus.FromTransportException(exception);
        if (code == StatusCode.Cancelled && _deadline is { } deadline && deadline <= DateTime.UtcNow)
        {
            code = StatusCode.DeadlineExceeded;
        }

        return new Status(code, detail, exception);
    }

    private void OnDeadline()
    {
        GrpcClientLog.DeadlineExceeded(_channel.Logger, _method.FullName);
        Cancel(new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded"), byCaller: false);
    }

    private void OnCallerCancelled()
    {
        GrpcClientLog.CallCanceled(_channel.Logger, _method.FullName);
        Cancel(new Status(StatusCode.Cancelled, "Call canceled by the client."), byCaller: true);
    }

    private void OnParentCancelled()
    {
        GrpcClientLog.CallCanceled(_channel.Logger, _method.FullName);
        Cancel(new Status(StatusCode.Cancelled, "Call canceled because the parent call was canceled."), byCaller: false);
    }

    private void Cancel(Status status, bool byCaller)
    {
        lock (_lock)
        {
            if (_status is not null)
            {
                return;
            }

            _cancelledByCaller = byCaller;
        }

        TryFinish(status, trailers: null);
    }

    /// <summary>
    /// Sets the final status once. A non-OK status cancels the HTTP request (resetting the HTTP/2
    /// stream so the server sees the cancellation) and fails every pending task.
    /// <paramref name="trailers"/> is <see langword="null"/> when the call ended without reading the server's trailers.
    /// <paramref name="responseHeaders"/>, when given, completes <see cref="ResponseHeadersAsync"/> once the status is set.
    /// </summary>
    private bool TryFinish(Status status, Metadata? trailers, Metadata? responseHeaders = null)
    {
        lock (_lock)
        {
            if (_status is not null)
            {
                return false;
            }

            _status = status;
            _trailers = trailers;
        }

        if (responseHeaders is not null)
        {
            _headers.TrySetResult(responseHeaders);
        }

        if (status.StatusCode == StatusCode.OK)
        {
            GrpcClientLog.CallFinished(_channel.Logger, _method.FullName, status.StatusCode);
            _requestContent?.Complete();
        }
        else
        {
            GrpcClientLog.CallFailed(_channel.Logger, _method.FullName, status.StatusCode, status.DebugException);
            _requestContent?.Abort();
            _callCts.Cancel();
            var exception = CreateException(status);
            if (HasSingleResponse)
            {
                _response.TrySetException(exception);
            }

            _headers.TrySetException(exception);
        }

        // After an OK status the body and trailers have been read; otherwise this resets the HTTP/2 stream.
        _httpResponse?.Dispose();
        _responseStream.TrySetResult(null);
        _deadlineTimer?.Dispose();
        _userCancellation.Dispose();
        _parentCancellationRegistration.Dispose();
        _channel.RemoveActiveCall(this);
        return true;
    }

    private void ThrowIfFailed()
    {
        var status = GetStatus();
        if (status.StatusCode != StatusCode.OK)
        {
            throw CreateException(status);
        }
    }

    private Exception CreateException(Status status)
    {
        if (_channel.ThrowOperationCanceledOnCancellation
            && (status.StatusCode == StatusCode.DeadlineExceeded || (status.StatusCode == StatusCode.Cancelled && _cancelledByCaller)))
        {
            return new OperationCanceledException(status.Detail, _options.CancellationToken);
        }

        Metadata trailers;
        lock (_lock)
        {
            trailers = _trailers ?? Metadata.Empty;
        }

        return new RpcException(status, trailers, status.ToString());
    }

    private void Cleanup()
    {
        _deadlineTimer?.Dispose();
        _userCancellation.Dispose();
        _parentCancellationRegistration.Dispose();
        _httpResponse?.Dispose();
        _request?.Dispose();
    }
}
