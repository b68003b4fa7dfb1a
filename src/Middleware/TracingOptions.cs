using Microsoft.AspNetCore.Http;

namespace Propagation.Middleware;

/// <summary>
/// Options of <c>services.AddTracing()</c>: which formats are read and written, how far inbound
/// context is trusted, what the server span records, what responses echo and what each outbound
/// destination receives.
/// </summary>
/// <remarks>
/// <para>
/// <b>Sources, in order of precedence</b> (a later one wins): the defaults documented on each
/// property; the standard variables <c>OTEL_SERVICE_NAME</c> (or <c>service.name</c> in
/// <c>OTEL_RESOURCE_ATTRIBUTES</c>), <c>OTEL_PROPAGATORS</c> and <c>OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS</c> read
/// through <c>IConfiguration</c> (environment variables reach it in ASP.NET Core; the process
/// environment is never read directly); the configuration section <c>Tracing</c>; the
/// <c>configure</c> delegates given to <c>AddTracing</c>, in call order.
/// </para>
/// <para>
/// <b>Validation.</b> The options are validated once, when the host starts; every error is listed
/// together in one <see cref="Microsoft.Extensions.Options.OptionsValidationException"/> and the
/// host does not start. A value of the <c>Tracing</c> section that cannot be converted to its
/// option's type is one of those errors, named by its configuration path (for example
/// <c>Tracing:DefaultTrustPolicy</c>); the section's other values are still applied.
/// </para>
/// </remarks>
public sealed class TracingOptions
{
    /// <summary>The name of the configuration section bound to these options.</summary>
    public const string SectionName = "Tracing";

    /// <summary>Gets or sets the service name written in span log lines and used for the pipeline's resource.</summary>
    /// <value>Defaults to <see langword="null"/>: <c>OTEL_SERVICE_NAME</c> (unless empty or blank), else <c>service.name</c> in
    /// <c>OTEL_RESOURCE_ATTRIBUTES</c>, else the host's application name.</value>
    /// <remarks>Null, empty or blank, set in code or in the section (<c>"ServiceName": null</c> or <c>""</c>), counts as
    /// unset and falls back as the default does.</remarks>
    public string? ServiceName { get; set; }

    /// <summary>Gets the formats read and written, and how (see <see cref="PropagationOptions"/>).</summary>
    /// <value>
    /// Defaults to <see cref="PropagationOptions"/>' defaults: extract W3C, legacy, B3 single, B3 multi;
    /// inject W3C, baggage, legacy. <c>OTEL_PROPAGATORS</c> (<c>tracecontext</c>, <c>baggage</c>,
    /// <c>b3</c>, <c>b3multi</c>, <c>xtrace</c> or <c>legacy</c> for the <c>X-Trace-ID</c>/<c>X-Span-ID</c>
    /// pair, <c>none</c>) replaces both lists, in the order given (<c>b3</c> and <c>b3multi</c> each extract both B3
    /// encodings, the single header first, and inject their own); an empty or blank <c>OTEL_PROPAGATORS</c>
    /// counts as unset (these defaults apply).
    /// </value>
    public PropagationOptions Propagation { get; } = new();

    /// <summary>Gets or sets the trust policy for callers that no other rule classifies.</summary>
    /// <value>Defaults to <see cref="TrustPolicy.Continue"/>.</value>
    /// <remarks>
    /// When <see cref="TrustedNetworks"/> or <see cref="TrustClientCertificates"/> is configured, callers
    /// that match get this policy and the others get <see cref="UntrustedPolicy"/>.
    /// </remarks>
    public TrustPolicy DefaultTrustPolicy { get; set; } = TrustPolicy.Continue;

    /// <summary>Gets or sets the trust policy of callers outside <see cref="TrustedNetworks"/> without a trusted client certificate.</summary>
    /// <value>
    /// Defaults to <see cref="TrustPolicy.RestartAndLink"/>. Used when a trust rule (<see cref="TrustedNetworks"/>,
    /// <see cref="TrustClientCertificates"/>) is configured and the caller matches none, and for a request whose
    /// <see cref="TrustDecider"/> throws.
    /// </value>
    public TrustPolicy UntrustedPolicy { get; set; } = TrustPolicy.RestartAndLink;

