using System.Collections.Concurrent;
using Microsoft.Playwright;

namespace Propagation.Collector.Tests.Viewer;

/// <summary>The viewer's requests: answers that arrive late or out of order, failures, and what is sent.</summary>
public sealed partial class TraceViewerBrowserTests
{
    [Fact]
    public async Task Page_SlowAnswerForEarlierTrace_DoesNotReplaceTheOpenTrace()
    {
        // Arrange: two traces; the answer for the first is held back.
        var store = new SpanStore(new SpanStoreOptions());
        var now = DateTimeOffset.UtcNow.AddSeconds(-5);
        var first = ActivityTraceIdText();
        var second = ActivityTraceIdText();
        store.Add(Span(first, SpanIdText(1), null, "span of the first trace", "front", now, 10));
        store.Add(Span(second, SpanIdText(2), null, "span of the second trace", "front", now, 10));
        await using var app = await StartStoreAppAsync(store);
        await using var browser = await LaunchChromiumAsync();
        var page = await NewPageAsync(browser, new ConcurrentQueue<string>());
        var held = await HeldRequest.InstallAsync(page, uri => uri.AbsolutePath.EndsWith("/traces/" + first, StringComparison.Ordinal));
        await page.GotoAsync(new Uri(AddressOf(app), "/tracing#/trace/" + first).ToString());
        await held.WaitUntilSentAsync();

        // Act: open the second trace, then let the first one's answer arrive.
        await page.EvaluateAsync("hash => { location.hash = hash; }", "#/trace/" + second);
        var names = page.Locator("[data-testid=waterfall-row] .name");
        await Assertions.Expect(names).ToHaveTextAsync(["span of the second trace"], new() { Timeout = TimeoutMs });
        held.Release();
        await WaitForApiCallsHandledAsync(page);

        // Assert: the page still shows the trace its address names.
        Assert.Equal(["span of the second trace"], await names.AllTextContentsAsync());
        await Assertions.Expect(page.Locator("[data-testid=trace-title]")).ToHaveTextAsync("Trace " + second, new() { Timeout = TimeoutMs });
    }
}
