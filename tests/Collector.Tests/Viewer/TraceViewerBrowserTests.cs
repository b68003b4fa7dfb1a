using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;

namespace Propagation.Collector.Tests.Viewer;

/// <summary>
/// The viewer page in Debian's headless Chromium (driven by Playwright), over a store filled by a real request chain
/// (<see cref="ViewerTestChain"/>). Never downloads a browser: <c>/usr/bin/chromium</c> must be installed (CI's
/// <c>.ci/run</c> installs the <c>chromium</c> package); when it is missing the test fails and says so.
/// </summary>
public sealed partial class TraceViewerBrowserTests
{
    private const string ChromiumPath = "/usr/bin/chromium";
    private const float TimeoutMs = 15_000;

    private static readonly string[] ChromiumArgs =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
    ];

    [Fact]
    public async Task Page_RealChain_ListsTraceAndShowsEverySpanDetailsAndDependencies()
    {
        // Arrange: two apps, one checkout through both.
        await using var chain = await ViewerTestChain.StartAsync();
        // No client activity of its own: the checkout's server span is the trace's root.
        using var client = new HttpClient(new SocketsHttpHandler { ActivityHeadersPropagator = null });
        var traceId = await chain.CheckoutAsync(client);
        var stored = chain.Store.GetTrace(traceId);
        Assert.NotNull(stored);
        Assert.Contains(stored, s => s.ServiceName == ViewerTestChain.Front);
        Assert.Contains(stored, s => s.ServiceName == ViewerTestChain.Back);
        var failed = Assert.Single(stored, s => s.Name == "SELECT stock" && s.IsError);
        var spanIds = stored.Select(s => s.SpanId).Order(StringComparer.Ordinal).ToArray();
        var root = Assert.Single(stored, s => s.ParentSpanId is null);

        await using var browser = await LaunchChromiumAsync();
        await using var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 1440, Height = 900 },
            Locale = "en-US",
            TimezoneId = "UTC",
        });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(TimeoutMs);
        page.SetDefaultNavigationTimeout(TimeoutMs);
        var problems = new ConcurrentQueue<string>();
        page.Console += (_, message) =>
        {
            if (message.Type is "error" or "warning")
            {
                problems.Enqueue(message.Type + ": " + message.Text);
            }
        };
        page.PageError += (_, error) => problems.Enqueue("page error: " + error);
        var outside = new ConcurrentQueue<string>();
        page.Request += (_, request) =>
        {
            if (!request.Url.StartsWith(chain.FrontAddress.GetLeftPart(UriPartial.Authority), StringComparison.Ordinal))
            {
                outside.Enqueue(request.Url);
            }
        };

        // Act + Assert: the trace list shows the checkout.
        var response = await page.GotoAsync(new Uri(chain.FrontAddress, "/tracing").ToString());
        Assert.NotNull(response);
        Assert.Equal(200, response.Status);
        var row = page.Locator($"[data-testid=trace-row][data-trace-id='{traceId}']");
        await Assertions.Expect(row).ToBeVisibleAsync(new() { Timeout = TimeoutMs });
        await Assertions.Expect(row).ToContainTextAsync(root.Name, new() { Timeout = TimeoutMs });
        await Assertions.Expect(row).ToContainTextAsync(ViewerTestChain.Back, new() { Timeout = TimeoutMs });
        await SaveScreenshotAsync(page, "trace-viewer-list.png");

        // The filters: errors only keeps it (the second stock lookup failed); a foreign prefix hides it.
        await page.CheckAsync("[data-testid=filter-errors]");
        await page.ClickAsync("[data-testid=filter-apply]");
        await Assertions.Expect(row).ToBeVisibleAsync(new() { Timeout = TimeoutMs });
        await page.FillAsync("[data-testid=filter-operation]", "no-such-operation");
        await page.ClickAsync("[data-testid=filter-apply]");
        await Assertions.Expect(row).ToHaveCountAsync(0, new() { Timeout = TimeoutMs });
        await page.FillAsync("[data-testid=filter-operation]", "SELECT st");
        await page.ClickAsync("[data-testid=filter-apply]");
        await Assertions.Expect(row).ToBeVisibleAsync(new() { Timeout = TimeoutMs });

        // The waterfall: one bar per stored span of the trace, no more, no less.
        await row.ClickAsync();
        var bars = page.Locator("[data-testid=waterfall-bar]");
        await Assertions.Expect(bars).ToHaveCountAsync(stored.Count, new() { Timeout = TimeoutMs });
        var shown = new List<string>();
        foreach (var bar in await bars.AllAsync())
        {
            shown.Add(await bar.GetAttributeAsync("data-span-id") ?? string.Empty);
        }

        Assert.Equal(spanIds, shown.Order(StringComparer.Ordinal).ToArray());
        await Assertions.Expect(page.Locator("[data-testid=legend-item]")).ToHaveCountAsync(2, new() { Timeout = TimeoutMs });
        await Assertions.Expect(page.Locator("[data-testid=fact-span-count]")).ToHaveTextAsync(stored.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), new() { Timeout = TimeoutMs });
        var failedBar = page.Locator($"[data-testid=waterfall-bar][data-span-id='{failed.SpanId}']");
        await Assertions.Expect(failedBar).ToHaveAttributeAsync("data-status", "error", new() { Timeout = TimeoutMs });
        var rootRow = page.Locator($"[data-testid=waterfall-row][data-span-id='{root.SpanId}']");
        await Assertions.Expect(rootRow).ToHaveAttributeAsync("data-depth", "0", new() { Timeout = TimeoutMs });
        var failedRow = page.Locator($"[data-testid=waterfall-row][data-span-id='{failed.SpanId}']");
        await Assertions.Expect(failedRow).ToHaveAttributeAsync("data-depth", "3", new() { Timeout = TimeoutMs });

        // Span details: the failed lookup's attributes and its exception event.
        await failedRow.ClickAsync();
        var details = page.Locator("[data-testid=span-details]");
        await Assertions.Expect(details).ToBeVisibleAsync(new() { Timeout = TimeoutMs });
        await Assertions.Expect(page.Locator("[data-testid=span-details-name]")).ToHaveTextAsync("SELECT stock", new() { Timeout = TimeoutMs });
        await Assertions.Expect(details.Locator("[data-testid=span-attributes-row][data-key='db.system']")).ToContainTextAsync("postgresql", new() { Timeout = TimeoutMs });
        var exception = details.Locator("[data-testid=span-exception]");
        await Assertions.Expect(exception).ToContainTextAsync("System.TimeoutException", new() { Timeout = TimeoutMs });
        await Assertions.Expect(exception).ToContainTextAsync("stock database did not answer", new() { Timeout = TimeoutMs });
        await Assertions.Expect(details).ToContainTextAsync(ViewerTestChain.Back, new() { Timeout = TimeoutMs });
        await SaveScreenshotAsync(page, "trace-viewer-waterfall.png");

        // The dependency graph: storefront -> inventory, two calls, one failed.
        await page.ClickAsync("[data-testid=tab-dependencies]");
        var edge = page.Locator($"[data-testid=dep-edge][data-caller='{ViewerTestChain.Front}'][data-callee='{ViewerTestChain.Back}']");
        await Assertions.Expect(edge).ToHaveCountAsync(1, new() { Timeout = TimeoutMs });
        await Assertions.Expect(edge.Locator("[data-testid=dep-edge-label]")).ToContainTextAsync("2 calls", new() { Timeout = TimeoutMs });
        await Assertions.Expect(page.Locator($"[data-testid=dep-node][data-service='{ViewerTestChain.Front}']")).ToHaveCountAsync(1, new() { Timeout = TimeoutMs });
        await Assertions.Expect(page.Locator($"[data-testid=dep-node][data-service='{ViewerTestChain.Back}']")).ToHaveCountAsync(1, new() { Timeout = TimeoutMs });
        await SaveScreenshotAsync(page, "trace-viewer-dependencies.png");

        // Slow and error lists: the failed lookup is a recent error; clicking it opens its trace at that span.
        await page.ClickAsync("[data-testid=tab-performance]");
        var error = page.Locator($"[data-testid=error-row][data-span-id='{failed.SpanId}']");
        await Assertions.Expect(error).ToContainTextAsync("System.TimeoutException", new() { Timeout = TimeoutMs });
        await Assertions.Expect(page.Locator("[data-testid=bottleneck-row]").First).ToBeVisibleAsync(new() { Timeout = TimeoutMs });
        await SaveScreenshotAsync(page, "trace-viewer-performance.png");
        await error.ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=span-details-name]")).ToHaveTextAsync("SELECT stock", new() { Timeout = TimeoutMs });
        await Assertions.Expect(bars).ToHaveCountAsync(stored.Count, new() { Timeout = TimeoutMs });

        // Nothing was blocked by the CSP or failed in the script, nothing was fetched from elsewhere, and the
        // viewer's own page and asset requests were not recorded as traces.
        Assert.Empty(problems);
        Assert.Empty(outside);
        chain.Flush();
        Assert.DoesNotContain(chain.Store.GetSpans(), s => s.Name.Contains("/tracing", StringComparison.Ordinal) && !s.Name.Contains("/api/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Page_HostileSpanData_ShownAsTextWithOrphansLinksAndCollapse()
    {
        // Arrange: one app with a store filled by hand: markup in every field a caller can influence, an orphan,
        // a link to a second trace, and enough spans that the waterfall must show them all.
        var store = new SpanStore(new SpanStoreOptions());
        await using var app = await StartStoreAppAsync(store);
        var now = DateTimeOffset.UtcNow.AddSeconds(-5);
        var traceId = ActivityTraceIdText();
        var linkedTraceId = ActivityTraceIdText();
        const string HostileName = "<img src=x onerror=\"document.title='pwned'\">";
        const string HostileService = "<b>evil</b>";
        const string HostileKey = "<script>document.title='key'</script>";
        const string HostileValue = "\"><svg onload=\"document.title='value'\">";
        var rootId = SpanIdText(1);
        var spans = new List<StoredSpan>
        {
            Span(traceId, rootId, null, "GET /orders", "front", now, 120),
            new StoredSpan
            {
                TraceId = traceId,
                SpanId = SpanIdText(2),
                ParentSpanId = rootId,
                Name = HostileName,
                ServiceName = HostileService,
                StartTime = now.AddMilliseconds(10),
                Duration = TimeSpan.FromMilliseconds(30),
                Status = System.Diagnostics.ActivityStatusCode.Error,
                Attributes = [new SpanTag(HostileKey, HostileValue)],
                Events = [new SpanEvent("<iframe src=\"javascript:document.title='event'\">", now.AddMilliseconds(20), [])],
                Links = [new SpanLink(linkedTraceId, SpanIdText(100), [])],
            },
            Span(traceId, SpanIdText(3), SpanIdText(999), "orphaned work", "back", now.AddMilliseconds(50), 20),
        };
        for (var i = 0; i < 40; i++)
        {
            spans.Add(Span(traceId, SpanIdText(10 + i), rootId, "step " + i, i % 2 == 0 ? "front" : "back", now.AddMilliseconds(60 + i), 1));
        }

        foreach (var span in spans)
        {
            store.Add(span);
        }

        store.Add(Span(linkedTraceId, SpanIdText(100), null, "linked job", "worker", now.AddMilliseconds(200), 5));

        await using var browser = await LaunchChromiumAsync();
        await using var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1440, Height = 900 } });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(TimeoutMs);
        page.SetDefaultNavigationTimeout(TimeoutMs);
        var problems = new ConcurrentQueue<string>();
        page.Console += (_, message) =>
        {
            if (message.Type is "error" or "warning")
            {
                problems.Enqueue(message.Type + ": " + message.Text);
            }
        };
        page.PageError += (_, error) => problems.Enqueue("page error: " + error);
        page.Dialog += (_, dialog) => problems.Enqueue("dialog: " + dialog.Message);

        // Act: open the trace directly by its address.
        await page.GotoAsync(new Uri(AddressOf(app), "/tracing#/trace/" + traceId).ToString());

        // Assert: every span has a bar; the orphan is marked; markup stayed text.
        var bars = page.Locator("[data-testid=waterfall-bar]");
        await Assertions.Expect(bars).ToHaveCountAsync(spans.Count, new() { Timeout = TimeoutMs });
        await Assertions.Expect(page.Locator("[data-testid=waterfall-orphan]")).ToHaveCountAsync(1, new() { Timeout = TimeoutMs });
        await Assertions.Expect(page.Locator("[data-testid=fact-orphan-count]")).ToHaveTextAsync("1", new() { Timeout = TimeoutMs });
        await Assertions.Expect(page.Locator($"[data-testid=waterfall-row][data-span-id='{SpanIdText(3)}']")).ToHaveAttributeAsync("data-depth", "0", new() { Timeout = TimeoutMs });
        var hostileRow = page.Locator($"[data-testid=waterfall-row][data-span-id='{SpanIdText(2)}']");
        await Assertions.Expect(hostileRow).ToContainTextAsync(HostileName, new() { Timeout = TimeoutMs });
        await Assertions.Expect(hostileRow).ToContainTextAsync(HostileService, new() { Timeout = TimeoutMs });
        await hostileRow.ClickAsync();
        var details = page.Locator("[data-testid=span-details]");
        await Assertions.Expect(page.Locator("[data-testid=span-details-name]")).ToHaveTextAsync(HostileName, new() { Timeout = TimeoutMs });
        await Assertions.Expect(details.Locator("[data-testid=span-attributes-row]")).ToHaveTextAsync(HostileKey + HostileValue, new() { Timeout = TimeoutMs });
        await Assertions.Expect(details.Locator("[data-testid=span-event]")).ToContainTextAsync("<iframe", new() { Timeout = TimeoutMs });
        Assert.Equal(0, await page.Locator("main img, main iframe, main b, main script, main svg[onload]").CountAsync());
        Assert.Equal("Traces · Propagation", await page.TitleAsync());
        await SaveScreenshotAsync(page, "trace-viewer-hostile.png");

        // Collapsing the root hides its children; expanding shows them again.
        await page.Locator($"[data-testid=waterfall-row][data-span-id='{rootId}'] [data-testid=waterfall-toggle]").ClickAsync();
        await Assertions.Expect(bars).ToHaveCountAsync(2, new() { Timeout = TimeoutMs });
        await page.Locator($"[data-testid=waterfall-row][data-span-id='{rootId}'] [data-testid=waterfall-toggle]").ClickAsync();
        await Assertions.Expect(bars).ToHaveCountAsync(spans.Count, new() { Timeout = TimeoutMs });

        // A link opens the linked trace.
        await hostileRow.ClickAsync();
        await details.Locator("[data-testid=span-link] [data-testid=trace-link]").ClickAsync();
        await Assertions.Expect(bars).ToHaveCountAsync(1, new() { Timeout = TimeoutMs });
        await Assertions.Expect(page.Locator("[data-testid=trace-title]")).ToContainTextAsync(linkedTraceId, new() { Timeout = TimeoutMs });

        Assert.Empty(problems);
    }

    [Fact]
    public async Task Page_UnderPathBaseWithSpaceHashAndNonAscii_LoadsAssetsAndListsTraces()
    {
        // Arrange: the app behind a path base a browser must escape ("/ops team #1/é", sent as
        // /ops%20team%20%231/%C3%A9): the page's links and API address must carry it escaped to reach the app at all.
        const string PathBase = "/ops team #1/\u00e9";
        var store = new SpanStore(new SpanStoreOptions());
        var traceId = ActivityTraceIdText();
        store.Add(Span(traceId, SpanIdText(1), null, "GET /orders", "front", DateTimeOffset.UtcNow.AddSeconds(-5), 12));
        await using var app = await StartStoreAppAsync(store, PathBase);
        await using var browser = await LaunchChromiumAsync();
        var problems = new ConcurrentQueue<string>();
        var page = await NewPageAsync(browser, problems);
        var failed = new ConcurrentQueue<string>();
        page.Response += (_, response) =>
        {
            if (response.Status >= 400)
            {
                failed.Enqueue(response.Status + " " + response.Url);
            }
        };

        // Act
        var response = await page.GotoAsync(new Uri(AddressOf(app), Uri.EscapeDataString("ops team #1") + "/" + Uri.EscapeDataString("\u00e9") + "/tracing").ToString());

        // Assert: the script ran (it fills the list from the API), the style sheet applied, and nothing failed.
        Assert.NotNull(response);
        Assert.Equal(200, response.Status);
        var row = page.Locator($"[data-testid=trace-row][data-trace-id='{traceId}']");
        await Assertions.Expect(row).ToContainTextAsync("GET /orders", new() { Timeout = TimeoutMs });
        Assert.Equal("flex", await page.EvaluateAsync<string>("() => getComputedStyle(document.querySelector('.topbar')).display"));
        await WaitForApiCallsHandledAsync(page);
        Assert.Empty(failed);
        Assert.Empty(problems);
    }

    [Fact]
    public async Task Page_UnknownTrace_ShowsNotStoredMessage()
    {
        var store = new SpanStore(new SpanStoreOptions());
        await using var app = await StartStoreAppAsync(store);
        await using var browser = await LaunchChromiumAsync();
        await using var context = await browser.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(TimeoutMs);
        var traceId = ActivityTraceIdText();

        await page.GotoAsync(new Uri(AddressOf(app), "/tracing#/trace/" + traceId).ToString());

        var banner = page.Locator("[data-testid=error-banner]");
        await Assertions.Expect(banner).ToBeVisibleAsync(new() { Timeout = TimeoutMs });
        await Assertions.Expect(banner).ToContainTextAsync("is not stored", new() { Timeout = TimeoutMs });
        await Assertions.Expect(page.Locator("[data-testid=waterfall-bar]")).ToHaveCountAsync(0, new() { Timeout = TimeoutMs });
    }

    /// <summary>Counts the page's API calls whose answer (or failure) the page has not yet handled. A call counts as
    /// handled one macrotask after its body is read or its fetch fails: by then every promise callback the page chained
    /// on it has run. Injected by the browser before the page's own script, so the page's CSP does not apply.</summary>
    private const string TrackApiCallsScript = """
        (() => {
          let pending = 0;
          Object.defineProperty(window, '__apiPending', { get: () => pending });
          const original = window.fetch;
          window.fetch = function (...args) {
            pending++;
            const done = () => setTimeout(() => { pending--; }, 0);
            return original.apply(this, args).then(response => {
              const text = response.text;
              response.text = function () { return text.call(this).then(t => { done(); return t; }, e => { done(); throw e; }); };
              return response;
            }, e => { done(); throw e; });
          };
        })();
        """;

    /// <summary>A page in its own context that records console problems and tracks its API calls
    /// (<see cref="WaitForApiCallsHandledAsync"/>).</summary>
    private static async Task<IPage> NewPageAsync(BrowserSession browser, ConcurrentQueue<string> problems)
    {
        var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 1280, Height = 800 },
            Locale = "en-US",
            TimezoneId = "UTC",
        });
        await context.AddInitScriptAsync(TrackApiCallsScript);
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(TimeoutMs);
        page.SetDefaultNavigationTimeout(TimeoutMs);
        page.Console += (_, message) =>
        {
            if (message.Type is "error" or "warning")
            {
                problems.Enqueue(message.Type + ": " + message.Text);
            }
        };
        page.PageError += (_, error) => problems.Enqueue("page error: " + error);
        return page;
    }

    /// <summary>Waits until the page has handled every answer to the API calls it made, so a test can check that a late
    /// answer changed nothing.</summary>
    private static Task WaitForApiCallsHandledAsync(IPage page) =>
        page.WaitForFunctionAsync("() => window.__apiPending === 0", null, new PageWaitForFunctionOptions { Timeout = TimeoutMs });

    private static async Task<WebApplication> StartStoreAppAsync(SpanStore store, string? pathBase = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(store);
        builder.Services.AddSpanStore();
        var app = builder.Build();
        if (pathBase is not null)
        {
            app.UsePathBase(pathBase);
            app.UseRouting();
        }

        app.MapTracingApi();
        app.MapTraceViewer();
        await app.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return app;
    }

    /// <summary>A store of <paramref name="count"/> one-span traces of the service <c>front</c>, a minute old, newest last.</summary>
    private static SpanStore StoreOfTraces(int count)
    {
        var store = new SpanStore(new SpanStoreOptions());
        var now = DateTimeOffset.UtcNow.AddMinutes(-1);
        for (var i = 0; i < count; i++)
        {
            store.Add(Span(ActivityTraceIdText(), SpanIdText(i + 1), null, "op " + i, "front", now.AddMilliseconds(i), 1));
        }

        return store;
    }

    /// <summary>The trace ids of the listed rows, in the order listed.</summary>
    private static async Task<List<string>> ListedTraceIdsAsync(ILocator rows)
    {
        var ids = new List<string>();
        foreach (var row in await rows.AllAsync())
        {
            ids.Add(await row.GetAttributeAsync("data-trace-id") ?? string.Empty);
        }

        return ids;
    }

    private static Uri AddressOf(WebApplication app) =>
        new(Assert.Single(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses));

    private static StoredSpan Span(string traceId, string spanId, string? parentId, string name, string service, DateTimeOffset start, double durationMs) => new()
    {
        TraceId = traceId,
        SpanId = spanId,
        ParentSpanId = parentId,
        Name = name,
        ServiceName = service,
        StartTime = start,
        Duration = TimeSpan.FromMilliseconds(durationMs),
    };

    private static string ActivityTraceIdText() => System.Diagnostics.ActivityTraceId.CreateRandom().ToHexString();

    private static string SpanIdText(int n) => n.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<BrowserSession> LaunchChromiumAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            Assert.Fail($"Chromium is not installed at {ChromiumPath}: install Debian's 'chromium' package (apt-get install chromium; .ci/run does this). " +
                "This test never downloads a browser.");
        }

        // The Playwright driver (node + its package) is copied next to the test assembly by the NuGet package's
        // build targets, where Playwright looks for it by default.
        var driver = Path.Combine(AppContext.BaseDirectory, ".playwright");
        Assert.True(Directory.Exists(driver), $"The Playwright driver is missing at {driver}: restore and build the test project.");

        var playwright = await Playwright.CreateAsync().WaitAsync(TimeSpan.FromSeconds(30));
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ChromiumPath,
                Headless = true,
                Args = ChromiumArgs,
                Timeout = TimeoutMs,
            });
            return new BrowserSession(playwright, browser);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    private static async Task SaveScreenshotAsync(IPage page, string name)
    {
        var directory = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(directory);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(directory, name), FullPage = true, Timeout = TimeoutMs });
    }

    /// <summary>Holds the first tracing API request that matches until the test releases it (or answers it with an
    /// error); every other request goes through. Lets a test decide the order in which answers arrive.</summary>
    private sealed class HeldRequest
    {
        private readonly Func<Uri, bool> _matches;
        private readonly TaskCompletionSource _sent = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource<Func<IRoute, Task>> _answer = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _held;

        private HeldRequest(Func<Uri, bool> matches) => _matches = matches;

        public static async Task<HeldRequest> InstallAsync(IPage page, Func<Uri, bool> matches)
        {
            var held = new HeldRequest(matches);
            await page.RouteAsync("**/api/tracing/**", held.HandleAsync);
            return held;
        }

        public Task WaitUntilSentAsync() => _sent.Task.WaitAsync(TimeSpan.FromMilliseconds(TimeoutMs));

        public void Release() => _answer.TrySetResult(static route => route.ContinueAsync());

        public void Fail(int status) =>
            _answer.TrySetResult(route => route.FulfillAsync(new RouteFulfillOptions { Status = status, ContentType = "text/plain", Body = "held and failed by the test" }));

        private async Task HandleAsync(IRoute route)
        {
            if (!_matches(new Uri(route.Request.Url)) || Interlocked.Exchange(ref _held, 1) == 1)
            {
                await route.ContinueAsync();
                return;
            }

            _sent.TrySetResult();
            var answer = await _answer.Task.WaitAsync(TimeSpan.FromMilliseconds(TimeoutMs * 2));
            try
            {
                await answer(route);
            }
            catch (PlaywrightException)
            {
                // The page aborted the request while it was held: there is nobody left to answer.
            }
        }
    }

    /// <summary>The driver and the browser it launched, disposed together.</summary>
    private sealed class BrowserSession(IPlaywright playwright, IBrowser browser) : IAsyncDisposable
    {
        public IBrowser Browser { get; } = browser;

        public async ValueTask DisposeAsync()
        {
            await Browser.DisposeAsync();
            playwright.Dispose();
        }
    }
}
