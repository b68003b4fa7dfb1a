using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;
using Propagation.Collector.Internal;

namespace Propagation.Middleware.Internal;

/// <summary>
/// The client side of tracing: one client span per attempt, fresh headers per attempt, caller-set
/// headers kept, the outbound destination policy applied. See <c>AddTraceHeaders</c>.
/// </summary>
internal sealed class TraceHeadersHandler : DelegatingHandler
{
    /// <summary>What earlier attempts of this request left in it (a retry above the handler resends the same message).</summary>
    internal static readonly HttpRequestOptionsKey<AttemptState> AttemptsKey = new("Propagation.Http.Attempts");

    private static readonly string[] TraceHeaders =
    [
        TraceParent.HeaderName, TraceState.HeaderName, LegacyFormat.TraceIdHeader, LegacyFormat.SpanIdHeader,
        B3Format.TraceIdHeader, B3Format.SpanIdHeader, B3Format.ParentSpanIdHeader, B3Format.SampledHeader, B3Format.FlagsHeader, B3SingleFormat.HeaderName,
    ];

    private readonly TracingService _service;
    private readonly InjectionScope? _scope;
    private readonly bool _overwrite;
    private readonly string? _peerService;

    /// <summary>The boxed <c>server.port</c> of the last gRPC call tagged, so calls to one port box it once.</summary>
    private readonly LastPortBox _grpcPort = new();

    public TraceHeadersHandler(TracingService service, TraceHeadersOptions options)
    {
        _service = service;
        _scope = options.Scope;
        _overwrite = options.OverwriteCallerHeaders ?? service.Options.OverwriteCallerHeaders;
        _peerService = options.PeerService;
    }

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var current = Activity.Current;
        if (current is not null && GrpcCallOf(current, request.RequestUri) is { } call)
        {
            ApplyScopeOnly(request, call);
            return base.Send(request, cancellationToken);
        }

        var activity = Begin(request, current);
        try
        {
            var response = base.Send(request, cancellationToken);
            End(activity, response);
            return response;
        }
        catch (Exception ex) when (Fail(activity, ex))
        {
            throw;
        }
        finally
        {
            activity.Stop();

            // Stopping made the span's parent current; under grpc-dotnet's per-call activity that is the call's span
            // (see StartSpan), so the caller's activity is put back. (SendAsync's caller gets it back with its context.)
            Activity.Current = current;
        }
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var current = Activity.Current;
        if (current is not null && GrpcCallOf(current, request.RequestUri) is { } call)
        {
            ApplyScopeOnly(request, call);
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        var activity = Begin(request, current);
        try
        {
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            End(activity, response);
            return response;
        }
        catch (Exception ex) when (Fail(activity, ex))
        {
            throw;
        }
        finally
        {
            activity.Stop();
        }
    }

    /// <summary>
    /// The span of the gRPC call whose HTTP request <paramref name="uri"/> is: the interceptor's span when it is
    /// <paramref name="current"/> (or the parent of grpc-dotnet's own activity for the call) and the request is the
    /// call's own; else <see langword="null"/>. Any other request sent while that span is current (a token fetch in
    /// <c>CallCredentials</c>, an auth handler calling another service) is an HTTP call of its own: its span is a
    /// child of the call's span (see <see cref="StartSpan"/>).
    /// </summary>
    internal static Activity? GrpcCallOf(Activity current, Uri? uri) =>
        GrpcCallSpans.FindCall(current) is { IsStopped: false } call && IsOwnRequest(uri, call.OperationName) ? call : null;

    /// <summary>
    /// Whether a request's path ends with <c>/</c> and the call's span name <c>package.Service/Method</c>: a channel
    /// sends a call to <c>/package.Service/Method</c>, under its address's path base if it has one (the span's
    /// operation name is set at creation; its display name may be changed later). The original string is checked
    /// first (a channel writes the path as is; no allocation), the parsed path otherwise (cached by the URI).
    /// </summary>
    internal static bool IsOwnRequest(Uri? uri, string spanName)
    {
        if (uri is null || spanName.Length == 0)
        {
            return false;
        }

        // In the original string, only where the name cannot be the authority's ("http://pkg.Service/Method") or
        // within a query or fragment.
        var original = uri.OriginalString.AsSpan();
        var slash = original.Length - spanName.Length - 1;
        if (GrpcCallSpans.EndsWithMethod(original, spanName) && (slash == 0 || original[slash - 1] != '/') && original.IndexOfAny('?', '#') < 0)
        {
            return true;
        }

        return uri.IsAbsoluteUri && GrpcCallSpans.EndsWithMethod(uri.AbsolutePath, spanName);
    }


