using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Propagation.Middleware.Internal;

/// <summary>Resolves how much context an outbound host receives (<see cref="TracingOptions.OutboundDestinations"/>).</summary>
/// <remarks>
/// Patterns and request hosts are compared in one normal form: a host name in lowercase ASCII (an
/// internationalised name in its punycode form, <c>xn--...</c>) without the trailing root dot, an IPv4
/// address in dotted decimal, an IPv6 address without brackets or zone id. Patterns are normalised once here;
/// a request's host comes from <see cref="Uri.IdnHost"/>, which <see cref="Uri"/> computes once and caches
/// (for an ASCII name it is the <see cref="Uri.Host"/> string itself), so <see cref="Resolve"/> allocates nothing.
/// An IPv4 address is compared in the dotted decimal form <see cref="Uri"/> gives any form of it (<c>127.1</c> is
/// <c>127.0.0.1</c>).
/// A pattern names a host on every port: a pattern with a port is rejected at start-up.
/// </remarks>
internal sealed class DestinationPolicy
{
    private const string PatternHint = "use a host name (api.partner.com), an IP address, *.domain or *";

    private readonly FrozenDictionary<string, InjectionScope>.AlternateLookup<ReadOnlySpan<char>> _exact;
    private readonly (string Suffix, InjectionScope Scope)[] _wildcards;
    private readonly InjectionScope _fallback;

