using Propagation.Middleware.Internal;

namespace Propagation.Interceptors;

/// <summary>
/// The names the gRPC interceptors use: the activity source (which the HTTP client handler also
/// checks so that one gRPC call produces one client span), the attributes beyond the OpenTelemetry
/// RPC semantic conventions, and the events.
/// </summary>
public static class GrpcTracingConventions
{
    /// <summary>The default name of the <see cref="System.Diagnostics.ActivitySource"/> of the gRPC server and client spans.</summary>
    /// <remarks>
    /// The contract with the HTTP client handler (<c>AddTraceHeaders</c>): when the gRPC client's
    /// <c>HttpClient</c> also has that handler and <see cref="System.Diagnostics.Activity.Current"/> is a
    /// running activity of kind <see cref="System.Diagnostics.ActivityKind.Client"/> from the source with
    /// this name (the span <see cref="TracingClientInterceptor"/> makes current while a call starts), the
    /// handler starts no span of its own for the call's own request, the one whose path ends with <c>/</c> and the
    /// span's operation name <c>package.Service/Method</c> (the gRPC span is the client span of that HTTP/2
    /// request), and only applies its outbound destination policy to the headers the interceptor already wrote.
    /// Any other request sent while the span is current (a token fetch in <c>CallCredentials</c>, say) gets its own
    /// client span, a child of the call's. The span carries no extra marker, so recognising it costs nothing per call.
    /// </remarks>
    public const string ActivitySourceName = "Propagation.Grpc";

    /// <summary>Span attribute <c>rpc.system</c>; always <see cref="RpcSystemValue"/>.</summary>
    public const string RpcSystem = GrpcStatus.RpcSystem;

    /// <summary>The value of <see cref="RpcSystem"/>.</summary>
    public const string RpcSystemValue = GrpcStatus.RpcSystemValue;

    /// <summary>Span attribute <c>rpc.service</c>: the full service name, <c>package.Service</c>.</summary>
    public const string RpcService = "rpc.service";

    /// <summary>Span attribute <c>rpc.method</c>: the method name.</summary>
    public const string RpcMethod = "rpc.method";

    /// <summary>Span attribute <c>rpc.grpc.status_code</c>: the numeric final gRPC status (<c>grpc-status</c>).</summary>
    public const string RpcGrpcStatusCode = GrpcStatus.RpcGrpcStatusCode;

    /// <summary>Span attribute <c>server.address</c>.</summary>
    public const string ServerAddress = "server.address";

    /// <summary>Span attribute <c>server.port</c>.</summary>
    public const string ServerPort = "server.port";

    /// <summary>Span attribute <c>error.type</c>: the full type name of an exception that ended the call.</summary>
    public const string ErrorType = "error.type";

    /// <summary>
    /// Span attribute (integer) on streaming calls: messages this side sent (server: responses
    /// written; client: requests sent, a server-streaming call's one request included). Recorded once, when the call ends, instead of one
    /// <c>rpc.message</c> event per message so that long streams stay cheap.
    /// </summary>
    public const string MessagesSent = "rpc.grpc.messages_sent";

    /// <summary>
    /// Span attribute (integer) on streaming calls: messages this side received (server: requests
    /// read; client: responses read). Recorded once, when the call ends.
    /// </summary>
    public const string MessagesReceived = "rpc.grpc.messages_received";

    /// <summary>Span event: the call was cancelled (client cancellation, or the server saw the call's token cancelled).</summary>
    public const string CancelledEvent = GrpcStatus.CancelledEvent;

    /// <summary>Span event: the call's deadline passed before it completed.</summary>
    public const string DeadlineExceededEvent = GrpcStatus.DeadlineExceededEvent;

    /// <summary>Span event on client spans: the call object was disposed before the call completed.</summary>
    public const string DisposedEvent = "rpc.grpc.disposed";
}