    /// <summary>
    /// A gRPC call traced by the client interceptor: its span and headers stand; only the destination
    /// policy still applies (third parties get no more than the policy allows). The span, when recorded,
    /// gets what only this client knows: the channel's address and this client's <c>peer.service</c>.
    /// </summary>
    private void ApplyScopeOnly(HttpRequestMessage request, Activity call)
    {
        var uri = request.RequestUri;
        RemoveBeyondScope(request.Headers, _scope ?? _service.Destinations.Resolve(uri));
        if (call.IsAllDataRequested)
        {
            TagGrpcCall(call, uri);
        }
    }

    /// <summary>
    /// Adds <c>server.address</c>/<c>server.port</c> from the request's URI (the channel's address; generated
    /// clients name no host, so the interceptor could not) and <c>peer.service</c>. A value already on the span
    /// is never replaced: an address the interceptor took from the call's host keeps its own port, or none.
    /// </summary>
    /// <remarks>
    /// Attempts of one call can run at once (a hedging or retrying channel); each check and its add happen under a
    /// lock on the call's span, so a tag is added once. The interceptor adds its tags before the call starts, and
    /// nothing else takes that lock: it is contended only by such attempts, and a lock allocates no object.
    /// </remarks>
    private void TagGrpcCall(Activity call, Uri? uri)
    {
        var absolute = uri is { IsAbsoluteUri: true } && HeaderRules.IsHostLength(uri.Host);
        if (!absolute && _peerService is null)
        {
            return;
        }

        lock (call)
        {
            if (absolute && call.GetTagItem("server.address") is null)
            {
                call.AddTag("server.address", ServerAddress(uri!));
                var port = uri!.Port; // the scheme's default port when the URI names none; -1 for a scheme without one
                if (port > 0 && call.GetTagItem("server.port") is null)
                {
                    call.AddTag("server.port", _grpcPort.Get(port));
                }
            }

            if (_peerService is not null && call.GetTagItem("peer.service") is null)
            {
                call.AddTag("peer.service", _peerService);
            }
        }
    }

    /// <summary>
    /// The URI's host as <c>server.address</c>: an IPv6 address without the brackets a URI writes it in (<c>::1</c>, not
    /// <c>[::1]</c>), the address itself, as HttpClient's own activity and <c>http.client.request.duration</c> record it
    /// (<see cref="Uri.IdnHost"/>, kept by the URI after its first use); any other host as <see cref="Uri.Host"/>.
    /// </summary>
    internal static string ServerAddress(Uri uri) =>
        uri.HostNameType == UriHostNameType.IPv6 ? uri.IdnHost : uri.Host;

    /// <summary>Removes the trace headers and baggage a destination of <paramref name="scope"/> may not receive.</summary>
    internal static void RemoveBeyondScope(HttpRequestHeaders headers, InjectionScope scope)
    {
        if (scope == InjectionScope.Full)
        {
            return;
        }

        headers.Remove(BaggageFormat.HeaderName);
        foreach (var name in TraceHeaders)
        {
            if (scope == InjectionScope.None || !string.Equals(name, TraceParent.HeaderName, StringComparison.Ordinal))
            {
                headers.Remove(name);
            }
        }
    }

    private Activity Begin(HttpRequestMessage request, Activity? current)
    {
        var options = request.Options;
        var headers = request.Headers;
        if (!options.TryGetValue(AttemptsKey, out var state))
        {
            state = new AttemptState();
            options.Set(AttemptsKey, state);
        }

        // A hedging strategy's clones of one request, made after an attempt and with its Options (and so its headers),
        // share the state and can be sent at once: its uses are locked (uncontended but for such clones; a lock allocates
        // nothing), and the names are never cleared, so a clone that comes second still finds the names of the headers
        // it copied.
        int attempt;
        lock (state)
        {
            // Headers we injected on an earlier attempt are ours to replace, never the caller's.
            foreach (var name in state.Injected)
            {
                headers.Remove(name);
            }

            attempt = state.Count++;
        }

        var activity = StartSpan(request, attempt, current);
        var scope = _scope ?? _service.Destinations.Resolve(request.RequestUri);
        lock (state)
        {
            state.Scope = scope;
            state.ScopeOwner = request;
            var carrier = new InjectionCarrier(headers, _overwrite, state.Injected);
            if (carrier.CallerTrace && !_overwrite && _service.Logger.IsEnabled(LogLevel.Debug))
            {
                Log.CallerHeadersKept(_service.Logger);
            }

            _service.Propagator.Inject(activity, carrier, InjectionCarrier.Setter, scope);
        }

        return activity;
    }