    public DestinationPolicy(IDictionary<string, InjectionScope> destinations, InjectionScope fallback)
    {
        var exact = new Dictionary<string, InjectionScope>(StringComparer.OrdinalIgnoreCase);
        var wildcards = new List<(string, InjectionScope)>();
        _fallback = fallback;
        foreach (var (pattern, scope) in destinations)
        {
            // Validation rejects these at start-up; a pattern that is not a host could never match one.
            if (!TryNormalizePattern(pattern, out var normalized, out _))
            {
                continue;
            }

            if (normalized == "*")
            {
                _fallback = scope;
            }
            else if (normalized.StartsWith("*.", StringComparison.Ordinal))
            {
                wildcards.Add((normalized[1..], scope)); // ".partner.com"
            }
            else
            {
                exact[normalized] = scope;
            }
        }

        // Longest suffix first, so the most specific wildcard wins.
        wildcards.Sort(static (a, b) => b.Item1.Length.CompareTo(a.Item1.Length));
        _wildcards = [.. wildcards];
        _exact = exact.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase).GetAlternateLookup<ReadOnlySpan<char>>();
        DependsOnHost = exact.Values.Any(s => s != _fallback) || wildcards.Exists(w => w.Item2 != _fallback);
    }

    /// <summary>
    /// Gets a value indicating whether some hosts get another scope than the rest (a host or wildcard rule whose
    /// scope differs from the one for unlisted hosts, which <c>*</c> may set): only then can a redirect reach a host
    /// allowed less than the first one.
    /// </summary>
    public bool DependsOnHost { get; }

    public InjectionScope Resolve(Uri? uri)
    {
        if (uri is null || !uri.IsAbsoluteUri)
        {
            return _fallback;
        }

        var host = NormalizedHost(uri);
        if (_exact.TryGetValue(host, out var scope))
        {
            return scope;
        }

        var wildcards = _wildcards;
        for (var i = 0; i < wildcards.Length; i++)
        {
            var (suffix, wildcardScope) = wildcards[i];
            if (host.Length > suffix.Length && host.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                return wildcardScope;
            }
        }

        return _fallback;
    }

    /// <summary>
    /// Brings a destination pattern to the form <see cref="Resolve"/> compares with: <c>*</c>,
    /// <c>*.</c> followed by a host name, or a host (see the class remarks).
    /// </summary>
    /// <param name="pattern">The pattern as configured.</param>
    /// <param name="normalized">The normal form, when the pattern is valid.</param>
    /// <param name="problem">When the pattern is invalid, what is wrong and the fix, as a clause that follows the pattern's name.</param>
    /// <returns><see langword="true"/> when the pattern is valid.</returns>
    public static bool TryNormalizePattern(
        string? pattern,
        [NotNullWhen(true)] out string? normalized,
        [NotNullWhen(false)] out string? problem)
    {
        normalized = null;
        if (string.IsNullOrWhiteSpace(pattern))
        {
            problem = $"is empty; {PatternHint}.";
            return false;
        }

        var text = pattern.Trim();
        if (text == "*")
        {
            normalized = text;
            problem = null;
            return true;
        }

        var wildcard = text.StartsWith("*.", StringComparison.Ordinal);
        if (!TryNormalizeHost(wildcard ? text[2..] : text, wildcard, out var host, out problem))
        {
            return false;
        }

        normalized = wildcard ? "*." + host : host;
        return true;
    }

    /// <summary>The request's host in the normal form of the patterns, as a slice of <see cref="Uri.IdnHost"/> (no allocation).</summary>
    private static ReadOnlySpan<char> NormalizedHost(Uri uri)
    {
        // IdnHost: lowercase punycode for names, an IPv6 address without brackets (with its zone id, if any).
        ReadOnlySpan<char> host = uri.IdnHost;
        if (uri.HostNameType == UriHostNameType.IPv6)
        {
            var zone = host.IndexOf('%');
            return zone < 0 ? host : host[..zone];
        }

        // RFC 1034 section 3.1: "api.partner.com." is the fully qualified form of "api.partner.com".
        return host.EndsWith('.') ? host[..^1] : host;
    }

    private static bool TryNormalizeHost(string host, bool wildcard, [NotNullWhen(true)] out string? normalized, [NotNullWhen(false)] out string? problem)
    {
        normalized = null;
        problem = null;
        if (host.Length == 0)
        {
            problem = $"names no domain after '*.'; {PatternHint}.";
            return false;
        }

        if (host.Contains('%', StringComparison.Ordinal))
        {
            problem = "has an IPv6 zone id (%...), which is not compared; remove it.";
            return false;
        }

        // An IPv6 address, bare (::1) or in URI brackets ([::1]). RFC 3986 section 3.2.2: a port follows the brackets.
        if (host.StartsWith('['))
        {
            var close = host.IndexOf(']', StringComparison.Ordinal);
            if (close > 0 && close + 1 < host.Length && host[close + 1] == ':')
            {
                problem = PortProblem(host[..(close + 1)]);
                return false;
            }

            if (!wildcard && close == host.Length - 1 && TryParseIPv6(host.AsSpan(1, close - 1), out normalized))
            {
                return true;
            }

            problem = $"is not a host name or IP address; {PatternHint}.";
            return false;
        }

        var colon = host.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0)
        {
            if (host.IndexOf(':', colon + 1) < 0)
            {
                problem = PortProblem(host[..colon]);
                return false;
            }

            if (!wildcard && TryParseIPv6(host, out normalized))
            {
                return true;
            }

            problem = $"is not a host name or IP address; {PatternHint}.";
            return false;
        }

        // A host name or an IPv4 address: the root dot is dropped, an internationalised name becomes punycode
        // (UTS #46, as Uri.IdnHost does), and ASCII letters are compared in lowercase.
        var name = host.EndsWith('.') ? host[..^1] : host;
        string ascii;
        try
        {
            ascii = name.Length == 0 ? string.Empty : new IdnMapping().GetAscii(name);
        }
        catch (ArgumentException)
        {
            ascii = string.Empty;
        }

        // A valid internationalised name takes the form Uri gives the request's host. In globalization-invariant mode
        // IdnMapping encodes without the UTS #46 mapping ("BÜCHER" would be the punycode of the capitals), while Uri
        // lowercases the host first: its IdnHost is then the name the requests carry. Once per pattern.
        if (ascii.Length != 0 && !System.Text.Ascii.IsValid(name)
            && Uri.TryCreate("http://" + name + "/", UriKind.Absolute, out var named) && named.HostNameType == UriHostNameType.Dns)
        {
            ascii = named.IdnHost;
        }

        if (ascii.Length is 0 or > 253 || !IsHostName(ascii))
        {
            problem = $"is not a host name or IP address; {PatternHint}.";
            return false;
        }

        // An IPv4 address in another form than dotted decimal (127.1, 0x7f.0.0.1, 2130706433, a leading 0 for octal)
        // names the address Uri makes of it, and Uri.IdnHost is then the dotted decimal form: compared as written, the
        // pattern would never match (RFC 3986 section 7.4 notes these forms). Uri decides, so the two agree.
        if (!wildcard && Uri.TryCreate("http://" + ascii + "/", UriKind.Absolute, out var address) && address.HostNameType == UriHostNameType.IPv4)
        {
            normalized = address.IdnHost;
            return true;
        }

        normalized = ascii.ToLowerInvariant();
        return true;
    }

    private static bool IsHostName(string ascii)
    {
        foreach (var c in ascii)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_'))
            {
                return false;
            }
        }

        return true;
    }

    private static bool TryParseIPv6(ReadOnlySpan<char> text, [NotNullWhen(true)] out string? normalized)
    {
        if (IPAddress.TryParse(text, out var address) && address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            normalized = address.ToString(); // RFC 5952 form, as Uri formats the request's host
            return true;
        }

        normalized = null;
        return false;
    }

    private static string PortProblem(string host) =>
        $"names a port; a destination pattern applies to its host on every port, so use '{HeaderRules.Printable(host)}'.";
}
