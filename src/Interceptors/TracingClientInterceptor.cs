using System.Diagnostics;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Propagation.Middleware.Internal;

namespace Propagation.Interceptors;

/// <summary>
/// The gRPC client interceptor: one client span per call, for all five call shapes, with the trace
/// context injected into the call's metadata. Use it as <c>channel.Intercept(interceptor)</c> or
/// <c>services.AddGrpcClient&lt;T&gt;(...).AddInterceptor&lt;TracingClientInterceptor&gt;()</c>.
/// </summary>
/// <remarks>
/// <para>
/// <b>Span.</b> Kind <see cref="ActivityKind.Client"/>, named <c>package.Service/Method</c>, child
/// of <see cref="Activity.Current"/> (a new root when there is none), with <c>rpc.system</c>,
/// <c>rpc.service</c>, <c>rpc.method</c>, <c>server.address</c>/<c>server.port</c> (when the call
/// names its host) and, when it ends, <c>rpc.grpc.status_code</c>; any status but OK is Error.
/// The span is <see cref="Activity.Current"/> while the call starts (so the channel's HTTP handlers
/// see it; see <see cref="GrpcTracingConventions.ActivitySourceName"/>), and the caller's current
/// activity is restored before the interceptor returns.
/// </para>
/// <para>
/// <b>End.</b> The span ends exactly once, when the call really ends: the response arrived, the
/// response stream was read to the end, an error status or exception surfaced (a streaming call's
/// failed response headers included), the call's cancellation token was cancelled, or the call
/// object was disposed: with the call's final status when it had already ended unseen (an error
/// status, a deadline), else as disposed before completion (event
/// <see cref="GrpcTracingConventions.DisposedEvent"/>, status CANCELLED, or DEADLINE_EXCEEDED once
/// the call's deadline has passed). An <see cref="OperationCanceledException"/>
/// (a channel with <c>ThrowOperationCanceledOnCancellation</c> throws it for a deadline too) is recorded as the call's
/// own final status, or DEADLINE_EXCEEDED when the call's deadline has passed and its token was not cancelled. Streaming calls record
/// <see cref="GrpcTracingConventions.MessagesSent"/> and <see cref="GrpcTracingConventions.MessagesReceived"/>.
/// </para>
/// <para>
/// <b>Metadata.</b> The context is written in the configured inject formats into a copy of the
/// caller's metadata (a new <see cref="Metadata"/> when the caller passed none), through a new
/// <see cref="CallOptions"/>: the caller's instance is never modified, so reusing it for several
/// calls never sends a stale context. As on the HTTP side, a trace header with ids the caller set (any
/// format) is kept by default and no other trace format is added beside it, so a call carries one
/// trace id; a caller-set header without ids (<c>tracestate</c>, a B3 sampling decision alone) is kept and ours are
/// added under the other names; caller-set baggage is kept likewise. With <c>OverwriteCallerHeaders</c> the caller's
/// trace and baggage entries are replaced by ours. An entry is never duplicated. With no span (no listener, not sampled) the current activity's context is still
/// propagated; with neither, the call passes through untouched.
/// </para>
/// </remarks>
public sealed class TracingClientInterceptor : Interceptor
{
    private readonly GrpcTracingSettings _settings;
    private readonly GrpcMethodNameCache _names = new();
    private readonly AuthorityCache _hosts = new(fromUriComponent: true);

    /// <summary>
    /// Creates the interceptor over the services registered by <c>AddTracing</c> (its inject formats,
    /// caller-header rule and outbound destination policy). <c>AddGrpcTracing()</c> registers it as a
    /// singleton, which <c>AddGrpcClient&lt;T&gt;(...).AddInterceptor&lt;TracingClientInterceptor&gt;()</c> resolves.
    /// </summary>
    /// <param name="services">The app's services.</param>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException"><c>AddTracing</c> was not called.</exception>
    public TracingClientInterceptor(IServiceProvider services)
        : this(GrpcTracingSettings.FromServices(services, nameof(TracingClientInterceptor)))
    {
    }

