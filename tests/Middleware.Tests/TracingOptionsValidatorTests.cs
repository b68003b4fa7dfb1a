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

    [Theory]
    [InlineData("Content-Length")]
    [InlineData("content-type")]
    [InlineData("Transfer-Encoding")]
    [InlineData("Connection")]
    [InlineData("Set-Cookie")]
    [InlineData("Location")]
    [InlineData("traceresponse")]
    [InlineData("grpc-status")]
    public void Collect_EchoHeaderTheResponseAlreadyUses_ListsIt(string name)
    {
        // Arrange: the echo overwrites its header on every response (and gRPC response headers are metadata).
        var options = new TracingOptions { SpanIdResponseHeader = name };

        // Act
        var errors = TracingOptionsValidator.Collect(options);

        // Assert
        var error = Assert.Single(errors);
        Assert.StartsWith($"TracingOptions.SpanIdResponseHeader '{name}' is a header", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("X-Request-Trace")]
    [InlineData("Trace-Id")]
    [InlineData("X-Content-Length-Trace")]
    public void Collect_EchoHeaderOfItsOwn_Accepted(string name)
    {
        var options = new TracingOptions { TraceIdResponseHeader = name };

        Assert.Empty(TracingOptionsValidator.Collect(options));
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

    [Fact]
    public void Collect_KnownHttpMethodsInvalid_ListsEveryEntryByPosition()
    {
        // Arrange
        var options = new TracingOptions();
        foreach (var method in new[] { "GET", "", "GE T", new string('A', 257), "_OTHER", "PURGE" })
        {
            options.KnownHttpMethods.Add(method);
        }

        // Act
        var errors = TracingOptionsValidator.Collect(options);

        // Assert
        Assert.Equal(4, errors.Count);
        Assert.StartsWith("TracingOptions.KnownHttpMethods[1] '' is not an HTTP method", errors[0], StringComparison.Ordinal);
        Assert.StartsWith("TracingOptions.KnownHttpMethods[2] 'GE T' is not an HTTP method", errors[1], StringComparison.Ordinal);
        Assert.StartsWith("TracingOptions.KnownHttpMethods[3] '" + new string('A', 64) + "' is not an HTTP method", errors[2], StringComparison.Ordinal);
        Assert.StartsWith("TracingOptions.KnownHttpMethods[4] is _OTHER", errors[3], StringComparison.Ordinal);
    }

    [Fact]
    public void Collect_KnownHttpMethodsOverTheLimit_ListsTheCount()
    {
        // Arrange
        var options = new TracingOptions();
        for (var i = 0; i < 65; i++)
        {
            options.KnownHttpMethods.Add("M" + i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        // Act
        var errors = TracingOptionsValidator.Collect(options);

        // Assert
        var error = Assert.Single(errors);
        Assert.StartsWith("TracingOptions.KnownHttpMethods has 65 entries", error, StringComparison.Ordinal);
    }
}
