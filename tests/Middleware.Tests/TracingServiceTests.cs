using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Propagation.Middleware.Internal;
using Propagation.Middleware.Tests.Infrastructure;

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

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task TryGetHostingExtraction_UseTracingAppliedItAndAnotherRequestTookItsSlot_False(bool beforeUseTracing)
    {
        // Arrange: hosting's propagator handed this request's extraction over. Another request running at the same time,
        // whose header dictionary falls in the same handoff slot, has its own stored there by hosting's propagator: before
        // UseTracing took this one (UseTracing then extracts again), or after (the taken entry is gone).
        using var hosting = new ActivitySource(TracingService.HostingSourceName);
        using var listener = new HostingSourceListener(hosting);
        var service = CreateService();
        var context = new DefaultHttpContext();
        context.Request.Headers.TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        var other = HeadersInTheSlotOf(context.Request.Headers);
        other.TraceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        using var activity = hosting.StartActivity("Microsoft.AspNetCore.Hosting.HttpRequestIn", ActivityKind.Server);
        Assert.NotNull(activity);
        context.Features.Set<IHttpActivityFeature>(new ActivityFeature(activity));
        service.Handoff.Store(context.Request.Headers, service.Propagator.Extract(context.Request.Headers, AspNetCoreCarriers.Getter));
        void StoreOther() => service.Handoff.Store(other, service.Propagator.Extract(other, AspNetCoreCarriers.Getter));
        if (beforeUseTracing)
        {
            StoreOther();
        }

        bool? found = null;
        var middleware = new TracingMiddleware(
            c =>
            {
                if (!beforeUseTracing)
                {
                    StoreOther();
                }

                // The gRPC server interceptor of the call, behind UseTracing.
                found = service.TryGetHostingExtraction(c, out _);
                return Task.CompletedTask;
            },
            service);

        // Act
        await middleware.Invoke(context);

        // Assert: UseTracing applied the extraction; applying it again would count the request twice and repeat its links.
        Assert.False(found);
        Assert.Equal(1, service.Health.TotalRequests);
    }

    /// <summary>A new header dictionary whose handoff entry shares the slot of <paramref name="headers"/>'s.</summary>
    private static IHeaderDictionary HeadersInTheSlotOf(IHeaderDictionary headers)
    {
        var slot = ExtractionHandoff.SlotIndex(headers);
        for (var i = 0; i < 100_000; i++)
        {
            var candidate = new HeaderDictionary();
            if (ExtractionHandoff.SlotIndex(candidate) == slot)
            {
                return candidate;
            }
        }

        Assert.Fail("no header dictionary in the same slot within 100 000 tries");
        return null!;
    }

    private static TracingService CreateService(IHttpContextAccessor? accessor = null) =>
        new(Options.Create(new TracingOptions()), NullLoggerFactory.Instance, new PropagationHealth(), contextAccessor: accessor);

    private sealed class ActivityFeature(Activity activity) : IHttpActivityFeature
    {
        public Activity Activity { get; set; } = activity;
    }
}