    internal TracingClientInterceptor(GrpcTracingSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _settings = settings;
    }

    /// <inheritdoc/>
    public override TResponse BlockingUnaryCall<TRequest, TResponse>(
        TRequest request, ClientInterceptorContext<TRequest, TResponse> context, BlockingUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        var previous = Activity.Current;
        var activity = Start(context.Method, context.Host);
        var traced = Inject(context, activity ?? previous);
        if (activity is null)
        {
            return continuation(request, traced);
        }

        try
        {
            var response = continuation(request, traced);
            EndBlocking(activity, StatusCode.OK, exception: null);
            return response;
        }
        catch (Exception ex)
        {
            EndBlocking(activity, RpcSpan.GetClientStatusCode(ex, traced.Options.Deadline, traced.Options.CancellationToken), ex);
            throw;
        }
        finally
        {
            Activity.Current = previous;
        }
    }

    /// <inheritdoc/>
    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(
        TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        var previous = Activity.Current;
        var activity = Start(context.Method, context.Host);
        var traced = Inject(context, activity ?? previous);
        if (activity is null)
        {
            return continuation(request, traced);
        }

        var call = StartCall(activity, previous, traced.Options, continuation, (Request: request, Context: traced), static (c, s) => c(s.Request, s.Context));
        if (call.ResponseAsync.IsCompletedSuccessfully)
        {
            // The response is already here: the span ends now, and the call needs no wrapper (its
            // headers, status, trailers and disposal are the inner call's own).
            EndCompleted(activity);
            return call;
        }

        var span = new ClientCallSpan(activity, call, CallAccessors<TRequest, TResponse>.UnaryStatus, streaming: false, traced.Options);
        var response = TrackResponse(call.ResponseAsync, span);
        span.EndOnCancellation();
        return new AsyncUnaryCall<TResponse>(
            response,
            CallAccessors<TRequest, TResponse>.UnaryHeaders,
            CallAccessors<TRequest, TResponse>.UnaryStatus,
            CallAccessors<TRequest, TResponse>.UnaryTrailers,
            CallAccessors.Dispose,
            span);
    }

    /// <inheritdoc/>
    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(
        TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        var previous = Activity.Current;
        var activity = Start(context.Method, context.Host);
        var traced = Inject(context, activity ?? previous);
        if (activity is null)
        {
            return continuation(request, traced);
        }

        var call = StartCall(activity, previous, traced.Options, continuation, (Request: request, Context: traced), static (c, s) => c(s.Request, s.Context));

        var span = new ClientCallSpan(activity, call, CallAccessors<TRequest, TResponse>.ServerStreamingStatus, streaming: true, traced.Options);

        // The call's one request went with the call (the server's span counts it received).
        span.CountSent();
        var reader = new TracingResponseReader<TResponse>(call.ResponseStream, span);
        span.EndOnCancellation();
        return new AsyncServerStreamingCall<TResponse>(
            reader,
            CallAccessors<TRequest, TResponse>.ServerStreamingHeaders,
            CallAccessors<TRequest, TResponse>.ServerStreamingStatus,
            CallAccessors<TRequest, TResponse>.ServerStreamingTrailers,
            CallAccessors.Dispose,
            span);
    }

    /// <inheritdoc/>
    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(
        ClientInterceptorContext<TRequest, TResponse> context, AsyncClientStreamingCallContinuation<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        var previous = Activity.Current;
        var activity = Start(context.Method, context.Host);
        var traced = Inject(context, activity ?? previous);
        if (activity is null)
        {
            return continuation(traced);
        }

        var call = StartCall(activity, previous, traced.Options, continuation, traced, static (c, s) => c(s));

        var span = new ClientCallSpan(activity, call, CallAccessors<TRequest, TResponse>.ClientStreamingStatus, streaming: true, traced.Options);
        var writer = new TracingRequestWriter<TRequest>(call.RequestStream, span, failureEndsSpan: false);
        var response = TrackResponse(call.ResponseAsync, span);
        span.EndOnCancellation();
        return new AsyncClientStreamingCall<TRequest, TResponse>(
            writer,
            response,
            CallAccessors<TRequest, TResponse>.ClientStreamingHeaders,
            CallAccessors<TRequest, TResponse>.ClientStreamingStatus,
            CallAccessors<TRequest, TResponse>.ClientStreamingTrailers,
            CallAccessors.Dispose,
            span);
    }