    private Activity StartSpan(HttpRequestMessage request, int attempt, Activity? current)
    {
        // A request sent inside a gRPC call that is not the call's own (a token fetch in CallCredentials, an auth
        // handler) may run under grpc-dotnet's per-call activity, which no pipeline exports: a span under it would be
        // an orphan. Its parent is the call's span instead (the activity's parent), as under compat/Grpc's channel.
        if (GrpcCallSpans.ThroughGrpcNetClient(current) is { } parent && !ReferenceEquals(parent, current))
        {
            Activity.Current = parent;
        }

        var method = _service.Methods.Normalize(request.Method.Method, out var original);
        var uri = request.RequestUri;
        Activity? activity = null;
        if (TracingService.ClientSource.HasListeners())
        {
            // An exact array, not a TagList: passed as IEnumerable a TagList is boxed, and its enumerator too (224 B more).
            // peer.service is a creation tag too, so a sampler can decide by the callee.
            // Like the server span's, no address (nor port) from a host longer than a host name: Uri takes any length.
            var named = uri is { IsAbsoluteUri: true } && HeaderRules.IsHostLength(uri.Host);

            // The scheme's default port when the URI names none; -1 (no port) for a scheme without one, which a custom
            // primary handler may take.
            var port = named ? uri!.Port : -1;
            var tags = new KeyValuePair<string, object?>[1 + (original is null ? 0 : 1) + (named ? 1 : 0) + (port > 0 ? 1 : 0) + (_peerService is null ? 0 : 1)];
            var count = 0;
            tags[count++] = new("http.request.method", method);
            if (original is not null)
            {
                tags[count++] = new("http.request.method_original", original);
            }

            if (named)
            {
                tags[count++] = new("server.address", ServerAddress(uri!));
            }

            if (port > 0)
            {
                tags[count++] = new("server.port", port);
            }

            if (_peerService is not null)
            {
                tags[count] = new("peer.service", _peerService);
            }

            activity = TracingService.ClientSource.StartActivity(TracingService.ClientActivityName, ActivityKind.Client, default(ActivityContext), tags);
        }

        if (activity is null)
        {
            // Nothing records: an unrecorded activity still gives each attempt its own span id to send.
            activity = new Activity(TracingService.ClientActivityName) { IsAllDataRequested = false };
            activity.Start();
            return activity;
        }

        activity.DisplayName = HttpMethodNames.SpanName(method);
        if (activity.IsAllDataRequested)
        {
            if (uri is { IsAbsoluteUri: true })
            {
                activity.SetTag("url.full", FormatUrl(uri));
            }

            if (attempt > 0)
            {
                activity.SetTag("http.request.resend_count", attempt);
            }
        }

        return activity;
    }

    private static void End(Activity activity, HttpResponseMessage response)
    {
        if (!activity.IsAllDataRequested)
        {
            return;
        }

        var status = (int)response.StatusCode;
        activity.SetTag("http.response.status_code", TracingService.BoxStatus(status));
        if (ProtocolVersion(response.Version) is { } version)
        {
            activity.SetTag("network.protocol.version", version);
        }
        if (status >= 400)
        {
            activity.SetTag("error.type", status.ToString(CultureInfo.InvariantCulture));
            activity.SetStatus(ActivityStatusCode.Error);
        }
    }

    /// <summary>The response's HTTP version as the conventions write <c>network.protocol.version</c> (as on the server
    /// span): "1.0", "1.1", "2", "3"; <see langword="null"/> for any other.</summary>
    private static string? ProtocolVersion(Version version) => version.Major switch
    {
        1 => version.Minor switch
        {
            1 => "1.1",
            0 => "1.0",
            _ => null,
        },
        2 => "2",
        3 => "3",
        _ => null,
    };

    private static bool Fail(Activity activity, Exception exception)
    {
        TracingService.RecordException(activity, exception);
        return false;
    }

