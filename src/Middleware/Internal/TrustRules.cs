using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Propagation.Middleware.Internal;

/// <summary>The per-request trust decision of <see cref="TracingOptions"/>: decider, trusted networks, client certificates.</summary>
internal sealed class TrustRules
{
    private readonly IPNetwork[] _networks;
    private readonly bool _certificates;
    private readonly Func<HttpContext, TrustPolicy?>? _decider;
    private readonly ILogger _logger;
    private readonly PropagationHealth? _health;
    private int _undefinedWarned;

    // 1 once a throwing decider has been logged: later failures are only counted (a decider that always throws
    // would otherwise write an Error line per request).
    private int _failureLogged;

    public TrustRules(TracingOptions options, ILogger logger, PropagationHealth? health = null)
    {
        var networks = new List<IPNetwork>();
        foreach (var text in options.TrustedNetworks)
        {
            if (TryParseNetwork(text, out var network))
            {
                networks.Add(network);
            }
        }

        _networks = [.. networks];
        _certificates = options.TrustClientCertificates;
        _decider = options.TrustDecider;
        Default = options.DefaultTrustPolicy;
        Untrusted = options.UntrustedPolicy;
        _logger = logger;
        _health = health;
        HasRules = _networks.Length > 0 || _certificates;
    }

    /// <summary>Gets the policy of trusted callers (or of everyone when no rule is configured).</summary>
    public TrustPolicy Default { get; }

    /// <summary>Gets the policy of callers no rule trusts.</summary>
    public TrustPolicy Untrusted { get; }

    /// <summary>Gets a value indicating whether a network or certificate rule is configured.</summary>
    public bool HasRules { get; }

    /// <summary>Gets a value indicating whether the decision depends on the request (otherwise it is always <see cref="Default"/>).</summary>
    public bool IsPerRequest => HasRules || _decider is not null;

    /// <summary>Decides the policy of one request. Never throws.</summary>
    public TrustPolicy Decide(HttpContext? context)
    {
        if (context is null)
        {
            // Not one of this host's requests: trust only when no rule restricts trust.
            return IsPerRequest ? Untrusted : Default;
        }

        if (_decider is not null)
        {
            try
            {
                if (_decider(context) is { } decided)
                {
                    if (Enum.IsDefined(decided))
                    {
                        return decided;
                    }

                    // A value no policy has is a decider bug, like one that throws: the caller is not trusted.
                    WarnUndefinedDecision(decided);
                    return Untrusted;
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A failing decider must not fail the request (hosting calls us before any middleware).
                ReportDeciderFailure(ex);
                return Untrusted;
            }
        }

        if (!HasRules)
        {
            return Default;
        }

        var connection = context.Connection;
        var address = connection.RemoteIpAddress;
        if (address is not null && _networks.Length > 0)
        {
            if (address.IsIPv4MappedToIPv6)
            {
                address = address.MapToIPv4();
            }

            foreach (var network in _networks)
            {
                if (network.Contains(address))
                {
                    return Default;
                }
            }
        }

        if (_certificates && connection.ClientCertificate is not null)
        {
            return Default;
        }

        return Untrusted;
    }

    /// <summary>Counts a request whose <see cref="TracingOptions.TrustDecider"/> threw, and logs the first such exception.</summary>
    private void ReportDeciderFailure(Exception exception)
    {
        _health?.RecordAdditional(PropagationIssues.TrustDeciderFailed);
        if (Interlocked.Exchange(ref _failureLogged, 1) == 0)
        {
            Log.TrustDeciderFailed(_logger, exception);
        }
    }

    /// <summary>Counts a request whose <see cref="TracingOptions.TrustDecider"/> returned a value that is not a
    /// <see cref="TrustPolicy"/>, and warns the first time.</summary>
    private void WarnUndefinedDecision(TrustPolicy decided)
    {
        _health?.RecordAdditional(PropagationIssues.TrustDeciderFailed);
        if (Interlocked.Exchange(ref _undefinedWarned, 1) == 0)
        {
            Log.TrustDeciderUndefined(_logger, (int)decided);
        }
    }

    /// <summary>Parses <c>address/prefix</c> or a bare address (a single-address network).</summary>
    public static bool TryParseNetwork(string? text, out IPNetwork network)
    {
        network = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var span = text.AsSpan().Trim();
        if (span.Contains('/'))
        {
            if (!IPNetwork.TryParse(span, out network))
            {
                return false;
            }
        }
        else
        {
            if (!IPAddress.TryParse(span, out var address))
            {
                return false;
            }

            network = new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
        }

        // Decide compares IPv4-mapped remote addresses as IPv4, so a rule written in the mapped form (as Kestrel's
        // dual-mode sockets report the address, ::ffff:10.1.2.3) is its IPv4 network.
        if (network.PrefixLength >= 96 && network.BaseAddress.IsIPv4MappedToIPv6)
        {
            network = new IPNetwork(network.BaseAddress.MapToIPv4(), network.PrefixLength - 96);
        }

        return true;
    }
}
