namespace Grpc.AspNetCore.Server;

/// <summary>
/// Options that configure how gRPC services hosted by ASP.NET Core handle calls.
/// </summary>
/// <remarks>
/// Global options are set with <c>services.AddGrpc(options => ...)</c>. Options for one service type are set
/// with <c>AddServiceOptions&lt;TService&gt;(...)</c>; a value set there overrides the global value, and the
/// service's interceptors run after (inside) the global ones.
/// </remarks>
public class GrpcServiceOptions
{
    /// <summary>The default for <see cref="MaxReceiveMessageSize"/>: 4 MB.</summary>
    internal const int DefaultMaxReceiveMessageSize = 4 * 1024 * 1024;

    private int? _maxSendMessageSize;
    private int? _maxReceiveMessageSize = DefaultMaxReceiveMessageSize;

    /// <summary>
    /// Gets or sets the largest message, in bytes, the server sends. A larger response message ends the call
    /// with <c>RESOURCE_EXHAUSTED</c>.
    /// </summary>
    /// <value>The limit in bytes, or <see langword="null"/> for no limit. Defaults to <see langword="null"/>.</value>
    public int? MaxSendMessageSize
    {
        get => _maxSendMessageSize;
        set
        {
            _maxSendMessageSize = value;
            MaxSendMessageSizeSpecified = true;
        }
    }

    /// <summary>
    /// Gets or sets the largest message, in bytes, the server accepts. A larger request message ends the call
    /// with <c>RESOURCE_EXHAUSTED</c> before its payload is read.
    /// </summary>
    /// <value>The limit in bytes, or <see langword="null"/> for no limit. Defaults to 4,194,304 (4 MB).</value>
    public int? MaxReceiveMessageSize
    {
        get => _maxReceiveMessageSize;
        set
        {
            _maxReceiveMessageSize = value;
            MaxReceiveMessageSizeSpecified = true;
        }
    }

    /// <summary>
    /// Gets or sets a value indicating whether the message of an exception thrown by a service method is sent to
    /// the client in <c>grpc-message</c>.
    /// </summary>
    /// <value>
    /// <see langword="true"/> to include the exception type and message; <see langword="false"/> or
    /// <see langword="null"/> to send only "Exception was thrown by handler.". Defaults to <see langword="null"/>.
    /// </value>
    public bool? EnableDetailedErrors { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether calls to unknown services and methods are passed to the next
    /// middleware instead of being answered with <c>UNIMPLEMENTED</c>.
    /// </summary>
    /// <value>Defaults to <see langword="null"/> (answer <c>UNIMPLEMENTED</c>).</value>
    public bool? IgnoreUnknownServices { get; set; }

    /// <summary>
    /// Gets the interceptors run for every call, outermost first.
    /// </summary>
    public InterceptorCollection Interceptors { get; } = new InterceptorCollection();

    internal bool MaxSendMessageSizeSpecified { get; set; }

    internal bool MaxReceiveMessageSizeSpecified { get; set; }
}
