using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Propagation.Middleware.Internal;

namespace Propagation.Interceptors;

/// <summary>
/// The <c>server.address</c>/<c>server.port</c> values of the last authority seen (host and boxed port),
/// so calls to or on the same host do not split the authority and box the port on every call.
/// </summary>
internal sealed class AuthorityCache
{
    private readonly bool _fromUriComponent;
    private readonly LastPortBox _fallbackPort = new();
    private Authority? _last;

    /// <param name="fromUriComponent">Parse with <see cref="HostString.FromUriComponent(string)"/> (a call's host) rather than as a raw Host header value.</param>
    public AuthorityCache(bool fromUriComponent) => _fromUriComponent = fromUriComponent;

    /// <summary>
    /// Sets (<paramref name="own"/>: adds, on a span just started) <c>server.address</c> (when the request's Host has a value) and <c>server.port</c> (its port
    /// when it is one, 1-65535; nothing when it names one that is not, out of range or not a number, as on the HTTP server span; else, when it names
    /// none, the connection's local port, when positive). A Host whose host is longer than a host name (<see cref="HeaderRules.IsHostLength"/>)
    /// counts as none.
    /// </summary>
    public void SetHostHeaderTags(Activity activity, HttpContext http, bool own)
    {
        var authority = http.Request.Host.Value;
        var parsed = string.IsNullOrEmpty(authority) ? null : Get(authority);
        if (parsed?.Host is not null)
        {
            RpcSpan.Tag(activity, GrpcTracingConventions.ServerAddress, parsed.Host, own);
            if (parsed.Port is not null || HeaderRules.NamesPort(parsed.Raw, parsed.Host))
            {
                if (parsed.BoxedPort is { } port)
                {
                    RpcSpan.Tag(activity, GrpcTracingConventions.ServerPort, port, own);
                }

                return;
            }
        }

        if (http.Connection.LocalPort is var fallbackPort && fallbackPort > 0)
        {
            RpcSpan.Tag(activity, GrpcTracingConventions.ServerPort, _fallbackPort.Get(fallbackPort), own);
        }
    }

    /// <summary>Sets (<paramref name="own"/>: adds, on a span just started) <c>server.address</c> and, when the authority names a valid one (1-65535), <c>server.port</c>; nothing for an empty authority, or one whose host is longer than a host name (<see cref="HeaderRules.IsHostLength"/>).</summary>
    public void SetTags(Activity activity, string? authority, bool own)
    {
        if (string.IsNullOrEmpty(authority))
        {
            return;
        }

        var parsed = Get(authority);
        if (parsed.Host is null)
        {
            return;
        }

        RpcSpan.Tag(activity, GrpcTracingConventions.ServerAddress, parsed.Host, own);
        if (parsed.BoxedPort is not null)
        {
            RpcSpan.Tag(activity, GrpcTracingConventions.ServerPort, parsed.BoxedPort, own);
        }
    }

    private Authority Get(string authority)
    {
        var last = Volatile.Read(ref _last);
        if (last is not null && string.Equals(last.Raw, authority, StringComparison.Ordinal))
        {
            return last;
        }

        var host = _fromUriComponent ? FromUriComponent(authority) : new HostString(authority);
        last = new Authority(authority, host.Host, host.Port);
        Volatile.Write(ref _last, last);
        return last;
    }

    /// <summary>
    /// <see cref="HostString.FromUriComponent(string)"/> decodes a punycode (<c>xn--</c>) host to Unicode and throws
    /// <see cref="ArgumentException"/> when it is not valid punycode (<c>xn--a.example</c>): such a host is kept as written
    /// (the call goes to that name, and tracing never fails a call).
    /// </summary>
    private static HostString FromUriComponent(string authority)
    {
        try
        {
            return HostString.FromUriComponent(authority);
        }
        catch (ArgumentException)
        {
            return new HostString(authority);
        }
    }

    /// <summary>One authority split; an authority whose host is longer than a host name keeps neither host nor port
    /// (neither is recorded, nor a cut of the host, which would name another one), and is cached all the same so that
    /// it is not split again on every call.</summary>
    private sealed class Authority
    {
        public Authority(string raw, string host, int? port)
        {
            Raw = raw;
            if (!HeaderRules.IsHostLength(host))
            {
                return;
            }

            Host = host;
            Port = port;
            // Not recorded when it is not a port (":0", ":65536"), as on the HTTP server span.
            BoxedPort = port is int value && HeaderRules.IsPort(value) ? value : null;
        }

        public string Raw { get; }

        /// <summary>Gets the host, or <see langword="null"/> when longer than a host name.</summary>
        public string? Host { get; }

        public int? Port { get; }

        public object? BoxedPort { get; }
    }
}