    /// <inheritdoc/>
    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(
        ClientInterceptorContext<TRequest, TResponse> context, AsyncDuplexStreamingCallContinuation<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        var previous = Activity.Current;
        var activity = Start(context.Method, context.Host);
        var traced = Inject(context, activity ?? previous);
        if (activity is null)
        {
            return continuation(traced);
        }

        var call = StartCall(activity, previous, traced.Options, continuation, traced, static (c, s) => c(s));

        var span = new ClientCallSpan(activity, call, CallAccessors<TRequest, TResponse>.DuplexStatus, streaming: true, traced.Options);
        var writer = new TracingRequestWriter<TRequest>(call.RequestStream, span, failureEndsSpan: true);
        var reader = new TracingResponseReader<TResponse>(call.ResponseStream, span);
        span.EndOnCancellation();
        return new AsyncDuplexStreamingCall<TRequest, TResponse>(
            writer,
            reader,
            CallAccessors<TRequest, TResponse>.DuplexHeaders,
            CallAccessors<TRequest, TResponse>.DuplexStatus,
            CallAccessors<TRequest, TResponse>.DuplexTrailers,
            CallAccessors.Dispose,
            span);
    }

    /// <summary>
    /// Starts a call while the client span is current: a continuation that throws ends the span with
    /// the failure, and the caller's current activity is restored either way. <paramref name="invoke"/>
    /// is a static lambda and <paramref name="state"/> a value, so nothing is allocated per call.
    /// </summary>
    private static TCall StartCall<TContinuation, TState, TCall>(
        Activity activity, Activity? previous, in CallOptions options, TContinuation continuation, TState state, Func<TContinuation, TState, TCall> invoke)
    {
        try
        {
            return invoke(continuation, state);
        }
        catch (Exception ex)
        {
            EndBlocking(activity, RpcSpan.GetClientStatusCode(ex, options.Deadline, options.CancellationToken), ex);
            throw;
        }
        finally
        {
            Activity.Current = previous;
        }
    }

    private static Task<T> TrackResponse<T>(Task<T> response, ClientCallSpan span)
    {
        if (response.IsCompletedSuccessfully)
        {
            span.CountReceived();
            span.End(StatusCode.OK, exception: null);
            return response;
        }

        return AwaitResponse(response, span);
    }

    private static async Task<T> AwaitResponse<T>(Task<T> response, ClientCallSpan span)
    {
        try
        {
            var result = await response.ConfigureAwait(false);
            span.CountReceived();
            span.End(StatusCode.OK, exception: null);
            return result;
        }
        catch (Exception ex)
        {
            span.Fail(ex);
            throw;
        }
    }

    /// <summary>
    /// A streaming call's response headers. When they fail the call has ended (its deadline, a cancellation, an error
    /// before any header): so does the span, before the caller sees the exception. Unary and client-streaming calls need
    /// no wrapper, their tracked response fails too. Nothing is allocated unless the headers are awaited while pending.
    /// </summary>
    private static Task<Metadata> TrackHeaders(Task<Metadata> headers, ClientCallSpan span) =>
        headers.IsCompletedSuccessfully || span.IsEnded ? headers : AwaitHeaders(headers, span);

    private static async Task<Metadata> AwaitHeaders(Task<Metadata> headers, ClientCallSpan span)
    {
        try
        {
            return await headers.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RpcException or OperationCanceledException)
        {
            span.Fail(ex);
            throw;
        }
    }

