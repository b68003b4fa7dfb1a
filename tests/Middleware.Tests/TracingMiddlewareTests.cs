using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Propagation.Middleware.Internal;
using Propagation.Middleware.Tests.Infrastructure;
using Propagation.Testing;

namespace Propagation.Middleware.Tests;

public sealed class TracingMiddlewareTests
{
    private const string Hosting = "Microsoft.AspNetCore";
    private const string Ours = TracingService.ServerSourceName;

    private static readonly RequestDelegate Ok = static context => context.Response.WriteAsync("ok");

    [Fact]
    public async Task Invoke_HostingActivityPresent_EnrichesHostingActivityOnly()
    {
        // Arrange
        var prefix = NewPrefix();
        using var listener = new TestListener(prefix, Hosting, Ours);
        using var host = await TestHosts.StartTracedAsync(null, Ok);
        var (traceId, spanId, traceparent) = NewTraceParent();
        using var request = new HttpRequestMessage(HttpMethod.Get, prefix + "/items?id=42");
        request.Headers.Add("traceparent", traceparent);

        // Act
        using var response = await host.GetTestClient().SendAsync(request);

        // Assert
        await listener.WaitAsync(1);
        var spans = listener.Stopped.ToList();
        var span = Assert.Single(spans);
        Assert.Equal(Hosting, span.Source.Name);
        Assert.Equal(traceId, span.TraceId.ToHexString());
        Assert.Equal(spanId, span.ParentSpanId.ToHexString());
        Assert.Equal("id=REDACTED", span.GetTagItem("url.query"));
        Assert.Same(host.Services.GetRequiredService<Propagation.Collector.TracingOwner>(), Propagation.Collector.TracingOwnership.GetOwner(span));
        Assert.Equal(traceId, Assert.Single(response.Headers.GetValues("X-Trace-ID")));
        Assert.Equal(span.SpanId.ToHexString(), Assert.Single(response.Headers.GetValues("X-Span-ID")));
        Assert.False(response.Headers.Contains("traceresponse"));
    }

    [Theory]
    [InlineData(null, "GET", "GET", null, "GET /{**path}")]
    [InlineData(null, "QUERY", "QUERY", null, "QUERY /{**path}")]
    [InlineData(null, "get", "GET", "get", "GET /{**path}")]
    [InlineData(null, "Delete", "DELETE", "Delete", "DELETE /{**path}")]
    [InlineData(null, "PURGE", "_OTHER", "PURGE", "HTTP /{**path}")]
    [InlineData(null, "gett", "_OTHER", "gett", "HTTP /{**path}")]
    [InlineData("GET,PURGE", "PURGE", "PURGE", null, "PURGE /{**path}")]
    [InlineData("GET,PURGE", "GET", "GET", null, "GET /{**path}")]
    [InlineData("GET,PURGE", "POST", "_OTHER", "POST", "HTTP /{**path}")]
    [InlineData("GET,PURGE", "get", "_OTHER", "get", "HTTP /{**path}")]
    [InlineData("GET,PURGE", "purge", "_OTHER", "purge", "HTTP /{**path}")]
    public async Task Invoke_Method_KnownCanonicalOthersAsOtherWithOriginalAndSpanNameHttp(string? knownMethods, string sent, string method, string? original, string name)
    {
        // Arrange: HTTP semantic conventions. With the default list (null), a known method (RFC 9110, PATCH, QUERY) by its
        // canonical name, the original when it differs (ASP.NET Core matches methods without case); any other as
        // _OTHER, the span named HTTP. A configured list fully overrides the default one and is case-sensitive.
        var prefix = NewPrefix();
        using var listener = new TestListener(prefix, Hosting, Ours);
        using var host = await TestHosts.StartTracedAsync(TestHosts.KnownMethods(knownMethods), Ok);
        using var request = new HttpRequestMessage(new HttpMethod(sent), prefix + "/items");

        // Act
        using var response = await host.GetTestClient().SendAsync(request);

        // Assert
        await listener.WaitAsync(1);
        var span = Assert.Single(listener.Stopped);
        Assert.Equal(method, span.GetTagItem("http.request.method"));
        Assert.Equal(original, span.GetTagItem("http.request.method_original"));
        Assert.Equal(name, span.DisplayName);
    }

    [Theory]
    [InlineData("MKCOL", "MKCOL", null)]
    [InlineData("PROPFIND", "PROPFIND", null)]
    [InlineData("DELETE", "_OTHER", "DELETE")]
    public async Task Invoke_OtelKnownMethodsVariable_RecordsItsMethodsAndOthersAsOther(string sent, string method, string? original)
    {
        // Arrange: OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS, a comma-separated list, read through configuration.
        var prefix = NewPrefix();
        using var listener = new TestListener(prefix, Hosting, Ours);
        using var host = await TestHosts.StartTracedAsync(
            null,
            Ok,
            new Dictionary<string, string?> { ["OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS"] = "MKCOL, PROPFIND" });
        using var request = new HttpRequestMessage(new HttpMethod(sent), prefix + "/items");

        // Act
        using var response = await host.GetTestClient().SendAsync(request);

        // Assert
        await listener.WaitAsync(1);
        var span = Assert.Single(listener.Stopped);
        Assert.Equal(method, span.GetTagItem("http.request.method"));
        Assert.Equal(original, span.GetTagItem("http.request.method_original"));
    }

    [Fact]
    public async Task Invoke_NoHttpContextAccessor_EnrichesHostingSpanEchoesIdsMarksOwnerAndCountsOnce()
    {
        // Arrange
        var (host, listener) = await TestHosts.StartWithoutAccessorAsync(null, Ok);
        using var _ = host;
        using var __ = listener;
        var health = host.Services.GetRequiredService<PropagationHealth>();
        var (traceId, spanId, traceparent) = NewTraceParent();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/no-accessor/items?id=42");
        request.Headers.Add("traceparent", traceparent);
        request.Headers.Add("X-B3-TraceId", "not-hex");

        // Act
        using var response = await host.GetTestClient().SendAsync(request);

        // Assert
        await listener.WaitAsync(1);
        var span = Assert.Single(listener.Stopped);
        Assert.Null(host.Services.GetService<IHttpContextAccessor>());
        Assert.Equal(traceId, span.TraceId.ToHexString());
        Assert.Equal(spanId, span.ParentSpanId.ToHexString());
        Assert.Equal("GET /{**path}", span.DisplayName);
        Assert.Equal("/no-accessor/items", span.GetTagItem("url.path"));
        Assert.Equal(200, span.GetTagItem("http.response.status_code"));
        Assert.Same(host.Services.GetRequiredService<Propagation.Collector.TracingOwner>(), Propagation.Collector.TracingOwnership.GetOwner(span));
        Assert.Null(span.GetCustomProperty(Propagation.Collector.TracingOwnership.CustomPropertyName));
        Assert.Equal(traceId, Assert.Single(response.Headers.GetValues("X-Trace-ID")));
        Assert.Equal(span.SpanId.ToHexString(), Assert.Single(response.Headers.GetValues("X-Span-ID")));
        Assert.Equal(1, health.TotalRequests);
        Assert.Equal(1, health.GetCount(PropagationIssues.B3Invalid));
    }

    [Fact]
    public async Task Invoke_SuccessiveHostsAndStatuses_EachSpanGetsItsOwnServerAddressPortAndStatus()
    {
        // Arrange
        var (host, listener) = await TestHosts.StartWithoutAccessorAsync(null, static c =>
        {
            c.Response.StatusCode = c.Request.Host.Host == "b.example" ? StatusCodes.Status404NotFound : StatusCodes.Status200OK;
            return Task.CompletedTask;
        });
        using var _ = host;
        using var __ = listener;
        var server = host.GetTestServer();
        var requests = new[] { ("a.example:8080", "a.example", 8080, 200), ("b.example", "b.example", 80, 404), ("a.example:8080", "a.example", 8080, 200) };

        // Act
        foreach (var (hostHeader, _, _, _) in requests)
        {
            await server.SendAsync(c =>
            {
                c.Request.Path = "/hosts";
                c.Request.Host = new HostString(hostHeader);
            });
        }

        // Assert
        await listener.WaitAsync(requests.Length);
        // Hosting stops a span when it disposes the request, which may come after the next request started.
        var recorded = listener.Stopped
            .Select(s => ((string?)s.GetTagItem("server.address"), (int?)s.GetTagItem("server.port"), (int?)s.GetTagItem("http.response.status_code")))
            .Order()
            .ToArray();
        var expected = requests.Select(r => ((string?)r.Item2, (int?)r.Item3, (int?)r.Item4)).Order().ToArray();
        Assert.Equal(expected, recorded);
    }

    [Theory]
    [InlineData(254, 256)]
    [InlineData(255, 255)]
    [InlineData(256, 256)]
    public async Task Invoke_LongUserAgentWithASurrogatePairAtTheCut_CutNeverSplitsThePair(int before, int expectedLength)
    {
        // Arrange: 'before' ASCII characters, then a pair (U+1F600), then more: the 256-character cut lands on the pair
        // (255: between its halves) or next to it.
        var (host, listener) = await TestHosts.StartWithoutAccessorAsync(null, static _ => Task.CompletedTask);
        using var _ = host;
        using var __ = listener;
        var userAgent = new string('a', before) + "\U0001F600" + new string('b', 300);

        // Act
        await host.GetTestServer().SendAsync(c =>
        {
            c.Request.Path = "/ua";
            c.Request.Headers.UserAgent = userAgent;
        });

        // Assert
        await listener.WaitAsync(1);
        var recorded = Assert.IsType<string>(Assert.Single(listener.Stopped).GetTagItem("user_agent.original"));
        Assert.Equal(expectedLength, recorded.Length);
        Assert.Equal(userAgent[..expectedLength], recorded);
        Assert.False(char.IsHighSurrogate(recorded[^1]));
    }

    [Theory]
    [InlineData("example.com:0", null)]
    [InlineData("example.com:65536", null)]
    [InlineData("example.com:99999999999", null)]
    [InlineData("example.com:8o80", null)]
    [InlineData("example.com:65535", 65535)]
    [InlineData("example.com", 80)]
    [InlineData("[::1]:1", 1)]
    [InlineData("[::1]", 80)]
    public async Task Invoke_HostHeaderPort_ServerPortOnlyWhenAValidPortOrNoneNamed(string hostHeader, int? expectedPort)
    {
        // Arrange: Kestrel lets :0, :65536 and :99999999999 through (it checks a port's characters, not its range).
        var (host, listener) = await TestHosts.StartWithoutAccessorAsync(null, static _ => Task.CompletedTask);
        using var _ = host;
        using var __ = listener;

        // Act
        await host.GetTestServer().SendAsync(c =>
        {
            c.Request.Path = "/port";
            c.Request.Host = new HostString(hostHeader);
        });

        // Assert: an invalid port is not recorded, and never replaced by the scheme's default.
        await listener.WaitAsync(1);
        var span = Assert.Single(listener.Stopped);
        Assert.Equal(new HostString(hostHeader).Host, span.GetTagItem("server.address"));
        Assert.Equal(expectedPort, (int?)span.GetTagItem("server.port"));
    }

