using Propagation.Collector.Internal;
using Propagation.Middleware.Internal;

namespace Propagation.Middleware.Tests;

/// <summary>The header redaction rules and the span exporters' attribute redaction are one rule.</summary>
public sealed class CredentialRuleTests
{
    [Theory]
    [InlineData("Authorization", true)]
    [InlineData("Proxy-Authorization", true)]
    [InlineData("Cookie", true)]
    [InlineData("Set-Cookie", true)]
    [InlineData("X-Api-Key", true)]
    [InlineData("X-ApiKey", true)]
    [InlineData("X-Auth-Token", true)]
    [InlineData("X-Client-Secret", true)]
    [InlineData("X-Password", true)]
    [InlineData("XAuthToken", true)]
    [InlineData("X-Token-Tokens", true)]
    [InlineData("Access_Token2", true)]
    [InlineData("X-Tokenizer", false)]
    [InlineData("X-Secretary", false)]
    [InlineData("Accept", false)]
    [InlineData("X-Request-Id", false)]
    [InlineData("Cookies-Enabled", false)]
    public void HeaderRulesAndSpanAttributes_SameHeaderName_SameVerdict(string header, bool credential)
    {
        // Arrange: a header recorded on a span is the attribute http.request.header.<lowercase name>.
        var credentials = HeaderRules.CreateCredentialSet([]);
        var attribute = "http.request.header." + header.ToLowerInvariant();

        // Act
        var asHeader = HeaderRules.IsCredential(header, credentials);
        var asAttribute = SpanConverter.IsCredentialKey(attribute);

        // Assert
        Assert.Equal(credential, asHeader);
        Assert.Equal(credential, asAttribute);
    }
}
