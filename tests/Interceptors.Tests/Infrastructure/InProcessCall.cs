using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Propagation.Interceptors.Tests.Infrastructure;

/// <summary>
/// In-process pieces for driving an interceptor without a transport: a server call context over given
/// metadata, a unary method, and unary client calls whose response is ready or still pending.
/// </summary>
internal static class InProcessCall
{
    public const string Service = "propagation.test.InProcess";

    public static readonly Method<string, string> UnaryMethod =
        new(MethodType.Unary, Service, "Unary", Marshallers.StringMarshaller, Marshallers.StringMarshaller);

    public static ClientInterceptorContext<string, string> ClientContext(string? host = null, Metadata? headers = null) =>
        new(UnaryMethod, host, new CallOptions(headers));

    /// <summary>A unary call whose response is <paramref name="response"/>; disposing it sets <see cref="CallState.Disposed"/>.</summary>
    public static AsyncUnaryCall<string> UnaryCall(Task<string> response, CallState? state = null) =>
        new(
            response,
            static _ => Task.FromResult(new Metadata()),
            static _ => Status.DefaultSuccess,
            static _ => [],
            static s => { if (s is CallState callState) { callState.Disposed = true; } },
            state ?? new CallState());

    /// <summary>
    /// Makes a unary call to <c>downstream:5000</c> through <paramref name="client"/> whose transport answers
    /// <c>next ok</c> at once and hands the metadata it was given to <paramref name="sent"/>.
    /// </summary>
    public static async Task<string> CallOutAsync(Interceptor client, Action<Metadata?> sent)
    {
        using var call = client.AsyncUnaryCall("next", ClientContext("downstream:5000"), (_, context) =>
        {
            sent(context.Options.Headers);
            return UnaryCall(Task.FromResult("next ok"));
        });
        return await call.ResponseAsync;
    }

    /// <summary>What an in-process call saw.</summary>
    public sealed class CallState
    {
        public bool Disposed { get; set; }
    }
}

/// <summary>A server call context for one in-process call (no HttpContext, so nothing is echoed).</summary>
internal sealed class InProcessServerCallContext : ServerCallContext
{
    private readonly Metadata _requestHeaders;
    private readonly string _host;
    private Metadata? _trailers;

    public InProcessServerCallContext(Metadata? requestHeaders = null, string host = "localhost:5000")
    {
        _requestHeaders = requestHeaders ?? [];
        _host = host;
    }

    protected override string MethodCore => "/" + InProcessCall.Service + "/Unary";

    protected override string HostCore => _host;

    protected override string PeerCore => "ipv4:127.0.0.1:5001";

    protected override DateTime DeadlineCore => DateTime.MaxValue;

    protected override Metadata RequestHeadersCore => _requestHeaders;

    protected override CancellationToken CancellationTokenCore => CancellationToken.None;

    protected override Metadata ResponseTrailersCore => _trailers ??= [];

    protected override Status StatusCore { get; set; }

    protected override WriteOptions? WriteOptionsCore { get; set; }

    protected override AuthContext AuthContextCore => throw new NotSupportedException();

    protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => Task.CompletedTask;

    protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) => throw new NotSupportedException();
}
