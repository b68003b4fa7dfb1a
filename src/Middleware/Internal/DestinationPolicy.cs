using System.Collections.Frozen;

namespace Propagation.Middleware.Internal;

/// <summary>Resolves how much context an outbound host receives (<see cref="TracingOptions.OutboundDestinations"/>).</summary>
internal sealed class DestinationPolicy
{
    private readonly FrozenDictionary<string, InjectionScope> _exact;
    private readonly (string Suffix, InjectionScope Scope)[] _wildcards;
    private readonly InjectionScope _fallback;

    public DestinationPolicy(IDictionary<string, InjectionScope> destinations, InjectionScope fallback)
    {
        var exact = new Dictionary<string, InjectionScope>(StringComparer.OrdinalIgnoreCase);
        var wildcards = new List<(string, InjectionScope)>();
        _fallback = fallback;
        foreach (var (pattern, scope) in destinations)
        {
            var trimmed = pattern.Trim();
            if (trimmed == "*")
            {
                _fallback = scope;
            }
            else if (trimmed.StartsWith("*.", StringComparison.Ordinal))
            {
                wildcards.Add((trimmed[1..], scope)); // ".partner.com"
            }
            else
            {
                exact[trimmed] = scope;
            }
        }

        // Longest suffix first, so the most specific wildcard wins.
        wildcards.Sort(static (a, b) => b.Item1.Length.CompareTo(a.Item1.Length));
        _wildcards = [.. wildcards];
        _exact = exact.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
    }

    public InjectionScope Resolve(Uri? uri)
    {
        if (uri is null || !uri.IsAbsoluteUri)
        {
            return _fallback;
        }

        var host = uri.Host;
        if (_exact.TryGetValue(host, out var scope))
        {
            return scope;
        }

        foreach (var (suffix, wildcardScope) in _wildcards)
        {
            if (host.Length > suffix.Length && host.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                return wildcardScope;
            }
        }

        return _fallback;
    }

    public static bool IsValidPattern(string? pattern)
    {
        if (string.IsNullOrWhiteSpace(pattern))
        {
            return false;
        }

        var span = pattern.AsSpan().Trim();
        if (span is "*")
        {
            return true;
        }

        if (span.StartsWith("*."))
        {
            span = span[2..];
        }

        if (span.IsEmpty || span.Length > 253)
        {
            return false;
        }

        foreach (var c in span)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or ':' or '[' or ']'))
            {
                return false;
            }
        }

        return true;
    }
}
