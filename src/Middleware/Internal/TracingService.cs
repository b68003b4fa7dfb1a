using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Propagation.Collector;
using Propagation.Internal;

namespace Propagation.Middleware.Internal;

/// <summary>
/// The per-app tracing core shared by the HTTP middleware, the HttpClient handler and the gRPC
/// interceptors: the validated options, the composite propagator, the trust decision, server-span
/// start-or-enrich, response echo, ownership marking and health recording.
/// </summary>
/// <remarks>
/// One instance per service provider (a singleton registered by <c>AddTracing</c>); nothing is
/// static except the two <see cref="ActivitySource"/>s, so several hosts with different options
/// can share a process.
/// </remarks>
internal sealed class TracingService
{
    /// <summary>The source of server spans started when hosting did not create one.</summary>
    public const string ServerSourceName = "Propagation.AspNetCore";

    /// <summary>The source of client spans (one per attempt).</summary>
    public const string ClientSourceName = "Propagation.Http";

    /// <summary>The operation name of server spans started by the middleware.</summary>
    public const string ServerActivityName = "Propagation.AspNetCore.HttpRequestIn";

    /// <summary>The operation name of client spans.</summary>
    public const string ClientActivityName = "Propagation.Http.HttpRequestOut";

    /// <summary>ASP.NET Core hosting's activity source.</summary>
    public const string HostingSourceName = "Microsoft.AspNetCore";

    /// <summary>Span attribute set on requests slower than the threshold.</summary>
    public const string SlowAttribute = "propagation.slow";

    /// <summary>Span attribute with the trust policy applied to the request, when it is not <see cref="TrustPolicy.Continue"/>.</summary>
    public const string TrustPolicyAttribute = "propagation.trust_policy";

    internal static readonly ActivitySource ServerSource = new(ServerSourceName, typeof(TracingService).Assembly.GetName().Version?.ToString());

    internal static readonly ActivitySource ClientSource = new(ClientSourceName, typeof(TracingService).Assembly.GetName().Version?.ToString());

    private static readonly object TrueBox = true;

    // Boxed status codes, filled on first use: SetTag takes an object, and a box per request is 24 bytes for nothing.
    private static readonly object?[] StatusBoxes = new object?[600];

    private readonly FrozenSet<string> _credentials;
    private readonly string[] _captured;
    private readonly string[] _capturedTagNames;
    private readonly LegacyFormat _echoFormat;
    private readonly bool _echoHex;

    // The last Host header seen, split into server.address and a boxed server.port: a service sees few hosts, so
    // requests reuse these instead of allocating a substring and a box each. One immutable object: swapped whole.
    private HostTags? _lastHost;

    // Hosting's per-app ActivitySource, once claimed for Owner (TracingOwnership.MarkSource).
    private ActivitySource? _claimedSource;

    // 1 once the warning that hosting's propagator could not see a request has been logged.
    private int _requestNotSeenWarned;

    // Names of the clients whose primary handler could not be adjusted and was reported (event 1005): the factory builds
    // a client's handler again at each HandlerLifetime, for the same cause. Names are the app's; at most
    // MaxReportedClients are kept, and names past that are not reported.
    private readonly ConcurrentDictionary<string, byte> _unadjustedHandlerClients = new(StringComparer.Ordinal);

    public TracingService(
        IOptions<TracingOptions> options,
        ILoggerFactory loggerFactory,
        PropagationHealth health,
        TracingOwner? owner = null,
        IHttpContextAccessor? contextAccessor = null)
    {
        Options = options.Value;
        Logger = loggerFactory.CreateLogger("Propagation.Middleware.Tracing");
        SpanLogger = loggerFactory.CreateLogger("Propagation.Middleware.Spans");
        Health = health;
        Owner = owner;
        ServiceName = Options.ServiceName ?? "unknown_service";
        Propagator = new TracePropagator(Options.Propagation);
        Trust = new TrustRules(Options, Logger, health);
        Destinations = new DestinationPolicy(Options.OutboundDestinations, Options.DefaultOutboundScope);
        Query = new QueryRedactor(Options.RedactQueryValues, Options.RedactedQueryParameters);
        Methods = HttpMethodNames.Create(Options.KnownHttpMethods);
        _credentials = HeaderRules.CreateCredentialSet(Options.RedactedHeaders);
        _captured = [.. Options.CapturedRequestHeaders];
        _capturedTagNames = new string[_captured.Length];
        for (var i = 0; i < _captured.Length; i++)
        {
            _capturedTagNames[i] = "http.request.header." + _captured[i].ToLowerInvariant();
        }

        _echoFormat = new LegacyFormat(Options.Propagation.LegacyIdFormat, sampled: true);
        _echoHex = Options.Propagation.LegacyIdFormat == LegacyIdFormat.Hex;
        SlowThreshold = Options.SlowRequestThreshold;

        // Hosting extracts before any middleware runs; a per-request trust decision then needs the request. The app's
        // accessor serves when it registered one; otherwise a private one that only hosting's context factory sets
        // (TracingHttpContextFactory). Without per-request trust no accessor is needed: hosting pays for setting one
        // on every request, so AddTracing registers none.
        ContextAccessor = contextAccessor ?? (Trust.IsPerRequest ? new HttpContextAccessor() : null);
        OwnsContextAccessor = contextAccessor is null && ContextAccessor is not null;
    }