    /// <summary>Gets the networks whose callers are trusted, in CIDR notation (<c>10.0.0.0/8</c>, <c>::1/128</c>).</summary>
    /// <value>Defaults to empty (no network rule). A bare address means that single address.</value>
    /// <remarks>The caller is the connection's remote address (<see cref="ConnectionInfo.RemoteIpAddress"/>) when
    /// hosting starts the request's span, before any middleware: the forwarded-headers middleware has not replaced it
    /// yet, so behind a proxy this is the proxy's address (see the README's "Behind a proxy").</remarks>
    public IList<string> TrustedNetworks { get; } = [];

    /// <summary>
    /// Gets or sets a value indicating whether callers whose connection presented a TLS client
    /// certificate are trusted.
    /// </summary>
    /// <value>Defaults to <see langword="false"/>.</value>
    /// <remarks>
    /// The trust decision is made when ASP.NET Core hosting starts the request's span, <b>before any
    /// middleware runs</b>: authentication middleware has not run, <see cref="HttpContext.User"/> is
    /// still anonymous. What is known at that point is the connection: its remote address and the
    /// client certificate negotiated in the TLS handshake (validated by the server's certificate
    /// rules, e.g. Kestrel's <c>ClientCertificateValidation</c>; with <c>AllowAnyClientCertificate()</c>, any
    /// certificate, self-signed or expired, is trusted). A certificate requested later by renegotiation is not seen
    /// by that request. For other identities use <see cref="TrustDecider"/>, which sees the
    /// whole <see cref="HttpContext"/> as it is at that moment (connection, headers), and validate the
    /// credential there yourself.
    /// </remarks>
    public bool TrustClientCertificates { get; set; }

    /// <summary>
    /// Gets or sets a per-request trust decision, consulted first. It returns the policy for the
    /// request, or <see langword="null"/> to fall back to the built-in rules. A value that is not a defined
    /// <see cref="TrustPolicy"/> is treated as a decider that throws: the request gets <see cref="UntrustedPolicy"/>
    /// (and a warning, event 1008, once).
    /// </summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    /// <remarks>
    /// Runs once per request while hosting extracts the inbound context, before any middleware
    /// (see <see cref="TrustClientCertificates"/> for what is known then). It must not throw; if it
    /// does, the request gets <see cref="UntrustedPolicy"/> and the error is logged. It must be quick (nothing can
    /// cancel it) and must not read <see cref="HttpRequest.Body"/>: that read throws, or with synchronous IO allowed
    /// consumes the body the handler would get.
    /// </remarks>
    public Func<HttpContext, TrustPolicy?>? TrustDecider { get; set; }

    /// <summary>Gets or sets a value indicating whether responses carry the ids of the server span.</summary>
    /// <value>Defaults to <see langword="true"/>.</value>
    public bool EchoResponseHeaders { get; set; } = true;

    /// <summary>Gets or sets the response header that carries the server span's trace id.</summary>
    /// <value>Defaults to <c>X-Trace-ID</c>.</value>
    /// <remarks>The echo writes over the response's header of that name: a header the response already uses (framing,
    /// content, connection, routing, cookies, <c>traceresponse</c>, <c>grpc-</c> names) fails validation.</remarks>
    public string TraceIdResponseHeader { get; set; } = "X-Trace-ID";

    /// <summary>Gets or sets the response header that carries the server span's span id.</summary>
    /// <value>Defaults to <c>X-Span-ID</c>.</value>
    /// <remarks>The echo writes over the response's header of that name: a header the response already uses (framing,
    /// content, connection, routing, cookies, <c>traceresponse</c>, <c>grpc-</c> names) fails validation.</remarks>
    public string SpanIdResponseHeader { get; set; } = "X-Span-ID";

    /// <summary>Gets or sets a value indicating whether a W3C <c>traceresponse</c> header is sent when the trust policy restarted the trace.</summary>
    /// <value>Defaults to <see langword="true"/> (only sent when <see cref="EchoResponseHeaders"/> is on).</value>
    public bool EchoTraceResponse { get; set; } = true;

