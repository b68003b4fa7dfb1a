using System.Net;
using Propagation.Collector.Tests.Viewer;

namespace Propagation.Collector.Tests;

public sealed class TracingSelfRequestsTests
{
    [Fact]
    public async Task MapTracingApi_ApiRequests_AreNotRecordedButAppRequestsAre()
    {
        // Arrange: a real two-app chain whose pipelines export into one store.
        await using var chain = await ViewerTestChain.StartAsync();
        using var client = new HttpClient { BaseAddress = chain.FrontAddress, Timeout = TimeSpan.FromSeconds(30) };

        // Act: one application request, then several requests to the tracing API itself.
        using (var checkout = await client.GetAsync(new Uri("/checkout", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, checkout.StatusCode);
        }

        foreach (var path in new[] { "/api/tracing/status", "/api/tracing/traces/search", "/api/tracing/dependencies" })
        {
            using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        chain.Flush();

        // Assert: the checkout trace is there; no server span of the API's own requests is.
        var spans = chain.Store.GetSpans();
        Assert.Contains(spans, s => Equals(s.GetAttribute("url.path"), "/checkout"));
        Assert.DoesNotContain(spans, s => s.GetAttribute("url.path") is string p && p.StartsWith("/api/tracing", StringComparison.Ordinal));
    }
}
