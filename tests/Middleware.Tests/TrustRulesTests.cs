using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Propagation.Middleware.Internal;
using Propagation.Testing;

namespace Propagation.Middleware.Tests;

public sealed class TrustRulesTests
{
    [Theory]
    [InlineData("10.0.0.0/8", "10.200.1.1", TrustPolicy.Continue)]
    [InlineData("10.0.0.0/8", "11.0.0.1", TrustPolicy.RestartAndLink)]
    [InlineData("192.0.2.5", "192.0.2.5", TrustPolicy.Continue)]
    [InlineData("192.0.2.5", "192.0.2.6", TrustPolicy.RestartAndLink)]
    [InlineData("::1/128", "::1", TrustPolicy.Continue)]
    [InlineData("10.0.0.0/8", "::ffff:10.1.2.3", TrustPolicy.Continue)]
    [InlineData("::ffff:10.1.2.3", "::ffff:10.1.2.3", TrustPolicy.Continue)]
    [InlineData("::ffff:10.1.2.3", "10.1.2.3", TrustPolicy.Continue)]
    [InlineData("::ffff:10.0.0.0/104", "::ffff:10.200.1.1", TrustPolicy.Continue)]
    [InlineData("::ffff:10.0.0.0/104", "11.0.0.1", TrustPolicy.RestartAndLink)]
    [InlineData("::ffff:0:0/96", "203.0.113.7", TrustPolicy.Continue)]
    public void Decide_TrustedNetworks_MatchesRemoteAddress(string network, string remote, TrustPolicy expected)
    {
        // Arrange
        var options = new TracingOptions();
        options.TrustedNetworks.Add(network);
        var rules = new TrustRules(options, NullLogger.Instance);
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse(remote);

        // Act
        var policy = rules.Decide(context);

        // Assert
        Assert.Equal(expected, policy);
    }

    [Fact]
    public void Decide_NoRules_EveryoneGetsDefault()
    {
        // Arrange
        var rules = new TrustRules(new TracingOptions { DefaultTrustPolicy = TrustPolicy.ContinueIgnoreSampling }, NullLogger.Instance);

        // Act
        var policy = rules.Decide(new DefaultHttpContext());

        // Assert
        Assert.Equal(TrustPolicy.ContinueIgnoreSampling, policy);
        Assert.False(rules.IsPerRequest);
    }

    [Fact]
    public void Decide_DeciderReturnsNull_FallsBackToRules()
    {
        // Arrange
        var options = new TracingOptions { TrustDecider = _ => null, UntrustedPolicy = TrustPolicy.Ignore };
        options.TrustedNetworks.Add("10.0.0.0/8");
        var rules = new TrustRules(options, NullLogger.Instance);

        // Act
        var policy = rules.Decide(new DefaultHttpContext());

        // Assert
        Assert.Equal(TrustPolicy.Ignore, policy);
    }

    [Fact]
    public void Decide_DeciderReturnsUndefinedValue_UntrustedPolicyAndOneWarning()
    {
        // Arrange: no rule, so falling back would trust everyone (DefaultTrustPolicy).
        var logs = new RecordingLoggerProvider();
        var options = new TracingOptions { TrustDecider = _ => (TrustPolicy)42, UntrustedPolicy = TrustPolicy.RestartAndLink };
        var rules = new TrustRules(options, logs.CreateLogger("trust"));

        // Act
        var first = rules.Decide(new DefaultHttpContext());
        var second = rules.Decide(new DefaultHttpContext());

        // Assert
        Assert.Equal(TrustPolicy.RestartAndLink, first);
        Assert.Equal(TrustPolicy.RestartAndLink, second);
        var warning = Assert.Single(logs.Entries, e => e.EventId.Id == 1008);
        Assert.Equal(LogLevel.Warning, warning.Level);
    }

    [Theory]
    [InlineData("10.0.0.0/8", true)]
    [InlineData("fe80::/10", true)]
    [InlineData("10.0.0.1", true)]
    [InlineData("10.0.0.0/33", false)]
    [InlineData("ten/8", false)]
    [InlineData("", false)]
    public void TryParseNetwork_Texts_ParsesCidrAndBareAddresses(string text, bool valid)
    {
        // Act
        var result = TrustRules.TryParseNetwork(text, out _);

        // Assert
        Assert.Equal(valid, result);
    }
}