    /// <summary>Gets the request headers recorded on the server span as <c>http.request.header.&lt;name&gt;</c>.</summary>
    /// <value>Defaults to empty. A header's first 16 values (lines) are recorded, each cut at 256 characters; credential
    /// headers are recorded as <c>REDACTED</c>.</value>
    public IList<string> CapturedRequestHeaders { get; } = [];

    /// <summary>
    /// Gets extra header names treated as credentials, on top of <c>Authorization</c>,
    /// <c>Proxy-Authorization</c>, <c>Cookie</c>, <c>Set-Cookie</c> and any name containing (without case)
    /// <c>api-key</c>, <c>apikey</c>, <c>api_key</c>, <c>token</c>, <c>secret</c> or <c>password</c> with no letter after it.
    /// </summary>
    /// <value>Defaults to empty.</value>
    public IList<string> RedactedHeaders { get; } = [];

    /// <summary>Gets or sets a value indicating whether every query value in <c>url.query</c> and <c>url.full</c> is replaced by <c>REDACTED</c> (names are kept).</summary>
    /// <value>Defaults to <see langword="true"/>. When off, only the values of <see cref="RedactedQueryParameters"/> are redacted.</value>
    /// <remarks>A query part without <c>=</c> has no value: it is kept (<c>?debug</c>, <c>?v2</c>) unless it looks like a
    /// credential (24 or more characters, all letters, digits or <c>-_.~+/%</c>, as a bare JWT or API key is), which is
    /// redacted whole whatever this option says; so is such a part followed by base64 padding alone (<c>=</c> or
    /// <c>==</c>, which <see cref="Uri"/> leaves unescaped).</remarks>
    public bool RedactQueryValues { get; set; } = true;

    /// <summary>Gets query parameter names whose values are always redacted (case-insensitive).</summary>
    /// <value>
    /// Defaults to <c>access_token</c>, <c>token</c>, <c>api_key</c>, <c>apikey</c>, <c>key</c>, <c>password</c>,
    /// <c>secret</c>, <c>sig</c>, <c>signature</c>, <c>code</c>; the OAuth and OpenID Connect credentials
    /// <c>client_secret</c>, <c>refresh_token</c>, <c>id_token</c>, <c>id_token_hint</c>; and the signed-URL names the
    /// OpenTelemetry <c>url.query</c> convention lists, <c>AWSAccessKeyId</c>, <c>X-Amz-Credential</c>,
    /// <c>X-Amz-Security-Token</c>, <c>X-Amz-Signature</c>, <c>X-Goog-Signature</c>, with <c>X-Goog-Credential</c>.
    /// </value>
    public IList<string> RedactedQueryParameters { get; } =
    [
        "access_token", "token", "api_key", "apikey", "key", "password", "secret", "sig", "signature", "code",
        "client_secret", "refresh_token", "id_token", "id_token_hint",
        "AWSAccessKeyId", "X-Amz-Credential", "X-Amz-Security-Token", "X-Amz-Signature", "X-Goog-Signature", "X-Goog-Credential",
    ];

    /// <summary>
    /// Gets the HTTP methods known to the server and client spans: a request with one of them records it as
    /// <c>http.request.method</c>; any other records <c>_OTHER</c> with the method as <c>http.request.method_original</c>
    /// and names its span <c>HTTP</c> (OpenTelemetry HTTP semantic conventions).
    /// </summary>
    /// <value>
    /// Defaults to empty: the conventions' list (<c>GET</c>, <c>HEAD</c>, <c>POST</c>, <c>PUT</c>, <c>DELETE</c>,
    /// <c>CONNECT</c>, <c>OPTIONS</c>, <c>TRACE</c>, <c>PATCH</c>, <c>QUERY</c>), matched without case as ASP.NET Core and
    /// <c>HttpClient</c> match methods: <c>get</c> records <c>GET</c>, with <c>get</c> as <c>http.request.method_original</c>.
    /// <c>OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS</c> (a comma-separated list; empty or blank counts as unset) sets it
    /// unless the <c>Tracing</c> section sets <c>KnownHttpMethods</c>.
    /// </value>
    /// <remarks>
    /// A list given <b>replaces</b> the default list (it does not add to it) and is matched <b>with</b> case, as the
    /// conventions require: with <c>["GET", "PURGE"]</c>, <c>POST</c> and <c>get</c> record <c>_OTHER</c>. Each entry must
    /// be an HTTP method (an RFC 9110 token of at most 256 characters) other than <c>_OTHER</c>, at most 64 entries;
    /// a duplicate is ignored. Invalid entries fail validation at start-up.
    /// </remarks>
    public IList<string> KnownHttpMethods { get; } = [];

