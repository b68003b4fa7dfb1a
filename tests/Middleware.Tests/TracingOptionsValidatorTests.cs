using Propagation.Middleware.Internal;

namespace Propagation.Middleware.Tests;

public sealed class TracingOptionsValidatorTests
{
    [Fact]
    public void Collect_DestinationWithPort_ListsTheFix()
    {
        // Arrange
        var options = new TracingOptions();
        options.OutboundDestinations["api.partner.com:8443"] = InjectionScope.None;

        // Act
        var errors = TracingOptionsValidator.Collect(options);

        // Assert
        var error = Assert.Single(errors);
        Assert.StartsWith("TracingOptions.OutboundDestinations['api.partner.com:8443'] names a port", error, StringComparison.Ordinal);
        Assert.Contains("use 'api.partner.com'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Collect_TwoFormsOfOneHost_ListsTheDuplicate()
    {
        // Arrange
        var options = new TracingOptions();
        options.OutboundDestinations["xn--bcher-kva.example"] = InjectionScope.None;
        options.OutboundDestinations["bücher.example."] = InjectionScope.Full;

        // Act
        var errors = TracingOptionsValidator.Collect(options);

        // Assert
        var error = Assert.Single(errors);
        Assert.Contains("names the same destination as 'xn--bcher-kva.example'", error, StringComparison.Ordinal);
    }
}
