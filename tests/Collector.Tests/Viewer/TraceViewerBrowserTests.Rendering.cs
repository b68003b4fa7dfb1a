using System.Collections.Concurrent;
using Microsoft.Playwright;

namespace Propagation.Collector.Tests.Viewer;

/// <summary>The viewer's rendering of span data at its limits: deep traces, long text, unusual attribute keys.</summary>
public sealed partial class TraceViewerBrowserTests
{
    [Fact]
    public async Task Page_DeepParentChain_ShowsEverySpan()
    {
        // Arrange: each span the child of the one before (possible once MaxSpansPerTrace is raised).
        const int Depth = 8_000;
        var store = new SpanStore(new SpanStoreOptions { MaxSpans = 20_000, MaxSpansPerTrace = 10_000 });
        var traceId = ActivityTraceIdText();
        var now = DateTimeOffset.UtcNow.AddSeconds(-30);
        for (var i = 0; i < Depth; i++)
        {
            store.Add(Span(traceId, SpanIdText(i + 1), i == 0 ? null : SpanIdText(i), "op " + i, "front", now.AddMilliseconds(i * 0.5), Depth - i));
        }

        await using var app = await StartStoreAppAsync(store);
        await using var browser = await LaunchChromiumAsync();
        var problems = new ConcurrentQueue<string>();
        var page = await NewPageAsync(browser, problems);

        // Act
        await page.GotoAsync(new Uri(AddressOf(app), "/tracing#/trace/" + traceId).ToString());

        // Assert: every span has its row, the last one at the bottom of the chain.
        await Assertions.Expect(page.Locator("[data-testid=waterfall-bar]")).ToHaveCountAsync(Depth, new() { Timeout = TimeoutMs * 2 });
        await Assertions.Expect(page.Locator($"[data-testid=waterfall-row][data-span-id='{SpanIdText(Depth)}']")).ToHaveAttributeAsync("data-depth", (Depth - 1).ToString(System.Globalization.CultureInfo.InvariantCulture), new() { Timeout = TimeoutMs });
        Assert.False(await page.Locator("[data-testid=error-banner]").IsVisibleAsync());
        Assert.Empty(problems);
    }
}
