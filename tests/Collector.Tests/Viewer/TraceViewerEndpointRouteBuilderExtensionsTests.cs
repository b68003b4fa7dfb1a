using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Propagation.Collector.Tests.Viewer;

public sealed partial class TraceViewerEndpointRouteBuilderExtensionsTests
{
    [Fact]
    public async Task MapTraceViewer_Default_ServesPageAsHtmlWithStrictCsp()
    {
        await using var host = await ApiTestHost.StartAsync(map: static e => e.MapTraceViewer());

        using var response = await host.Client.GetAsync(new Uri("/tracing", UriKind.Relative));
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet);
        var csp = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        Assert.StartsWith("default-src 'self';", csp, StringComparison.Ordinal);
        Assert.Contains("script-src 'self';", csp, StringComparison.Ordinal);
        Assert.Contains("style-src 'self';", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        Assert.NotNull(response.Headers.ETag);
        Assert.True(response.Headers.CacheControl?.NoCache);
        Assert.Equal("/api/tracing", ApiMeta(html));
    }

    [Fact]
    public async Task MapTraceViewer_TrailingSlash_ServesPage()
    {
        await using var host = await ApiTestHost.StartAsync(map: static e => e.MapTraceViewer());

        using var response = await host.Client.GetAsync(new Uri("/tracing/", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Page_LinksOnlyLocalVersionedAssets_EachServedWithItsContentType()
    {
        await using var host = await ApiTestHost.StartAsync(map: static e => e.MapTraceViewer());
        var html = await host.Client.GetStringAsync(new Uri("/tracing", UriKind.Relative));

        var links = Links(html);

        Assert.Equal(3, links.Count);
        Assert.DoesNotContain("http:", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("https:", html, StringComparison.OrdinalIgnoreCase);
        var expected = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["viewer.js"] = "text/javascript", ["viewer.css"] = "text/css", ["icon.svg"] = "image/svg+xml",
        };
        foreach (var link in links)
        {
            Assert.StartsWith("/tracing/assets/", link, StringComparison.Ordinal);
            Assert.Contains("?v=", link, StringComparison.Ordinal);
            using var response = await host.Client.GetAsync(new Uri(link, UriKind.Relative));
            var name = link["/tracing/assets/".Length..link.IndexOf('?', StringComparison.Ordinal)];
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(expected[name], response.Content.Headers.ContentType?.MediaType);
            Assert.NotNull(response.Headers.ETag);
            Assert.StartsWith("default-src 'self';", Assert.Single(response.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);
            Assert.True((await response.Content.ReadAsByteArrayAsync()).Length > 0);
        }
    }

    [Fact]
    public async Task Asset_CurrentVersion_CachedImmutable_OtherwiseRevalidated()
    {
        await using var host = await ApiTestHost.StartAsync(map: static e => e.MapTraceViewer());
        var html = await host.Client.GetStringAsync(new Uri("/tracing", UriKind.Relative));
        var script = Links(html).Single(l => l.Contains("viewer.js", StringComparison.Ordinal));

        using var versioned = await host.Client.GetAsync(new Uri(script, UriKind.Relative));
        using var unversioned = await host.Client.GetAsync(new Uri("/tracing/assets/viewer.js", UriKind.Relative));
        using var stale = await host.Client.GetAsync(new Uri("/tracing/assets/viewer.js?v=0000", UriKind.Relative));

        Assert.True(versioned.Headers.CacheControl?.Private);
        Assert.Equal(TimeSpan.FromDays(365), versioned.Headers.CacheControl?.MaxAge);
        Assert.True(unversioned.Headers.CacheControl?.NoCache);
        Assert.True(stale.Headers.CacheControl?.NoCache);
        Assert.Equal(versioned.Headers.ETag, unversioned.Headers.ETag);
    }

    [Theory]
    [InlineData("/tracing")]
    [InlineData("/tracing/assets/viewer.css")]
    public async Task IfNoneMatch_CurrentETag_Returns304WithoutBody(string path)
    {
        await using var host = await ApiTestHost.StartAsync(map: static e => e.MapTraceViewer());
        using var first = await host.Client.GetAsync(new Uri(path, UriKind.Relative));
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.IfNoneMatch.Add(first.Headers.ETag!);

        using var second = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotModified, second.StatusCode);
        Assert.Empty(await second.Content.ReadAsByteArrayAsync());
        Assert.Equal(first.Headers.ETag, second.Headers.ETag);
    }

    [Fact]
    public async Task IfNoneMatch_OtherETag_ServesContent()
    {
        await using var host = await ApiTestHost.StartAsync(map: static e => e.MapTraceViewer());
        using var request = new HttpRequestMessage(HttpMethod.Get, "/tracing/assets/viewer.css");
        request.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"0123456789abcdef\""));

        using var response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True((await response.Content.ReadAsByteArrayAsync()).Length > 0);
    }

    [Fact]
    public async Task Head_Page_ReturnsHeadersOnly()
    {
        await using var host = await ApiTestHost.StartAsync(map: static e => e.MapTraceViewer());
        using var request = new HttpRequestMessage(HttpMethod.Head, "/tracing");

        using var response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Content.Headers.ContentLength > 0);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("/tracing/assets/missing.js")]
    [InlineData("/tracing/assets/index.html")]
    [InlineData("/tracing/assets/VIEWER.JS")]
    [InlineData("/tracing/assets/..%2Fviewer.js")]
    [InlineData("/tracing/other")]
    public async Task UnknownAsset_Returns404(string path)
    {
        await using var host = await ApiTestHost.StartAsync(map: static e => e.MapTraceViewer());

        using var response = await host.Client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task MapTraceViewer_CustomPathAndApiPrefix_ServesThereAndPointsAtPrefix()
    {
        await using var host = await ApiTestHost.StartAsync(map: static e => e.MapTraceViewer("/ops/traces/", "/internal/tracing"));

        using var page = await host.Client.GetAsync(new Uri("/ops/traces", UriKind.Relative));
        using var standard = await host.Client.GetAsync(new Uri("/tracing", UriKind.Relative));
        var html = await page.Content.ReadAsStringAsync();
        using var asset = await host.Client.GetAsync(new Uri("/ops/traces/assets/viewer.js", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, standard.StatusCode);
        Assert.Equal(HttpStatusCode.OK, asset.StatusCode);
        Assert.Equal("/internal/tracing", ApiMeta(html));
        Assert.All(Links(html), l => Assert.StartsWith("/ops/traces/assets/", l, StringComparison.Ordinal));
    }

    [Fact]
    public async Task MapTraceViewer_RootPath_ServesPageAndAssetsAtRoot()
    {
        await using var host = await ApiTestHost.StartAsync(map: static e => e.MapTraceViewer("/"));

        var html = await host.Client.GetStringAsync(new Uri("/", UriKind.Relative));
        using var asset = await host.Client.GetAsync(new Uri("/assets/viewer.js", UriKind.Relative));

        Assert.All(Links(html), l => Assert.StartsWith("/assets/", l, StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.OK, asset.StatusCode);
    }

    [Fact]
    public async Task MapTraceViewer_ApiPrefixWithMarkupCharacter_IsPercentEncoded()
    {
        await using var host = await ApiTestHost.StartAsync(map: static e => e.MapTraceViewer("/tracing", "/a&b'c"));

        var html = await host.Client.GetStringAsync(new Uri("/tracing", UriKind.Relative));

        Assert.Contains("content=\"/a%26b%27c\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MapTraceViewer_UnderPathBase_PrefixesApiAndAssets()
    {
        using var host = await new HostBuilder()
            .ConfigureWebHost(web => web
                .UseTestServer()
                .ConfigureServices(static s => s.AddRouting())
                .Configure(static app =>
                {
                    app.UsePathBase("/base");
                    app.UseRouting();
                    app.UseEndpoints(static e => e.MapTraceViewer());
                }))
            .StartAsync();
        using var client = host.GetTestClient();

        var html = await client.GetStringAsync(new Uri("/base/tracing", UriKind.Relative));
        using var asset = await client.GetAsync(new Uri("/base/tracing/assets/viewer.css", UriKind.Relative));

        Assert.Equal("/base/api/tracing", ApiMeta(html));
        Assert.All(Links(html), l => Assert.StartsWith("/base/tracing/assets/", l, StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.OK, asset.StatusCode);
        await host.StopAsync();
    }

    [Theory]
    [InlineData("/a b")]
    [InlineData("/x\"><script>alert(1)</script>")]
    [InlineData("/it's")]
    [InlineData("/top#frag")]
    [InlineData("/q?v=1&w=2")]
    [InlineData("/caf\u00e9/\u65e5\u672c")]
    [InlineData("/100%25/%2F")]
    [InlineData("/lone\ud800surrogate")]
    public async Task MapTraceViewer_HostilePathBase_LinksAreEscapedAndResolveToThePage(string pathBase)
    {
        // Arrange: a path base as a proxy sets it (X-Forwarded-Prefix through UseForwardedHeaders), any text at all.
        using var host = await new HostBuilder()
            .ConfigureWebHost(web => web
                .UseTestServer()
                .ConfigureServices(static s => s.AddRouting())
                .Configure(app =>
                {
                    app.Use((context, next) =>
                    {
                        context.Request.PathBase = new PathString(pathBase);
                        return next(context);
                    });
                    app.UseRouting();
                    app.UseEndpoints(static e => e.MapTraceViewer("/my traces", "/api/tracing"));
                }))
            .StartAsync();
        using var client = host.GetTestClient();

        // Act
        var html = await client.GetStringAsync(new Uri("/my%20traces", UriKind.Relative));

        // Assert: the markup is intact (one meta, three links, no stray element), and every address, read by a
        // browser from the page's origin, is exactly the path base then the mapped path: no fragment, no query but the
        // version, nothing outside the characters a path segment may carry unescaped.
        Assert.DoesNotContain("<script>", html, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(1, Regex.Count(html, "<script", RegexOptions.IgnoreCase));
        var origin = new Uri("http://viewer.test/");
        var api = WebUtility.HtmlDecode(ApiMeta(html));
        Assert.Matches("^[A-Za-z0-9\\-._~/%]+$", api);
        var apiUri = new Uri(origin, api);
        Assert.Equal(string.Empty, apiUri.Query);
        Assert.Equal(string.Empty, apiUri.Fragment);
        Assert.Equal(DecodeOnce(pathBase) + "/api/tracing", Uri.UnescapeDataString(apiUri.AbsolutePath));
        var links = Links(html);
        Assert.Equal(3, links.Count);
        foreach (var link in links)
        {
            var path = link[..link.IndexOf('?', StringComparison.Ordinal)];
            Assert.Matches("^[A-Za-z0-9\\-._~/%]+$", path);
            var uri = new Uri(origin, link);
            Assert.Equal(string.Empty, uri.Fragment);
            Assert.StartsWith("?v=", uri.Query, StringComparison.Ordinal);
            Assert.StartsWith(DecodeOnce(pathBase) + "/my traces/assets/", Uri.UnescapeDataString(uri.AbsolutePath), StringComparison.Ordinal);
        }

        await host.StopAsync();
    }

    [Theory]
    [InlineData("/tracing")]
    [InlineData("/tracing/assets/viewer.js")]
    public async Task RequireAuthorization_NoUser_Returns401(string path)
    {
        await using var host = await ApiTestHost.StartAsync(map: static e => e.MapTraceViewer().RequireAuthorization(ApiTestHost.Policy));

        using var response = await host.Client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task RequireAuthorization_UserWithRole_ServesPage()
    {
        await using var host = await ApiTestHost.StartAsync(map: static e => e.MapTraceViewer().RequireAuthorization(ApiTestHost.Policy));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/tracing");
        request.Headers.Add(ApiTestHost.UserHeader, "alice");
        request.Headers.Add(ApiTestHost.RoleHeader, "reader");

        using var response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task MapTraceViewer_NotMapped_NotExposed()
    {
        await using var host = await ApiTestHost.StartAsync();

        using var response = await host.Client.GetAsync(new Uri("/tracing", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData("/traces/{id}")]
    [InlineData("/traces?x=1")]
    [InlineData("/traces#top")]
    [InlineData("/a\"b")]
    [InlineData("/a<b")]
    [InlineData("//evil.example")]
    [InlineData(" //evil.example/api ")]
    [InlineData("//")]
    public async Task MapTraceViewer_InvalidPathOrPrefix_ThrowsArgumentException(string value)
    {
        var pathError = await Record.ExceptionAsync(async () =>
        {
            await using var host = await ApiTestHost.StartAsync(map: e => e.MapTraceViewer(value));
        });
        var prefixError = await Record.ExceptionAsync(async () =>
        {
            await using var host = await ApiTestHost.StartAsync(map: e => e.MapTraceViewer("/tracing", value));
        });

        Assert.Equal("path", Assert.IsAssignableFrom<ArgumentException>(pathError).ParamName);
        Assert.Equal("apiPrefix", Assert.IsAssignableFrom<ArgumentException>(prefixError).ParamName);
    }

    [Fact]
    public void MapTraceViewer_NullEndpoints_Throws()
    {
        Assert.Throws<ArgumentNullException>(() => TraceViewerEndpointRouteBuilderExtensions.MapTraceViewer(null!));
    }

    /// <summary>The text a server decoding <paramref name="value"/>'s UTF-8 once gets back (a lone surrogate becomes
    /// U+FFFD, as in any UTF-8 text).</summary>
    private static string DecodeOnce(string value) => System.Text.Encoding.UTF8.GetString(System.Text.Encoding.UTF8.GetBytes(value));

    private static string ApiMeta(string html)
    {
        var match = ApiMetaPattern().Match(html);
        Assert.True(match.Success, "The page has no <meta name=\"tracing-api\">.");
        return match.Groups[1].Value;
    }

    private static List<string> Links(string html) =>
        [.. LinkPattern().Matches(html).Select(m => WebUtility.HtmlDecode(m.Groups[1].Value))];

    [GeneratedRegex("<meta name=\"tracing-api\" content=\"([^\"]*)\">")]
    private static partial Regex ApiMetaPattern();

    [GeneratedRegex("(?:src|href)=\"([^\"]*)\"")]
    private static partial Regex LinkPattern();
}