    [Theory]
    [InlineData(100_000, ":8080", false)]
    [InlineData(100_000, "", false)]
    [InlineData(254, "", false)]
    [InlineData(254, ":8080", false)]
    [InlineData(253, "", true)]
    [InlineData(253, ":8080", true)]
    public async Task Invoke_HostLongerThanAHostName_NeitherServerAddressNorPortAndRequestAnswered(int hostLength, string port, bool recorded)
    {
        // Arrange: TestServer (like IIS, HTTP.sys or a custom server) has no Kestrel request limits. A DNS name is at most
        // 253 characters; a longer Host is no host, and a cut of it would name another one.
        var (host, listener) = await TestHosts.StartWithoutAccessorAsync(null, Ok);
        using var _ = host;
        using var __ = listener;
        var name = new string('a', hostLength);

        // Act: the same Host twice (the second from the per-host cache).
        var first = await host.GetTestServer().SendAsync(c =>
        {
            c.Request.Path = "/long-host";
            c.Request.Host = new HostString(name + port);
        });
        var second = await host.GetTestServer().SendAsync(c =>
        {
            c.Request.Path = "/long-host";
            c.Request.Host = new HostString(name + port);
        });

        // Assert
        Assert.Equal(StatusCodes.Status200OK, first.Response.StatusCode);
        Assert.Equal(StatusCodes.Status200OK, second.Response.StatusCode);
        await listener.WaitAsync(2);
        Assert.Equal(2, listener.Stopped.Count);
        Assert.All(listener.Stopped, span =>
        {
            Assert.Equal(recorded ? name : null, span.GetTagItem("server.address"));
            Assert.Equal(recorded ? (port.Length == 0 ? 80 : 8080) : null, (int?)span.GetTagItem("server.port"));
        });
    }

    [Fact]
    public async Task Invoke_HostOfAHostNamesLengthWithRootDot_RecordedUnchanged()
    {
        // Arrange: 253 characters and the root dot is still a DNS name.
        var (host, listener) = await TestHosts.StartWithoutAccessorAsync(null, Ok);
        using var _ = host;
        using var __ = listener;
        var name = new string('a', HeaderRules.MaxHostLength) + ".";

        // Act
        await host.GetTestServer().SendAsync(c =>
        {
            c.Request.Path = "/dot";
            c.Request.Host = new HostString(name + ":8080");
        });

        // Assert
        await listener.WaitAsync(1);
        var span = Assert.Single(listener.Stopped);
        Assert.Equal(name, span.GetTagItem("server.address"));
        Assert.Equal(8080, span.GetTagItem("server.port"));
    }

    [Theory]
    [InlineData("", 100_000, 2048)]
    [InlineData("", 2047, 2048)]
    [InlineData("", 2046, 2047)]
    [InlineData("", 2045, 2046)]
    [InlineData("/base", 100_000, 2048)]
    [InlineData("", 10, 11)]
    [InlineData("/base", 10, 16)]
    public async Task Invoke_LongPath_UrlPathCutAt2048CharactersNeverSplittingAnEscape(string pathBase, int segmentLength, int expectedLength)
    {
        // Arrange: TestServer passes a path of any length (Kestrel's request-line limit is not the library's). The path
        // is '/', then ASCII, then a surrogate pair (U+1F600) and more: at 2046 the 2048-character cut falls inside the pair.
        var (host, listener) = await TestHosts.StartWithoutAccessorAsync(null, Ok);
        using var _ = host;
        using var __ = listener;
        var path = "/" + new string('p', segmentLength) + (segmentLength < 100 ? string.Empty : "\U0001F600" + new string('q', 10));

        // Act
        var context = await host.GetTestServer().SendAsync(c =>
        {
            c.Request.PathBase = pathBase;
            c.Request.Path = path;
        });

        // Assert
        Assert.Equal(StatusCodes.Status200OK, context.Response.StatusCode);
        await listener.WaitAsync(1);
        var recorded = Assert.IsType<string>(Assert.Single(listener.Stopped).GetTagItem("url.path"));
        Assert.Equal(expectedLength, recorded.Length);
        Assert.Equal((pathBase + path)[..expectedLength], recorded);
        Assert.False(char.IsHighSurrogate(recorded[^1]));
    }

    [Theory]
    [InlineData("", "/café/a b", "/caf%C3%A9/a%20b")]
    [InlineData("/base", "/café/a b", "/base/caf%C3%A9/a%20b")]
    [InlineData("/bäse", "/x", "/b%C3%A4se/x")]
    [InlineData("", "/plain/path", "/plain/path")]
    public async Task Invoke_PathNeedingEscapes_UrlPathIsTheEscapedUriComponentWithOrWithoutPathBase(string pathBase, string path, string expected)
    {
        // Arrange: url.path is the URI's path component, percent-encoded, as PathString.ToUriComponent() gives it; the same
        // form whether or not the app has a PathBase.
        var (host, listener) = await TestHosts.StartWithoutAccessorAsync(null, Ok);
        using var _ = host;
        using var __ = listener;

        // Act
        var context = await host.GetTestServer().SendAsync(c =>
        {
            c.Request.PathBase = pathBase;
            c.Request.Path = path;
        });

        // Assert
        Assert.Equal(StatusCodes.Status200OK, context.Response.StatusCode);
        await listener.WaitAsync(1);
        Assert.Equal(expected, Assert.Single(listener.Stopped).GetTagItem("url.path"));
    }

