using System.Collections.Frozen;

namespace Propagation.Middleware.Internal;

/// <summary>
/// <c>http.request.method</c>, <c>http.request.method_original</c> and the span name's method, per the OpenTelemetry HTTP
/// semantic conventions, for the server and the client span. Known methods are returned as constants (the default list)
/// or as the configured strings (<see cref="TracingOptions.KnownHttpMethods"/>): no allocation.
/// </summary>
internal sealed class HttpMethodNames
{
    /// <summary>The most entries <see cref="TracingOptions.KnownHttpMethods"/> may have.</summary>
    public const int MaxKnownMethods = 64;

    /// <summary>The conventions' default list, matched without case.</summary>
    public static readonly HttpMethodNames Default = new(null);

    /// <summary>The <c>http.request.method</c> of a method the conventions do not know.</summary>
    public const string Other = "_OTHER";

    /// <summary>The span name's method for <see cref="Other"/>: the conventions name such a span <c>HTTP</c> (<c>HTTP {route}</c>).</summary>
    public const string OtherSpanName = "HTTP";

    private const string Get = "GET";
    private const string Head = "HEAD";
    private const string Post = "POST";
    private const string Put = "PUT";
    private const string Delete = "DELETE";
    private const string Connect = "CONNECT";
    private const string Options = "OPTIONS";
    private const string Trace = "TRACE";
    private const string Patch = "PATCH";
    private const string Query = "QUERY";

    /// <summary>The configured list, matched with case; <see langword="null"/> for the default list.</summary>
    private readonly FrozenSet<string>? _configured;

    private HttpMethodNames(FrozenSet<string>? configured) => _configured = configured;

    /// <summary>
    /// The names for a validated <see cref="TracingOptions.KnownHttpMethods"/>: <see cref="Default"/> when it is empty,
    /// else its methods alone (the conventions: the list fully overrides the default one, and is case-sensitive).
    /// </summary>
    public static HttpMethodNames Create(IList<string> knownMethods) =>
        knownMethods.Count == 0 ? Default : new(knownMethods.ToFrozenSet(StringComparer.Ordinal));

    /// <summary>
    /// The method's <c>http.request.method</c>: with the default list, a known one (RFC 9110's, PATCH of RFC 5789, QUERY
    /// of the safe-method-with-body draft, as the conventions list them) by its canonical, upper-case name, matched
    /// without case as ASP.NET Core and HttpClient match methods; with a configured list, one of its methods matched with
    /// case, as the configured string; any other <see cref="Other"/>. <paramref name="original"/> is the
    /// method as received when it differs from the value returned (the conventions require
    /// <c>http.request.method_original</c> then); the method comes from the caller, so an unknown one is given only when
    /// it is an RFC 9110 token of at most 256 characters (<see cref="HeaderRules.IsToken"/>; Kestrel rejects any other,
    /// a server other than Kestrel may pass anything), else <see langword="null"/>.
    /// </summary>
    public string Normalize(string method, out string? original)
    {
        var canonical = _configured is null ? Known(method) : _configured.TryGetValue(method, out var configured) ? configured : null;
        if (canonical is not null)
        {
            original = ReferenceEquals(canonical, method) || string.Equals(canonical, method, StringComparison.Ordinal) ? null : method;
            return canonical;
        }

        original = HeaderRules.IsToken(method) ? method : null;
        return Other;
    }

    /// <summary>The method as a span name starts: <c>http.request.method</c>, or <see cref="OtherSpanName"/> for <see cref="Other"/>.</summary>
    public static string SpanName(string normalized) =>
        ReferenceEquals(normalized, Other) ? OtherSpanName : normalized;

    private static string? Known(string method) => method.Length switch
    {
        3 => Is(method, Get) ? Get : Is(method, Put) ? Put : null,
        4 => Is(method, Post) ? Post : Is(method, Head) ? Head : null,
        5 => Is(method, Patch) ? Patch : Is(method, Trace) ? Trace : Is(method, Query) ? Query : null,
        6 => Is(method, Delete) ? Delete : null,
        7 => Is(method, Options) ? Options : Is(method, Connect) ? Connect : null,
        _ => null,
    };

    private static bool Is(string method, string known) =>
        ReferenceEquals(method, known) || string.Equals(method, known, StringComparison.OrdinalIgnoreCase);
}
