using Propagation.Middleware.Internal;

namespace Propagation.Middleware.Tests;

public sealed class DestinationPolicyTests
{
    [Theory]
    [InlineData("http://api.partner.example/x", InjectionScope.TraceParentOnly)]
    [InlineData("http://deep.eu.partner.example/x", InjectionScope.None)]
    [InlineData("http://eu.partner.example/x", InjectionScope.TraceParentOnly)]
    [InlineData("http://partner.example/x", InjectionScope.Full)]
    [InlineData("http://partner.example./x", InjectionScope.Full)] // the apex, fully qualified
    [InlineData("http://exact.partner.example/x", InjectionScope.Full)]
    [InlineData("http://other.example/x", InjectionScope.Full)]
    public void Resolve_Patterns_ExactThenLongestWildcardThenDefault(string url, InjectionScope expected)
    {
        // Arrange
        var policy = new DestinationPolicy(
            new Dictionary<string, InjectionScope>
            {
                ["*.partner.example"] = InjectionScope.TraceParentOnly,
                ["*.eu.partner.example"] = InjectionScope.None,
                ["EXACT.partner.example"] = InjectionScope.Full,
            },
            InjectionScope.Full);

        // Act
        var scope = policy.Resolve(new Uri(url));

        // Assert
        Assert.Equal(expected, scope);
    }

    [Fact]
    public void Resolve_StarPattern_ReplacesDefault()
    {
        // Arrange
        var policy = new DestinationPolicy(new Dictionary<string, InjectionScope> { ["*"] = InjectionScope.None }, InjectionScope.Full);

        // Act
        var scope = policy.Resolve(new Uri("http://anywhere.example/"));

        // Assert
        Assert.Equal(InjectionScope.None, scope);
    }

    [Theory]
    [InlineData("::1", "http://[::1]:8080/x")] // Uri.Host is "[::1]"
    [InlineData("0:0:0:0:0:0:0:1", "http://[::1]/x")] // the same address written out
    [InlineData("fe80::1", "http://[fe80::1%25eth0]/x")] // the zone id names the interface, not the host
    [InlineData("xn--bcher-kva.example", "http://bücher.example/x")] // Uri.Host is the Unicode form
    [InlineData("*.xn--bcher-kva.example", "http://api.bücher.example/x")]
    [InlineData("bücher.example", "http://xn--bcher-kva.example/x")] // a Unicode pattern matches the punycode host
    [InlineData("BÜCHER.example", "http://bücher.example/x")] // also in globalization-invariant mode, where IdnMapping maps no case
    [InlineData("*.BÜCHER.example", "http://api.bücher.example/x")]
    [InlineData("bücher.example", "http://BÜCHER.example/x")]
    [InlineData("*.bücher.example", "http://api.bücher.example/x")]
    [InlineData("api.partner.com", "http://api.partner.com./x")] // a fully qualified host keeps its root dot
    [InlineData("api.partner.com.", "http://api.partner.com/x")]
    [InlineData("*.partner.com", "http://api.partner.com./x")]
    [InlineData("127.1", "http://127.0.0.1/x")] // Uri writes an IPv4 address in dotted decimal, four parts
    [InlineData("127.1", "http://127.1/x")]
    [InlineData("0x7f.0.0.1", "http://127.0.0.1/x")]
    [InlineData("2130706433", "http://127.0.0.1/x")]
    [InlineData("127.0.0.1", "http://0177.0.0.1/x")] // a leading 0 is octal, to Uri and to the socket
    public void Resolve_PatternAndHostInDifferentForms_Match(string pattern, string url)
    {
        // Arrange
        var policy = new DestinationPolicy(new Dictionary<string, InjectionScope> { [pattern] = InjectionScope.None }, InjectionScope.Full);

        // Act
        var scope = policy.Resolve(new Uri(url));

        // Assert
        Assert.Equal(InjectionScope.None, scope);
    }

    [Theory]
    [InlineData("*", true)]
    [InlineData("*.example.com", true)]
    [InlineData("api.example.com", true)]
    [InlineData("bücher.example", true)] // internationalised names are compared in punycode
    [InlineData("", false)]
    [InlineData("*.", false)]
    [InlineData("bad host", false)]
    [InlineData("a/b", false)]
    [InlineData("x..y", false)] // an empty label
    [InlineData("api.partner.com:8443", false)] // patterns name hosts on every port
    [InlineData("[::1]:8080", false)]
    [InlineData("10.0.0.5:99", false)]
    [InlineData("[::1", false)]
    [InlineData("*.::1", false)] // an address has no subdomains
    public void TryNormalizePattern_Patterns_AcceptsHostsAndWildcardsOnly(string pattern, bool valid)
    {
        // Act
        var result = DestinationPolicy.TryNormalizePattern(pattern, out _, out var problem);

        // Assert
        Assert.Equal(valid, result);
        Assert.Equal(valid, problem is null);
    }

    [Theory]
    [InlineData("api.partner.com:8443", "'api.partner.com'")]
    [InlineData("[::1]:8080", "'[::1]'")]
    public void TryNormalizePattern_PatternWithPort_NamesThePatternWithoutIt(string pattern, string fix)
    {
        // Act
        var result = DestinationPolicy.TryNormalizePattern(pattern, out _, out var problem);

        // Assert
        Assert.False(result);
        Assert.Contains("port", problem, StringComparison.Ordinal);
        Assert.Contains(fix, problem, StringComparison.Ordinal);
    }
}
