using Propagation.Middleware.Internal;

namespace Propagation.Middleware.Tests;

public sealed class DestinationPolicyTests
{
    [Theory]
    [InlineData("http://api.partner.example/x", InjectionScope.TraceParentOnly)]
    [InlineData("http://deep.eu.partner.example/x", InjectionScope.None)]
    [InlineData("http://eu.partner.example/x", InjectionScope.TraceParentOnly)]
    [InlineData("http://partner.example/x", InjectionScope.Full)]
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
    [InlineData("*", true)]
    [InlineData("*.example.com", true)]
    [InlineData("api.example.com", true)]
    [InlineData("", false)]
    [InlineData("*.", false)]
    [InlineData("bad host", false)]
    [InlineData("a/b", false)]
    public void IsValidPattern_Patterns_AcceptsHostsAndWildcardsOnly(string pattern, bool valid)
    {
        // Act
        var result = DestinationPolicy.IsValidPattern(pattern);

        // Assert
        Assert.Equal(valid, result);
    }
}