    /// <summary>How many client names <see cref="TryClaimUnadjustedHandlerReport"/> remembers.</summary>
    public const int MaxReportedClients = 256;

    /// <summary>Gets the validated options (do not change them).</summary>
    public TracingOptions Options { get; }

    /// <summary>Gets the known HTTP methods of the server and client spans (<see cref="TracingOptions.KnownHttpMethods"/>).</summary>
    public HttpMethodNames Methods { get; }

    /// <summary>
    /// Whether the primary handler of client <paramref name="clientName"/> that could not be adjusted is to be reported:
    /// the first time for each name (of at most <see cref="MaxReportedClients"/>), not at each handler rotation.
    /// </summary>
    public bool TryClaimUnadjustedHandlerReport(string clientName) =>
        _unadjustedHandlerClients.Count < MaxReportedClients && _unadjustedHandlerClients.TryAdd(clientName, 0);

    /// <summary>Gets the app's composite propagator (no health attached: <see cref="RecordIssues"/> records once per request).</summary>
    public TracePropagator Propagator { get; }

    /// <summary>Gets the app's propagation health counters.</summary>
    public PropagationHealth Health { get; }

    /// <summary>Gets the app's pipeline owner, or <see langword="null"/> when the pipeline is not registered.</summary>
    public TracingOwner? Owner { get; }

    /// <summary>Gets the service name.</summary>
    public string ServiceName { get; }

    /// <summary>Gets the trust rules.</summary>
    public TrustRules Trust { get; }

    /// <summary>Gets the outbound destination policy.</summary>
    public DestinationPolicy Destinations { get; }

    /// <summary>Gets the query redactor.</summary>
    public QueryRedactor Query { get; }

    /// <summary>Gets the slow-request threshold, or <see langword="null"/>.</summary>
    public TimeSpan? SlowThreshold { get; }

    /// <summary>Gets the logger of diagnostics (category <c>Propagation.Middleware.Tracing</c>).</summary>
    public ILogger Logger { get; }

    /// <summary>Gets the logger of finished-span lines (category <c>Propagation.Middleware.Spans</c>).</summary>
    public ILogger SpanLogger { get; }

    /// <summary>Gets the accessor through which hosting's propagator call sees the request (the app's, or a private
    /// one when the trust decision needs the request), or <see langword="null"/>.</summary>
    public IHttpContextAccessor? ContextAccessor { get; }

    /// <summary>Gets the handoff of hosting's extraction to the middleware when the propagator could not see the request.</summary>
    public ExtractionHandoff Handoff { get; } = new();

    /// <summary>Gets a value indicating whether <see cref="ContextAccessor"/> is private: hosting's context factory
    /// must be given it (the app registered no <see cref="IHttpContextAccessor"/>).</summary>
    public bool OwnsContextAccessor { get; }

    /// <summary>
    /// Gets the request's tracing state, deciding trust and extracting the inbound context the
    /// first time (hosting's propagator call, or the middleware when hosting did not extract).
    /// </summary>
    public TracingRequestFeature GetOrExtract(HttpContext context)
    {
        var feature = context.Features[typeof(TracingRequestFeature)] as TracingRequestFeature;
        if (feature is null)
        {
            var policy = Trust.Decide(context);
            feature = new TracingRequestFeature(Propagator.Extract(context.Request.Headers, AspNetCoreCarriers.Getter, policy));
            context.Features.Set(feature);
        }

        return feature;
    }

    /// <summary>
    /// The request's trust policy for a carrier other than its headers (a gRPC call's metadata): the one decided when
    /// hosting's propagator call extracted (kept in the request's features), or else decided now. Deciding again later
    /// would run <see cref="TracingOptions.TrustDecider"/> twice, and see the request as middleware left it (an
    /// authenticated <see cref="HttpContext.User"/>), so a call could get a more trusting policy than its request.
    /// </summary>
    public TrustPolicy DecideTrust(HttpContext? context) =>
        context is not null && Trust.IsPerRequest && context.Features[typeof(TracingRequestFeature)] is TracingRequestFeature feature
            ? feature.Extracted.Policy
            : Trust.Decide(context);

    /// <summary>Extracts from any carrier (gRPC metadata, a message) under a policy decided by the caller.</summary>
    public ExtractedContext Extract<TCarrier>(TCarrier carrier, HeaderGetter<TCarrier> getter, TrustPolicy policy) =>
        Propagator.Extract(carrier, getter, policy);

