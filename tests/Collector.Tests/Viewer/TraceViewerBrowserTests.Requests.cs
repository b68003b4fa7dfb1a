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

    [Fact]
    public async Task Page_SlowAnswerForEarlierSearch_DoesNotReplaceTheNewerResult()
    {
        // Arrange
        var store = new SpanStore(new SpanStoreOptions());
        var now = DateTimeOffset.UtcNow.AddMinutes(-1);
        store.Add(Span(ActivityTraceIdText(), SpanIdText(1), null, "checkout", "front", now, 1));
        store.Add(Span(ActivityTraceIdText(), SpanIdText(2), null, "login", "front", now.AddMilliseconds(1), 1));
        await using var app = await StartStoreAppAsync(store);
        await using var browser = await LaunchChromiumAsync();
        var page = await NewPageAsync(browser, new ConcurrentQueue<string>());
        var held = await HeldRequest.InstallAsync(page, uri => uri.Query.Contains("operationPrefix=check", StringComparison.Ordinal));
        await page.GotoAsync(new Uri(AddressOf(app), "/tracing").ToString());
        var names = page.Locator("[data-testid=trace-root-name]");
        await Assertions.Expect(names).ToHaveCountAsync(2, new() { Timeout = TimeoutMs });

        // Act: search "check" (held back), then "log"; then the answer for "check" arrives.
        await page.FillAsync("[data-testid=filter-operation]", "check");
        await page.ClickAsync("[data-testid=filter-apply]");
        await held.WaitUntilSentAsync();
        await page.FillAsync("[data-testid=filter-operation]", "log");
        await page.ClickAsync("[data-testid=filter-apply]");
        await Assertions.Expect(names).ToHaveTextAsync(["login"], new() { Timeout = TimeoutMs });
        held.Release();
        await WaitForApiCallsHandledAsync(page);

        // Assert: the list still answers the filters on screen.
        Assert.Equal(["login"], await names.AllTextContentsAsync());
    }

    [Theory]
    [InlineData("performance", "/performance/summary")]
    [InlineData("dependencies", "/dependencies")]
    public async Task Page_LateErrorFromTheTabLeft_IsNotShownOnTheNextTab(string view, string endpoint)
    {
        // Arrange: the tab's request is held back.
        var store = new SpanStore(new SpanStoreOptions());
        store.Add(Span(ActivityTraceIdText(), SpanIdText(1), null, "checkout", "front", DateTimeOffset.UtcNow.AddMinutes(-1), 1));
        await using var app = await StartStoreAppAsync(store);
        await using var browser = await LaunchChromiumAsync();
        var page = await NewPageAsync(browser, new ConcurrentQueue<string>());
        var held = await HeldRequest.InstallAsync(page, uri => uri.AbsolutePath.EndsWith("/api/tracing" + endpoint, StringComparison.Ordinal));
        await page.GotoAsync(new Uri(AddressOf(app), "/tracing#/" + view).ToString());
        await held.WaitUntilSentAsync();

        // Act: go to the trace list, then the left tab's request fails.
        await page.ClickAsync("[data-testid=tab-traces]");
        await Assertions.Expect(page.Locator("[data-testid=trace-row]")).ToHaveCountAsync(1, new() { Timeout = TimeoutMs });
        held.Fail(500);
        await WaitForApiCallsHandledAsync(page);

        // Assert: the trace list shows no error that belongs to a tab no longer open.
        Assert.False(await page.Locator("[data-testid=error-banner]").IsVisibleAsync(), await page.Locator("[data-testid=error-banner]").TextContentAsync());
        Assert.True(await page.Locator("[data-testid=view-traces]").IsVisibleAsync());
    }

    [Fact]
    public async Task Page_LoadMoreClickedTwiceWhileLoading_AppendsThePageOnce()
    {
        // Arrange: three pages of traces; the second page's answer is held back.
        var store = StoreOfTraces(120);

        await using var app = await StartStoreAppAsync(store);
        await using var browser = await LaunchChromiumAsync();
        var page = await NewPageAsync(browser, new ConcurrentQueue<string>());
        var secondPage = new ConcurrentQueue<string>();
        page.Request += (_, request) =>
        {
            if (request.Url.Contains("offset=50", StringComparison.Ordinal))
            {
                secondPage.Enqueue(request.Url);
            }
        };
        var held = await HeldRequest.InstallAsync(page, uri => uri.Query.Contains("offset=50", StringComparison.Ordinal));
        await page.GotoAsync(new Uri(AddressOf(app), "/tracing").ToString());
        var rows = page.Locator("[data-testid=trace-row]");
        await Assertions.Expect(rows).ToHaveCountAsync(50, new() { Timeout = TimeoutMs });

        // Act: click "Load more", and again (as a script would: no waiting for the button) while the page loads.
        var more = page.Locator("[data-testid=trace-more]");
        await more.ClickAsync();
        await held.WaitUntilSentAsync();
        await more.EvaluateAsync("button => button.click()");
        held.Release();
        await WaitForApiCallsHandledAsync(page);

        // Assert: one request for the second page, its rows once each, and the button usable again.
        await Assertions.Expect(rows).ToHaveCountAsync(100, new() { Timeout = TimeoutMs });
        var ids = await ListedTraceIdsAsync(rows);

        Assert.Equal(100, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.Single(secondPage);
        await Assertions.Expect(more).ToBeEnabledAsync(new() { Timeout = TimeoutMs });
    }

    [Fact]
    public async Task Page_NewTracesStoredBeforeLoadMore_ListsNoTraceTwice()
    {
        // Arrange: 60 traces, newest first: the first page shows 50 of them.
        var store = StoreOfTraces(60);

        await using var app = await StartStoreAppAsync(store);
        await using var browser = await LaunchChromiumAsync();
        var page = await NewPageAsync(browser, new ConcurrentQueue<string>());
        await page.GotoAsync(new Uri(AddressOf(app), "/tracing").ToString());
        var rows = page.Locator("[data-testid=trace-row]");
        await Assertions.Expect(rows).ToHaveCountAsync(50, new() { Timeout = TimeoutMs });

        // Act: five newer traces arrive (as they do on a live service), then the user asks for the next page, which
        // now starts five traces earlier in the list.
        for (var i = 0; i < 5; i++)
        {
            store.Add(Span(ActivityTraceIdText(), SpanIdText(i + 100), null, "newer " + i, "front", DateTimeOffset.UtcNow, 1));
        }

        var more = page.Locator("[data-testid=trace-more]");
        await more.ClickAsync();
        await Assertions.Expect(more).ToBeHiddenAsync(new() { Timeout = TimeoutMs });
        await WaitForApiCallsHandledAsync(page);

        // Assert: every trace of the first search once, none repeated.
        var ids = await ListedTraceIdsAsync(rows);

        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(60, ids.Count);
    }

    [Fact]
    public async Task Page_ApiUnreachable_BannerSaysWhichRequestFailed()
    {
        var store = new SpanStore(new SpanStoreOptions());
        await using var app = await StartStoreAppAsync(store);
        await using var browser = await LaunchChromiumAsync();
        var page = await NewPageAsync(browser, new ConcurrentQueue<string>());
        await page.RouteAsync("**/api/tracing/traces/search?*", static route => route.AbortAsync("connectionrefused"));

        await page.GotoAsync(new Uri(AddressOf(app), "/tracing").ToString());

        await Assertions.Expect(page.Locator("[data-testid=error-banner]")).ToContainTextAsync("Could not reach the tracing API (traces/search)", new() { Timeout = TimeoutMs });
    }

    [Fact]
    public async Task Page_NewSearchFails_EarlierSearchNoLongerListedNorContinued()
    {
        // Arrange: two pages of traces, the first one listed; every later search fails (a transient 500).
        var store = StoreOfTraces(60);

        await using var app = await StartStoreAppAsync(store);
        await using var browser = await LaunchChromiumAsync();
        var page = await NewPageAsync(browser, new ConcurrentQueue<string>());
        await page.GotoAsync(new Uri(AddressOf(app), "/tracing").ToString());
        var rows = page.Locator("[data-testid=trace-row]");
        await Assertions.Expect(rows).ToHaveCountAsync(50, new() { Timeout = TimeoutMs });
        await page.RouteAsync("**/api/tracing/traces/search?*", static route => route.FulfillAsync(new RouteFulfillOptions { Status = 500, ContentType = "text/plain", Body = "failed by the test" }));

        // Act: search with other filters.
        await page.CheckAsync("[data-testid=filter-errors]");
        await page.ClickAsync("[data-testid=filter-apply]");

        // Assert: the failure is shown, and neither the earlier search's rows and count nor its "Load more" (which would
        // append the new search's second page to them) stay under the new filters.
        await Assertions.Expect(page.Locator("[data-testid=error-banner]")).ToContainTextAsync("answered 500", new() { Timeout = TimeoutMs });
        await WaitForApiCallsHandledAsync(page);
        await Assertions.Expect(rows).ToHaveCountAsync(0, new() { Timeout = TimeoutMs });
        await Assertions.Expect(page.Locator("[data-testid=trace-count]")).ToBeEmptyAsync(new() { Timeout = TimeoutMs });
        await Assertions.Expect(page.Locator("[data-testid=trace-more]")).ToBeHiddenAsync(new() { Timeout = TimeoutMs });
    }

    [Fact]
    public async Task Page_FirstServicesRequestFails_ServiceFilterFilledOnNextSearch()
    {
        // Arrange: the first request for the services fails.
        var store = new SpanStore(new SpanStoreOptions());
        store.Add(Span(ActivityTraceIdText(), SpanIdText(1), null, "checkout", "front", DateTimeOffset.UtcNow.AddMinutes(-1), 1));
        await using var app = await StartStoreAppAsync(store);
        await using var browser = await LaunchChromiumAsync();
        var page = await NewPageAsync(browser, new ConcurrentQueue<string>());
        var held = await HeldRequest.InstallAsync(page, uri => uri.AbsolutePath.EndsWith("/api/tracing/dependencies", StringComparison.Ordinal));
        held.Fail(503);
        await page.GotoAsync(new Uri(AddressOf(app), "/tracing").ToString());
        await Assertions.Expect(page.Locator("[data-testid=trace-row]")).ToHaveCountAsync(1, new() { Timeout = TimeoutMs });

        // Act
        await page.ClickAsync("[data-testid=filter-apply]");

        // Assert
        await Assertions.Expect(page.Locator("[data-testid=filter-service] option[value=front]")).ToHaveCountAsync(1, new() { Timeout = TimeoutMs });
    }

    [Theory]
    [InlineData("0.0000001", "0")]
    [InlineData("1e-7", "0")]
    [InlineData("2.5e3", "2500")]
    [InlineData("0.25", "0.25")]
    public async Task Page_MinDurationInAnyNumberForm_SentAsPlainDecimal(string typed, string sent)
    {
        // Arrange
        var store = new SpanStore(new SpanStoreOptions());
        store.Add(Span(ActivityTraceIdText(), SpanIdText(1), null, "checkout", "front", DateTimeOffset.UtcNow.AddMinutes(-1), 5));
        await using var app = await StartStoreAppAsync(store);
        await using var browser = await LaunchChromiumAsync();
        var page = await NewPageAsync(browser, new ConcurrentQueue<string>());
        await page.GotoAsync(new Uri(AddressOf(app), "/tracing").ToString());
        await Assertions.Expect(page.Locator("[data-testid=trace-row]")).ToHaveCountAsync(1, new() { Timeout = TimeoutMs });

        // Act
        await page.FillAsync("[data-testid=filter-min-duration]", typed);
        var request = await page.RunAndWaitForRequestAsync(
            () => page.ClickAsync("[data-testid=filter-apply]"),
            r => r.Url.Contains("/traces/search?", StringComparison.Ordinal) && r.Url.Contains("minDurationMs=", StringComparison.Ordinal),
            new() { Timeout = TimeoutMs });
        await WaitForApiCallsHandledAsync(page);

        // Assert: the API accepted it.
        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(new Uri(request.Url).Query);
        Assert.Equal(sent, query["minDurationMs"].ToString());
        Assert.False(await page.Locator("[data-testid=error-banner]").IsVisibleAsync(), await page.Locator("[data-testid=error-banner]").TextContentAsync());
    }

    [Theory]
    [InlineData("1e15")]
    [InlineData("1e21")]
    [InlineData("461168601842739")]
    public async Task Page_MinDurationOutOfRange_SaysSoWithoutAsking(string typed)
    {
        // Arrange
        var store = new SpanStore(new SpanStoreOptions());
        store.Add(Span(ActivityTraceIdText(), SpanIdText(1), null, "checkout", "front", DateTimeOffset.UtcNow.AddMinutes(-1), 5));
        await using var app = await StartStoreAppAsync(store);
        await using var browser = await LaunchChromiumAsync();
        var page = await NewPageAsync(browser, new ConcurrentQueue<string>());
        var asked = new ConcurrentQueue<string>();
        page.Request += (_, r) =>
        {
            if (r.Url.Contains("minDurationMs=", StringComparison.Ordinal))
            {
                asked.Enqueue(r.Url);
            }
        };
        await page.GotoAsync(new Uri(AddressOf(app), "/tracing").ToString());
        await Assertions.Expect(page.Locator("[data-testid=trace-row]")).ToHaveCountAsync(1, new() { Timeout = TimeoutMs });

        // Act
        await page.FillAsync("[data-testid=filter-min-duration]", typed);
        await page.ClickAsync("[data-testid=filter-apply]");

        // Assert: the banner names the field and its range; nothing was sent with it.
        await Assertions.Expect(page.Locator("[data-testid=error-banner]")).ToContainTextAsync("Min duration must be a number of milliseconds from 0 to", new() { Timeout = TimeoutMs });
        Assert.Empty(asked);
    }

    [Fact]
    public async Task Page_SlowThreshold_SentAsPlainDecimalOrRefusedWithMessage()
    {
        // Arrange
        var store = new SpanStore(new SpanStoreOptions());
        store.Add(Span(ActivityTraceIdText(), SpanIdText(1), null, "checkout", "front", DateTimeOffset.UtcNow.AddMinutes(-1), 5));
        await using var app = await StartStoreAppAsync(store);
        await using var browser = await LaunchChromiumAsync();
        var page = await NewPageAsync(browser, new ConcurrentQueue<string>());
        await page.GotoAsync(new Uri(AddressOf(app), "/tracing#/performance").ToString());
        await Assertions.Expect(page.Locator("[data-testid=performance-summary]")).Not.ToBeEmptyAsync(new() { Timeout = TimeoutMs });
        var banner = page.Locator("[data-testid=error-banner]");

        // Act + Assert: exponent form goes out as a plain number the API accepts.
        await page.FillAsync("[data-testid=slow-threshold]", "1e-7");
        var request = await page.RunAndWaitForRequestAsync(
            () => page.Locator("#performance-filters button[type=submit]").ClickAsync(),
            r => r.Url.Contains("/performance/summary?", StringComparison.Ordinal),
            new() { Timeout = TimeoutMs });
        await WaitForApiCallsHandledAsync(page);
        Assert.Equal("0", Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(new Uri(request.Url).Query)["slowThresholdMs"].ToString());
        Assert.False(await banner.IsVisibleAsync(), await banner.TextContentAsync());

        // Out of range: a message, not the API's 400.
        await page.FillAsync("[data-testid=slow-threshold]", "1e21");
        await page.Locator("#performance-filters button[type=submit]").ClickAsync();
        await Assertions.Expect(banner).ToContainTextAsync("Slow threshold must be a number of milliseconds from 0 to", new() { Timeout = TimeoutMs });
    }
}
