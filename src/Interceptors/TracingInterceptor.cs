using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.ExceptionServices;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Propagation.Middleware.Internal;

namespace Propagation.Interceptors;

/// <summary>
/// The gRPC server interceptor: one server span per call, for all four call shapes. Register it with
/// <c>services.AddGrpc(o =&gt; o.Interceptors.Add&lt;TracingInterceptor&gt;())</c>.
/// </summary>
/// <remarks>
/// <para>
/// <b>One span per call.</b> When ASP.NET Core hosting or <c>UseTracing</c> already made the span
/// of the call's HTTP/2 request (<see cref="IHttpActivityFeature"/>, or a server-kind
/// <see cref="Activity.Current"/>), that span is enriched: RPC attributes, display name
/// <c>package.Service/Method</c>, final status. Otherwise the interceptor starts the server span
/// itself (kind <see cref="ActivityKind.Server"/>), its parent read from the call metadata in every
/// configured format under the trust policy of the request, and marks it owned.
/// </para>
/// <para>
/// <b>Deny-only decisions.</b> A caller's B3 deny (<c>b3: 0</c> or <c>X-B3-Sampled: 0</c>, no ids) leaves the
/// call's span unrecorded, as on the HTTP side: the span the interceptor starts, and hosting's span when
/// <c>UseTracing</c> did not already apply the deny. Such a span is not enriched; it still carries its ids (echoed),
/// the baggage and the unsampled flag to the handler's calls.
/// </para>
/// <para>
/// <b>Attributes</b> (OpenTelemetry RPC conventions): <c>rpc.system</c>, <c>rpc.service</c>,
/// <c>rpc.method</c>, <c>rpc.grpc.status_code</c>, <c>server.address</c>, <c>server.port</c>; on
/// streaming calls <see cref="GrpcTracingConventions.MessagesSent"/> and
/// <see cref="GrpcTracingConventions.MessagesReceived"/>. The status is Error for UNKNOWN,
/// DEADLINE_EXCEEDED, UNIMPLEMENTED, INTERNAL, UNAVAILABLE and DATA_LOSS. An exception from the
/// handler is recorded as an <c>exception</c> event and rethrown untouched; its status is the one the
/// runtime sends (the <see cref="RpcException"/>'s code, else UNKNOWN unless the call's token was
/// cancelled, so a handler's own <see cref="OperationCanceledException"/> is UNKNOWN). Cancellation
/// and deadlines are recorded as events.
/// </para>
/// <para>
/// <b>Response headers.</b> The span's trace and span ids are added to the response headers
/// (<c>x-trace-id</c>, <c>x-span-id</c> by default) before the handler runs, so they leave with
/// the first response message, with <see cref="ServerCallContext.WriteResponseHeadersAsync"/> or
/// with a trailers-only response. They are formatted from the span's ids, never copied from the
/// request. Outside ASP.NET Core (no <c>HttpContext</c>) nothing is echoed.
/// </para>
/// </remarks>
public sealed class TracingInterceptor : Interceptor
{
    private static readonly TimeSpan DeadlineTolerance = TimeSpan.FromMilliseconds(250);

    // gRPC response headers are metadata: lowercase names (HTTP/2 sends them lowercase anyway; this keeps
    // in-process transports such as TestServer equivalent). Replaces any value already set.
    private static readonly HeaderSetter<IHeaderDictionary> LowercaseHeaderSetter =
        static (headers, name, value) => headers[MetadataKeys.ToLowercase(name)] = value;
    private readonly GrpcTracingSettings _settings;
    private readonly GrpcMethodNameCache _names = new();
    private readonly AuthorityCache _hostHeaders = new(fromUriComponent: false);
    private readonly AuthorityCache _callHosts = new(fromUriComponent: true);
    private Type? _contextTypeWithoutHttpContext;

    /// <summary>Gets the number of method paths whose names this interceptor keeps.</summary>
    internal int CachedMethodCount => _names.Count;