    /// <summary>
    /// Makes the request's one server span: enriches hosting's activity when hosting created it from
    /// its source (someone listens to <c>Microsoft.AspNetCore</c>), otherwise starts one from
    /// <see cref="ServerSource"/> under the extracted parent. Records the request's issues once and marks the span
    /// owned. Never throws for wire data.
    /// </summary>
    public ServerSpan StartOrEnrichServerSpan(HttpContext context)
    {
        var hosting = GetHostingActivity(context);
        var fromHosting = hosting is not null && string.Equals(hosting.Source.Name, HostingSourceName, StringComparison.Ordinal);
        var extracted = GetExtracted(context, fromHosting);
        RecordIssues(extracted);
        Activity? activity;
        var startedByUs = false;
        if (fromHosting)
        {
            activity = hosting!;
        }
        else
        {
            activity = StartServerSpan(context, extracted);
            if (activity is null && hosting is null)
            {
                // Nothing listens and hosting made no activity: still carry the ids (downstream calls, echo, log scope).
                activity = StartUnrecorded(extracted);
            }

            startedByUs = activity is not null;
        }

        if (activity is not null)
        {
            if (extracted.SamplingDenied)
            {
                // The sampler (hosting's or ours) saw no ids to decide from: the caller's deny-only decision still stands.
                Unrecord(activity);
            }

            if (fromHosting && activity.IsAllDataRequested)
            {
                EnrichHosting(activity, context, extracted);
            }

            // Claims hosting's source for a span of hosting's, so marking it allocates nothing.
            MarkOwned(activity);
        }

        var restarted = extracted.Policy == TrustPolicy.RestartAndLink && extracted.Inbound.IsValid;
        return new ServerSpan(activity, activity ?? hosting, startedByUs, fromHosting || (activity is null && hosting is not null), restarted);
    }

    /// <summary>
    /// Hosting's activity of the request, or <see langword="null"/>. Read through the feature collection's indexer, an
    /// ordinary interface call: <c>Get&lt;T&gt;()</c> is a generic virtual method, whose dispatch and cast cost about
    /// 10–25 ns more per call; the request's features are read this way on every request.
    /// </summary>
    public static Activity? GetHostingActivity(HttpContext context) =>
        (context.Features[typeof(IHttpActivityFeature)] as IHttpActivityFeature)?.Activity;

    /// <summary>Marks a server span as owned by this app's pipeline (<see cref="TracingOwnership"/>); hosting's span
    /// (the gRPC interceptor enriches it when <c>UseTracing</c> did not) through a claim of hosting's per-app source, as
    /// <see cref="StartOrEnrichServerSpan"/> does, so no per-span entry is allocated.</summary>
    public void MarkOwned(Activity activity)
    {
        if (Owner is not null && activity.IsAllDataRequested)
        {
            if (string.Equals(activity.Source.Name, HostingSourceName, StringComparison.Ordinal))
            {
                ClaimHostingSource(activity.Source);
            }

            TracingOwnership.Mark(activity, Owner);
        }
    }

    /// <summary>
    /// The request's extraction: the one hosting's propagator call made (kept in the request's features when it could
    /// see the request, otherwise handed over by <see cref="Handoff"/>), or else made now under the same trust
    /// decision (when hosting's call saw no request: the policy for unknown callers, which is the app's only policy
    /// when trust does not depend on the request). The same headers under the same policy extract the same.
    /// </summary>
    private ExtractedContext GetExtracted(HttpContext context, bool fromHosting)
    {
        if (ContextAccessor is not null && context.Features[typeof(TracingRequestFeature)] is TracingRequestFeature feature)
        {
            feature.Applied = true;
            return feature.Extracted;
        }

        if (fromHosting && Trust.IsPerRequest)
        {
            WarnRequestNotSeen();
        }

        if (!fromHosting && ContextAccessor is not null && Trust.IsPerRequest)
        {
            // Hosting's propagator did not extract for this request (no activity of hosting's, or it could not see the
            // request): decide here, once, and keep the decision in the request's features, where a gRPC call that gets a
            // span of its own (this request's span records nothing) takes it from (DecideTrust): the decider runs, and its
            // failure is counted, once per request. Only this rare path allocates the feature.
            var decided = GetOrExtract(context);
            decided.Applied = true;
            return decided.Extracted;
        }

        var headers = context.Request.Headers;
        if (fromHosting && Handoff.TryTake(headers, out var handed))
        {
            return handed;
        }

        var policy = fromHosting && Trust.IsPerRequest ? Trust.Decide(null) : Trust.Decide(context);
        return Propagator.Extract(headers, AspNetCoreCarriers.Getter, policy);
    }

    /// <summary>
    /// For a gRPC call that enriches hosting's activity: the request's extraction, the one hosting's propagator call made
    /// (kept in the request's features, or handed over by <see cref="Handoff"/>), or else made now under the same trust
    /// decision. <see langword="false"/> when <c>UseTracing</c> handled the request (its mark in the features; or the
    /// handoff's entry taken, or the extraction in the features marked applied): it applied the extraction, so nothing is
    /// read or applied again.
    /// </summary>
    public bool TryGetHostingExtraction(HttpContext context, out ExtractedContext extracted)
    {
        if (ContextAccessor is not null && context.Features[typeof(TracingRequestFeature)] is TracingRequestFeature feature)
        {
            extracted = feature.Extracted;
            if (feature.Applied)
            {
                return false;
            }

            feature.Applied = true;
            return true;
        }

        // UseTracing marks the request it handled (a feature of the request's own, never lost): the handoff's mark of a
        // taken entry is not enough, as another request whose header dictionary falls in the same slot may replace it
        // (or the entry itself, before UseTracing took it) while this request is still running.
        if (TracingMiddleware.HasTraced(context))
        {
            extracted = default;
            return false;
        }

        var headers = context.Request.Headers;
        if (Handoff.TryTake(headers, out extracted, out var taken))
        {
            return true;
        }

        if (taken)
        {
            return false;
        }

        var policy = Trust.IsPerRequest ? Trust.Decide(null) : Trust.Decide(context);
        extracted = Propagator.Extract(headers, AspNetCoreCarriers.Getter, policy);
        return true;
    }

