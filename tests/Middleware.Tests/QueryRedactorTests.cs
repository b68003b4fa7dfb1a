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

    [Theory]
    [InlineData(true, "?eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig", "REDACTED")]
    [InlineData(false, "?eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig", "REDACTED")]
    [InlineData(true, "?page=2&dGhpc2lzYXNlY3JldGFwaWtleTEyMzQ1Ng", "page=REDACTED&REDACTED")]
    [InlineData(false, "?page=2&4bf92f3577b34da6a3ce929d0e0e4736", "page=2&REDACTED")]
    [InlineData(false, "?a1b2c3d4e5f6g7h8i9j0k1l2%2Bm3", "REDACTED")]
    [InlineData(true, "?dGhpc2lzYXNlY3JldGFwaWtleTEyMzQ1Ng==", "REDACTED")]
    [InlineData(false, "?dGhpc2lzYXNlY3JldGFwaWtleTEyMzQ1NjE=&page=2", "REDACTED&page=2")]
    [InlineData(false, "?page=2&c2VjcmV0+/a2V5LTEyMzQ1Njc4OTAxMg==", "page=2&REDACTED")]
    public void Redact_BarePartLikeACredential_Redacted(bool redactAll, string query, string expected)
    {
        // Arrange
        var redactor = new QueryRedactor(redactAll, ["token"]);

        // Act
        var result = redactor.Redact(query);

        // Assert
        Assert.Equal(expected, result);
    }

    [Theory]
    [InlineData(true, "?debug", "debug")]
    [InlineData(false, "?v2", "v2")]
    [InlineData(true, "?v2&page=1", "v2&page=REDACTED")]
    [InlineData(false, "?include_deleted_items&x", "include_deleted_items&x")]
    [InlineData(true, "?this-is-a-long-flag.with spaces that-is-not-a-token", "this-is-a-long-flag.with spaces that-is-not-a-token")]
    public void Redact_ShortOrNonTokenBarePart_Kept(bool redactAll, string query, string expected)
    {
        // Arrange
        var redactor = new QueryRedactor(redactAll, ["token"]);

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

    [Theory]
    [InlineData("AWSAccessKeyId")] // the names OpenTelemetry's url.query convention asks to redact by default
    [InlineData("Signature")]
    [InlineData("sig")]
    [InlineData("X-Amz-Credential")]
    [InlineData("X-Amz-Security-Token")]
    [InlineData("X-Amz-Signature")]
    [InlineData("X-Goog-Signature")]
    [InlineData("X-Goog-Credential")]
    [InlineData("client_secret")] // OAuth 2.0 (RFC 6749) and OpenID Connect credentials sent as query parameters
    [InlineData("refresh_token")]
    [InlineData("id_token")]
    [InlineData("id_token_hint")]
    [InlineData("access_token")]
    public void Redact_NamedOnlyWithTheDefaultNames_RedactsWellKnownCredentialParameters(string name)
    {
        // Arrange: RedactQueryValues off, the default RedactedQueryParameters.
        var redactor = new QueryRedactor(redactAll: false, new TracingOptions().RedactedQueryParameters);

        // Act
        var result = redactor.Redact($"?page=2&{name}=s3cr3t&q=shoes");

        // Assert
        Assert.Equal($"page=2&{name}=REDACTED&q=shoes", result);
    }

    [Theory]
    [InlineData("?api%5Fkey=s1&page=2", "api%5Fkey=REDACTED&page=2")]
    [InlineData("?%74oken=s2", "%74oken=REDACTED")]
    [InlineData("?TOK%45N=s3", "TOK%45N=REDACTED")]
    [InlineData("?api%5key=s4&bad%=s5", "api%5key=s4&bad%=s5")]
    public void Redact_NamedOnly_RedactsPercentEncodedListedNames(string query, string expected)
    {
        // Arrange: the app decodes parameter names, so an encoded name is the listed one to it.
        var redactor = new QueryRedactor(redactAll: false, ["token", "api_key"]);

        // Act
        var result = redactor.Redact(query);

        // Assert
        Assert.Equal(expected, result);
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
        Assert.True(result.Length <= QueryRedactor.MaxQueryLength);
        Assert.DoesNotContain("=v", result, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a=")]
    [InlineData("a=b")]
    [InlineData("x")]
    public void Redact_ManyShortPairs_OutputOfWholePairsWithinTheBound(string pair)
    {
        // Arrange: each "a=" grows by "REDACTED" (2 characters in, 10 out): 2048 characters in gave about 7,500 out.
        var redactor = new QueryRedactor(redactAll: true, []);
        var query = string.Join("&", Enumerable.Repeat(pair, 3000));

        // Act
        var result = redactor.Redact(query)!;

        // Assert: within the bound, and only whole pairs, each as redaction writes it.
        Assert.InRange(result.Length, QueryRedactor.MaxQueryLength - 11, QueryRedactor.MaxQueryLength);
        var expected = pair.Contains('=', StringComparison.Ordinal) ? "a=REDACTED" : pair;
        Assert.All(result.Split('&'), written => Assert.Equal(expected, written));
    }

    [Fact]
    public void Redact_FirstPairLongerThanTheBoundOnceRedacted_Null()
    {
        // Arrange: a name of 2045 characters and "=" fits the input bound; with "REDACTED" the pair does not fit the output's.
        var redactor = new QueryRedactor(redactAll: true, []);
        var query = new string('n', 2045) + "=v&b=1";

        // Act
        var result = redactor.Redact(query);

        // Assert: no pair is cut, so none is written.
        Assert.Null(result);
    }
}