    [Fact]
    public async Task Invoke_CapturedHeaderWithManyValues_FirstSixteenRecordedEachCutAndOthersUnchanged()
    {
        // Arrange: a header of 10,000 values, each longer than the 256-character cut; and a header of two short ones.
        var (host, listener) = await TestHosts.StartWithoutAccessorAsync(
            static o =>
            {
                o.CapturedRequestHeaders.Add("X-Many");
                o.CapturedRequestHeaders.Add("X-Tenant");
            },
            Ok);
        using var _ = host;
        using var __ = listener;
        var many = new string[10_000];
        for (var i = 0; i < many.Length; i++)
        {
            many[i] = i.ToString("D5", System.Globalization.CultureInfo.InvariantCulture) + new string('v', 300);
        }

        // Act
        var context = await host.GetTestServer().SendAsync(c =>
        {
            c.Request.Path = "/many";
            c.Request.Headers["X-Many"] = many;
            c.Request.Headers["X-Tenant"] = new[] { "acme", "beta" };
        });

        // Assert
        Assert.Equal(StatusCodes.Status200OK, context.Response.StatusCode);
        await listener.WaitAsync(1);
        var span = Assert.Single(listener.Stopped);
        var recorded = Assert.IsType<string[]>(span.GetTagItem("http.request.header.x-many"));
        Assert.Equal(16, recorded.Length);
        for (var i = 0; i < recorded.Length; i++)
        {
            Assert.Equal(many[i][..256], recorded[i]);
        }

        Assert.Equal(new[] { "acme", "beta" }, span.GetTagItem("http.request.header.x-tenant"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Invoke_NoHttpContextAccessorTrustDecider_HostingSpanFollowsPerRequestDecision(bool trusted)
    {
        // Arrange
        var (host, listener) = await TestHosts.StartWithoutAccessorAsync(
            o => o.TrustDecider = c => c.Request.Headers.ContainsKey("X-Internal-Caller") ? TrustPolicy.Continue : TrustPolicy.RestartAndLink,
            Ok);
        using var _ = host;
        using var __ = listener;
        var (traceId, spanId, traceparent) = NewTraceParent();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/no-accessor/trust");
        request.Headers.Add("traceparent", traceparent);
        if (trusted)
        {
            request.Headers.Add("X-Internal-Caller", "1");
        }

        // Act
        using var response = await host.GetTestClient().SendAsync(request);

        // Assert
        await listener.WaitAsync(1);
        var span = Assert.Single(listener.Stopped);
        if (trusted)
        {
            Assert.Equal(traceId, span.TraceId.ToHexString());
            Assert.Equal(spanId, span.ParentSpanId.ToHexString());
            Assert.Empty(span.Links);
            Assert.False(response.Headers.Contains("traceresponse"));
        }
        else
        {
            Assert.NotEqual(traceId, span.TraceId.ToHexString());
            Assert.Equal(default, span.ParentSpanId);
            Assert.Equal(traceId, Assert.Single(span.Links).Context.TraceId.ToHexString());
            Assert.Equal($"00-{span.TraceId.ToHexString()}-{span.SpanId.ToHexString()}-01", Assert.Single(response.Headers.GetValues("traceresponse")));
        }

        Assert.Equal(span.TraceId.ToHexString(), Assert.Single(response.Headers.GetValues("X-Trace-ID")));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Invoke_NextThrowsSynchronously_RecordsExceptionStopsSpanAndRethrowsSameException(bool hostingActivity)
    {
        // Arrange
        var prefix = NewPrefix();
        using var listener = hostingActivity ? new TestListener(prefix, Hosting, Ours) : new TestListener(prefix, Ours);
        var thrown = new InvalidOperationException("sync boom");
        using var host = await TestHosts.StartAsync(
            s => s.AddTracing(),
            app =>
            {
                app.UseTracing();
                app.Use(_ => _ => throw thrown);
            });

        // Act
        var caught = await Assert.ThrowsAnyAsync<Exception>(() => host.GetTestClient().GetAsync(prefix + "/sync-fail"));

        // Assert
        Assert.Same(thrown, caught);
        await listener.WaitAsync(1);
        var span = Assert.Single(listener.Stopped);
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal(typeof(InvalidOperationException).FullName, span.GetTagItem("error.type"));
        Assert.Single(span.Events, e => e.Name == "exception");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Invoke_ExceptionHandlerClearsResponse_ErrorPageStillCarriesEcho(bool hostingActivity)
    {
        // Arrange
        var prefix = NewPrefix();
        using var listener = hostingActivity ? new TestListener(prefix, Hosting, Ours) : new TestListener(prefix, Ours);
        using var host = await TestHosts.StartAsync(
            s => s.AddTracing(),
            app =>
            {
                app.UseTracing();
                app.Use(async (context, next) =>
                {
                    try
                    {
                        await next(context);
                    }
                    catch (InvalidOperationException)
                    {
                        // What an exception handler does: drop the failed response, then write an error page.
                        context.Response.Clear();
                        context.Response.StatusCode = StatusCodes.Status500InternalServerError;
                        await context.Response.WriteAsync("error page");
                    }
                });
                app.Run(static _ => throw new InvalidOperationException("boom"));
            });

        // Act
        using var response = await host.GetTestClient().GetAsync(prefix + "/fails");

        // Assert
        await listener.WaitAsync(1);
        var span = Assert.Single(listener.Stopped);
        Assert.Equal(hostingActivity ? Hosting : Ours, span.Source.Name);
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal(span.TraceId.ToHexString(), Assert.Single(response.Headers.GetValues("X-Trace-ID")));
        Assert.Equal(span.SpanId.ToHexString(), Assert.Single(response.Headers.GetValues("X-Span-ID")));
    }

    [Fact]
    public async Task Invoke_ResponseStartedBeforeUseTracing_RequestCompletesWithoutEchoAndIsTraced()
    {
        // Arrange: a middleware ahead of UseTracing sends the response headers (a stream's preamble) before calling on.
        var prefix = NewPrefix();
        using var listener = new TestListener(prefix, Hosting, Ours);
        var logs = new RecordingLoggerProvider();
        using var host = await TestHosts.StartAsync(
            s => s.AddTracing(),
            app =>
            {
                app.Use(static async (context, next) =>
                {
                    await context.Response.WriteAsync("preamble;");
                    await context.Response.Body.FlushAsync();
                    await next(context);
                });
                app.UseTracing();
                app.Run(static context => context.Response.WriteAsync("body"));
            },
            logs: logs);

        // Act
        using var response = await host.GetTestClient().GetAsync(prefix + "/started-early");

        // Assert
        await listener.WaitAsync(1);
        var span = Assert.Single(listener.Stopped);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("preamble;body", await response.Content.ReadAsStringAsync());
        Assert.False(response.Headers.Contains("X-Trace-ID"));
        Assert.Null(span.GetTagItem("error.type"));
        Assert.Single(logs.Entries, e => e.EventId.Id == 1004);
    }

    [Fact]
    public async Task Invoke_HostingActivityPresent_EnrichedSpanGetsSameNameAndSemanticAttributes()
    {
        // Arrange
        var prefix = NewPrefix();
        using var listener = new TestListener(prefix, Hosting, Ours);
        using var host = await TestHosts.StartTracedAsync(null, static context =>
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return Task.CompletedTask;
        });
        using var request = new HttpRequestMessage(HttpMethod.Post, prefix + "/orders");
        request.Headers.UserAgent.ParseAdd("tests/1.0");

        // Act
        using var response = await host.GetTestClient().SendAsync(request);

        // Assert
        await listener.WaitAsync(1);
        var span = Assert.Single(listener.Stopped);
        Assert.Equal(Hosting, span.Source.Name);
        Assert.Equal("POST /{**path}", span.DisplayName);
        Assert.Equal("POST", span.GetTagItem("http.request.method"));
        Assert.Equal("http", span.GetTagItem("url.scheme"));
        Assert.Equal(prefix + "/orders", span.GetTagItem("url.path"));
        Assert.Equal("localhost", span.GetTagItem("server.address"));
        Assert.Equal(80, span.GetTagItem("server.port"));
        Assert.Equal("/{**path}", span.GetTagItem("http.route"));
        Assert.Equal("tests/1.0", span.GetTagItem("user_agent.original"));
        Assert.Equal(503, span.GetTagItem("http.response.status_code"));
        Assert.Equal("503", span.GetTagItem("error.type"));
        Assert.Equal(ActivityStatusCode.Error, span.Status);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Invoke_HostingActivityPresent_EachAttributeOnceWhetherOrNotAListenerTaggedItFirst(bool taggedAtStart)
    {
        // Arrange: optionally, another listener tags hosting's span when it starts (as an instrumentation library might).
        var prefix = NewPrefix();
        using var listener = new TestListener(prefix, Hosting, Ours);
        using var tagger = new ActivityListener
        {
            ShouldListenTo = static source => source.Name == Hosting,
            ActivityStarted = activity =>
            {
                // Only this test's requests: listeners are process-wide and other tests run alongside.
                if (taggedAtStart && new HttpContextAccessor().HttpContext?.Request.Path.Value?.StartsWith(prefix, StringComparison.Ordinal) == true)
                {
                    activity.SetTag("http.request.method", "STALE");
                    activity.SetTag("custom.tag", "kept");
                }
            },
        };
        ActivitySource.AddActivityListener(tagger);
        using var host = await TestHosts.StartTracedAsync(null, Ok);
        using var request = new HttpRequestMessage(HttpMethod.Put, prefix + "/items");
        request.Headers.UserAgent.ParseAdd("tests/1.0");

        // Act
        using var response = await host.GetTestClient().SendAsync(request);

        // Assert
        await listener.WaitAsync(1);
        var span = Assert.Single(listener.Stopped);
        Assert.Equal(Hosting, span.Source.Name);
        var keys = span.TagObjects.Select(t => t.Key).ToList();
        Assert.Equal(keys.Count, keys.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal("PUT", span.GetTagItem("http.request.method"));
        Assert.Equal(prefix + "/items", span.GetTagItem("url.path"));
        Assert.Equal("tests/1.0", span.GetTagItem("user_agent.original"));
        Assert.Equal(taggedAtStart ? "kept" : null, span.GetTagItem("custom.tag"));
    }

    [Fact]
    public async Task Invoke_HostingActivityAbsent_StartsOneServerSpanWithSemanticAttributes()
    {
        // Arrange
        var prefix = NewPrefix();
        using var listener = new TestListener(prefix, Ours);
        using var host = await TestHosts.StartTracedAsync(null, Ok);
        var (traceId, spanId, traceparent) = NewTraceParent();
        using var request = new HttpRequestMessage(HttpMethod.Post, prefix + "/orders");
        request.Headers.Add("traceparent", traceparent);
        request.Headers.UserAgent.ParseAdd("tests/1.0");

        // Act
        using var response = await host.GetTestClient().SendAsync(request);
        await listener.WaitAsync(1);

        // Assert
        var span = Assert.Single(listener.Stopped);
        Assert.Equal(Ours, span.Source.Name);
        Assert.Equal(ActivityKind.Server, span.Kind);
        Assert.Equal(traceId, span.TraceId.ToHexString());
        Assert.Equal(spanId, span.ParentSpanId.ToHexString());
        Assert.Equal("POST", span.GetTagItem("http.request.method"));
        Assert.Equal("http", span.GetTagItem("url.scheme"));
        Assert.Equal(prefix + "/orders", span.GetTagItem("url.path"));
        Assert.Equal("localhost", span.GetTagItem("server.address"));
        Assert.Equal(80, span.GetTagItem("server.port"));
        Assert.Equal(200, span.GetTagItem("http.response.status_code"));
        Assert.Equal("/{**path}", span.GetTagItem("http.route"));
        Assert.Equal("tests/1.0", span.GetTagItem("user_agent.original"));
        Assert.Equal("1.1", span.GetTagItem("network.protocol.version"));
        Assert.Equal("POST /{**path}", span.DisplayName);
        Assert.Equal(ActivityStatusCode.Unset, span.Status);
        Assert.Equal(span.SpanId.ToHexString(), Assert.Single(response.Headers.GetValues("X-Span-ID")));
    }

    [Fact]
    public async Task Invoke_NoInboundContext_StartsNewRootNotParentedToHostingPlaceholder()
    {
        // Arrange
        var prefix = NewPrefix();
        using var listener = new TestListener(prefix, Ours);
        using var host = await TestHosts.StartTracedAsync(null, Ok);

        // Act
        using var response = await host.GetTestClient().GetAsync(prefix + "/root");
        await listener.WaitAsync(1);

        // Assert
        var span = Assert.Single(listener.Stopped);
        Assert.Equal(default, span.ParentSpanId);
        Assert.Null(span.Parent);
        Assert.Equal(span.TraceId.ToHexString(), Assert.Single(response.Headers.GetValues("X-Trace-ID")));
    }

    [Theory]
    [InlineData("w3c", false)]
    [InlineData("legacy", false)]
    [InlineData("b3multi", false)]
    [InlineData("b3", false)]
    [InlineData("w3c", true)]
    [InlineData("legacy", true)]
    [InlineData("b3multi", true)]
    [InlineData("b3", true)]
    public async Task Invoke_EachInboundFormat_ContinuesTheTrace(string format, bool hostingActivity)
    {
        // Arrange
        var prefix = NewPrefix();
        using var listener = hostingActivity ? new TestListener(prefix, Hosting, Ours) : new TestListener(prefix, Ours);
        using var host = await TestHosts.StartTracedAsync(null, Ok);
        var (traceId, spanId, traceparent) = NewTraceParent();
        using var request = new HttpRequestMessage(HttpMethod.Get, prefix + "/f");
        switch (format)
        {
            case "w3c":
                request.Headers.Add("traceparent", traceparent);
                break;
            case "legacy":
                request.Headers.Add("X-Trace-ID", traceId);
                request.Headers.Add("X-Span-ID", spanId);
                break;
            case "b3multi":
                request.Headers.Add("X-B3-TraceId", traceId);
                request.Headers.Add("X-B3-SpanId", spanId);
                request.Headers.Add("X-B3-Sampled", "1");
                break;
            default:
                request.Headers.Add("b3", $"{traceId}-{spanId}-1");
                break;
        }

        // Act
        using var response = await host.GetTestClient().SendAsync(request);

        // Assert
        await listener.WaitAsync(1);
        var span = Assert.Single(listener.Stopped);
        Assert.Equal(hostingActivity ? Hosting : Ours, span.Source.Name);
        Assert.Equal(traceId, span.TraceId.ToHexString());
        Assert.Equal(spanId, span.ParentSpanId.ToHexString());
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public async Task Invoke_LegacyRankedFirstAndTraceParentAgrees_KeepsTraceStateOnlyWhenItAgrees(bool agrees, bool hostingActivity)
    {
        // Arrange
        var prefix = NewPrefix();
        using var listener = hostingActivity ? new TestListener(prefix, Hosting, Ours) : new TestListener(prefix, Ours);
        using var host = await TestHosts.StartTracedAsync(
            o => o.Propagation.ExtractFormats = [PropagationFormat.Legacy, PropagationFormat.TraceContext],
            Ok);
        var (traceId, spanId, traceparent) = NewTraceParent();
        using var request = new HttpRequestMessage(HttpMethod.Get, prefix + "/state");
        request.Headers.Add("X-Trace-ID", traceId);
        request.Headers.Add("X-Span-ID", spanId);
        request.Headers.Add("traceparent", agrees ? traceparent : NewTraceParent().TraceParent);
        request.Headers.Add("tracestate", "vendor=value");
        request.Headers.Add("baggage", "tenant=acme");

        // Act
        using var response = await host.GetTestClient().SendAsync(request);

        // Assert
        await listener.WaitAsync(1);
        var span = Assert.Single(listener.Stopped);
        Assert.Equal(traceId, span.TraceId.ToHexString());
        Assert.Equal(spanId, span.ParentSpanId.ToHexString());
        Assert.Equal(agrees ? "vendor=value" : null, span.TraceStateString);
        Assert.Equal("acme", span.GetBaggageItem("tenant"));
        if (agrees)
        {
            Assert.Empty(span.Links);
        }
        else
        {
            Assert.Equal("vendor=value", Assert.Single(span.Links).Context.TraceState);
        }
    }

    [Fact]
    public async Task Invoke_LegacyTraceIdWithoutSpanId_KeepsTraceIdUnderSyntheticParent()
    {
        // Arrange
        var prefix = NewPrefix();
        using var listener = new TestListener(prefix, Ours);
        using var host = await TestHosts.StartTracedAsync(null, Ok);
        var (traceId, _, _) = NewTraceParent();
        using var request = new HttpRequestMessage(HttpMethod.Get, prefix + "/legacy");
        request.Headers.Add("X-Trace-ID", traceId);

        // Act
        using var response = await host.GetTestClient().SendAsync(request);
        await listener.WaitAsync(1);

        // Assert
        var span = Assert.Single(listener.Stopped);
        Assert.Equal(traceId, span.TraceId.ToHexString());
        Assert.Equal(true, span.GetTagItem(PropagationAttributes.SyntheticParent));
    }

    [Theory]
    [InlineData("10.1.2.3", true, true)]
    [InlineData("::ffff:10.9.9.9", true, true)]
    [InlineData("192.0.2.7", false, true)]
    [InlineData("10.1.2.3", true, false)]
    [InlineData("::ffff:10.9.9.9", true, false)]
    [InlineData("192.0.2.7", false, false)]
    public async Task Invoke_TrustedNetworks_ContinuesInsideAndRestartsAndLinksOutside(string remote, bool trusted, bool hostingActivity)
    {
        // Arrange
        var prefix = NewPrefix();
        using var listener = hostingActivity ? new TestListener(prefix, Hosting, Ours) : new TestListener(prefix, Ours);
        using var host = await TestHosts.StartTracedAsync(o => o.TrustedNetworks.Add("10.0.0.0/8"), Ok);
        var (traceId, spanId, traceparent) = NewTraceParent();

        // Act
        var context = await host.GetTestServer().SendAsync(c =>
        {
            c.Request.Path = prefix + "/trust";
            c.Connection.RemoteIpAddress = IPAddress.Parse(remote);
            c.Request.Headers["traceparent"] = traceparent;
            c.Request.Headers["tracestate"] = "vendor=value";
            c.Request.Headers["baggage"] = "tenant=acme";
        });

        // Assert
        await listener.WaitAsync(1);
        var span = Assert.Single(listener.Stopped);
        Assert.Equal(hostingActivity ? Hosting : Ours, span.Source.Name);
        var headers = context.Response.Headers;
        if (trusted)
        {
            Assert.Equal(traceId, span.TraceId.ToHexString());
            Assert.Equal("vendor=value", span.TraceStateString);
            Assert.Equal("acme", span.GetBaggageItem("tenant"));
            Assert.Empty(span.Links);
            Assert.False(headers.ContainsKey("traceresponse"));
        }
        else
        {
            Assert.NotEqual(traceId, span.TraceId.ToHexString());
            Assert.Equal(default, span.ParentSpanId);
            Assert.Null(span.TraceStateString);
            Assert.Null(span.GetBaggageItem("tenant"));
            var link = Assert.Single(span.Links);
            Assert.Equal(traceId, link.Context.TraceId.ToHexString());
            Assert.Equal(spanId, link.Context.SpanId.ToHexString());
            Assert.Contains(link.Tags!, t => t.Key == PropagationAttributes.LinkReason && (string?)t.Value == PropagationAttributes.RestartedByPolicyReason);
            Assert.Equal("restart_and_link", span.GetTagItem(TracingService.TrustPolicyAttribute));
            Assert.Equal($"00-{span.TraceId.ToHexString()}-{span.SpanId.ToHexString()}-01", headers["traceresponse"].ToString());
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Invoke_TrustPolicyIgnore_StartsRootWithoutLinkOrBaggage(bool hostingActivity)
    {
        // Arrange
        var prefix = NewPrefix();
        using var listener = hostingActivity ? new TestListener(prefix, Hosting, Ours) : new TestListener(prefix, Ours);
        using var host = await TestHosts.StartTracedAsync(o => o.DefaultTrustPolicy = TrustPolicy.Ignore, Ok);
        var (traceId, _, traceparent) = NewTraceParent();
        using var request = new HttpRequestMessage(HttpMethod.Get, prefix + "/ignore");
        request.Headers.Add("traceparent", traceparent);
        request.Headers.Add("baggage", "k=v");

        // Act
        using var response = await host.GetTestClient().SendAsync(request);

        // Assert
        await listener.WaitAsync(1);
        var span = Assert.Single(listener.Stopped);
        Assert.Equal(hostingActivity ? Hosting : Ours, span.Source.Name);
        Assert.NotEqual(traceId, span.TraceId.ToHexString());
        Assert.Empty(span.Links);
        Assert.Null(span.GetBaggageItem("k"));
        Assert.False(response.Headers.Contains("traceresponse"));
    }

    [Theory]
    [InlineData("b3", false)]
    [InlineData("b3", true)]
    [InlineData("X-B3-Sampled", false)]
    [InlineData("X-B3-Sampled", true)]
    public async Task Invoke_B3DenyOnly_ServerSpanUnrecordedAndHandlersCallCarriesNewIdsBaggageAndDeny(string header, bool hostingActivity)
    {
        // Arrange: a parent-based sampler, as a tracer provider has, for this test's requests only.
        var prefix = NewPrefix();
        var accessor = new HttpContextAccessor();
        var stopped = new System.Collections.Concurrent.ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name is Ours or TracingService.ClientSourceName || (hostingActivity && s.Name == Hosting),
            Sample = (ref ActivityCreationOptions<ActivityContext> o) =>
                accessor.HttpContext?.Request.Path.Value?.StartsWith(prefix, StringComparison.Ordinal) != true ? ActivitySamplingResult.None
                : o.Parent != default && (o.Parent.TraceFlags & ActivityTraceFlags.Recorded) == 0 ? ActivitySamplingResult.PropagationData
                : ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        var recorder = new RecordingHandler();
        using var host = await TestHosts.StartCallingOutAsync(recorder);
        using var request = new HttpRequestMessage(HttpMethod.Get, prefix + "/deny");
        request.Headers.Add(header, "0");
        request.Headers.Add("baggage", "tenant=acme");

        // Act
        using var response = await host.GetTestClient().SendAsync(request);

        // Assert: the server span records nothing; the call it makes carries its trace, the baggage and the deny.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var traceId = Assert.Single(response.Headers.GetValues("X-Trace-ID"));
        var spanId = Assert.Single(response.Headers.GetValues("X-Span-ID"));
        var sent = Assert.Single(recorder.Sent);
        Assert.Matches($"^00-{traceId}-[0-9a-f]{{16}}-00$", Assert.Single(sent["traceparent"]));
        Assert.Equal("tenant=acme", Assert.Single(sent["baggage"]));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!stopped.Any(a => a.SpanId.ToHexString() == spanId) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        var server = Assert.Single(stopped, a => a.SpanId.ToHexString() == spanId);
        Assert.Equal(hostingActivity ? Hosting : Ours, server.Source.Name);
        Assert.Equal(ActivityKind.Server, server.Kind);
        Assert.Equal(default, server.ParentSpanId);
        Assert.False(server.Recorded);
        Assert.False(server.IsAllDataRequested);
        var client = Assert.Single(stopped, a => a.Kind == ActivityKind.Client && a.ParentSpanId == server.SpanId);
        Assert.False(client.Recorded);
    }

    [Fact]
    public async Task Invoke_ContinueIgnoreSampling_ParentMarkedSampled()
    {
        // Arrange
        var prefix = NewPrefix();
        using var listener = new TestListener(prefix, Hosting, Ours);
        using var host = await TestHosts.StartTracedAsync(o => o.DefaultTrustPolicy = TrustPolicy.ContinueIgnoreSampling, Ok);
        var (traceId, spanId, _) = NewTraceParent();
        using var request = new HttpRequestMessage(HttpMethod.Get, prefix + "/sampling");
        request.Headers.Add("traceparent", $"00-{traceId}-{spanId}-00");

        // Act
        using var response = await host.GetTestClient().SendAsync(request);

        // Assert
        await listener.WaitAsync(1);
        var span = Assert.Single(listener.Stopped);
        Assert.Equal(traceId, span.TraceId.ToHexString());
        Assert.Equal($"00-{traceId}-{spanId}-01", span.ParentId);
    }

    [Fact]
    public async Task Invoke_TrustDecider_SeesRequestHeadersAndDecidesPerRequest()
    {
        // Arrange
        var prefix = NewPrefix();
        using var listener = new TestListener(prefix, Ours);
        using var host = await TestHosts.StartTracedAsync(
            o => o.TrustDecider = c => c.Request.Headers.ContainsKey("X-Internal-Caller") ? TrustPolicy.Continue : TrustPolicy.Ignore,
            Ok);
        var (trustedTrace, _, trustedParent) = NewTraceParent();
        var (otherTrace, _, otherParent) = NewTraceParent();
        using var trusted = new HttpRequestMessage(HttpMethod.Get, prefix + "/a");
        trusted.Headers.Add("traceparent", trustedParent);
        trusted.Headers.Add("X-Internal-Caller", "1");
        using var other = new HttpRequestMessage(HttpMethod.Get, prefix + "/b");
        other.Headers.Add("traceparent", otherParent);

        // Act
        using var first = await host.GetTestClient().SendAsync(trusted);
        using var second = await host.GetTestClient().SendAsync(other);
        await listener.WaitAsync(2);

        // Assert
        var spans = listener.Stopped.ToList();
        Assert.Equal(2, spans.Count);
        Assert.Contains(spans, s => s.TraceId.ToHexString() == trustedTrace);
        Assert.DoesNotContain(spans, s => s.TraceId.ToHexString() == otherTrace);
    }

    [Fact]
    public async Task Invoke_TrustClientCertificates_TrustsOnlyConnectionsWithCertificate()
    {
        // Arrange
        var prefix = NewPrefix();
        using var listener = new TestListener(prefix, Ours);
        using var host = await TestHosts.StartTracedAsync(o => o.TrustClientCertificates = true, Ok);
        using var key = RSA.Create(2048);
        using var certificate = new CertificateRequest("CN=caller", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var (withCertTrace, _, withCert) = NewTraceParent();
        var (withoutCertTrace, _, withoutCert) = NewTraceParent();

        // Act
        await host.GetTestServer().SendAsync(c =>
        {
            c.Request.Path = prefix + "/cert";
            c.Connection.ClientCertificate = certificate;
            c.Request.Headers["traceparent"] = withCert;
        });
        await host.GetTestServer().SendAsync(c =>
        {
            c.Request.Path = prefix + "/nocert";
            c.Request.Headers["traceparent"] = withoutCert;
        });
        await listener.WaitAsync(2);

        // Assert
        var spans = listener.Stopped.ToList();
        Assert.Contains(spans, s => s.TraceId.ToHexString() == withCertTrace);
        var restarted = Assert.Single(spans, s => s.TraceId.ToHexString() != withCertTrace);
        Assert.Equal(withoutCertTrace, Assert.Single(restarted.Links).Context.TraceId.ToHexString());
    }

    [Fact]
    public async Task Invoke_TrustDeciderThrows_RequestSucceedsAsUntrusted()
    {
        // Arrange
        var prefix = NewPrefix();
        using var listener = new TestListener(prefix, Ours);
        using var host = await TestHosts.StartTracedAsync(o => o.TrustDecider = _ => throw new InvalidOperationException("decider bug"), Ok);
        var (traceId, _, traceparent) = NewTraceParent();
        using var request = new HttpRequestMessage(HttpMethod.Get, prefix + "/throws");
        request.Headers.Add("traceparent", traceparent);

        // Act
        using var response = await host.GetTestClient().SendAsync(request);
        await listener.WaitAsync(1);

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var span = Assert.Single(listener.Stopped);
        Assert.NotEqual(traceId, span.TraceId.ToHexString());
        Assert.Equal(traceId, Assert.Single(span.Links).Context.TraceId.ToHexString());
    }

    [Fact]
    public async Task Invoke_TrustDeciderAlwaysThrows_LogsOnceAndEveryRequestIsUntrusted()
    {
        // Arrange: a decider that fails on every request, as one reading a missing service would.
        const int Requests = 40;
        var prefix = NewPrefix();
        using var listener = new TestListener(prefix, Ours);
        var logs = new RecordingLoggerProvider();
        using var host = await TestHosts.StartTracedAsync(o => o.TrustDecider = _ => throw new InvalidOperationException("decider bug"), Ok, logs: logs);
        var client = host.GetTestClient();
        var inbound = new HashSet<string>(StringComparer.Ordinal);

        // Act
        for (var i = 0; i < Requests; i++)
        {
            var (traceId, _, traceparent) = NewTraceParent();
            inbound.Add(traceId);
            using var request = new HttpRequestMessage(HttpMethod.Get, prefix + "/throws");
            request.Headers.Add("traceparent", traceparent);
            using var response = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // Assert: every request restarted its trace (untrusted) and linked the inbound one; one log line, not one per request.
        await listener.WaitAsync(Requests);
        var spans = listener.Stopped.ToList();
        Assert.Equal(Requests, spans.Count);
        Assert.All(spans, s => Assert.DoesNotContain(s.TraceId.ToHexString(), inbound));
        Assert.All(spans, s => Assert.Contains(Assert.Single(s.Links).Context.TraceId.ToHexString(), inbound));
        var failure = Assert.Single(logs.Entries, e => e.EventId.Id == 1001 && e.Category == "Propagation.Middleware.Tracing");
        Assert.Equal(LogLevel.Error, failure.Level);
        Assert.Equal(Requests, host.Services.GetRequiredService<PropagationHealth>().GetCount(PropagationIssues.TrustDeciderFailed));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Invoke_HandlerThrows_RecordsExceptionEventAndRethrowsSameException(bool hostingActivity)
    {
        // Arrange
        var prefix = NewPrefix();
        using var listener = hostingActivity ? new TestListener(prefix, Hosting, Ours) : new TestListener(prefix, Ours);
        var thrown = new InvalidOperationException("boom");
        using var host = await TestHosts.StartTracedAsync(null, _ => throw thrown);

        // Act
        var caught = await Assert.ThrowsAnyAsync<Exception>(() => host.GetTestClient().GetAsync(prefix + "/fail"));

        // Assert
        Assert.Same(thrown, caught);
        await listener.WaitAsync(1);
        var span = Assert.Single(listener.Stopped);
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal(typeof(InvalidOperationException).FullName, span.GetTagItem("error.type"));
        var exceptionEvent = Assert.Single(span.Events, e => e.Name == "exception");
        var tags = exceptionEvent.Tags.ToDictionary(t => t.Key, t => t.Value);
        Assert.Equal(typeof(InvalidOperationException).FullName, tags["exception.type"]);
        Assert.Equal("boom", tags["exception.message"]);
        Assert.Contains(nameof(Invoke_HandlerThrows_RecordsExceptionEventAndRethrowsSameException), (string)tags["exception.stacktrace"]!, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false, 500, true)]
    [InlineData(true, 409, true)]
    [InlineData(false, 500, false)]
    [InlineData(true, 409, false)]
    public async Task Invoke_HandlerThrowsBeforeResponseStartedOnKestrel_ServerSpanRecordsTheStatusTheClientGot(bool outerHandler, int expected, bool hostingActivity)
    {
        // Arrange: the status is decided after UseTracing returns, by Kestrel (500) or by an exception handler ahead of it.
        // With hosting's activity absent the span is the middleware's own, which must record the same.
        var prefix = NewPrefix();
        using var listener = hostingActivity ? new TestListener(prefix, Hosting, Ours) : new TestListener(prefix, Ours);
        Activity? currentInHandler = null;
        using var host = await TestHosts.StartAsync(
            s => s.AddTracing(),
            app =>
            {
                if (outerHandler)
                {
                    app.UseExceptionHandler(new ExceptionHandlerOptions
                    {
                        ExceptionHandler = c =>
                        {
                            currentInHandler = Activity.Current;
                            c.Response.StatusCode = StatusCodes.Status409Conflict;
                            return Task.CompletedTask;
                        },
                    });
                }

                app.UseTracing();
                app.Run(static _ => throw new InvalidOperationException("boom"));
            },
            kestrel: true);
        using var client = new HttpClient { BaseAddress = TestHosts.KestrelAddress(host) };

        // Act
        using var response = await client.GetAsync(prefix + "/fail");

        // Assert
        Assert.Equal(expected, (int)response.StatusCode);
        await listener.WaitAsync(1);
        var span = Assert.Single(listener.Stopped);
        Assert.Equal(hostingActivity ? Hosting : Ours, span.Source.Name);
        Assert.Equal(expected, span.GetTagItem("http.response.status_code"));
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal(typeof(InvalidOperationException).FullName, span.GetTagItem("error.type"));
        if (outerHandler)
        {
            // The exception handler's work is part of the request: the server span is still open and current there,
            // and its answer carries the span's ids.
            Assert.Same(span, currentInHandler);
            Assert.Equal(span.SpanId.ToHexString(), Assert.Single(response.Headers.GetValues("X-Span-ID")));
        }
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(false, false)]
    public async Task Invoke_OwnSpanOnKestrel_MiddlewareAheadSeesItOpenAndCurrentAfterNext(bool asyncHandler, bool inboundParent)
    {
        // Arrange: with hosting's activity absent the server span is the middleware's own. As with hosting's activity, a
        // middleware ahead of UseTracing is part of the request: after next() it sees the request's span, still open.
        var prefix = NewPrefix();
        using var listener = new TestListener(prefix, Ours);
        Activity? currentAfterNext = null;
        var stoppedAfterNext = true;
        using var host = await TestHosts.StartAsync(
            s => s.AddTracing(),
            app =>
            {
                app.Use(async (context, next) =>
                {
                    await next(context);
                    currentAfterNext = Activity.Current;
                    stoppedAfterNext = currentAfterNext?.IsStopped ?? true;
                });
                app.UseTracing();
                app.Run(asyncHandler
                    ? static async c => { await Task.Yield(); await c.Response.WriteAsync("ok"); }
                    : static c => { c.Response.StatusCode = StatusCodes.Status204NoContent; return Task.CompletedTask; });
            },
            kestrel: true);
        using var client = new HttpClient { BaseAddress = TestHosts.KestrelAddress(host) };
        using var request = new HttpRequestMessage(HttpMethod.Get, prefix + "/outer");
        if (inboundParent)
        {
            request.Headers.Add("traceparent", NewTraceParent().TraceParent);
        }

        // Act
        using var response = await client.SendAsync(request);
        await listener.WaitAsync(1);

        // Assert
        var span = Assert.Single(listener.Stopped);
        Assert.Same(span, currentAfterNext);
        Assert.False(stoppedAfterNext);
    }

    [Theory]
    [InlineData(false, true)]
    [InlineData(true, true)]
    [InlineData(false, false)]
    [InlineData(true, false)]
    public async Task Invoke_KestrelRejectsRequestBodyOrClientAborts_ServerSpanRecordsTheStatusTheClientGot(bool clientAborts, bool hostingActivity)
    {
        // Arrange: a body over the limit makes Kestrel reject the request (413), answered only after the request ended;
        // a client that goes away gets no response at all. Hosting's activity or the middleware's own span alike.
        var prefix = NewPrefix();
        using var listener = hostingActivity ? new TestListener(prefix, Hosting, Ours) : new TestListener(prefix, Ours);
        using var host = await TestHosts.StartAsync(
            s => s.AddTracing(),
            app =>
            {
                app.UseTracing();
                app.Run(static async context =>
                {
                    context.Features.GetRequiredFeature<IHttpMaxRequestBodySizeFeature>().MaxRequestBodySize = 10;
                    if (context.Request.Path.Value!.EndsWith("/abort", StringComparison.Ordinal))
                    {
                        await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted);
                    }

                    using var body = new MemoryStream();
                    await context.Request.Body.CopyToAsync(body, context.RequestAborted);
                });
            },
            kestrel: true);
        using var client = new HttpClient { BaseAddress = TestHosts.KestrelAddress(host) };

        // Act
        if (clientAborts)
        {
            using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetAsync(prefix + "/abort", cancel.Token));
        }
        else
        {
            using var content = new StringContent(new string('a', 1000));
            using var response = await client.PostAsync(prefix + "/large", content);
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        }

        // Assert
        await listener.WaitAsync(1);
        var span = Assert.Single(listener.Stopped);
        Assert.Equal(hostingActivity ? Hosting : Ours, span.Source.Name);
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal(clientAborts ? null : 413, span.GetTagItem("http.response.status_code"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Invoke_ServerError_SetsErrorStatus(bool hostingActivity)
    {
        // Arrange
        var prefix = NewPrefix();
        using var listener = hostingActivity ? new TestListener(prefix, Hosting, Ours) : new TestListener(prefix, Ours);
        using var host = await TestHosts.StartTracedAsync(null, c =>
        {
            c.Response.StatusCode = 503;
            return Task.CompletedTask;
        });

        // Act
        using var response = await host.GetTestClient().GetAsync(prefix + "/503");

        // Assert
        await listener.WaitAsync(1);
        var span = Assert.Single(listener.Stopped);
        Assert.Equal(hostingActivity ? Hosting : Ours, span.Source.Name);
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal("503", span.GetTagItem("error.type"));
        Assert.Equal(503, span.GetTagItem("http.response.status_code"));
    }

    [Fact]
    public async Task Invoke_AppContextFactorySetsNoAccessorWithPerRequestTrust_UntrustedPolicyAndOneWarning()
    {
        // Arrange: the app's own context factory (over the default one, built without an IHttpContextAccessor)
        // never sets the accessor tracing reads, so hosting's propagator call cannot see the request.
        var logs = new RecordingLoggerProvider();
        var (host, listener) = await TestHosts.StartWithoutAccessorAsync(
            o => o.TrustDecider = c => c.Request.Headers.ContainsKey("X-Internal-Caller") ? TrustPolicy.Continue : TrustPolicy.RestartAndLink,
            Ok,
            s => s.AddSingleton<IHttpContextFactory>(sp => new AppContextFactory(new DefaultHttpContextFactory(sp))),
            logs);
        using var _ = host;
        using var __ = listener;
        var inbound = new List<string>();

        // Act: two requests from a caller the decider trusts.
        for (var i = 0; i < 2; i++)
        {
            var (traceId, _, traceparent) = NewTraceParent();
            inbound.Add(traceId);
            using var request = new HttpRequestMessage(HttpMethod.Get, "/app-factory/trust");
            request.Headers.Add("traceparent", traceparent);
            request.Headers.Add("X-Internal-Caller", "1");
            using var response = await host.GetTestClient().SendAsync(request);
        }

        // Assert: the documented fallback (UntrustedPolicy: restarted and linked), and the cause said once.
        await listener.WaitAsync(2);
        Assert.Equal(2, listener.Stopped.Count);
        foreach (var span in listener.Stopped)
        {
            Assert.DoesNotContain(span.TraceId.ToHexString(), inbound);
            Assert.Contains(Assert.Single(span.Links).Context.TraceId.ToHexString(), inbound);
        }

        var warning = Assert.Single(logs.Entries, e => e.EventId.Id == 1007);
        Assert.Equal(LogLevel.Warning, warning.Level);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Invoke_SlowRequest_MarksSpanAndLogsWarning(bool hostingActivity)
    {
        // Arrange
        var prefix = NewPrefix();
        using var listener = hostingActivity ? new TestListener(prefix, Hosting, Ours) : new TestListener(prefix, Ours);
        var logs = new RecordingLoggerProvider();
        using var host = await TestHosts.StartTracedAsync(
            o => o.SlowRequestThreshold = TimeSpan.FromMilliseconds(1),
            async c =>
            {
                await Task.Delay(30);
                await c.Response.WriteAsync("slow");
            },
            logs: logs);

        // Act
        using var response = await host.GetTestClient().GetAsync(prefix + "/slow");

        // Assert
        await listener.WaitAsync(1);
        var span = Assert.Single(listener.Stopped);
        Assert.Equal(hostingActivity ? Hosting : Ours, span.Source.Name);
        Assert.Equal(true, span.GetTagItem(TracingService.SlowAttribute));
        var warning = Assert.Single(logs.Entries, e => e.EventId.Id == 1002);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains(span.TraceId.ToHexString(), warning.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("application/grpc", "pkg.Svc/Method")]
    [InlineData("application/grpc+proto", "pkg.Svc/Method")]
    [InlineData("application/json", "POST /pkg.Svc/Method")]
    public async Task Invoke_NothingRecordsAGrpcCall_SpanLineAndSlowWarningNamedAsTheGrpcSpan(string contentType, string expected)
    {
        // Arrange: nothing records the request (hosting makes its placeholder for the logging provider); a gRPC method's
        // endpoint is the method's path, as grpc-dotnet maps it. A recorded gRPC call's span is named pkg.Svc/Method.
        var logs = new RecordingLoggerProvider();
        using var host = await TestHosts.StartAsync(
            s => s.AddTracing(o =>
            {
                o.LogSpans = true;
                o.SlowRequestThreshold = TimeSpan.FromTicks(1);
            }),
            app =>
            {
                app.UseTracing();
                app.UseRouting();
                app.UseEndpoints(e => e.MapPost("/pkg.Svc/Method", Ok));
            },
            logs: logs);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/pkg.Svc/Method") { Content = new ByteArrayContent([0, 0, 0, 0, 0]) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);

        // Act
        using var response = await host.GetTestClient().SendAsync(request);

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var line = Assert.Single(logs.Entries, e => e.EventId.Id == 1003 && e.Category == "Propagation.Middleware.Spans");
        Assert.Equal(expected, line.State.Single(p => p.Key == "operation").Value);
        var warning = Assert.Single(logs.Entries, e => e.EventId.Id == 1002 && e.Category == "Propagation.Middleware.Tracing");
        Assert.Equal(expected, warning.State.Single(p => p.Key == "Operation").Value);
    }

    [Fact]
    public async Task Invoke_NothingRecordsAndHostingMadeItsPlaceholder_StillWarnsOfSlowRequestAndLogsTheSpanLine()
    {
        // Arrange: no listener accepts the request; the logging provider makes hosting create its placeholder
        // activity, whose ids the request then carries.
        var prefix = NewPrefix();
        var logs = new RecordingLoggerProvider();
        using var host = await TestHosts.StartTracedAsync(
            o =>
            {
                o.SlowRequestThreshold = TimeSpan.FromMilliseconds(1);
                o.LogSpans = true;
            },
            async c =>
            {
                await Task.Delay(30);
                await c.Response.WriteAsync("slow");
            },
            logs: logs);

        // Act
        using var response = await host.GetTestClient().GetAsync(prefix + "/unrecorded-slow");

        // Assert
        var traceId = Assert.Single(response.Headers.GetValues("X-Trace-ID"));
        var warning = Assert.Single(logs.Entries, e => e.EventId.Id == 1002);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains(traceId, warning.Message, StringComparison.Ordinal);
        var line = Assert.Single(logs.Entries, e => e.EventId.Id == 1003);
        var fields = line.State.ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal(traceId, fields["trace_id"]);
        Assert.Equal(Assert.Single(response.Headers.GetValues("X-Span-ID")), fields["span_id"]);
        Assert.Equal("GET /{**path}", fields["operation"]);
        Assert.Equal(200, fields["status_code"]);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Invoke_LogSpansOn_WritesOneStructuredLineWithEveryField(bool hostingActivity)
    {
        // Arrange
        var prefix = NewPrefix();
        using var listener = hostingActivity ? new TestListener(prefix, Hosting, Ours) : new TestListener(prefix, Ours);
        var logs = new RecordingLoggerProvider();
        using var host = await TestHosts.StartTracedAsync(
            o =>
            {
                o.LogSpans = true;
                o.ServiceName = "orders";
            },
            Ok,
            logs: logs);
        var (traceId, spanId, traceparent) = NewTraceParent();
        using var request = new HttpRequestMessage(HttpMethod.Get, prefix + "/log");
        request.Headers.Add("traceparent", traceparent);

        // Act
        using var response = await host.GetTestClient().SendAsync(request);

        // Assert
        await listener.WaitAsync(1);
        var span = Assert.Single(listener.Stopped);
        Assert.Equal(hostingActivity ? Hosting : Ours, span.Source.Name);
        var line = Assert.Single(logs.Entries, e => e.EventId.Id == 1003);
        var fields = line.State.ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal(traceId, fields["trace_id"]);
        Assert.Equal(span.SpanId.ToHexString(), fields["span_id"]);
        Assert.Equal(spanId, fields["parent_id"]);
        Assert.Equal("GET /{**path}", fields["operation"]);
        Assert.IsType<double>(fields["duration_ms"]);
        Assert.Equal("orders", fields["service"]);
        Assert.Equal(200, fields["status_code"]);
    }

    [Theory]
    [InlineData("hosting")]
    [InlineData("ours")]
    [InlineData("none")]
    public async Task Invoke_RouteTemplateEmpty_RouteAndSpanNameAreSlash(string recorder)
    {
        // Arrange: an endpoint whose template is empty, as for [HttpGet("")] on an MVC action or MapGet(""): it matches the
        // root of the site (under the path base that tells this test's requests apart).
        var prefix = NewPrefix();
        using var listener = recorder switch
        {
            "hosting" => new TestListener(prefix, Hosting, Ours),
            "ours" => new TestListener(prefix, Ours),
            _ => null,
        };
        var logs = new RecordingLoggerProvider();
        using var host = await TestHosts.StartAsync(
            s => s.AddTracing(o => o.LogSpans = true),
            app =>
            {
                app.UsePathBase(prefix);
                app.UseTracing();
                app.UseRouting();
                app.UseEndpoints(e => e.MapGet(string.Empty, Ok));
            },
            logs: logs);

        // Act
        using var response = await host.GetTestClient().GetAsync(prefix + "/");

        // Assert: the route is "/", as ASP.NET Core's own metrics name it, not an empty attribute and a name ending in a space.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var fields = Assert.Single(logs.Entries, e => e.EventId.Id == 1003).State.ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal("GET /", fields["operation"]);
        if (listener is not null)
        {
            await listener.WaitAsync(1);
            var span = Assert.Single(listener.Stopped);
            Assert.Equal(recorder == "hosting" ? Hosting : Ours, span.Source.Name);
            Assert.Equal("/", span.GetTagItem("http.route"));
            Assert.Equal("GET /", span.DisplayName);
            Assert.Equal(prefix + "/", span.GetTagItem("url.path"));
        }
    }

    [Theory]
    [InlineData("de-DE")]
    [InlineData("ar-SA")]
    public async Task Invoke_LogSpansUnderACultureWithAnotherDecimalSeparator_NumbersFormattedInvariantly(string culture)
    {
        // Arrange: the request runs under the culture from before UseTracing on (as a server's own locale would).
        var prefix = NewPrefix();
        var logs = new RecordingLoggerProvider();
        using var host = await TestHosts.StartAsync(
            s => s.AddTracing(o =>
            {
                o.LogSpans = true;
                o.SlowRequestThreshold = TimeSpan.FromTicks(1);
            }),
            app =>
            {
                app.Use(async (context, next) =>
                {
                    CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo(culture);
                    await next(context);
                });
                app.UseTracing();
                app.Run(static context => context.Response.WriteAsync((1.5).ToString(CultureInfo.CurrentCulture)));
            },
            logs: logs);

        // Act
        using var response = await host.GetTestClient().GetAsync(prefix + "/culture");

        // Assert: the culture writes another separator, the lines '.'.
        Assert.NotEqual("1.5", await response.Content.ReadAsStringAsync());
        Assert.Matches(@" duration_ms=[0-9]+(\.[0-9]+)? service=", Assert.Single(logs.Entries, e => e.EventId.Id == 1003).Message);
        Assert.Matches(@" took [0-9]+(\.[0-9]+)? ms \(threshold 0\.0001 ms\)", Assert.Single(logs.Entries, e => e.EventId.Id == 1002).Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Invoke_ExceptionHandlerAheadReExecutesThePipeline_OneSpanOneLogLineEchoOfThatSpan(bool hostingListened)
    {
        // Arrange: the README's order, an exception handler ahead of UseTracing; it runs the rest of the pipeline, UseTracing
        // included, a second time for the error page.
        var prefix = NewPrefix();
        using var listener = hostingListened ? new TestListener(prefix, Hosting, Ours) : new TestListener(prefix, Ours);
        var logs = new RecordingLoggerProvider();
        using var host = await TestHosts.StartAsync(
            s => s.AddTracing(o => o.LogSpans = true),
            app =>
            {
                app.UseExceptionHandler(prefix + "/error");
                app.UseTracing();
                app.UseRouting();
                app.UseEndpoints(e => e.Map(
                    "/{**path}",
                    static c => c.Request.Path.Value!.EndsWith("/boom", StringComparison.Ordinal)
                        ? throw new InvalidOperationException("boom")
                        : c.Response.WriteAsync("error page")));
            },
            logs: logs);

        // Act
        using var response = await host.GetTestClient().GetAsync(prefix + "/boom");

        // Assert: one server span, one line for it, and the echo names it.
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        await listener.WaitAsync(1);
        var span = Assert.Single(listener.Stopped);
        Assert.Equal(hostingListened ? Hosting : Ours, span.Source.Name);
        var line = Assert.Single(logs.Entries, e => e.EventId.Id == 1003);
        var fields = line.State.ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal(span.SpanId.ToHexString(), fields["span_id"]);
        Assert.Equal(span.TraceId.ToHexString(), fields["trace_id"]);
        Assert.Equal(500, fields["status_code"]);
        Assert.Equal(span.TraceId.ToHexString(), Assert.Single(response.Headers.GetValues("X-Trace-ID")));
        Assert.Equal(span.SpanId.ToHexString(), Assert.Single(response.Headers.GetValues("X-Span-ID")));
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(true, true)]
    [InlineData(false, false)]
    [InlineData(false, true)]
    public async Task Invoke_ExceptionHandlerBehind_SpanKeepsTheRouteAndRecordsTheHandledException(bool errorPath, bool hostingActivity)
    {
        // Arrange: UseTracing first, as its docs advise, and an exception handler behind it: it clears the endpoint and runs
        // its error page (a path re-executed through routing, or a delegate) after the endpoint threw.
        var prefix = NewPrefix();
        using var listener = hostingActivity ? new TestListener(prefix, Hosting, Ours) : new TestListener(prefix, Ours);
        using var host = await TestHosts.StartAsync(
            s => s.AddTracing(),
            app =>
            {
                app.UseTracing();
                if (errorPath)
                {
                    app.UseExceptionHandler(prefix + "/error");
                }
                else
                {
                    app.UseExceptionHandler(new ExceptionHandlerOptions { ExceptionHandler = static c => c.Response.WriteAsync("error page") });
                }

                app.UseRouting();
                app.UseEndpoints(e =>
                {
                    e.MapGet(prefix + "/items/{id}", static Task (HttpContext _) => throw new InvalidOperationException("boom"));
                    e.Map(prefix + "/error", static c => c.Response.WriteAsync("error page"));
                });
            });

        // Act
        using var response = await host.GetTestClient().GetAsync(prefix + "/items/42");

        // Assert: the span is the request's (its route and name), not the error page's, with the status the client got.
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("error page", await response.Content.ReadAsStringAsync());
        await listener.WaitAsync(1);
        var span = Assert.Single(listener.Stopped);
        Assert.Equal(hostingActivity ? Hosting : Ours, span.Source.Name);
        Assert.Equal(prefix + "/items/{id}", span.GetTagItem("http.route"));
        Assert.Equal("GET " + prefix + "/items/{id}", span.DisplayName);
        Assert.Equal(prefix + "/items/42", span.GetTagItem("url.path"));
        Assert.Equal(500, span.GetTagItem("http.response.status_code"));
        Assert.Equal(ActivityStatusCode.Error, span.Status);

        // The exception the handler caught (IExceptionHandlerFeature.Error) is the request's failure: recorded as if it had
        // reached UseTracing, once.
        Assert.Equal("System.InvalidOperationException", span.GetTagItem("error.type"));
        var recorded = Assert.Single(span.Events, e => e.Name == "exception");
        Assert.Equal("boom", recorded.Tags.Single(t => t.Key == "exception.message").Value);
        Assert.Equal("System.InvalidOperationException", recorded.Tags.Single(t => t.Key == "exception.type").Value);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Invoke_ExceptionWhoseMessageThrows_SpanEndsWithErrorAndTheExceptionGoesOnUntouched(bool handlerBehind)
    {
        // Arrange: an endpoint throws an exception whose Message getter throws (an app's own exception type with a bug);
        // either an exception handler behind UseTracing answers for it, or it reaches UseTracing and goes on to a
        // middleware in front that catches it.
        var prefix = NewPrefix();
        using var listener = new TestListener(prefix, Hosting, Ours);
        Exception? caught = null;
        var thrown = new MessageThrowingException();
        using var host = await TestHosts.StartAsync(
            s => s.AddTracing(),
            app =>
            {
                app.Use(async (context, next) =>
                {
                    try
                    {
                        await next(context);
                    }
                    catch (Exception ex)
                    {
                        caught = ex;
                        context.Response.StatusCode = 500;
                    }
                });
                app.UseTracing();
                if (handlerBehind)
                {
                    app.UseExceptionHandler(new ExceptionHandlerOptions { ExceptionHandler = static c => c.Response.WriteAsync("error page") });
                }

                app.Run(_ => throw thrown);
            });

        // Act
        using var response = await host.GetTestClient().GetAsync(prefix + "/items/42");

        // Assert: the request ends as it would with any exception, its span ended with status Error and the type.
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Same(handlerBehind ? null : thrown, caught);
        await listener.WaitAsync(1);
        var span = Assert.Single(listener.Stopped);
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal(typeof(MessageThrowingException).FullName, span.GetTagItem("error.type"));
        Assert.Equal(500, span.GetTagItem("http.response.status_code"));
        Assert.DoesNotContain(span.Events, e => e.Name == "exception");
    }

    [Fact]
    public async Task Invoke_UseTracingRegisteredTwice_OneSpanOneLineOneWarningIssuesCountedOnce()
    {
        // Arrange
        var prefix = NewPrefix();
        using var listener = new TestListener(prefix, Ours);
        var logs = new RecordingLoggerProvider();
        using var host = await TestHosts.StartAsync(
            s => s.AddTracing(o =>
            {
                o.LogSpans = true;
                o.SlowRequestThreshold = TimeSpan.FromTicks(1);
            }),
            app =>
            {
                app.UseTracing();
                app.UseTracing();
                app.Run(Ok);
            },
            logs: logs);
        using var request = new HttpRequestMessage(HttpMethod.Get, prefix + "/twice");
        request.Headers.TryAddWithoutValidation("traceparent", "00-invalid-01");

        // Act
        using var response = await host.GetTestClient().SendAsync(request);

        // Assert
        await listener.WaitAsync(1);
        var span = Assert.Single(listener.Stopped);
        Assert.Equal(span.SpanId.ToHexString(), Assert.Single(logs.Entries, e => e.EventId.Id == 1003).State.Single(p => p.Key == "span_id").Value);
        Assert.Single(logs.Entries, e => e.EventId.Id == 1002);
        Assert.Single(logs.Entries, e => e.EventId.Id == 1000);
        var health = host.Services.GetRequiredService<PropagationHealth>();
        Assert.Equal(1, health.TotalRequests);
        Assert.Equal(1, health.GetCount(PropagationIssues.TraceParentInvalid));
    }

    [Fact]
    public async Task Invoke_LogSpansOnHandlerThrowsAfterResponseStarted_LineHasTheStatusSent()
    {
        // Arrange: the handler sends its 200 and then fails (a streamed response whose client went away does the same).
        var prefix = NewPrefix();
        using var listener = new TestListener(prefix, Ours);
        var logs = new RecordingLoggerProvider();
        using var host = await TestHosts.StartTracedAsync(
            o => o.LogSpans = true,
            static async context =>
            {
                await context.Response.WriteAsync("partial");
                await context.Response.Body.FlushAsync();
                throw new InvalidOperationException("after start");
            },
            logs: logs);

        // Act
        using var response = await host.GetTestClient().GetAsync(prefix + "/started-then-fails", HttpCompletionOption.ResponseHeadersRead);

        // Assert
        await listener.WaitAsync(1);
        var span = Assert.Single(listener.Stopped);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(200, span.GetTagItem("http.response.status_code"));
        var line = Assert.Single(logs.Entries, e => e.EventId.Id == 1003);
        var fields = line.State.ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal(span.SpanId.ToHexString(), fields["span_id"]);
        Assert.Equal(200, fields["status_code"]);
    }

    [Fact]
    public async Task Invoke_AppLogsDuringRequest_ScopeCarriesTraceAndSpanIds()
    {
        // Arrange, Act
        var (span, entry) = await LogOnceFromAppAsync("/scope");

        // Assert
        AssertScopeCarriesIds(span, entry);
    }

    [Theory]
    [InlineData(ActivityTrackingOptions.TraceId)]
    [InlineData(ActivityTrackingOptions.SpanId)]
    [InlineData(ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId)]
    public async Task Invoke_AppTracksSomeActivityIds_ScopesCarryEachIdOnce(ActivityTrackingOptions tracking)
    {
        // Arrange, Act: the logger factory's activity tracking adds some of the ids itself.
        var (span, entry) = await LogOnceFromAppAsync(
            "/tracked",
            s => s.Configure<LoggerFactoryOptions>(o => o.ActivityTrackingOptions = tracking));

        // Assert: across all scopes of the app's line, each id once, with the server span's value.
        var pairs = entry.Scopes.OfType<IEnumerable<KeyValuePair<string, object?>>>().SelectMany(p => p).ToList();
        Assert.Equal(span.TraceId.ToHexString(), Assert.Single(pairs, p => p.Key == "TraceId").Value?.ToString());
        Assert.Equal(span.SpanId.ToHexString(), Assert.Single(pairs, p => p.Key == "SpanId").Value?.ToString());
    }

    [Fact]
    public async Task Invoke_PropagationCategoriesFilteredToNone_AppLogsStillCarryTraceAndSpanIds()
    {
        // Arrange, Act: the app silences this library's own log lines; its own logs keep their level.
        var (span, entry) = await LogOnceFromAppAsync(
            "/silenced",
            s => s.Configure<LoggerFilterOptions>(o => o.AddFilter("Propagation", LogLevel.None)));

        // Assert
        AssertScopeCarriesIds(span, entry);
    }

    [Fact]
    public async Task Invoke_HandlerThrowsInsideLogScope_RecordsExceptionRethrowsAndKeepsScope()
    {
        // Arrange: a logging provider makes the middleware open its log scope around the rest of the pipeline.
        var prefix = NewPrefix();
        using var listener = new TestListener(prefix, Ours);
        var logs = new RecordingLoggerProvider();
        var thrown = new InvalidOperationException("scoped boom");
        using var host = await TestHosts.StartTracedAsync(
            null,
            async c =>
            {
                await Task.Yield();
                c.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("App").LogInformation("failing");
                throw thrown;
            },
            logs: logs);

        // Act
        var caught = await Assert.ThrowsAnyAsync<Exception>(() => host.GetTestClient().GetAsync(prefix + "/scoped-fail"));

        // Assert
        Assert.Same(thrown, caught);
        await listener.WaitAsync(1);
        var span = Assert.Single(listener.Stopped);
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Single(span.Events, e => e.Name == "exception");
        var entry = Assert.Single(logs.Entries, e => e.Category == "App");
        var scope = entry.Scopes.OfType<IReadOnlyList<KeyValuePair<string, object?>>>()
            .Single(s => s.Any(p => p.Key == "TraceId"));
        Assert.Equal(span.SpanId.ToHexString(), scope.Single(p => p.Key == "SpanId").Value);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Invoke_CredentialsOnRequest_NeverReachSpanOrLogs(bool hostingActivity)
    {
        // Arrange
        var prefix = NewPrefix();
        using var listener = hostingActivity ? new TestListener(prefix, Hosting, Ours) : new TestListener(prefix, Ours);
        var logs = new RecordingLoggerProvider();
        using var host = await TestHosts.StartTracedAsync(
            o =>
            {
                o.LogSpans = true;
                o.CapturedRequestHeaders.Add("Authorization");
                o.CapturedRequestHeaders.Add("Cookie");
                o.CapturedRequestHeaders.Add("X-Api-Key");
                o.CapturedRequestHeaders.Add("X-Session");
                o.CapturedRequestHeaders.Add("X-Tenant");
                o.RedactedHeaders.Add("X-Session");
            },
            Ok,
            logs: logs);
        using var request = new HttpRequestMessage(HttpMethod.Get, prefix + "/secret?token=qsecret&page=2");
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer s3cret-bearer");
        request.Headers.TryAddWithoutValidation("Cookie", "session=s3cret-cookie");
        request.Headers.TryAddWithoutValidation("X-Api-Key", "s3cret-key");
        request.Headers.TryAddWithoutValidation("X-Session", "s3cret-session");
        request.Headers.TryAddWithoutValidation("X-Tenant", "acme");
        request.Headers.TryAddWithoutValidation("traceparent", "00-not-a-valid-s3cret-traceparent-01");

        // Act
        using var response = await host.GetTestClient().SendAsync(request);

        // Assert
        await listener.WaitAsync(1);
        var span = Assert.Single(listener.Stopped);
        Assert.Equal(hostingActivity ? Hosting : Ours, span.Source.Name);
        foreach (var tag in span.TagObjects)
        {
            var text = tag.Value is string[] array ? string.Join(",", array) : Convert.ToString(tag.Value, System.Globalization.CultureInfo.InvariantCulture);
            Assert.DoesNotContain("s3cret", text ?? string.Empty, StringComparison.Ordinal);
            Assert.DoesNotContain("qsecret", text ?? string.Empty, StringComparison.Ordinal);
        }

        Assert.Equal("REDACTED", span.GetTagItem("http.request.header.authorization"));
        Assert.Equal("REDACTED", span.GetTagItem("http.request.header.cookie"));
        Assert.Equal("REDACTED", span.GetTagItem("http.request.header.x-api-key"));
        Assert.Equal("REDACTED", span.GetTagItem("http.request.header.x-session"));
        Assert.Equal(new[] { "acme" }, span.GetTagItem("http.request.header.x-tenant"));
        Assert.Equal("token=REDACTED&page=REDACTED", span.GetTagItem("url.query"));
        Assert.NotEmpty(logs.Entries);
        Assert.All(logs.Entries, e => Assert.DoesNotContain("s3cret", e.Message, StringComparison.Ordinal));

        // Hosting's own request log prints the query; ours never does, the span's own line (LogSpans) included.
        var ours = logs.Entries.Where(e => e.Category.StartsWith("Propagation", StringComparison.Ordinal)).ToList();
        Assert.Single(ours, e => e.Category == "Propagation.Middleware.Spans");
        Assert.All(ours, e => Assert.DoesNotContain("qsecret", e.Message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Invoke_InvalidTraceParent_LogsReasonAtDebugWithoutRawValueAndCountsHealth()
    {
        // Arrange
        var prefix = NewPrefix();
        var logs = new RecordingLoggerProvider();
        using var host = await TestHosts.StartTracedAsync(null, Ok, logs: logs);
        using var request = new HttpRequestMessage(HttpMethod.Get, prefix + "/invalid");
        request.Headers.TryAddWithoutValidation("traceparent", "00-ZZZZ-rawvalue-01");

        // Act
        using var response = await host.GetTestClient().SendAsync(request);

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var entry = Assert.Single(logs.Entries, e => e.EventId.Id == 1000);
        Assert.Equal(LogLevel.Debug, entry.Level);
        Assert.Contains(nameof(PropagationIssues.TraceParentInvalid), entry.Message, StringComparison.Ordinal);
        Assert.All(logs.Entries, e => Assert.DoesNotContain("rawvalue", e.Message, StringComparison.Ordinal));
        var health = host.Services.GetRequiredService<PropagationHealth>();
        Assert.Equal(1, health.GetCount(PropagationIssues.TraceParentInvalid));
        Assert.Equal(1, health.TotalRequests);
    }

    [Fact]
    public async Task Invoke_EchoConfigured_UsesHeaderNamesAndUuidFormatFromOptions()
    {
        // Arrange
        var prefix = NewPrefix();
        using var host = await TestHosts.StartTracedAsync(
            o =>
            {
                o.TraceIdResponseHeader = "Request-Trace";
                o.SpanIdResponseHeader = "Request-Span";
                o.Propagation.LegacyIdFormat = LegacyIdFormat.Uuid;
            },
            Ok);
        var (traceId, _, traceparent) = NewTraceParent();
        using var request = new HttpRequestMessage(HttpMethod.Get, prefix + "/echo");
        request.Headers.Add("traceparent", traceparent);

        // Act
        using var response = await host.GetTestClient().SendAsync(request);

        // Assert
        Assert.False(response.Headers.Contains("X-Trace-ID"));
        var echoed = Assert.Single(response.Headers.GetValues("Request-Trace"));
        Assert.Equal(Guid.ParseExact(traceId, "N").ToString("D"), echoed);
        Assert.Single(response.Headers.GetValues("Request-Span"));
    }

    [Fact]
    public async Task Invoke_EchoOff_WritesNoTraceHeaders()
    {
        // Arrange
        var prefix = NewPrefix();
        using var host = await TestHosts.StartTracedAsync(o => o.EchoResponseHeaders = false, Ok);

        // Act
        using var response = await host.GetTestClient().GetAsync(prefix + "/noecho");

        // Assert
        Assert.False(response.Headers.Contains("X-Trace-ID"));
        Assert.False(response.Headers.Contains("X-Span-ID"));
    }

    [Fact]
    public async Task Invoke_TwoHostsWithDifferentOptions_EachFollowsItsOwnFormats()
    {
        // Arrange
        var prefix = NewPrefix();
        using var listener = new TestListener(prefix, Hosting, Ours);
        var before = DistributedContextPropagator.Current;
        using var w3cOnly = await TestHosts.StartTracedAsync(o => o.Propagation.ExtractFormats = [PropagationFormat.TraceContext], Ok);
        using var legacyOnly = await TestHosts.StartTracedAsync(o => o.Propagation.ExtractFormats = [PropagationFormat.Legacy], Ok);
        var (w3cTrace, _, traceparent) = NewTraceParent();
        var (legacyTrace, legacySpan, _) = NewTraceParent();

        HttpRequestMessage Create(string path)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, prefix + path);
            request.Headers.Add("traceparent", traceparent);
            request.Headers.Add("X-Trace-ID", legacyTrace);
            request.Headers.Add("X-Span-ID", legacySpan);
            return request;
        }

        // Act
        using var toW3c = Create("/w3c");
        using var toLegacy = Create("/legacy");
        var responses = await Task.WhenAll(w3cOnly.GetTestClient().SendAsync(toW3c), legacyOnly.GetTestClient().SendAsync(toLegacy));

        // Assert
        Assert.Same(before, DistributedContextPropagator.Current);
        Assert.Equal(w3cTrace, Assert.Single(responses[0].Headers.GetValues("X-Trace-ID")));
        Assert.Equal(legacyTrace, Assert.Single(responses[1].Headers.GetValues("X-Trace-ID")));
        await listener.WaitAsync(2);
        Assert.Equal(2, listener.Stopped.Count);
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    /// <summary>
    /// Sends one request (path <paramref name="path"/> under a new prefix) to a traced host whose handler logs one line in
    /// the category <c>App</c>; returns the request's server span and that line.
    /// </summary>
    private static async Task<(Activity Span, RecordingLoggerProvider.LogEntry Line)> LogOnceFromAppAsync(
        string path,
        Action<IServiceCollection>? services = null)
    {
        var prefix = NewPrefix();
        using var listener = new TestListener(prefix, Ours);
        var logs = new RecordingLoggerProvider();
        using var host = await TestHosts.StartTracedAsync(null, LogFromApp, logs: logs, services: services);
        using var response = await host.GetTestClient().GetAsync(prefix + path);
        return (Assert.Single(listener.Stopped), Assert.Single(logs.Entries, e => e.Category == "App"));
    }

    /// <summary>Asserts that one scope of <paramref name="line"/> carries the span's <c>TraceId</c> and <c>SpanId</c>.</summary>
    private static void AssertScopeCarriesIds(Activity span, RecordingLoggerProvider.LogEntry line)
    {
        var scope = line.Scopes.OfType<IReadOnlyList<KeyValuePair<string, object?>>>()
            .Single(s => s.Any(p => p.Key == "TraceId"));
        Assert.Equal(span.TraceId.ToHexString(), scope.Single(p => p.Key == "TraceId").Value);
        Assert.Equal(span.SpanId.ToHexString(), scope.Single(p => p.Key == "SpanId").Value);
    }

    /// <summary>A handler that writes one Information line in the category <c>App</c>, as an app's own code would.</summary>
    private static Task LogFromApp(HttpContext context)
    {
        context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("App").LogInformation("handling");
        return Task.CompletedTask;
    }

    internal static string NewPrefix() => "/t" + Guid.NewGuid().ToString("N");

    internal static (string TraceId, string SpanId, string TraceParent) NewTraceParent()
    {
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        var spanId = ActivitySpanId.CreateRandom().ToHexString();
        return (traceId, spanId, $"00-{traceId}-{spanId}-01");
    }

    /// <summary>An app's own context factory: it delegates to another factory and sets no accessor.</summary>
    private sealed class AppContextFactory(IHttpContextFactory inner) : IHttpContextFactory
    {
        public HttpContext Create(Microsoft.AspNetCore.Http.Features.IFeatureCollection featureCollection) => inner.Create(featureCollection);

        public void Dispose(HttpContext httpContext) => inner.Dispose(httpContext);
    }
}