    /// <summary>
    /// Warns once that hosting's propagator call could not see the request, so a per-request trust decision was
    /// replaced by the policy for unknown callers (<see cref="TracingOptions.UntrustedPolicy"/>): the app's own
    /// <see cref="IHttpContextFactory"/> does not set the <see cref="IHttpContextAccessor"/> tracing reads.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void WarnRequestNotSeen()
    {
        if (Interlocked.Exchange(ref _requestNotSeenWarned, 1) == 0)
        {
            Log.RequestNotSeenByPropagator(Logger);
        }
    }

    /// <summary>Claims hosting's per-app source for <see cref="Owner"/> (once), so marking its activities costs nothing.</summary>
    private void ClaimHostingSource(ActivitySource source)
    {
        if (Owner is not null && !ReferenceEquals(source, _claimedSource))
        {
            TracingOwnership.MarkSource(source, Owner);
            _claimedSource = source;
        }
    }

    /// <summary>Records the request's issues in <see cref="Health"/> and logs rejected headers at Debug (reasons only).</summary>
    public void RecordIssues(in ExtractedContext extracted)
    {
        Health.Record(extracted.Issues);
        const PropagationIssues Rejected = PropagationIssues.TraceParentInvalid | PropagationIssues.TraceParentDuplicated
            | PropagationIssues.TraceStateInvalid | PropagationIssues.TraceStateMembersDropped | PropagationIssues.TraceStateTruncated
            | PropagationIssues.BaggageInvalid | PropagationIssues.BaggageTruncated | PropagationIssues.LegacyInvalid
            | PropagationIssues.LegacySpanIdMissing | PropagationIssues.B3Invalid | PropagationIssues.FormatConflict
            | PropagationIssues.HeaderTooLong;
        if ((extracted.Issues & Rejected) != 0 && Logger.IsEnabled(LogLevel.Debug))
        {
            Log.InboundHeadersRejected(Logger, extracted.Issues, extracted.Policy);
        }
    }

    /// <summary>
    /// Writes the server span's ids to response headers with our codec (and <c>traceresponse</c> when
    /// the trace was restarted). Values come from the span, never from inbound text.
    /// </summary>
    public void WriteEcho<TCarrier>(Activity activity, bool restarted, TCarrier carrier, HeaderSetter<TCarrier> setter)
    {
        if (_echoHex && activity.IdFormat == ActivityIdFormat.W3C)
        {
            // The activity keeps its ids as lowercase hex strings: exactly what the hex codec writes, without a copy.
            setter(carrier, Options.TraceIdResponseHeader, activity.TraceId.ToHexString());
            setter(carrier, Options.SpanIdResponseHeader, activity.SpanId.ToHexString());
        }
        else
        {
            var names = new EchoCarrier<TCarrier>(carrier, setter, Options.TraceIdResponseHeader, Options.SpanIdResponseHeader);
            _echoFormat.Inject(PropagatedContext.FromActivity(activity), names, static (c, name, value) => c.Set(name, value));
        }

        if (restarted && Options.EchoTraceResponse)
        {
            TraceResponse.Inject(PropagatedContext.FromActivity(activity), carrier, setter);
        }
    }

    /// <summary>Records an exception on a span: status Error, <c>error.type</c>, and an <c>exception</c> event.</summary>
    /// <remarks>
    /// Never throws: it runs while the app's (or the transport's) exception is on its way out. An exception whose
    /// <see cref="Exception.Message"/> or <see cref="Exception.ToString"/> throws gets status Error and <c>error.type</c>
    /// with no description and no event; that exception goes on untouched and the span is still ended.
    /// </remarks>
    public static void RecordException(Activity? activity, Exception exception)
    {
        if (activity is null || !activity.IsAllDataRequested)
        {
            return;
        }

        var type = exception.GetType().FullName ?? exception.GetType().Name;
        string message;
        string text;
        try
        {
            message = exception.Message;
            text = exception.ToString();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The exception's own code failed; only on an exception's path, so its type is what can be recorded.
            activity.SetStatus(ActivityStatusCode.Error);
            activity.SetTag("error.type", type);
            return;
        }

        activity.SetStatus(ActivityStatusCode.Error, message);
        activity.SetTag("error.type", type);
        var tags = new ActivityTagsCollection
        {
            { "exception.type", type },
            { "exception.message", message },
            { "exception.stacktrace", text },
        };
        activity.AddEvent(new ActivityEvent("exception", default, tags));
    }

    /// <summary>Sets the end-of-request attributes (status code, route, error), the slow flag and the span log line.</summary>
    public void CompleteServerSpan(HttpContext context, Activity activity, bool failed)
    {
        var status = context.Response.StatusCode;
        if (activity.IsAllDataRequested)
        {
            SetEndTags(activity, context, status, failed);
        }

        if (SlowThreshold is not null || Options.LogSpans)
        {
            ReportFinished(context, activity, status, failed, recorded: activity.IsAllDataRequested);
        }
    }