    /// <summary>Gets the outbound destination policy: how much context each host receives, by host name.</summary>
    /// <value>
    /// Defaults to empty. Keys are a host name (<c>api.partner.com</c>), an IP address (<c>10.0.0.5</c>,
    /// <c>::1</c> or <c>[::1]</c>), a wildcard for a name's subdomains (<c>*.partner.com</c>, which does not
    /// match <c>partner.com</c> itself) or <c>*</c>; an exact name wins over a wildcard, the longest wildcard
    /// wins over shorter ones.
    /// </value>
    /// <remarks>
    /// Names are compared without case, an internationalised name in either form (<c>bücher.example</c> and
    /// <c>xn--bcher-kva.example</c> are one host), and without the trailing root dot (<c>api.partner.com.</c>
    /// is <c>api.partner.com</c>); an IPv6 address in its canonical form, without the zone id. A key applies to
    /// its host on every port: a key with a port (<c>api.partner.com:8443</c>) fails validation, as do two keys
    /// that name one host. An IPv6 key can only be set in code: a configuration key cannot contain <c>:</c>.
    /// </remarks>
    public IDictionary<string, InjectionScope> OutboundDestinations { get; } =
        new Dictionary<string, InjectionScope>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets or sets how much context a host not listed in <see cref="OutboundDestinations"/> receives.</summary>
    /// <value>Defaults to <see cref="InjectionScope.Full"/>.</value>
    public InjectionScope DefaultOutboundScope { get; set; } = InjectionScope.Full;

    /// <summary>
    /// Gets or sets a value indicating whether trace headers that the caller of <c>HttpClient</c> set
    /// explicitly are overwritten by the client span's headers.
    /// </summary>
    /// <value>
    /// Defaults to <see langword="false"/>: a caller-set trace header is kept. When it carries ids, no other trace
    /// format is added beside it; when it carries none (<c>tracestate</c>, a B3 sampling decision alone), the
    /// client span's headers are added under the other names. Headers injected by this library on a previous
    /// attempt are always replaced.
    /// </value>
    public bool OverwriteCallerHeaders { get; set; }

    /// <summary>Gets or sets the duration over which a request is marked slow (span attribute <c>propagation.slow</c>) and logged as a warning.</summary>
    /// <value>Defaults to <see langword="null"/> (off). Must be positive when set.</value>
    public TimeSpan? SlowRequestThreshold { get; set; }

    /// <summary>Gets or sets a value indicating whether each finished server span is written as one structured log line.</summary>
    /// <value>Defaults to <see langword="false"/>. The line has <c>trace_id</c>, <c>span_id</c>, <c>parent_id</c>, <c>operation</c>, <c>duration_ms</c>, <c>service</c> and <c>status_code</c>.</value>
    public bool LogSpans { get; set; }

    /// <summary>Gets or sets a value indicating whether the request's log scope carries <c>TraceId</c> and <c>SpanId</c>.</summary>
    /// <value>Defaults to <see langword="true"/>. The scope carries only the ids the logger factory's activity tracking does not add already (<c>ActivityTrackingOptions</c>), and is skipped when it adds both.</value>
    public bool IncludeLogScope { get; set; } = true;

    /// <summary>Errors found while reading configuration (<c>OTEL_PROPAGATORS</c>, <c>OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS</c>, values of the <c>Tracing</c> section that cannot be converted); reported by validation.</summary>
    internal List<string> ConfigurationErrors { get; } = [];
}