    /// <summary>Ends the span of a unary call whose response arrived before the interceptor returned (what <see cref="ClientCallSpan.End"/> records for OK).</summary>
    private static void EndCompleted(Activity activity)
    {
        if (activity.IsAllDataRequested)
        {
            RpcSpan.RecordStatus(activity, StatusCode.OK, server: false);
        }

        RpcSpan.Stop(activity);
    }

    private static void EndBlocking(Activity activity, StatusCode code, Exception? exception)
    {
        if (activity.IsAllDataRequested)
        {
            if (exception is not null)
            {
                RpcSpan.RecordException(activity, exception);
            }

            RpcSpan.RecordStatus(activity, code, server: false);
        }

        activity.Stop();
    }

    private Activity? Start(IMethod method, string? host)
    {
        if (!_settings.Source.HasListeners())
        {
            return null;
        }

        var names = _names.Get(method.FullName);
        var activity = _settings.Source.StartActivity(names.SpanName, ActivityKind.Client);
        if (activity is null)
        {
            return null;
        }

        if (activity.IsAllDataRequested)
        {
            RpcSpan.AddMethodTags(activity, names);
            _hosts.SetTags(activity, host, own: true);
        }

        return activity;
    }

    private ClientInterceptorContext<TRequest, TResponse> Inject<TRequest, TResponse>(in ClientInterceptorContext<TRequest, TResponse> context, Activity? source)
        where TRequest : class
        where TResponse : class
    {
        if (source is null)
        {
            return context;
        }

        var scope = _settings.OutboundScope?.Invoke(context.Host) ?? InjectionScope.Full;
        if (scope == InjectionScope.None)
        {
            return context;
        }

        var options = context.Options;
        var callerHeaders = options.Headers;
        var headers = new Metadata();
        var callerTrace = false;
        var callerBaggage = false;
        var callerContextOnly = 0;
        if (callerHeaders is not null && callerHeaders.Count > 0)
        {
            // The HTTP side's rule (TraceHeadersHandler): a caller-set trace header that carries ids, in any format, is
            // kept and no trace header is added beside it (one request, one trace id). One without ids (tracestate, a B3
            // sampling decision alone) is kept and ours are added, except under that name. Caller-set baggage is kept
            // and ours not added. With OverwriteCallerHeaders the caller's trace and baggage entries are left out and
            // ours are sent instead.
            var overwrite = _settings.OverwriteCallerHeaders;
            for (var i = 0; i < callerHeaders.Count; i++)
            {
                var entry = callerHeaders[i];
                var index = entry.IsBinary ? -1 : MetadataKeys.IndexOf(entry.Key);
                var trace = MetadataKeys.IsTraceHeader(index);
                var baggage = MetadataKeys.IsBaggage(index);
                if (overwrite && (trace || baggage))
                {
                    continue;
                }

                var contextOnly = trace ? ContextOnlyHeaders.Bit(entry.Key, entry.Value) : 0;
                callerContextOnly |= contextOnly;
                callerTrace |= trace && contextOnly == 0;

                callerBaggage |= baggage;
                headers.Add(entry);
            }
        }

        _settings.Propagator.Inject(source, new OutboundMetadata(headers, callerTrace, callerBaggage, callerContextOnly), OutboundMetadata.Setter, scope);
        return new ClientInterceptorContext<TRequest, TResponse>(context.Method, context.Host, options.WithHeaders(headers));
    }