    /// <summary>
    /// The slow-request warning and the span log line for a request that nothing records, whose ids are those of
    /// <paramref name="activity"/> (hosting's placeholder activity, which is left as it is).
    /// </summary>
    public void ReportUnrecorded(HttpContext context, Activity activity, bool failed)
    {
        if (SlowThreshold is not null || Options.LogSpans)
        {
            ReportFinished(context, activity, context.Response.StatusCode, failed, recorded: false);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ReportFinished(HttpContext context, Activity activity, int status, bool failed, bool recorded)
    {
        var duration = DateTime.UtcNow - activity.StartTimeUtc;

        // An unrecorded activity's name is its operation's ("...HttpRequestIn"): name it as a recorded span would be.
        var operation = recorded ? activity.DisplayName : UnrecordedOperation(context, status);
        if (SlowThreshold is { } threshold && duration > threshold)
        {
            if (recorded)
            {
                activity.SetTag(SlowAttribute, TrueBox);
            }

            Log.SlowRequest(Logger, operation, duration.TotalMilliseconds, threshold.TotalMilliseconds, activity.TraceId.ToHexString());
        }

        if (Options.LogSpans && SpanLogger.IsEnabled(LogLevel.Information))
        {
            // A failure before the response started gets the server's 500 (its status is not known yet when the line is written).
            var parent = activity.ParentSpanId == default ? string.Empty : activity.ParentSpanId.ToHexString();
            Log.SpanFinished(
                SpanLogger,
                activity.TraceId.ToHexString(),
                activity.SpanId.ToHexString(),
                parent,
                operation,
                Math.Round(duration.TotalMilliseconds, 3),
                ServiceName,
                StatusSent(context, failed) ? status : StatusCodes.Status500InternalServerError);
        }
    }

    /// <summary>
    /// "GET /api/ask" (with the route), or the method alone: what a recorded server span would be named. A gRPC call
    /// (content type <c>application/grpc</c>, <c>+proto</c>, <c>-web</c>...) to a method's endpoint (a route without
    /// parameters, the method's path <c>/pkg.Svc/Method</c>, as gRPC maps it) is named <c>pkg.Svc/Method</c>, as the
    /// gRPC interceptor names a recorded call's span. The name comes from the app's route, never from the request.
    /// </summary>
    private string UnrecordedOperation(HttpContext context, int status)
    {
        var pattern = GetRoutePattern(context, status);
        var route = RouteOf(pattern);
        if (route is { Length: > 1 } && route[0] == '/' && pattern!.Parameters.Count == 0
            && context.Request.ContentType is { } contentType
            && contentType.StartsWith(GrpcStatus.ContentType, StringComparison.OrdinalIgnoreCase))
        {
            return route[1..];
        }

        var method = HttpMethodNames.SpanName(Methods.Normalize(context.Request.Method, out _));
        return route is null ? method : method + " " + route;
    }

    private Activity? StartServerSpan(HttpContext context, in ExtractedContext extracted)
    {
        if (!ServerSource.HasListeners())
        {
            return null;
        }

        var request = context.Request;
        var tags = ToArray(CreateRequestTags(request, out var spanName));
        var parent = extracted.ToActivityContext();
        var links = extracted.ToActivityLinks();
        Activity? activity;
        if (parent == default && Activity.Current is not null)
        {
            // A new root: hosting's placeholder activity (created for logging only) must not become our parent.
            var previous = Activity.Current;
            Activity.Current = null;
            activity = ServerSource.StartActivity(ServerActivityName, ActivityKind.Server, parent, tags, links);
            if (activity is null)
            {
                Activity.Current = previous;
            }
        }
        else
        {
            activity = ServerSource.StartActivity(ServerActivityName, ActivityKind.Server, parent, tags, links);
        }

        if (activity is null)
        {
            return null;
        }

        activity.DisplayName = spanName;
        var baggage = extracted.Baggage;
        for (var i = baggage.Count - 1; i >= 0; i--)
        {
            // AddBaggage prepends: add in reverse to keep the caller's order.
            activity.AddBaggage(baggage[i].Key, baggage[i].Value);
        }

        if (activity.IsAllDataRequested)
        {
            SetUserAgent(activity, request);
            AddCommonTags(activity, request, extracted);
        }

        return activity;
    }

    /// <summary>
    /// The creation tags as an exact array: passed as <see cref="IEnumerable{T}"/>, a <see cref="TagList"/> would be boxed
    /// (a copy of its eight inline slots), and so would its enumerator each time the tags are read (192 B more per span).
    /// </summary>
    private static KeyValuePair<string, object?>[] ToArray(in TagList tags)
    {
        var array = new KeyValuePair<string, object?>[tags.Count];
        for (var i = 0; i < array.Length; i++)
        {
            array[i] = tags[i];
        }

        return array;
    }

    /// <summary>The request attributes of a server span (HTTP semantic conventions), shared by the span we
    /// start (as creation tags, visible to samplers) and hosting's span we enrich.</summary>
    private TagList CreateRequestTags(HttpRequest request, out string spanName)
    {
        var method = Methods.Normalize(request.Method, out var original);
        spanName = HttpMethodNames.SpanName(method);
        var tags = new TagList
        {
            { "http.request.method", method },
            { "url.scheme", request.Scheme },
            { "url.path", GetPath(request) },
        };
        if (original is not null)
        {
            tags.Add("http.request.method_original", original);
        }

        var host = request.Host;
        if (host.HasValue && GetHostTags(host, request.Scheme) is { Address: { } address } hostTags)
        {
            tags.Add("server.address", address);
            if (hostTags.Port is not null)
            {
                tags.Add("server.port", hostTags.Port);
            }
        }

        return tags;
    }

    /// <summary>
    /// PathBase and Path as the URI's path component, percent-encoded (<see cref="PathString.ToUriComponent"/>, the form
    /// OpenTelemetry's conventions record, with or without a PathBase), cut at <see cref="HeaderRules.MaxPathLength"/>
    /// characters without splitting an escape: Kestrel bounds the request line, other servers may not. A path that needs
    /// no escape and is within the bound is returned as it is, without a copy.
    /// </summary>
    private static string GetPath(HttpRequest request)
    {
        var path = request.PathBase.HasValue ? (request.PathBase + request.Path).ToUriComponent() : request.Path.HasValue ? request.Path.ToUriComponent() : "/";
        return HeaderRules.CutUriComponent(path, HeaderRules.MaxPathLength);
    }

    private static void SetUserAgent(Activity activity, HttpRequest request)
    {
        var userAgent = request.Headers.UserAgent;
        if (userAgent.Count > 0 && !string.IsNullOrEmpty(userAgent[0]))
        {
            activity.SetTag("user_agent.original", Bound(userAgent[0]!));
        }
    }

    /// <summary>
    /// Keeps a span's ids and baggage flowing but records nothing, and sends the unsampled flag on: a caller's deny-only
    /// decision (<c>b3: 0</c>, no ids), which the sampler could not see.
    /// </summary>
    public static void Unrecord(Activity activity)
    {
        activity.ActivityTraceFlags &= ~ActivityTraceFlags.Recorded;
        activity.IsAllDataRequested = false;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Activity StartUnrecorded(in ExtractedContext extracted)
    {
        var parent = extracted.ToActivityContext();
        if (parent == default)
        {
            Activity.Current = null;
        }

        var activity = CreateUnrecorded(ServerActivityName, parent, parent.TraceFlags);
        var baggage = extracted.Baggage;
        for (var i = baggage.Count - 1; i >= 0; i--)
        {
            activity.AddBaggage(baggage[i].Key, baggage[i].Value);
        }

        activity.Start();
        return activity;
    }

    /// <summary>
    /// An activity, not yet started, that records nothing but carries ids on: a child of <paramref name="parent"/> (its
    /// trace id, its span id as parent, its <c>tracestate</c>, with <paramref name="flags"/>), or a root when the parent
    /// is <see langword="default"/>. No listener sees it (it has no source).
    /// </summary>
    internal static Activity CreateUnrecorded(string name, in ActivityContext parent, ActivityTraceFlags flags)
    {
        var activity = new Activity(name);
        if (parent != default)
        {
            activity.SetParentId(parent.TraceId, parent.SpanId, flags);
            activity.TraceStateString = parent.TraceState;
        }

        activity.IsAllDataRequested = false;
        return activity;
    }

    private void EnrichHosting(Activity activity, HttpContext context, in ExtractedContext extracted)
    {
        // Hosting names its span after the diagnostic event and, unless its OpenTelemetry data is on, sets no HTTP
        // attributes of its own: give it the same name and attributes as a span we start.
        var request = context.Request;
        var tags = CreateRequestTags(request, out var spanName);
        activity.DisplayName = spanName;

        // Usually the span has no attributes yet (an empty TagObjects is an empty array): each is then added without
        // a walk of the list for one to replace. Attributes a listener already set are replaced as before. Indexed, not
        // enumerated: TagList's enumerator is a boxed copy of the list.
        var untagged = activity.TagObjects is KeyValuePair<string, object?>[] { Length: 0 };
        if (!untagged)
        {
            RemoveHostingOnlyTags(activity);
        }

        for (var i = 0; i < tags.Count; i++)
        {
            var tag = tags[i];
            if (!untagged)
            {
                activity.SetTag(tag.Key, tag.Value);
            }
            else if (tag.Value is not null)
            {
                activity.AddTag(tag.Key, tag.Value);
            }
        }

        SetUserAgent(activity, request);
        var links = extracted.Links;
        for (var i = 0; i < links.Count; i++)
        {
            activity.AddLink(links[i].ToActivityLink());
        }

        AddCommonTags(activity, request, extracted);
    }

    /// <summary>
    /// Removes the request attributes that hosting sets on its activity when its OpenTelemetry data is on (ASP.NET Core 10
    /// with the <c>Microsoft.AspNetCore.Hosting.SuppressActivityOpenTelemetryData</c> switch off; the default from 11) and
    /// that the span's own attributes may leave out: <c>http.request.method_original</c> (hosting's list lacks QUERY and
    /// any configured method), <c>server.address</c> and <c>server.port</c> (hosting records a Host longer than a host
    /// name and an invalid port such as <c>:0</c>). Ours, set next, are then the span's only ones. Only a span that
    /// already has attributes pays for it.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void RemoveHostingOnlyTags(Activity activity)
    {
        activity.SetTag("http.request.method_original", null);
        activity.SetTag("server.address", null);
        activity.SetTag("server.port", null);
    }

    /// <summary>
    /// The server span's attributes from the inbound context: <c>propagation.parent.synthetic</c> when the parent was made
    /// up (a legacy trace id without a span id), <c>propagation.trust_policy</c> when the caller's context was not simply
    /// continued. Also used by the gRPC interceptor on hosting's span when <c>UseTracing</c> did not run.
    /// </summary>
    public static void AddInboundTags(Activity activity, in ExtractedContext extracted)
    {
        if (extracted.HasSyntheticParent)
        {
            activity.SetTag(PropagationAttributes.SyntheticParent, TrueBox);
        }

        if (extracted.Policy != TrustPolicy.Continue)
        {
            activity.SetTag(TrustPolicyAttribute, PolicyName(extracted.Policy));
        }
    }

    private void AddCommonTags(Activity activity, HttpRequest request, in ExtractedContext extracted)
    {
        // Read when the request arrives: middleware may present it as another protocol to what follows (gRPC-Web's
        // UseGrpcWeb passes an HTTP/1.1 request on as HTTP/2 and puts it back only when the response starts).
        var version = request.Protocol switch
        {
            "HTTP/1.1" => "1.1",
            "HTTP/2" => "2",
            "HTTP/3" => "3",
            "HTTP/1.0" => "1.0",
            _ => null,
        };
        if (version is not null)
        {
            activity.SetTag("network.protocol.version", version);
        }

        if (request.QueryString.HasValue)
        {
            activity.SetTag("url.query", Query.Redact(request.QueryString.Value));
        }

        AddInboundTags(activity, extracted);
        if (_captured.Length > 0)
        {
            CaptureHeaders(activity, request.Headers);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void CaptureHeaders(Activity activity, IHeaderDictionary headers)
    {
        for (var i = 0; i < _captured.Length; i++)
        {
            var values = headers[_captured[i]];
            if (values.Count == 0)
            {
                continue;
            }

            if (HeaderRules.IsCredential(_captured[i], _credentials))
            {
                activity.SetTag(_capturedTagNames[i], HeaderRules.Redacted);
                continue;
            }

            // Each header line is one value: only the first few are recorded, as each is cut.
            var recorded = new string[Math.Min(values.Count, HeaderRules.MaxCapturedValues)];
            for (var j = 0; j < recorded.Length; j++)
            {
                recorded[j] = Bound(values[j] ?? string.Empty);
            }

            activity.SetTag(_capturedTagNames[i], recorded);
        }
    }

    /// <summary>
    /// Whether the response's status code is the one the client got: always, unless the request failed before its
    /// response started (the server answers with its own 500, or an outer handler with its own status).
    /// </summary>
    private static bool StatusSent(HttpContext context, bool failed) => !failed || context.Response.HasStarted;

    /// <summary>The response's status code, as the client got it.</summary>
    public static void SetStatusSent(Activity activity, int status) =>
        activity.SetTag("http.response.status_code", BoxStatus(status));

    private void SetEndTags(Activity activity, HttpContext context, int status, bool failed)
    {
        if (StatusSent(context, failed))
        {
            SetStatusSent(activity, status);
        }

        var route = RouteOf(GetRoutePattern(context, status));
        if (route is not null)
        {
            activity.SetTag("http.route", route);
            // "GET /api/ask" ("HTTP /api/ask" for an unknown method); a name someone else gave the span (a gRPC method) is kept.
            var method = HttpMethodNames.SpanName(Methods.Normalize(context.Request.Method, out _));
            if (string.Equals(activity.DisplayName, method, StringComparison.Ordinal))
            {
                activity.DisplayName = activity.DisplayName + " " + route;
            }
        }

        if (!failed && status >= 500)
        {
            if (context.Features[typeof(IExceptionHandlerFeature)] is IExceptionHandlerFeature { Error: { } handled })
            {
                // An exception handler behind UseTracing caught the request's exception and answered: it is the request's
                // failure all the same, recorded as one that reached UseTracing is (the handler's own error page's
                // exception, if any, is not: the framework rethrows the original one).
                RecordException(activity, handled);
            }
            else
            {
                activity.SetTag("error.type", status.ToString(CultureInfo.InvariantCulture));
                activity.SetStatus(ActivityStatusCode.Error);
            }
        }

        if (!failed)
        {
            // A gRPC call the server interceptor did not record (the runtime answered it first): its final grpc-status.
            // Any other request costs one content-type read.
            GrpcStatus.RecordAnswered(context, activity);
        }
    }

    /// <summary>
    /// The route pattern of the endpoint the request was routed to. An exception handler behind <c>UseTracing</c> (placed
    /// after it) clears the endpoint and re-executes the pipeline for its error page, whose endpoint (or none, for a
    /// handler delegate) is still current when the span completes: the request's own is the one the handler kept in
    /// <see cref="IExceptionHandlerFeature.Endpoint"/> (none when the request matched no endpoint). The handler answers
    /// with a status of 400 or more (500, or the one its delegate set), and only then is the feature looked up: a
    /// request that succeeded reads nothing more.
    /// </summary>
    private static Microsoft.AspNetCore.Routing.Patterns.RoutePattern? GetRoutePattern(HttpContext context, int status)
    {
        var endpoint = status >= StatusCodes.Status400BadRequest && context.Features[typeof(IExceptionHandlerFeature)] is IExceptionHandlerFeature handled
            ? handled.Endpoint
            : context.GetEndpoint();
        return (endpoint as Microsoft.AspNetCore.Routing.RouteEndpoint)?.RoutePattern;
    }

    /// <summary>
    /// The <c>http.route</c> of a route pattern: its template, or <c>/</c> for an empty one (a route that matches the site's
    /// root, such as <c>[HttpGet("")]</c> on an MVC action or <c>MapGet("")</c>), as ASP.NET Core's own metrics name it: an
    /// empty route would name the span <c>"GET "</c>.
    /// </summary>
    private static string? RouteOf(Microsoft.AspNetCore.Routing.Patterns.RoutePattern? pattern) =>
        pattern?.RawText is { } route ? (route.Length == 0 ? "/" : route) : null;

    /// <summary>The boxed status code, one box per value (the attribute is set on every server and client span).</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1859", Justification = "It returns a cached box: SetTag takes an object.")]
    internal static object BoxStatus(int status)
    {
        if ((uint)status >= (uint)StatusBoxes.Length)
        {
            return status;
        }

        // A benign race: two threads may each store a box of the same value.
        return StatusBoxes[status] ??= status;
    }

    private HostTags GetHostTags(HostString host, string scheme)
    {
        var value = host.Value!;
        var cached = _lastHost;
        var https = string.Equals(scheme, "https", StringComparison.OrdinalIgnoreCase);
        if (cached is not null && cached.Https == https && string.Equals(cached.Value, value, StringComparison.Ordinal))
        {
            return cached;
        }

        var address = host.Host;
        cached = HeaderRules.IsHostLength(address)
            ? new HostTags(value, https, address, GetPort(host.Port, value, address, https))
            : new HostTags(value, https, null, null);
        _lastHost = cached;
        return cached;
    }

    /// <summary>
    /// The Host header's port; the scheme's default when it names none; <see langword="null"/> when the port it names
    /// is not one (<see cref="HeaderRules.IsPort"/>, or <c>:99999999999</c>, which does not parse), which is then not
    /// recorded rather than replaced by the default.
    /// </summary>
    private static int? GetPort(int? named, string value, string address, bool https)
    {
        if (named is int port)
        {
            return HeaderRules.IsPort(port) ? port : null;
        }

        return HeaderRules.NamesPort(value, address) ? null : https ? 443 : 80;
    }

    internal static string PolicyName(TrustPolicy policy) => policy switch
    {
        TrustPolicy.Continue => "continue",
        TrustPolicy.ContinueIgnoreSampling => "continue_ignore_sampling",
        TrustPolicy.RestartAndLink => "restart_and_link",
        _ => "ignore",
    };

    private static string Bound(string value) => TextBounds.Cut(value, HeaderRules.MaxCapturedValueLength);

    /// <summary>One Host header value (and scheme, for the default port) with its <c>server.address</c> and boxed
    /// <c>server.port</c>; neither when its host is longer than a host name (<see cref="HeaderRules.IsHostLength"/>),
    /// cached all the same so that such a Host is not split again on every request.</summary>
    private sealed class HostTags
    {
        public HostTags(string value, bool https, string? address, int? port)
        {
            Value = value;
            Https = https;
            Address = address;
            Port = port is int known ? known : null;
        }

        public string Value { get; }

        public bool Https { get; }

        /// <summary>Gets the host, or <see langword="null"/> when the Host header's is longer than a host name.</summary>
        public string? Address { get; }

        /// <summary>Gets the boxed port, or <see langword="null"/> when the Host header names an invalid one.</summary>
        public object? Port { get; }
    }

    /// <summary>Maps the legacy codec's header names to the configured response header names.</summary>
    private readonly struct EchoCarrier<TCarrier>
    {
        private readonly TCarrier _carrier;
        private readonly HeaderSetter<TCarrier> _setter;
        private readonly string _traceIdHeader;
        private readonly string _spanIdHeader;

        public EchoCarrier(TCarrier carrier, HeaderSetter<TCarrier> setter, string traceIdHeader, string spanIdHeader)
        {
            _carrier = carrier;
            _setter = setter;
            _traceIdHeader = traceIdHeader;
            _spanIdHeader = spanIdHeader;
        }

        public void Set(string name, string value)
        {
            if (string.Equals(name, LegacyFormat.TraceIdHeader, StringComparison.OrdinalIgnoreCase))
            {
                _setter(_carrier, _traceIdHeader, value);
            }
            else if (string.Equals(name, LegacyFormat.SpanIdHeader, StringComparison.OrdinalIgnoreCase))
            {
                _setter(_carrier, _spanIdHeader, value);
            }
        }
    }
}
