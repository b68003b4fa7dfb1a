using Microsoft.AspNetCore.Http;
using Propagation.Middleware.Internal;

namespace Propagation.Middleware.Tests;

public sealed class ExtractionHandoffTests
{
    [Fact]
    public void TryTake_StoredForSameHeaders_ReturnsItOnce()
    {
        // Arrange
        var handoff = new ExtractionHandoff();
        var headers = new HeaderDictionary();
        var extracted = Extract("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        handoff.Store(headers, extracted);

        // Act
        var first = handoff.TryTake(headers, out var taken);
        var second = handoff.TryTake(headers, out _);

        // Assert
        Assert.True(first);
        Assert.Equal(extracted.Parent, taken.Parent);
        Assert.False(second);
    }

    [Fact]
    public void TryTake_OtherHeaders_Misses()
    {
        // Arrange
        var handoff = new ExtractionHandoff();
        handoff.Store(new HeaderDictionary(), Extract("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"));

        // Act
        var found = handoff.TryTake(new HeaderDictionary(), out var taken);

        // Assert
        Assert.False(found);
        Assert.False(taken.HasParent);
    }

    [Fact]
    public void Store_SameHeadersAgain_LatestWins()
    {
        // Arrange
        var handoff = new ExtractionHandoff();
        var headers = new HeaderDictionary();
        handoff.Store(headers, Extract("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"));
        var latest = Extract("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");

        // Act
        handoff.Store(headers, latest);

        // Assert
        Assert.True(handoff.TryTake(headers, out var taken));
        Assert.Equal(latest.Parent, taken.Parent);
    }

    [Fact]
    public void TryTake_AlreadyTaken_ReportsTakenWithoutTheExtraction()
    {
        // Arrange: the middleware took the entry; the gRPC interceptor looks after it.
        var handoff = new ExtractionHandoff();
        var headers = new HeaderDictionary();
        handoff.Store(headers, Extract("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"));
        Assert.True(handoff.TryTake(headers, out _, out var takenBefore));

        // Act
        var found = handoff.TryTake(headers, out var taken, out var alreadyTaken);

        // Assert
        Assert.False(takenBefore);
        Assert.False(found);
        Assert.True(alreadyTaken);
        Assert.False(taken.HasParent);
    }

    [Fact]
    public void TryTake_StoredAgainAfterTaken_FoundAndNotTaken()
    {
        // Arrange: the next request on the same header dictionary.
        var handoff = new ExtractionHandoff();
        var headers = new HeaderDictionary();
        handoff.Store(headers, Extract("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"));
        handoff.TryTake(headers, out _);
        var latest = Extract("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        handoff.Store(headers, latest);

        // Act
        var found = handoff.TryTake(headers, out var taken, out var alreadyTaken);

        // Assert
        Assert.True(found);
        Assert.False(alreadyTaken);
        Assert.Equal(latest.Parent, taken.Parent);
    }

    [Fact]
    public void TryTake_NeverStored_NotTaken()
    {
        // Arrange
        var handoff = new ExtractionHandoff();

        // Act
        var found = handoff.TryTake(new HeaderDictionary(), out _, out var alreadyTaken);

        // Assert
        Assert.False(found);
        Assert.False(alreadyTaken);
    }

    private static ExtractedContext Extract(string traceparent)
    {
        var headers = new HeaderDictionary { ["traceparent"] = traceparent };
        return new TracePropagator().Extract<IHeaderDictionary>(headers, AspNetCoreCarriers.Getter);
    }
}
