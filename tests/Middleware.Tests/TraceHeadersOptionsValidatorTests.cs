using Propagation.Middleware.Internal;

namespace Propagation.Middleware.Tests;

public sealed class TraceHeadersOptionsValidatorTests
{
    [Theory]
    [InlineData("", "is blank", "empty")]
    [InlineData("  \t", "is blank", "whitespace only")]
    [InlineData("kernel\r\nX-Injected: 1", "contains control characters", "CR LF")]
    [InlineData("ker\u0000nel", "contains control characters", "NUL")]
    [InlineData("ker\u0085nel", "contains control characters", "C1 control (NEL)")]
    [InlineData("ker\u2028nel", "contains control characters", "line separator")]
    [InlineData("ker\u202Enel", "contains control characters", "bidirectional override")]
    public void Collect_InvalidPeerService_OneErrorNamingTheClient(string peer, string problem, string reason)
    {
        // Arrange
        var options = new TraceHeadersOptions { PeerService = peer };

        // Act
        var errors = TraceHeadersOptionsValidator.Collect("kernel", options);

        // Assert
        var error = Assert.Single(errors);
        Assert.StartsWith("TraceHeadersOptions.PeerService of HttpClient 'kernel'", error, StringComparison.Ordinal);
        Assert.True(error.Contains(problem, StringComparison.Ordinal), $"{reason}: {error}");
    }

    [Theory]
    [InlineData(256, false)]
    [InlineData(257, true)]
    [InlineData(100_000, true)]
    public void Collect_PeerServiceLength_AtMost256(int length, bool error)
    {
        // Arrange
        var options = new TraceHeadersOptions { PeerService = new string('a', length) };

        // Act
        var errors = TraceHeadersOptionsValidator.Collect("kernel", options);

        // Assert
        if (error)
        {
            Assert.Contains($"is {length} characters long; a service name has at most 256", Assert.Single(errors), StringComparison.Ordinal);
        }
        else
        {
            Assert.Empty(errors);
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData("kernel")]
    [InlineData("billing-api.prod")]
    [InlineData("サービス")]
    public void Collect_UnsetOrServiceName_NoError(string? peer)
    {
        // Arrange
        var options = new TraceHeadersOptions { PeerService = peer };

        // Act
        var errors = TraceHeadersOptionsValidator.Collect("kernel", options);

        // Assert
        Assert.Empty(errors);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(-1)]
    public void Collect_UndefinedScope_OneErrorNamingTheClientAndTheValue(int value)
    {
        // Arrange
        var options = new TraceHeadersOptions { Scope = (InjectionScope)value };

        // Act
        var errors = TraceHeadersOptionsValidator.Collect("kernel", options);

        // Assert
        var error = Assert.Single(errors);
        Assert.StartsWith($"TraceHeadersOptions.Scope of HttpClient 'kernel' has the undefined value {value}", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Collect_UndefinedScopeAndBlankPeerService_BothListed()
    {
        // Arrange
        var options = new TraceHeadersOptions { Scope = (InjectionScope)7, PeerService = "" };

        // Act
        var errors = TraceHeadersOptionsValidator.Collect("kernel", options);

        // Assert
        Assert.Equal(2, errors.Count);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(InjectionScope.Full)]
    [InlineData(InjectionScope.TraceParentOnly)]
    [InlineData(InjectionScope.None)]
    public void Collect_UnsetOrDefinedScope_NoError(InjectionScope? scope)
    {
        // Arrange
        var options = new TraceHeadersOptions { Scope = scope };

        // Act
        var errors = TraceHeadersOptionsValidator.Collect("kernel", options);

        // Assert
        Assert.Empty(errors);
    }
}
