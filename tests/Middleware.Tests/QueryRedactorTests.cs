using Propagation.Middleware.Internal;

namespace Propagation.Middleware.Tests;

public sealed class QueryRedactorTests
{
    [Theory]
    [InlineData("?a=1&b=2", "a=REDACTED&b=REDACTED")]
    [InlineData("a=1", "a=REDACTED")]
    [InlineData("?flag&x=", "flag&x=REDACTED")]
    [InlineData("?=&=", "=REDACTED&=REDACTED")]
    [InlineData("?", null)]
    [InlineData("", null)]
    public void Redact_AllValues_KeepsNamesOnly(string query, string? expected)
    {
        // Arrange
        var redactor = new QueryRedactor(redactAll: true, []);

        // Act
        var result = redactor.Redact(query);

        // Assert
        Assert.Equal(expected, result);
    }

    [Fact]
    public void Redact_NamedOnly_RedactsListedNamesCaseInsensitively()
    {
        // Arrange
        var redactor = new QueryRedactor(redactAll: false, ["token", "sig"]);

        // Act
        var result = redactor.Redact("?page=2&TOKEN=abc&sig=xyz&q=shoes");

        // Assert
        Assert.Equal("page=2&TOKEN=REDACTED&sig=REDACTED&q=shoes", result);
    }

    [Fact]
    public void Redact_HugeQuery_BoundedOutput()
    {
        // Arrange
        var redactor = new QueryRedactor(redactAll: true, []);
        var query = "?" + string.Join("&", Enumerable.Range(0, 5000).Select(i => "k" + i + "=v"));

        // Act
        var result = redactor.Redact(query)!;

        // Assert
        Assert.True(result.Length <= QueryRedactor.MaxQueryLength * 5);
        Assert.DoesNotContain("=v", result, StringComparison.Ordinal);
    }
}