    /// <summary>
    /// The call's new metadata. When the caller set a trace header that carries ids, no trace header is written; when
    /// the caller set one without ids, ours are written except under its name; when the caller set baggage, no
    /// baggage is written (the caller's entries stay as they are).
    /// </summary>
    private readonly struct OutboundMetadata
    {
        public static readonly HeaderSetter<OutboundMetadata> Setter = static (carrier, name, value) =>
        {
            if ((carrier.CallerTrace || carrier.CallerBaggage || carrier.CallerContextOnly != 0)
                && (MetadataKeys.KeyEquals(name, BaggageFormat.HeaderName)
                    ? carrier.CallerBaggage
                    : carrier.CallerTrace || ContextOnlyHeaders.Contains(carrier.CallerContextOnly, name)))
            {
                return;
            }

            MetadataCarriers.Set(carrier.Headers, name, value);
        };

        public OutboundMetadata(Metadata headers, bool callerTrace, bool callerBaggage, int callerContextOnly)
        {
            Headers = headers;
            CallerTrace = callerTrace;
            CallerBaggage = callerBaggage;
            CallerContextOnly = callerContextOnly;
        }

        public Metadata Headers { get; }

        /// <summary>Gets a value indicating whether the caller set a trace header that carries ids (kept; no trace header is added).</summary>
        public bool CallerTrace { get; }

        /// <summary>Gets the caller-set trace headers without ids, as <see cref="ContextOnlyHeaders"/> bits (kept; ours added under other names).</summary>
        public int CallerContextOnly { get; }

        /// <summary>Gets a value indicating whether the caller set baggage (kept; ours is not added).</summary>
        public bool CallerBaggage { get; }
    }

    /// <summary>Static accessors passed to the <c>Async*Call</c> constructors with the span as state (no closure per call).</summary>
    private static class CallAccessors
    {
        public static readonly Action<object> Dispose = static state => ((ClientCallSpan)state).Dispose();
    }

    private static class CallAccessors<TRequest, TResponse>
        where TRequest : class
        where TResponse : class
    {
        public static readonly Func<object, Task<Metadata>> UnaryHeaders = static s => Unary(s).ResponseHeadersAsync;
        public static readonly Func<object, Status> UnaryStatus = static s => Unary(s).GetStatus();
        public static readonly Func<object, Metadata> UnaryTrailers = static s => Unary(s).GetTrailers();

        public static readonly Func<object, Task<Metadata>> ServerStreamingHeaders = static s => TrackHeaders(ServerStreaming(s).ResponseHeadersAsync, (ClientCallSpan)s);
        public static readonly Func<object, Status> ServerStreamingStatus = static s => ServerStreaming(s).GetStatus();
        public static readonly Func<object, Metadata> ServerStreamingTrailers = static s => ServerStreaming(s).GetTrailers();

        public static readonly Func<object, Task<Metadata>> ClientStreamingHeaders = static s => ClientStreaming(s).ResponseHeadersAsync;
        public static readonly Func<object, Status> ClientStreamingStatus = static s => ClientStreaming(s).GetStatus();
        public static readonly Func<object, Metadata> ClientStreamingTrailers = static s => ClientStreaming(s).GetTrailers();

        public static readonly Func<object, Task<Metadata>> DuplexHeaders = static s => TrackHeaders(Duplex(s).ResponseHeadersAsync, (ClientCallSpan)s);
        public static readonly Func<object, Status> DuplexStatus = static s => Duplex(s).GetStatus();
        public static readonly Func<object, Metadata> DuplexTrailers = static s => Duplex(s).GetTrailers();

        // The state is the span (for the wrapper's accessors) or the inner call itself (for ClientCallSpan's status lookup).
        private static AsyncUnaryCall<TResponse> Unary(object state) =>
            (AsyncUnaryCall<TResponse>)(state is ClientCallSpan span ? span.Call : state);

        private static AsyncServerStreamingCall<TResponse> ServerStreaming(object state) =>
            (AsyncServerStreamingCall<TResponse>)(state is ClientCallSpan span ? span.Call : state);

        private static AsyncClientStreamingCall<TRequest, TResponse> ClientStreaming(object state) =>
            (AsyncClientStreamingCall<TRequest, TResponse>)(state is ClientCallSpan span ? span.Call : state);

        private static AsyncDuplexStreamingCall<TRequest, TResponse> Duplex(object state) =>
            (AsyncDuplexStreamingCall<TRequest, TResponse>)(state is ClientCallSpan span ? span.Call : state);
    }
}