    /// <summary>
    /// Creates the interceptor over the services registered by <c>AddTracing</c> (its formats, trust
    /// policy, response echo and ownership marking). gRPC activates it this way when it is registered
    /// with <c>o.Interceptors.Add&lt;TracingInterceptor&gt;()</c>; <c>AddGrpcTracing()</c> registers it
    /// as a singleton.
    /// </summary>
    /// <param name="services">The app's services.</param>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException"><c>AddTracing</c> was not called.</exception>
    public TracingInterceptor(IServiceProvider services)
        : this(GrpcTracingSettings.FromServices(services, nameof(TracingInterceptor)))
    {
    }

    internal TracingInterceptor(GrpcTracingSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _settings = settings;
    }

    /// <inheritdoc/>
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(continuation);
        var http = TryGetHttpContext(context);
        var current = Activity.Current;
        var existing = FindServerSpan(current, http);
        if (RunsAsIs(context, http, existing))
        {
            return continuation(request, context);
        }

        return UnaryCore(request, context, continuation, http, existing, current);
    }

    /// <inheritdoc/>
    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(continuation);
        var http = TryGetHttpContext(context);
        var current = Activity.Current;
        var existing = FindServerSpan(current, http);
        if (RunsAsIs(context, http, existing))
        {
            return continuation(requestStream, context);
        }

        return ClientStreamingCore(requestStream, context, continuation, http, existing, current);
    }

    /// <inheritdoc/>
    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(continuation);
        var http = TryGetHttpContext(context);
        var current = Activity.Current;
        var existing = FindServerSpan(current, http);
        if (RunsAsIs(context, http, existing))
        {
            return continuation(request, responseStream, context);
        }

        return ServerStreamingCore(request, responseStream, context, continuation, http, existing, current);
    }

    /// <inheritdoc/>
    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(continuation);
        var http = TryGetHttpContext(context);
        var current = Activity.Current;
        var existing = FindServerSpan(current, http);
        if (RunsAsIs(context, http, existing))
        {
            return continuation(requestStream, responseStream, context);
        }

        return DuplexStreamingCore(requestStream, responseStream, context, continuation, http, existing, current);
    }

    // Unary: when the handler completes synchronously the span ends at once and the handler's own task is
    // returned (no state machine, no task); otherwise AwaitUnary (async, so the Activity.Current it sees
    // stays inside the call's execution context) ends it. Either way the caller's current activity is
    // restored before returning, and a handler that throws synchronously yields a faulted task as before.
    // The streaming *Core methods are async throughout, so their Activity.Current never leaks either. They call the
    // continuation inside their try blocks (traced or not), so one that throws synchronously still ends or stops the span.
    private Task<TResponse> UnaryCore<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation, HttpContext? http, Activity? existing, Activity? current)
        where TRequest : class
        where TResponse : class
    {
        var span = Begin(context, http, existing, current);
        Task<TResponse> response;
        try
        {
            response = continuation(request, context);
        }
        catch (Exception ex)
        {
            if (span.Activity is not null)
            {
                End(span, context, ex, sent: -1, received: -1);
            }

            return Rethrown<TResponse>(ex);
        }

        if (span.Activity is null)
        {
            return response;
        }

        if (response.IsCompletedSuccessfully)
        {
            End(span, context, exception: null, sent: -1, received: -1);
            return response;
        }

        var pending = AwaitUnary(span, context, response);
        RestoreCurrent(span);
        return pending;
    }

#pragma warning disable CS1998 // Async without await on purpose: the method builder turns the rethrow into the task an async handler throwing it would return (faulted, or canceled for OperationCanceledException), with the same exception object.
    private static async Task<TResponse> Rethrown<TResponse>(Exception exception)
    {
        ExceptionDispatchInfo.Throw(exception);
        return default!;
    }
