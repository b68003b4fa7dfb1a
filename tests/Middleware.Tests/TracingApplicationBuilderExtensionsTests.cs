using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Propagation.Middleware.Tests;

public sealed class TracingApplicationBuilderExtensionsTests
{
    [Fact]
    public void UseTracing_WithoutAddTracing_ThrowsNamingTheMissingCall()
    {
        // Arrange
        var services = new ServiceCollection();
        using var provider = services.BuildServiceProvider();
        var app = new ApplicationBuilder(provider);

        // Act
        var error = Assert.Throws<InvalidOperationException>(() => app.UseTracing());

        // Assert
        Assert.Contains("services.AddTracing()", error.Message, StringComparison.Ordinal);
    }
}
