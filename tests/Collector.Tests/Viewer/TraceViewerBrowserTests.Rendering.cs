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

    [Fact]
    public async Task Page_RemoteParentNotStored_ShownAsRootNotOrphan()
    {
        // Arrange: the kernel's own store. Its server span continues a caller in another process (remote parent, not
        // here); a later span lost its local parent.
        var store = new SpanStore(new SpanStoreOptions());
        var traceId = ActivityTraceIdText();
        var now = DateTimeOffset.UtcNow.AddSeconds(-5);
        var server = Span(traceId, SpanIdText(2), SpanIdText(900), "POST /kernel", "kernel", now.AddMilliseconds(10), 100);
        store.Add(new StoredSpan
        {
            TraceId = server.TraceId,
            SpanId = server.SpanId,
            ParentSpanId = server.ParentSpanId,
            HasRemoteParent = true,
            Name = server.Name,
            Kind = System.Diagnostics.ActivityKind.Server,
            ServiceName = server.ServiceName,
            StartTime = server.StartTime,
            Duration = server.Duration,
        });
        store.Add(Span(traceId, SpanIdText(3), SpanIdText(2), "invoke", "kernel", now.AddMilliseconds(20), 50));
        store.Add(Span(traceId, SpanIdText(1), SpanIdText(901), "stray", "kernel", now, 5));
        await using var app = await StartStoreAppAsync(store);
        await using var browser = await LaunchChromiumAsync();
        var problems = new ConcurrentQueue<string>();
        var page = await NewPageAsync(browser, problems);

        // Act
        await page.GotoAsync(new Uri(AddressOf(app), "/tracing#/trace/" + traceId + "/" + SpanIdText(2)).ToString());

        // Assert: one orphan badge, on the stray span; the server span is the first root (by start among roots,
        // orphans after them) and says its parent is remote.
        var rows = page.Locator("[data-testid=waterfall-row]");
        await Assertions.Expect(rows).ToHaveCountAsync(3, new() { Timeout = TimeoutMs });
        await Assertions.Expect(page.Locator("[data-testid=waterfall-orphan]")).ToHaveCountAsync(1, new() { Timeout = TimeoutMs });
        await Assertions.Expect(page.Locator($"[data-testid=waterfall-row][data-span-id='{SpanIdText(1)}'] [data-testid=waterfall-orphan]")).ToHaveCountAsync(1, new() { Timeout = TimeoutMs });
        await Assertions.Expect(page.Locator("[data-testid=fact-orphan-count]")).ToHaveTextAsync("1", new() { Timeout = TimeoutMs });
        await Assertions.Expect(rows.First).ToHaveAttributeAsync("data-span-id", SpanIdText(2), new() { Timeout = TimeoutMs });
        await Assertions.Expect(rows.Last).ToHaveAttributeAsync("data-span-id", SpanIdText(1), new() { Timeout = TimeoutMs });
        var parent = page.Locator("[data-testid=span-details] [data-testid=span-fields-row][data-key='parent span id']");
        await Assertions.Expect(parent).ToContainTextAsync(SpanIdText(900) + " (remote: in the calling service, not in this store)", new() { Timeout = TimeoutMs });

        await page.Locator($"[data-testid=waterfall-row][data-span-id='{SpanIdText(1)}']").ClickAsync();
        await Assertions.Expect(parent).ToContainTextAsync(SpanIdText(901) + " (not in this trace: orphan)", new() { Timeout = TimeoutMs });
        Assert.Empty(problems);
    }

    [Fact]
    public async Task Page_EventStampedBeforeItsSpanStarted_OffsetShownAsNegativeMilliseconds()
    {
        // Arrange: an event given an explicit timestamp 3 ms before its span's start.
        var store = new SpanStore(new SpanStoreOptions());
        var traceId = ActivityTraceIdText();
        var start = DateTimeOffset.UtcNow.AddSeconds(-5);
        store.Add(new StoredSpan
        {
            TraceId = traceId,
            SpanId = SpanIdText(1),
            Name = "import",
            ServiceName = "worker",
            StartTime = start,
            Duration = TimeSpan.FromMilliseconds(20),
            Events = [new SpanEvent("queued", start.AddMilliseconds(-3), [])],
        });
        await using var app = await StartStoreAppAsync(store);
        await using var browser = await LaunchChromiumAsync();
        var problems = new ConcurrentQueue<string>();
        var page = await NewPageAsync(browser, problems);

        // Act
        await page.GotoAsync(new Uri(AddressOf(app), "/tracing#/trace/" + traceId + "/" + SpanIdText(1)).ToString());

        // Assert: minus 3 ms, as a negative number of milliseconds, not "+-3000 µs".
        var offset = page.Locator("[data-testid=span-details] [data-testid=span-event] .muted");
        await Assertions.Expect(offset).ToHaveTextAsync("-3.00 ms", new() { Timeout = TimeoutMs });
        Assert.Empty(problems);
    }

    [Fact]
    public async Task Page_SpanNamingItselfAsParent_DetailsSayItsOwnId()
    {
        // Arrange: corrupt data: a span whose parent span id is its own.
        var store = new SpanStore(new SpanStoreOptions());
        var traceId = ActivityTraceIdText();
        store.Add(Span(traceId, SpanIdText(5), SpanIdText(5), "looped", "kernel", DateTimeOffset.UtcNow.AddSeconds(-5), 5));
        await using var app = await StartStoreAppAsync(store);
        await using var browser = await LaunchChromiumAsync();
        var problems = new ConcurrentQueue<string>();
        var page = await NewPageAsync(browser, problems);

        // Act
        await page.GotoAsync(new Uri(AddressOf(app), "/tracing#/trace/" + traceId + "/" + SpanIdText(5)).ToString());

        // Assert: an orphan, and the details say why instead of "not in this trace".
        await Assertions.Expect(page.Locator("[data-testid=waterfall-orphan]")).ToHaveCountAsync(1, new() { Timeout = TimeoutMs });
        var parent = page.Locator("[data-testid=span-details] [data-testid=span-fields-row][data-key='parent span id']");
        await Assertions.Expect(parent).ToContainTextAsync(SpanIdText(5) + " (the span's own id: orphan)", new() { Timeout = TimeoutMs });
        Assert.Empty(problems);
    }

    [Fact]
    public async Task Page_TraceOpen_HidesTheFilterForm()
    {
        var store = new SpanStore(new SpanStoreOptions());
        var traceId = ActivityTraceIdText();
        store.Add(Span(traceId, SpanIdText(1), null, "checkout", "front", DateTimeOffset.UtcNow.AddSeconds(-5), 5));
        await using var app = await StartStoreAppAsync(store);
        await using var browser = await LaunchChromiumAsync();
        var page = await NewPageAsync(browser, new ConcurrentQueue<string>());
        var filters = page.Locator("[data-testid=trace-filters]");

        await page.GotoAsync(new Uri(AddressOf(app), "/tracing#/trace/" + traceId).ToString());
        await Assertions.Expect(page.Locator("[data-testid=waterfall-bar]")).ToHaveCountAsync(1, new() { Timeout = TimeoutMs });
        await Assertions.Expect(filters).ToBeHiddenAsync(new() { Timeout = TimeoutMs });

        await page.ClickAsync("[data-testid=trace-back]");
        await Assertions.Expect(filters).ToBeVisibleAsync(new() { Timeout = TimeoutMs });
    }

    [Fact]
    public async Task Page_LongUnbrokenText_PageStaysWithinTheWindow()
    {
        // Arrange: a span whose name, service, status, attribute and exception are each one long word.
        var store = new SpanStore(new SpanStoreOptions());
        var traceId = ActivityTraceIdText();
        var now = DateTimeOffset.UtcNow.AddSeconds(-5);
        store.Add(new StoredSpan
        {
            TraceId = traceId,
            SpanId = SpanIdText(1),
            Name = "GET /" + new string('x', 3000),
            ServiceName = "svc-" + new string('s', 300),
            StartTime = now,
            Duration = TimeSpan.FromMilliseconds(5000),
            Status = System.Diagnostics.ActivityStatusCode.Error,
            StatusDescription = "boom " + new string('d', 3000),
            Attributes = [new SpanTag("url.path", "/" + new string('u', 3000))],
            Events = [new SpanEvent("exception", now.AddMilliseconds(1), [new SpanTag("exception.type", "System." + new string('T', 500)), new SpanTag("exception.message", new string('m', 3000))])],
        });
        await using var app = await StartStoreAppAsync(store);
        await using var browser = await LaunchChromiumAsync();
        var page = await NewPageAsync(browser, new ConcurrentQueue<string>());
        var views = new (string Hash, string Shown)[]
        {
            (string.Empty, "[data-testid=trace-row]"),
            ("#/trace/" + traceId + "/" + SpanIdText(1), "[data-testid=span-details]"),
            ("#/dependencies", "[data-testid=dep-node]"),
            ("#/performance", "[data-testid=error-row]"),
        };

        foreach (var (hash, shown) in views)
        {
            // Act
            await page.GotoAsync(new Uri(AddressOf(app), "/tracing" + hash).ToString());
            await Assertions.Expect(page.Locator(shown).First).ToBeVisibleAsync(new() { Timeout = TimeoutMs });
            await WaitForApiCallsHandledAsync(page);

            // Assert: nothing scrolls sideways.
            var width = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
            Assert.True(width <= 1280, $"The page at '{hash}' is {width} px wide in a 1280 px window.");
        }
    }

    [Fact]
    public async Task Page_AttributeKeysLikeObjectMembers_AreShown()
    {
        // Arrange: keys that name members of a JavaScript object, on the span and on its events.
        var store = new SpanStore(new SpanStoreOptions());
        var traceId = ActivityTraceIdText();
        var now = DateTimeOffset.UtcNow.AddSeconds(-5);
        store.Add(new StoredSpan
        {
            TraceId = traceId,
            SpanId = SpanIdText(1),
            Name = "root",
            ServiceName = "front",
            StartTime = now,
            Duration = TimeSpan.FromMilliseconds(5),
            Attributes = [new SpanTag("__proto__", "span-proto"), new SpanTag("constructor", "span-ctor")],
            Events =
            [
                new SpanEvent("retry", now.AddMilliseconds(1), [new SpanTag("__proto__", "event-proto"), new SpanTag("hasOwnProperty", "event-hop")]),
                new SpanEvent("exception", now.AddMilliseconds(2), [new SpanTag("exception.type", "System.TimeoutException"), new SpanTag("__proto__", "exception-proto")]),
            ],
        });
        await using var app = await StartStoreAppAsync(store);
        await using var browser = await LaunchChromiumAsync();
        var problems = new ConcurrentQueue<string>();
        var page = await NewPageAsync(browser, problems);

        // Act
        await page.GotoAsync(new Uri(AddressOf(app), "/tracing#/trace/" + traceId + "/" + SpanIdText(1)).ToString());

        // Assert
        var details = page.Locator("[data-testid=span-details]");
        await Assertions.Expect(details.Locator("[data-testid=span-attributes-row][data-key='__proto__']")).ToContainTextAsync("span-proto", new() { Timeout = TimeoutMs });
        var retry = details.Locator("[data-testid=span-event]");
        await Assertions.Expect(retry.Locator("tr[data-key='__proto__']")).ToContainTextAsync("event-proto", new() { Timeout = TimeoutMs });
        await Assertions.Expect(retry.Locator("tr[data-key='hasOwnProperty']")).ToContainTextAsync("event-hop", new() { Timeout = TimeoutMs });
        var exception = details.Locator("[data-testid=span-exception]");
        await Assertions.Expect(exception).ToContainTextAsync("System.TimeoutException", new() { Timeout = TimeoutMs });
        await Assertions.Expect(exception.Locator("tr[data-key='__proto__']")).ToContainTextAsync("exception-proto", new() { Timeout = TimeoutMs });
        Assert.Equal(0, await exception.Locator("tr[data-key='exception.type']").CountAsync());
        Assert.Empty(problems);
    }
}
