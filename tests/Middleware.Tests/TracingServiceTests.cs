using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Propagation.Middleware.Internal;

namespace Propagation.Middleware.Tests;

public sealed class TracingServiceTests
{
    [Fact]
    public void TryGetHostingExtraction_HandedOverByHostingsPropagator_ReturnsItWithoutReadingTheHeadersAgain()
    {
        // Arrange: hosting's propagator extracted a deny-only request; the header is gone afterwards, so a second
        // extraction would find no deny.
        var service = CreateService();
        var context = new DefaultHttpContext();
        context.Request.Headers["b3"] = "0";
        service.Handoff.Store(context.Request.Headers, service.Propagator.Extract(context.Request.Headers, AspNetCoreCarriers.Getter));
        context.Request.Headers.Remove("b3");

        // Act
        var found = service.TryGetHostingExtraction(context, out var extracted);

        // Assert
        Assert.True(found);
        Assert.True(extracted.SamplingDenied);
    }

    [Fact]
    public void TryGetHostingExtraction_MiddlewareTookTheHandoff_FalseAndNothingRead()
    {
        // Arrange: UseTracing ran for the request and applied the extraction.
        var service = CreateService();
        var context = new DefaultHttpContext();
        context.Request.Headers["b3"] = "0";
        service.Handoff.Store(context.Request.Headers, service.Propagator.Extract(context.Request.Headers, AspNetCoreCarriers.Getter));
        Assert.True(service.Handoff.TryTake(context.Request.Headers, out _));

        // Act
        var found = service.TryGetHostingExtraction(context, out var extracted);

        // Assert
        Assert.False(found);
        Assert.False(extracted.SamplingDenied);
    }

    [Theory]
    [InlineData("b3", true)]
    [InlineData("X-B3-Sampled", true)]
    [InlineData("traceparent", false)]
    public void TryGetHostingExtraction_NothingHandedOver_ExtractsFromTheRequest(string header, bool denied)
    {
        // Arrange: the handoff was lost (another request took the slot).
        var service = CreateService();
        var context = new DefaultHttpContext();
        context.Request.Headers[header] = header == "traceparent" ? "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" : "0";

        // Act
        var found = service.TryGetHostingExtraction(context, out var extracted);

        // Assert
        Assert.True(found);
        Assert.Equal(denied, extracted.SamplingDenied);
        Assert.Equal(!denied, extracted.HasParent);
    }

    [Fact]
    public void TryGetHostingExtraction_ExtractionInTheRequestsFeatures_ReturnsIt()
    {
        // Arrange: hosting's propagator saw the request through the accessor and kept its extraction in the features.
        var service = CreateService(new HttpContextAccessor());
        var context = new DefaultHttpContext();
        context.Request.Headers["b3"] = "0";
        Assert.True(service.GetOrExtract(context).Extracted.SamplingDenied);
        context.Request.Headers.Remove("b3");

        // Act
        var found = service.TryGetHostingExtraction(context, out var extracted);

        // Assert
        Assert.True(found);
        Assert.True(extracted.SamplingDenied);
    }

    private static TracingService CreateService(IHttpContextAccessor? accessor = null) =>
        new(Options.Create(new TracingOptions()), NullLoggerFactory.Instance, new PropagationHealth(), contextAccessor: accessor);
}