    /// <summary>
    /// scheme://host:port/path?redacted-query; user info is never included. The part before the query is cut at
    /// <see cref="HeaderRules.MaxPathLength"/> characters (never inside an escape), as the server span's <c>url.path</c>: an app's URI often carries
    /// inbound data (a proxied path), and no server limit applies to it here. The query is bounded by the redactor.
    /// </summary>
    private string FormatUrl(Uri uri)
    {
        var query = uri.Query;
        var redacted = query.Length > 1 ? _service.Query.Redact(query) : null;
        var path = HeaderRules.CutUriComponent(uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped), HeaderRules.MaxPathLength);
        return redacted is null ? path : path + "?" + redacted;
    }

    private static bool IsTraceHeader(string name)
    {
        foreach (var traceHeader in TraceHeaders)
        {
            if (string.Equals(name, traceHeader, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The attempts of one request so far and the header names they injected. Clones of the request that copy its
    /// Options (a hedging strategy's parallel attempts) share it; the handler locks it while using it.
    /// </summary>
    internal sealed class AttemptState
    {
        /// <summary>Gets or sets how many attempts went through the handler (the next attempt's index).</summary>
        public int Count { get; set; }

        /// <summary>Gets or sets the scope the last attempt injected for (its destination's).</summary>
        public InjectionScope Scope { get; set; }

        /// <summary>
        /// Gets or sets the message the last attempt injected into: <see cref="Scope"/> is that message's, not that of a
        /// clone sharing this state (a hedged attempt, possibly to another host).
        /// </summary>
        public HttpRequestMessage? ScopeOwner { get; set; }

        /// <summary>Gets the header names the attempts injected, each once (at most the trace header names and baggage).</summary>
        public List<string> Injected { get; } = new(4);
    }

    /// <summary>Writes injected headers, skipping the ones the caller set, and remembers what it wrote.</summary>
    private readonly struct InjectionCarrier
    {
        public static readonly HeaderSetter<InjectionCarrier> Setter = static (carrier, name, value) => carrier.Set(name, value);

        private readonly HttpRequestHeaders _headers;
        private readonly bool _callerBaggage;

        // The caller-set trace headers that carry no id (ContextOnlyHeaders bits): kept, and ours added beside them.
        private readonly int _callerContextOnly;
        private readonly List<string> _injected;

        public InjectionCarrier(HttpRequestHeaders headers, bool overwrite, List<string> injected)
        {
            _headers = headers;
            _injected = injected;

            // One pass over the names the request has (none, often) instead of a look-up per trace header name.
            var nonValidated = headers.NonValidated;
            if (nonValidated.Count == 0)
            {
                return;
            }

            var callerIds = false;
            foreach (var header in nonValidated)
            {
                if (IsTraceHeader(header.Key))
                {
                    var bit = ContextOnlyHeaders.Bit(header.Key, header.Value.Count == 1 ? header.Value.ToString() : null);
                    callerIds |= bit == 0;
                    _callerContextOnly |= bit;
                }
                else if (string.Equals(header.Key, BaggageFormat.HeaderName, StringComparison.OrdinalIgnoreCase))
                {
                    _callerBaggage = true;
                }
            }

            if (overwrite)
            {
                if (callerIds || _callerContextOnly != 0)
                {
                    foreach (var name in TraceHeaders)
                    {
                        headers.Remove(name);
                    }
                }

                if (_callerBaggage)
                {
                    headers.Remove(BaggageFormat.HeaderName);
                }

                _callerContextOnly = 0;
                _callerBaggage = false;
                return;
            }

            CallerTrace = callerIds;
        }

        /// <summary>
        /// Gets a value indicating whether the caller set a trace header that carries ids (kept, with any other the caller
        /// set; no trace header is added). Trace headers without ids (<c>tracestate</c>, a B3 sampling decision alone)
        /// are kept and ours are added beside them, except under the names the caller used.
        /// </summary>
        public bool CallerTrace { get; }

        private void Set(string name, string value)
        {
            var isBaggage = string.Equals(name, BaggageFormat.HeaderName, StringComparison.OrdinalIgnoreCase);
            if (isBaggage ? _callerBaggage : CallerTrace || (_callerContextOnly != 0 && ContextOnlyHeaders.Contains(_callerContextOnly, name)))
            {
                return;
            }

            _headers.Remove(name);
            _headers.TryAddWithoutValidation(name, value);
            if (!_injected.Contains(name))
            {
                _injected.Add(name);
            }
        }
    }
}
