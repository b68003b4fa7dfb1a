namespace Grpc.Core;

/// <summary>
/// The context of a server call: method, headers, deadline, cancellation, trailers and status.
/// </summary>
/// <remarks>
/// The public members forward to the protected <c>*Core</c> members that a server implementation overrides.
/// </remarks>
public abstract class ServerCallContext
{
    private Dictionary<object, object>? _userState;

    /// <summary>
    /// Initializes the context.
    /// </summary>
    protected ServerCallContext()
    {
    }

    /// <summary>Gets the full method name, for example <c>/package.Service/Method</c>.</summary>
    public string Method => MethodCore;

    /// <summary>Gets the host the call was addressed to.</summary>
    public string Host => HostCore;

    /// <summary>Gets the address of the remote peer, for example <c>ipv4:127.0.0.1:5000</c>.</summary>
    public string Peer => PeerCore;

    /// <summary>Gets the call deadline (UTC); <see cref="DateTime.MaxValue"/> when there is none.</summary>
    public DateTime Deadline => DeadlineCore;

    /// <summary>Gets the request headers.</summary>
    public Metadata RequestHeaders => RequestHeadersCore;

    /// <summary>Gets a token that is cancelled when the call is cancelled or its deadline passes.</summary>
    public CancellationToken CancellationToken => CancellationTokenCore;

    /// <summary>Gets the trailers to send when the call ends.</summary>
    public Metadata ResponseTrailers => ResponseTrailersCore;

    /// <summary>Gets or sets the status to send when the call ends.</summary>
    public Status Status
    {
        get => StatusCore;
        set => StatusCore = value;
    }

    /// <summary>Gets or sets the options for the following writes.</summary>
    public WriteOptions? WriteOptions
    {
        get => WriteOptionsCore;
        set => WriteOptionsCore = value;
    }

    /// <summary>Gets the authentication context.</summary>
    public AuthContext AuthContext => AuthContextCore;

    /// <summary>Gets a dictionary for state shared by interceptors and the handler during the call.</summary>
    public IDictionary<object, object> UserState => UserStateCore;

    /// <summary>Override: the full method name.</summary>
    protected abstract string MethodCore { get; }

    /// <summary>Override: the host.</summary>
    protected abstract string HostCore { get; }

    /// <summary>Override: the peer address.</summary>
    protected abstract string PeerCore { get; }

    /// <summary>Override: the deadline.</summary>
    protected abstract DateTime DeadlineCore { get; }

    /// <summary>Override: the request headers.</summary>
    protected abstract Metadata RequestHeadersCore { get; }

    /// <summary>Override: the cancellation token.</summary>
    protected abstract CancellationToken CancellationTokenCore { get; }

    /// <summary>Override: the response trailers.</summary>
    protected abstract Metadata ResponseTrailersCore { get; }

    /// <summary>Override: the status.</summary>
    protected abstract Status StatusCore { get; set; }

    /// <summary>Override: the write options.</summary>
    protected abstract WriteOptions? WriteOptionsCore { get; set; }

    /// <summary>Override: the authentication context.</summary>
    protected abstract AuthContext AuthContextCore { get; }

    /// <summary>Override: the user state; by default a dictionary created on first use.</summary>
    protected virtual IDictionary<object, object> UserStateCore => _userState ??= [];

    /// <summary>
    /// Sends the response headers. May be called once, before the first response message.
    /// </summary>
    /// <param name="responseHeaders">The headers.</param>
    /// <returns>A task that completes when the headers were sent.</returns>
    public Task WriteResponseHeadersAsync(Metadata responseHeaders) => WriteResponseHeadersAsyncCore(responseHeaders);

    /// <summary>
    /// Creates a token that carries this call's deadline and cancellation into child calls.
    /// </summary>
    /// <param name="options">What to propagate; <see langword="null"/> for the defaults.</param>
    /// <returns>The token.</returns>
    public ContextPropagationToken CreatePropagationToken(ContextPropagationOptions? options = null) => CreatePropagationTokenCore(options);

    /// <summary>Override: sends the response headers.</summary>
    /// <param name="responseHeaders">The headers.</param>
    /// <returns>A task that completes when the headers were sent.</returns>
    protected abstract Task WriteResponseHeadersAsyncCore(Metadata responseHeaders);

    /// <summary>Override: creates a propagation token.</summary>
    /// <param name="options">What to propagate.</param>
    /// <returns>The token.</returns>
    protected abstract ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options);
}
