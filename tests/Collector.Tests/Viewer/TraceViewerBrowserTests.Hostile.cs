using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Playwright;

namespace Propagation.Collector.Tests.Viewer;

/// <summary>Markup in every field a caller can influence, in every view, and in the page's own address. Checked with
/// the page's Content-Security-Policy bypassed, so that the policy cannot hide markup the script would have inserted:
/// any handler that ran would set <c>window.__xss</c>.</summary>
public sealed partial class TraceViewerBrowserTests
{
    private static readonly string[] HostileVectors =
    [
        "<img src=x onerror=\"window.__xss='{0}'\">",
        "\"><svg onload=\"window.__xss='{0}'\">",
        "</title><script>window.__xss='{0}'</script>",
        "javascript:window.__xss='{0}'",
        "<iframe srcdoc=\"<script>parent.__xss='{0}'</script>\">",
    ];

    [Fact]
    public async Task Page_HostileDataInEveryViewAndAddress_StaysText()
    {
        // Arrange: a trace whose names, services, attributes, status, events, exception and link attributes all carry
        // markup; a call to a hostile peer (the dependency graph's SVG); slow and failing spans (the performance lists).
        var store = new SpanStore(new SpanStoreOptions());
        var now = DateTimeOffset.UtcNow.AddSeconds(-5);
        var traceId = ActivityTraceIdText();
        var linkedTraceId = ActivityTraceIdText();
        var rootId = SpanIdText(1);
        var hostileId = SpanIdText(2);
        store.Add(new StoredSpan
        {
            TraceId = traceId,
            SpanId = rootId,
            Name = "Microsoft.AspNetCore.Hosting.HttpRequestIn", // generic: the page shows method and path instead
            ServiceName = Hostile("root-service"),
            Kind = ActivityKind.Server,
            StartTime = now,
            Duration = TimeSpan.FromMilliseconds(1_500),
            Attributes = [new SpanTag("http.request.method", Hostile("method")), new SpanTag("url.path", Hostile("path"))],
        });
        store.Add(new StoredSpan
        {
            TraceId = traceId,
            SpanId = hostileId,
            ParentSpanId = rootId,
            Name = Hostile("name"),
            ServiceName = Hostile("service"),
            SourceName = Hostile("source"),
            Kind = ActivityKind.Client,
            StartTime = now.AddMilliseconds(10),
            Duration = TimeSpan.FromMilliseconds(1_200),
            Status = ActivityStatusCode.Error,
            StatusDescription = Hostile("status"),
            Attributes = [new SpanTag(Hostile("key"), Hostile("value")), new SpanTag("peer.service", Hostile("peer"))],
            Events =
            [
                new SpanEvent(Hostile("event"), now.AddMilliseconds(20), [new SpanTag(Hostile("event-key"), Hostile("event-value"))]),
                new SpanEvent("exception", now.AddMilliseconds(30),
                [
                    new SpanTag("exception.type", Hostile("exception-type")),
                    new SpanTag("exception.message", Hostile("exception-message")),
                    new SpanTag("exception.stacktrace", Hostile("stack")),
                ]),
            ],
            Links = [new SpanLink(linkedTraceId, SpanIdText(100), [new SpanTag(Hostile("link-key"), Hostile("link-value"))])],
        });
        store.Add(Span(linkedTraceId, SpanIdText(100), null, Hostile("linked"), Hostile("linked-service"), now.AddMilliseconds(200), 5));

        await using var app = await StartStoreAppAsync(store);
        await using var browser = await LaunchChromiumAsync();
        await using var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 1280, Height = 800 },
            BypassCSP = true,
        });
        await context.AddInitScriptAsync(TrackApiCallsScript);
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(TimeoutMs);
        page.SetDefaultNavigationTimeout(TimeoutMs);
        var problems = new ConcurrentQueue<string>();
        page.PageError += (_, error) => problems.Enqueue("page error: " + error);
        page.Dialog += (_, dialog) => problems.Enqueue("dialog: " + dialog.Message);
        var origin = AddressOf(app);

        // Act + Assert: the trace list, from an address whose query and hash carry markup too.
        await page.GotoAsync(new Uri(origin, "/tracing?q=" + Uri.EscapeDataString(Hostile("query")) + "#/traces/" + Uri.EscapeDataString(Hostile("hash"))).ToString());
        var row = page.Locator($"[data-testid=trace-row][data-trace-id='{traceId}']");
        await Assertions.Expect(row).ToContainTextAsync(Hostile("root-service"), new() { Timeout = TimeoutMs });
        await Assertions.Expect(row).ToContainTextAsync(Hostile("service"), new() { Timeout = TimeoutMs });
        await WaitForApiCallsHandledAsync(page);
        await AssertNothingRanAsync(page, problems, "trace list");

        // The waterfall and the details of the hostile span, its events, exception and link.
        await page.GotoAsync(new Uri(origin, "/tracing#/trace/" + traceId + "/" + hostileId).ToString());
        var details = page.Locator("[data-testid=span-details]");
        await Assertions.Expect(page.Locator("[data-testid=span-details-name]")).ToHaveTextAsync(Hostile("name"), new() { Timeout = TimeoutMs });
        await Assertions.Expect(details).ToContainTextAsync(Hostile("status"), new() { Timeout = TimeoutMs });
        await Assertions.Expect(details).ToContainTextAsync(Hostile("source"), new() { Timeout = TimeoutMs });
        await Assertions.Expect(details.Locator("[data-testid=span-attributes-row]").First).ToHaveTextAsync(Hostile("key") + Hostile("value"), new() { Timeout = TimeoutMs });
        await Assertions.Expect(details.Locator("[data-testid=span-event]")).ToContainTextAsync(Hostile("event-value"), new() { Timeout = TimeoutMs });
        var exception = details.Locator("[data-testid=span-exception]");
        await Assertions.Expect(exception).ToContainTextAsync(Hostile("exception-message"), new() { Timeout = TimeoutMs });
        await Assertions.Expect(exception).ToContainTextAsync(Hostile("stack"), new() { Timeout = TimeoutMs });
        await Assertions.Expect(details.Locator("[data-testid=span-link]")).ToContainTextAsync(Hostile("link-value"), new() { Timeout = TimeoutMs });
        var root = page.Locator($"[data-testid=waterfall-row][data-span-id='{rootId}']");
        await Assertions.Expect(root).ToContainTextAsync(Hostile("method") + " " + Hostile("path"), new() { Timeout = TimeoutMs });
        await WaitForApiCallsHandledAsync(page);
        await AssertNothingRanAsync(page, problems, "trace details");

        // The dependency graph: hostile service names in SVG nodes, titles and data attributes.
        await page.ClickAsync("[data-testid=tab-dependencies]");
        await Assertions.Expect(page.Locator("[data-testid=dep-node]")).ToHaveCountAsync(4, new() { Timeout = TimeoutMs });
        await Assertions.Expect(page.Locator("[data-testid=dependency-row]")).ToHaveCountAsync(2, new() { Timeout = TimeoutMs });
        await Assertions.Expect(page.Locator("[data-testid=dependency-table]")).ToContainTextAsync(Hostile("peer"), new() { Timeout = TimeoutMs });
        await WaitForApiCallsHandledAsync(page);
        await AssertNothingRanAsync(page, problems, "dependencies");

        // The slow and error lists.
        await page.ClickAsync("[data-testid=tab-performance]");
        await Assertions.Expect(page.Locator("[data-testid=error-row]")).ToContainTextAsync(Hostile("exception-message"), new() { Timeout = TimeoutMs });
        await Assertions.Expect(page.Locator("[data-testid=slow-span-row]").First).ToBeVisibleAsync(new() { Timeout = TimeoutMs });
        await WaitForApiCallsHandledAsync(page);
        await AssertNothingRanAsync(page, problems, "performance");

        // Addresses the router reads: markup where a trace id, a span id and a view name go.
        foreach (var hash in new[]
        {
            "#/trace/" + traceId + "/" + Uri.EscapeDataString(Hostile("span-id")),
            "#/trace/" + Uri.EscapeDataString(Hostile("trace-id")),
            "#/" + Uri.EscapeDataString(Hostile("view")),
            "#" + Hostile("raw-hash"),
        })
        {
            await page.GotoAsync(new Uri(origin, "/tracing").ToString() + hash);
            await Assertions.Expect(page.Locator("[data-testid=view-traces]")).ToBeVisibleAsync(new() { Timeout = TimeoutMs });
            await WaitForApiCallsHandledAsync(page);
            await AssertNothingRanAsync(page, problems, hash);
        }
    }

    private static string Hostile(string where) => string.Join(" ", HostileVectors.Select(v => string.Format(System.Globalization.CultureInfo.InvariantCulture, v, where)));

    private static async Task AssertNothingRanAsync(IPage page, ConcurrentQueue<string> problems, string where)
    {
        Assert.Null(await page.EvaluateAsync<string?>("() => window.__xss ?? null"));
        Assert.Equal(0, await page.Locator("body img, body script, body iframe, body [onload], body [onerror], body a[href]").CountAsync());
        Assert.Equal("Traces · Propagation", await page.TitleAsync());
        Assert.True(problems.IsEmpty, where + ": " + string.Join(" | ", problems));
    }
}
