using System.Buffers;
using System.Collections.Frozen;
using Propagation.Collector.Internal;

namespace Propagation.Middleware.Internal;

/// <summary>Header-name checks and the credential list used for redaction.</summary>
internal static class HeaderRules
{
    /// <summary>The value recorded instead of a credential or a redacted query value.</summary>
    public const string Redacted = "REDACTED";

    /// <summary>Captured header values are cut at this many characters.</summary>
    public const int MaxCapturedValueLength = 256;

    /// <summary>
    /// A captured header's first this many values (lines) are recorded, the rest dropped: with each cut at
    /// <see cref="MaxCapturedValueLength"/>, at most 4096 characters per header, the span store's default attribute bound.
    /// </summary>
    public const int MaxCapturedValues = 16;

    /// <summary>
    /// The longest host recorded as <c>server.address</c>: a DNS name is at most 253 characters in its text form
    /// (255 octets on the wire, RFC 1035 section 2.3.4); an IP literal is shorter.
    /// </summary>
    public const int MaxHostLength = 253;

    /// <summary>
    /// <c>url.path</c> is cut at this many characters, the most of a query <see cref="QueryRedactor"/> looks at: a server
    /// other than Kestrel (TestServer, IIS, HTTP.sys, a custom one) may pass a request line of any length.
    /// </summary>
    public const int MaxPathLength = QueryRedactor.MaxQueryLength;

    /// <summary>
    /// Cuts a percent-encoded URI component (all ASCII, each <c>%</c> the start of a <c>%XX</c> escape) at
    /// <paramref name="maxLength"/> characters, before an escape the cut would split. Within the bound, the same string.
    /// </summary>
    public static string CutUriComponent(string value, int maxLength)
    {
        if (value.Length <= maxLength)
        {
            return value;
        }

        var length = maxLength;
        if (value[length - 1] == '%')
        {
            length--;
        }
        else if (length >= 2 && value[length - 2] == '%')
        {
            length -= 2;
        }

        return value[..length];
    }

    // RFC 9110 section 5.6.2: token = 1*tchar.
    private static readonly SearchValues<char> TokenChars =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

    /// <summary>
    /// Whether a Host header's (or call authority's) port is a port, 1-65535. Kestrel checks a port's characters, not
    /// its range, so <c>:0</c> and <c>:65536</c> arrive; a span records no <c>server.port</c> for them.
    /// </summary>
    public static bool IsPort(int value) => value is > 0 and <= ushort.MaxValue;

    /// <summary>
    /// Whether a Host header's (or call authority's) host can be one: at most <see cref="MaxHostLength"/> characters,
    /// one more for a root dot. Kestrel bounds a Host only by its header-size limits, other servers may not bound it at all;
    /// a span records neither a longer one nor a cut of it (a cut name names another host), and no port from the same header.
    /// </summary>
    public static bool IsHostLength(string host) =>
        host.Length <= MaxHostLength || (host.Length == MaxHostLength + 1 && host[^1] == '.');

    /// <summary>
    /// Whether a Host header value names a port, <paramref name="host"/> being its <see cref="Microsoft.AspNetCore.Http.HostString.Host"/>
    /// (a part of the value): text after the host and its colon. <see cref="Microsoft.AspNetCore.Http.HostString.Port"/> is
    /// <see langword="null"/> both when none is named and when the one named does not parse (<c>:abc</c>,
    /// <c>:99999999999</c>); an empty port (<c>example.com:</c>) names none (RFC 3986 section 3.2.3).
    /// </summary>
    public static bool NamesPort(string value, string host) => value.Length > host.Length + 1;

    public static bool IsToken(string? value) =>
        !string.IsNullOrEmpty(value) && value.Length <= 256 && !value.AsSpan().ContainsAnyExcept(TokenChars);

    /// <summary>Builds the set of credential header names: the built-in ones and the configured extras.</summary>
    public static FrozenSet<string> CreateCredentialSet(IEnumerable<string> extra)
    {
        var set = new HashSet<string>(CredentialNames.BuiltIn, StringComparer.OrdinalIgnoreCase);
        foreach (var name in extra)
        {
            set.Add(name);
        }

        return set.ToFrozenSet(StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Gets a value indicating whether a header carries a credential (named, or with a credential-like name).</summary>
    public static bool IsCredential(string name, FrozenSet<string> credentials)
    {
        if (credentials.Contains(name))
        {
            return true;
        }

        // One rule with the span attributes' redaction (store, json exporter): Collector's CredentialNames.
        return CredentialNames.ContainsFragment(name);
    }

    /// <summary>Makes a configured value safe to put in an error message: short and printable.</summary>
    public static string Printable(string? value)
    {
        if (value is null)
        {
            return "(null)";
        }

        var length = Math.Min(value.Length, 64);
        return string.Create(length, value, static (span, source) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                var c = source[i];
                span[i] = c is >= ' ' and <= '~' ? c : '?';
            }
        });
    }
}