#pragma warning restore CS1998

    private static async Task<TResponse> AwaitUnary<TResponse>(ServerSpan span, ServerCallContext context, Task<TResponse> response)
    {
        try
        {
            var result = await response.ConfigureAwait(false);
            End(span, context, exception: null, sent: -1, received: -1);
            return result;
        }
        catch (Exception ex)
        {
            End(span, context, ex, sent: -1, received: -1);
            throw;
        }
    }

    private async Task<TResponse> ClientStreamingCore<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation, HttpContext? http, Activity? existing, Activity? current)
        where TRequest : class
        where TResponse : class
    {
        var span = Begin(context, http, existing, current);
        if (span.Activity is null || !span.Activity.IsAllDataRequested)
        {
            try
            {
                return await continuation(requestStream, context).ConfigureAwait(false);
            }
            finally
            {
                StopOwned(span);
            }
        }

        var reader = new CountingStreamReader<TRequest>(requestStream);
        try
        {
            var response = await continuation(reader, context).ConfigureAwait(false);
            End(span, context, exception: null, sent: 1, received: reader.Count);
            return response;
        }
        catch (Exception ex)
        {
            End(span, context, ex, sent: 0, received: reader.Count);
            throw;
        }
    }

    private async Task ServerStreamingCore<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation, HttpContext? http, Activity? existing, Activity? current)
        where TRequest : class
        where TResponse : class
    {
        var span = Begin(context, http, existing, current);
        if (span.Activity is null || !span.Activity.IsAllDataRequested)
        {
            try
            {
                await continuation(request, responseStream, context).ConfigureAwait(false);
            }
            finally
            {
                StopOwned(span);
            }

            return;
        }

        var writer = new CountingServerStreamWriter<TResponse>(responseStream);
        try
        {
            await continuation(request, writer, context).ConfigureAwait(false);
            End(span, context, exception: null, sent: writer.Count, received: 1);
        }
        catch (Exception ex)
        {
            End(span, context, ex, sent: writer.Count, received: 1);
            throw;
        }
    }

    private async Task DuplexStreamingCore<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation, HttpContext? http, Activity? existing, Activity? current)
        where TRequest : class
        where TResponse : class
    {
        var span = Begin(context, http, existing, current);
        if (span.Activity is null || !span.Activity.IsAllDataRequested)
        {
            try
            {
                await continuation(requestStream, responseStream, context).ConfigureAwait(false);
            }
            finally
            {
                StopOwned(span);
            }

            return;
        }

        var reader = new CountingStreamReader<TRequest>(requestStream);
        var writer = new CountingServerStreamWriter<TResponse>(responseStream);
        try
        {
            await continuation(reader, writer, context).ConfigureAwait(false);
            End(span, context, exception: null, sent: writer.Count, received: reader.Count);
        }
        catch (Exception ex)
        {
            End(span, context, ex, sent: writer.Count, received: reader.Count);
            throw;
        }
    }

    /// <summary>
    /// Whether the call runs as it is, without a span of this interceptor or a wrapper: when there is no server span
    /// and nothing listens to ours, or when the server span hosting or <c>UseTracing</c> made records nothing (sampled
    /// out, or hosting's span of a caller's deny-only decision, now unrecorded). Such a span has no attributes, counts or
    /// status to take and is not ours to stop. A server span that exists gets its ids echoed here, and hosting's span the
    /// inbound context's effects <c>UseTracing</c> did not apply (<see cref="ApplyHostingExtraction"/>). A span this
    /// interceptor already took for the call runs as is too: registered twice (in <c>AddGrpc</c>'s list and a service's
    /// own), the first registration echoes, records and ends the call, so the span gets one status and one exception event.
    /// </summary>
    private bool RunsAsIs(ServerCallContext context, HttpContext? http, Activity? existing)
    {
        if (existing is null)
        {
            // A registration ahead of this one got no span for the call from the listeners' sampler (nothing marks the
            // call as taken then) but counted its issues: this one runs the call as it is too.
            return !_settings.Source.HasListeners() || (http is not null && http.Features[typeof(UnsampledCall)] is not null);
        }

        // Begin names the span it starts or enriches with this cache's own string: the same instance means this interceptor
        // is already running for the call (a span named so by anyone else holds another string).
        var names = _names.Get(MethodOf(context, http));
        if (ReferenceEquals(existing.DisplayName, names.SpanName))
        {
            return true;
        }

        var restarted = ApplyHostingExtraction(context, http, existing);
        Echo(http, existing, names, restarted);
        return !existing.IsAllDataRequested;
    }

    /// <summary>
    /// For hosting's span of a request <c>UseTracing</c> did not handle, what it would have done with the inbound
    /// context: hosting's propagator (ours, with <c>AddTracing</c>) only parented the span. The request's issues are
    /// recorded; a caller's deny-only decision (<c>b3: 0</c>, no ids), which hosting's sampler could not see, leaves the
    /// span unrecorded (it records nothing and sends the unsampled flag on); a recorded span gets the links (format
    /// conflicts, a restarted trace), <c>propagation.parent.synthetic</c> and <c>propagation.trust_policy</c>. The
    /// extraction is the one hosting's propagator made (<see cref="TracingService.TryGetHostingExtraction"/>); without
    /// <c>AddTracing</c> hosting's propagator is not ours and applied no trust policy, so only a deny in the call's
    /// metadata is read and applied.
    /// </summary>
    /// <returns>Whether the caller's trace was restarted (the echo then includes <c>traceresponse</c>).</returns>
    private bool ApplyHostingExtraction(ServerCallContext context, HttpContext? http, Activity existing)
    {
        if (http is null || !string.Equals(existing.Source.Name, TracingService.HostingSourceName, StringComparison.Ordinal))
        {
            return false;
        }

        if (_settings.Service is not { } service)
        {
            if (existing.IsAllDataRequested
                && _settings.Propagator.Extract(new InboundMetadata(context.RequestHeaders), InboundMetadata.Getter, _settings.DecideTrust(http)).SamplingDenied)
            {
                Deny(context, http, existing);
            }

            return false;
        }

        if (!service.TryGetHostingExtraction(http, out var extracted))
        {
            return false;
        }

        service.RecordIssues(extracted);
        if (extracted.SamplingDenied)
        {
            Deny(context, http, existing);
        }
        else if (existing.IsAllDataRequested)
        {
            var links = extracted.Links;
            for (var i = 0; i < links.Count; i++)
            {
                existing.AddLink(links[i].ToActivityLink());
            }

            TracingService.AddInboundTags(existing, extracted);
        }

        return extracted.Policy == TrustPolicy.RestartAndLink && extracted.Inbound.IsValid;
    }

    private void Deny(ServerCallContext context, HttpContext http, Activity existing)
    {
        if (_settings.Logger.IsEnabled(LogLevel.Debug))
        {
            Log.SamplingDenied(_settings.Logger, _names.Get(MethodOf(context, http)).FullName);
        }

        TracingService.Unrecord(existing);
    }

    /// <summary>
    /// The call's method path as the service registered it. grpc-dotnet's <see cref="ServerCallContext.Method"/> is the
    /// request's path, which routing matches in any casing: the matched route's own text names the method instead, so a
    /// method has one span name, one <c>rpc.method</c> and one cache entry however a caller spells its path (any other
    /// route, or none, leaves the method as the runtime gave it).
    /// </summary>
    private static string MethodOf(ServerCallContext context, HttpContext? http)
    {
        var method = context.Method;
        return http?.GetEndpoint() is RouteEndpoint { RoutePattern.RawText: { } route }
            && string.Equals(route, method, StringComparison.OrdinalIgnoreCase)
            ? route
            : method;
    }

    private ServerSpan Begin(ServerCallContext context, HttpContext? http, Activity? existing, Activity? previous)
    {
        var names = _names.Get(MethodOf(context, http));
        if (existing is not null)
        {
            if (_settings.Logger.IsEnabled(LogLevel.Debug))
            {
                Log.EnrichingServerSpan(_settings.Logger, names.FullName, existing.SpanId.ToHexString());
            }

            if (existing.IsAllDataRequested)
            {
                existing.DisplayName = names.SpanName;
                RpcSpan.SetMethodTags(existing, names);
                SetServerAddress(existing, context, http, own: false);
            }

            // The span this app's host made for the call (hosting's, without UseTracing) is this app's: unmarked, every
            // app's pipeline in the process would take it for unowned.
            _settings.MarkOwned?.Invoke(existing);
            return new ServerSpan(existing, owned: false, previous: null);
        }

        var policy = _settings.DecideTrust(http);
        var extracted = _settings.Propagator.Extract(new InboundMetadata(context.RequestHeaders), InboundMetadata.Getter, policy);
        if (_settings.Service is { } service)
        {
            // UseTracing counted (and logged) the request's issues already when its span records nothing (nothing listens
            // to hosting's source or to Propagation.AspNetCore) and the call gets a span of its own: one count per request.
            if (http is null || !TracingMiddleware.HasTraced(http))
            {
                service.RecordIssues(extracted);
            }
        }
        else if (extracted.Issues != PropagationIssues.None)
        {
            Log.InboundIssues(_settings.Logger, names.FullName, extracted.Issues);
        }

        ActivityContext parent = default;
        if (extracted.HasParent)
        {
            parent = extracted.ToActivityContext();
        }
        else if (previous is not null)
        {
            // A new root: the parent must not default to whatever is current.
            Activity.Current = null;
        }

        var activity = _settings.Source.StartActivity(names.SpanName, ActivityKind.Server, parent, tags: null, links: extracted.ToActivityLinks());
        if (activity is null)
        {
            Activity.Current = previous;
            if (http is not null)
            {
                // The call's issues are counted and its trust decided: a second registration of this interceptor must
                // not do it again (RunsAsIs).
                http.Features[typeof(UnsampledCall)] = UnsampledCall.Instance;
            }

            return default;
        }

        if (extracted.SamplingDenied)
        {
            // A deny-only decision (b3: 0) has no ids to continue. The span still carries new ids, the baggage and the
            // deny (its unsampled flag) to the handler's own calls, as the HTTP side does; it records nothing.
            Log.SamplingDenied(_settings.Logger, names.FullName);
            TracingService.Unrecord(activity);
        }

        if (activity.IsAllDataRequested)
        {
            RpcSpan.AddMethodTags(activity, names);
            SetServerAddress(activity, context, http, own: true);
            TracingService.AddInboundTags(activity, extracted);
        }

        var baggage = extracted.Baggage;
        for (var i = baggage.Count - 1; i >= 0; i--)
        {
            // AddBaggage prepends: add in reverse to keep the caller's order (as the HTTP side does).
            var member = baggage[i];
            activity.AddBaggage(member.Key, member.Value);
        }

        _settings.MarkOwned?.Invoke(activity);
        Echo(http, activity, names, restarted: extracted.Policy == TrustPolicy.RestartAndLink && extracted.Inbound.IsValid);
        return new ServerSpan(activity, owned: true, previous);
    }

    private static void End(ServerSpan span, ServerCallContext context, Exception? exception, int sent, int received)
    {
        var activity = span.Activity!;
        if (activity.IsAllDataRequested)
        {
            StatusCode code;
            if (exception is not null)
            {
                code = GetStatusCode(exception, context);
                RpcSpan.RecordException(activity, exception);
            }
            else if (context.CancellationToken.IsCancellationRequested)
            {
                code = DeadlinePassed(context) ? StatusCode.DeadlineExceeded : StatusCode.Cancelled;
            }
            else
            {
                code = context.Status.StatusCode;
            }

            RpcSpan.RecordStatus(activity, code, server: true, own: span.Owned);
            if (sent >= 0)
            {
                activity.SetTag(GrpcTracingConventions.MessagesSent, sent);
                activity.SetTag(GrpcTracingConventions.MessagesReceived, received);
            }
        }

        StopOwned(span);
    }

    /// <summary>
    /// The status the runtime answers a handler's exception with (grpc-dotnet's and compat's
    /// <c>ProcessHandlerErrorAsync</c>): an <see cref="RpcException"/>'s own code; any other exception,
    /// <see cref="OperationCanceledException"/> included, is UNKNOWN unless the call itself was cancelled (the
    /// client went away: CANCELLED; the deadline passed: DEADLINE_EXCEEDED). A handler giving up on its own
    /// timeout while the call still runs is therefore UNKNOWN, as the client sees it.
    /// </summary>
    private static StatusCode GetStatusCode(Exception exception, ServerCallContext context)
    {
        if (exception is RpcException rpc)
        {
            return rpc.StatusCode;
        }

        if (!context.CancellationToken.IsCancellationRequested)
        {
            return StatusCode.Unknown;
        }

        return DeadlinePassed(context) ? StatusCode.DeadlineExceeded : StatusCode.Cancelled;
    }

    private static void StopOwned(ServerSpan span)
    {
        if (span.Owned)
        {
            span.Activity!.Stop();
            Activity.Current = span.Previous;
        }
    }

    /// <summary>Makes the caller's activity current again while a span this interceptor started keeps running.</summary>
    private static void RestoreCurrent(ServerSpan span)
    {
        if (span.Owned)
        {
            Activity.Current = span.Previous;
        }
    }

    /// <summary>
    /// Whether the call's deadline has passed. A cancellation up to <see cref="DeadlineTolerance"/> before the
    /// server's deadline counts too: the client's own deadline timer fires at the same moment and its
    /// reset can reach the server first.
    /// </summary>
    private static bool DeadlinePassed(ServerCallContext context)
    {
        var deadline = context.Deadline;
        return deadline != DateTime.MaxValue && DateTime.UtcNow + DeadlineTolerance >= deadline;
    }

    /// <summary>
    /// The request's server span made by hosting or UseTracing: a running server-kind activity from a
    /// named source. Hosting's logging-only placeholder (no source, kind Internal) does not count.
    /// </summary>
    private static Activity? FindServerSpan(Activity? current, HttpContext? http)
    {
        if (IsServerSpan(current))
        {
            return current;
        }

        var activity = http is null ? null : TracingService.GetHostingActivity(http);
        return IsServerSpan(activity) ? activity : null;
    }

    private static bool IsServerSpan([NotNullWhen(true)] Activity? activity) =>
        activity is { Kind: ActivityKind.Server, IsStopped: false } && activity.Source.Name.Length != 0;

    private HttpContext? TryGetHttpContext(ServerCallContext context)
    {
        // GetHttpContext throws for a context not hosted by ASP.NET Core (a test double, another
        // host); that is decided by the context's type, so it is tried once per type.
        var type = context.GetType();
        if (ReferenceEquals(type, Volatile.Read(ref _contextTypeWithoutHttpContext)))
        {
            return null;
        }

        try
        {
            return context.GetHttpContext();
        }
        catch (InvalidOperationException)
        {
            Volatile.Write(ref _contextTypeWithoutHttpContext, type);
            return null;
        }
    }

    private void SetServerAddress(Activity activity, ServerCallContext context, HttpContext? http, bool own)
    {
        if (http is not null)
        {
            _hostHeaders.SetHostHeaderTags(activity, http, own);
            return;
        }

        _callHosts.SetTags(activity, context.Host, own);
    }

    private void Echo(HttpContext? http, Activity activity, GrpcMethodNames names, bool restarted)
    {
        var traceHeader = _settings.TraceIdResponseHeader;
        var spanHeader = _settings.SpanIdResponseHeader;
        if (http is null || (traceHeader is null && spanHeader is null) || activity.IdFormat != ActivityIdFormat.W3C)
        {
            return;
        }

        var response = http.Response;
        if (response.HasStarted)
        {
            Log.EchoSkipped(_settings.Logger, names.FullName);
            return;
        }

        var headers = response.Headers;
        if (_settings.Service is { } service)
        {
            // The HTTP side's echo: its id format (hex or UUID), header names and traceresponse rule.
            service.WriteEcho(activity, restarted, headers, LowercaseHeaderSetter);
            return;
        }

        if (traceHeader is not null)
        {
            headers[traceHeader] = activity.TraceId.ToHexString();
        }

        if (spanHeader is not null)
        {
            headers[spanHeader] = activity.SpanId.ToHexString();
        }
    }

    private readonly struct ServerSpan
    {
        public ServerSpan(Activity activity, bool owned, Activity? previous)
        {
            Activity = activity;
            Owned = owned;
            Previous = previous;
        }

        public Activity? Activity { get; }

        public bool Owned { get; }

        public Activity? Previous { get; }
    }

    /// <summary>Marks a call whose span the listeners' sampler did not create (one shared instance, nothing allocated).</summary>
    private sealed class UnsampledCall
    {
        public static readonly UnsampledCall Instance = new();
    }
}
