using Microsoft.Extensions.Configuration;
using Propagation.Middleware.Internal;

namespace Propagation.Middleware.Tests;

public sealed class TracingOptionsSetupTests
{
    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData("\t")]
    public void Configure_OtelPropagatorsEmptyOrBlank_KeepsTheDefaultFormats(string value)
    {
        // Arrange: the OpenTelemetry spec treats an empty environment variable as unset.
        var setup = new TracingOptionsSetup(Configuration(new() { ["OTEL_PROPAGATORS"] = value }));
        var options = new TracingOptions();
        var defaults = new PropagationOptions();

        // Act
        setup.Configure(options);

        // Assert
        Assert.Equal(defaults.ExtractFormats, options.Propagation.ExtractFormats);
        Assert.Equal(defaults.InjectFormats, options.Propagation.InjectFormats);
        Assert.True(options.Propagation.ExtractBaggage);
        Assert.Empty(options.ConfigurationErrors);
    }

    [Theory]
    [InlineData(",")]
    [InlineData(" , ,")]
    public void Configure_OtelPropagatorsWithOnlySeparators_ReportsThatNoneIsTheWayToTurnPropagationOff(string value)
    {
        // Arrange
        var setup = new TracingOptionsSetup(Configuration(new() { ["OTEL_PROPAGATORS"] = value }));
        var options = new TracingOptions();

        // Act
        setup.Configure(options);

        // Assert
        var error = Assert.Single(options.ConfigurationErrors);
        Assert.StartsWith("OTEL_PROPAGATORS lists no propagator", error, StringComparison.Ordinal);
        Assert.Contains("'none'", error, StringComparison.Ordinal);
    }

    private static IConfiguration Configuration(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build();
}
