using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Propagation.Collector;
using Propagation.Middleware.Internal;
using Propagation.Middleware.Tests.Infrastructure;
using Propagation.Testing;

namespace Propagation.Middleware.Tests;

/// <summary>
/// Under concurrency no request gets another request's context: concurrent callers over few keep-alive connections
/// (Kestrel reuses a connection's header dictionary and feature collection), HTTP/2 streams of one connection, and
/// TestServer, each request with its own trace id and baggage.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class RequestIsolationTests
{
    private const int Callers = 8;
    private const int RequestsPerCaller = 125;
    private static readonly TimeSpan TimeLimit = TimeSpan.FromSeconds(60);

    /// <summary>The server a test runs on.</summary>
    public enum Server
    {
        /// <summary>TestServer.</summary>
        TestServer,

        /// <summary>Kestrel, HTTP/1.1 over two keep-alive connections.</summary>
        Http1,

        /// <summary>Kestrel, HTTP/2 streams over one connection.</summary>
        Http2,
    }

    /// <summary>Whether hosting's activity is listened to.</summary>
    public enum Hosting
    {
        /// <summary>Sampled: hosting's activity is the server span.</summary>
        Listened,

        /// <summary>Not listened: the middleware's own span is the server span.</summary>
        NotListened,

        /// <summary>Listened, sampled for half the requests (by the inbound trace id): the server span alternates on a connection.</summary>
        HalfSampled,
    }

    /// <summary>How trust is decided.</summary>
    public enum Trust
    {
        /// <summary>No trust rule: every caller is continued.</summary>
        None,

        /// <summary>TrustedNetworks of 127.0.0.1 (Kestrel: every caller trusted, decided per request).</summary>
        Networks,

        /// <summary>A TrustDecider that continues odd requests and restarts even ones.</summary>
        Decider,
    }

    [Theory]
    [InlineData(Server.Http1, Hosting.Listened, false, Trust.None, PropagationFormat.TraceContext)]
    [InlineData(Server.Http1, Hosting.NotListened, false, Trust.None, PropagationFormat.TraceContext)]
    [InlineData(Server.Http1, Hosting.Listened, true, Trust.None, PropagationFormat.TraceContext)]
    [InlineData(Server.Http1, Hosting.NotListened, true, Trust.None, PropagationFormat.TraceContext)]
    [InlineData(Server.Http1, Hosting.Listened, false, Trust.Decider, PropagationFormat.TraceContext)]
    [InlineData(Server.Http1, Hosting.NotListened, false, Trust.Decider, PropagationFormat.TraceContext)]
    [InlineData(Server.Http1, Hosting.Listened, true, Trust.Decider, PropagationFormat.TraceContext)]
    [InlineData(Server.Http1, Hosting.Listened, false, Trust.Networks, PropagationFormat.TraceContext)]
    [InlineData(Server.Http1, Hosting.NotListened, true, Trust.Networks, PropagationFormat.TraceContext)]
    [InlineData(Server.Http1, Hosting.Listened, false, Trust.None, PropagationFormat.Legacy)]
    [InlineData(Server.Http1, Hosting.NotListened, false, Trust.None, PropagationFormat.Legacy)]
    [InlineData(Server.Http1, Hosting.Listened, false, Trust.None, PropagationFormat.B3)]
    [InlineData(Server.Http1, Hosting.NotListened, false, Trust.Decider, PropagationFormat.B3)]
    [InlineData(Server.Http2, Hosting.Listened, false, Trust.None, PropagationFormat.TraceContext)]
    [InlineData(Server.Http2, Hosting.NotListened, false, Trust.None, PropagationFormat.TraceContext)]
    [InlineData(Server.Http2, Hosting.Listened, true, Trust.Decider, PropagationFormat.TraceContext)]
    [InlineData(Server.Http2, Hosting.Listened, false, Trust.Decider, PropagationFormat.Legacy)]
    [InlineData(Server.Http2, Hosting.NotListened, false, Trust.Decider, PropagationFormat.B3)]
    [InlineData(Server.TestServer, Hosting.Listened, false, Trust.None, PropagationFormat.TraceContext)]
    [InlineData(Server.TestServer, Hosting.NotListened, false, Trust.None, PropagationFormat.TraceContext)]
    [InlineData(Server.TestServer, Hosting.Listened, true, Trust.Decider, PropagationFormat.TraceContext)]
    [InlineData(Server.Http1, Hosting.HalfSampled, false, Trust.None, PropagationFormat.TraceContext)]
    [InlineData(Server.Http1, Hosting.HalfSampled, false, Trust.Decider, PropagationFormat.TraceContext)]
    [InlineData(Server.Http1, Hosting.HalfSampled, true, Trust.None, PropagationFormat.Legacy)]
    [InlineData(Server.Http2, Hosting.HalfSampled, false, Trust.None, PropagationFormat.TraceContext)]
    [InlineData(Server.TestServer, Hosting.Listened, false, Trust.Decider, PropagationFormat.B3)]
    public async Task Invoke_ConcurrentRequests_EachContinuesOnlyItsOwnContext(
        Server server, Hosting hosting, bool appAccessor, Trust trust, PropagationFormat format)
    {
        // Arrange
        var prefix = "/iso-" + Guid.NewGuid().ToString("N");
        var total = Callers * RequestsPerCaller;
        var seen = new ConcurrentDictionary<int, Seen>();
        var downstream = new DownstreamRecorder();
        var builder = new HostBuilder().ConfigureWebHost(web =>
        {
            if (server == Server.TestServer)
            {
                web.UseTestServer();
            }
            else
            {
                web.UseKestrel(o => o.Listen(IPAddress.Loopback, 0, l => l.Protocols = server == Server.Http2 ? HttpProtocols.Http2 : HttpProtocols.Http1));
            }

            web.ConfigureServices(s =>
                {
                    if (appAccessor)
                    {
                        s.AddHttpContextAccessor();
                    }

                    s.AddTracing(o =>
                    {
                        if (trust == Trust.Networks)
                        {
                            o.TrustedNetworks.Add("127.0.0.1/32");
                        }
                        else if (trust == Trust.Decider)
                        {
                            o.TrustDecider = static c => c.Request.Headers["x-trust"] == "1" ? TrustPolicy.Continue : TrustPolicy.RestartAndLink;
                        }
                    });
                    s.Configure<TracingPipelineOptions>(o => o.Enabled = false);
                    s.AddHttpClient("out").AddTraceHeaders().ConfigurePrimaryHttpMessageHandler(() => downstream);
                })
                .Configure(app =>
                {
                    // An asynchronous middleware ahead (authentication, say): between hosting's extraction and UseTracing's
                    // other requests run, so anything shared between them is exercised.
                    app.Use(static async (context, next) =>
                    {
                        await Task.Yield();
                        await next(context);
                    });
                    app.UseTracing();
                    app.Run(async context =>
                    {
                        var n = int.Parse(context.Request.Headers["x-req"]!, CultureInfo.InvariantCulture);
                        var current = Activity.Current;
                        var record = current is null
                            ? new Seen(default, default, default, null)
                            : new Seen(current.TraceId, current.ParentSpanId, current.SpanId, current.GetBaggageItem("req"));
                        Assert.True(seen.TryAdd(n, record), $"request {n} reached the handler twice");
                        var client = context.RequestServices.GetRequiredService<IHttpClientFactory>().CreateClient("out");
                        using var message = new HttpRequestMessage(HttpMethod.Get, new Uri("http://downstream.internal/next"));
                        message.Headers.Add("x-req", n.ToString(CultureInfo.InvariantCulture));
                        using var response = await client.SendAsync(message);
                        await context.Response.WriteAsync("ok");
                    });
                });
        });
        using var host = builder.Build();
        var hostingSpans = new ConcurrentQueue<Activity>();
        using var hostingListener = hosting == Hosting.NotListened ? null : HostingSourceSampler.Listen(host.Services.GetRequiredService<ActivitySource>(), hosting == Hosting.HalfSampled, hostingSpans);
        // The middleware's own spans are listened to in every setup: with hosting's listened, there must be none.
        using var ownSpans = new OwnSpanListener(prefix);
        await host.StartAsync();
        var health = host.Services.GetRequiredService<PropagationHealth>();
        var requests = new Sent[total];
        for (var n = 0; n < total; n++)
        {
            // Every third request also carries another context in a later format: its span links that one (and only it).
            var conflict = format != PropagationFormat.B3 && n % 3 == 0 ? ActivityTraceId.CreateRandom() : default;
            requests[n] = new Sent(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), trust != Trust.Decider || n % 2 == 1, conflict);
        }

        using var handler = server == Server.TestServer ? host.GetTestServer().CreateHandler() : new SocketsHttpHandler { MaxConnectionsPerServer = 2 };
        using var client = new HttpClient(handler)
        {
            BaseAddress = server == Server.TestServer ? new Uri("http://localhost") : TestHosts.KestrelAddress(host),
            DefaultRequestVersion = server == Server.Http2 ? HttpVersion.Version20 : HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };

        // Act: Callers concurrent callers, each sending RequestsPerCaller requests one after the other.
        using var timeout = new CancellationTokenSource(TimeLimit);
        var callers = new Task[Callers];
        for (var c = 0; c < Callers; c++)
        {
            var caller = c;
            callers[c] = Task.Run(async () =>
            {
                for (var i = 0; i < RequestsPerCaller; i++)
                {
                    var n = (caller * RequestsPerCaller) + i;
                    using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(prefix + "/r" + n.ToString(CultureInfo.InvariantCulture), UriKind.Relative));
                    request.Version = client.DefaultRequestVersion;
                    request.VersionPolicy = client.DefaultVersionPolicy;
                    AddContext(request, n, requests[n], format, trust);
                    using var response = await client.SendAsync(request, timeout.Token);
                    Assert.True(response.StatusCode == HttpStatusCode.OK, $"request {n}: {response.StatusCode} {response.Version} {await response.Content.ReadAsStringAsync()}");
                }
            });
        }

        await Task.WhenAll(callers).WaitAsync(TimeLimit);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (hostingSpans.Count + ownSpans.Stopped.Count < total && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Activity[] spans = [.. hostingSpans, .. ownSpans.Stopped];

        // Assert
        Assert.True(hosting != Hosting.HalfSampled || (!hostingSpans.IsEmpty && !ownSpans.Stopped.IsEmpty), "half sampled: both hosting's spans and the middleware's own were expected");
        Assert.True(hosting != Hosting.Listened || ownSpans.Stopped.IsEmpty, $"hosting's activity was the server span, yet the middleware started {ownSpans.Stopped.Count} spans of its own");
        Assert.Equal(total, seen.Count);
        Assert.True(spans.Length == total, $"{total} requests, {hostingSpans.Count} hosting spans and {ownSpans.Stopped.Count} of the middleware's own");
        var bySpanId = new Dictionary<ActivitySpanId, Activity>();
        foreach (var span in spans)
        {
            Assert.True(bySpanId.TryAdd(span.SpanId, span), $"span {span.SpanId} recorded twice");
        }

        var restarted = 0;
        var conflicts = 0;
        for (var n = 0; n < total; n++)
        {
            var sent = requests[n];
            var got = seen[n];
            Assert.True(bySpanId.TryGetValue(got.SpanId, out var span), $"request {n}: the handler's current activity {got.SpanId} is not a recorded server span");
            foreach (var link in span!.Links)
            {
                Assert.True(
                    link.Context.TraceId == sent.TraceId || link.Context.TraceId == sent.ConflictTraceId,
                    $"request {n} sent {sent.TraceId} (and {sent.ConflictTraceId}), its server span links {link.Context.TraceId}");
            }

            if (sent.ConflictTraceId != default)
            {
                conflicts++;
                Assert.True(
                    span.Links.Any(l => l.Context.TraceId == sent.ConflictTraceId),
                    $"request {n} also sent {sent.ConflictTraceId} in another format, its server span does not link it");
            }
            if (sent.Trusted)
            {
                Assert.True(
                    got.TraceId == sent.TraceId && got.ParentSpanId == sent.SpanId,
                    $"request {n} sent {sent.TraceId}/{sent.SpanId}, its server span continued {got.TraceId}/{got.ParentSpanId}");
                Assert.True(got.Baggage == "r" + n.ToString(CultureInfo.InvariantCulture), $"request {n} sent baggage req=r{n}, its server span has req={got.Baggage}");
            }
            else
            {
                restarted++;
                Assert.True(got.TraceId != sent.TraceId, $"request {n} was to be restarted, its server span continued {sent.TraceId}");
                Assert.True(got.Baggage is null, $"request {n} was restarted, its server span has baggage req={got.Baggage}");
                Assert.True(
                    span.Links.Any(l => l.Context.TraceId == sent.TraceId && l.Context.SpanId == sent.SpanId),
                    $"request {n} was restarted, its server span does not link {sent.TraceId}/{sent.SpanId}");
            }

            Assert.True(downstream.Received.TryGetValue(n, out var traceparent), $"request {n} made no downstream call");
            Assert.True(
                traceparent is not null && traceparent.Contains(got.TraceId.ToHexString(), StringComparison.Ordinal),
                $"request {n}'s server span is in trace {got.TraceId}, its downstream call carried traceparent {traceparent}");
        }

        Assert.Equal(total, health.TotalRequests);
        Assert.Equal(restarted, health.GetCount(PropagationIssues.RestartedByPolicy));
        Assert.Equal(conflicts, health.GetCount(PropagationIssues.FormatConflict));
        await host.StopAsync();
    }

    private static void AddContext(HttpRequestMessage request, int n, Sent sent, PropagationFormat format, Trust trust)
    {
        var headers = request.Headers;
        headers.Add("x-req", n.ToString(CultureInfo.InvariantCulture));
        if (trust == Trust.Decider)
        {
            headers.Add("x-trust", sent.Trusted ? "1" : "0");
        }

        var traceId = sent.TraceId.ToHexString();
        var spanId = sent.SpanId.ToHexString();
        switch (format)
        {
            case PropagationFormat.Legacy:
                headers.Add("X-Trace-ID", traceId);
                headers.Add("X-Span-ID", spanId);
                break;
            case PropagationFormat.B3:
                headers.Add("X-B3-TraceId", traceId);
                headers.Add("X-B3-SpanId", spanId);
                headers.Add("X-B3-Sampled", "1");
                break;
            default:
                headers.Add("traceparent", $"00-{traceId}-{spanId}-01");
                break;
        }

        if (sent.ConflictTraceId != default)
        {
            var conflict = sent.ConflictTraceId.ToHexString();
            var conflictSpan = ActivitySpanId.CreateRandom().ToHexString();
            if (format == PropagationFormat.Legacy)
            {
                headers.Add("X-B3-TraceId", conflict);
                headers.Add("X-B3-SpanId", conflictSpan);
            }
            else
            {
                headers.Add("X-Trace-ID", conflict);
                headers.Add("X-Span-ID", conflictSpan);
            }
        }

        headers.Add("baggage", "req=r" + n.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>What a request sent: its context, whether the decider trusts it, and the trace id of a conflicting context (or default).</summary>
    private readonly record struct Sent(ActivityTraceId TraceId, ActivitySpanId SpanId, bool Trusted, ActivityTraceId ConflictTraceId);

    /// <summary>What a request's handler saw.</summary>
    private readonly record struct Seen(ActivityTraceId TraceId, ActivitySpanId ParentSpanId, ActivitySpanId SpanId, string? Baggage);

    /// <summary>The downstream app: records the traceparent each request's downstream call carried, by request number.</summary>
    private sealed class DownstreamRecorder : HttpMessageHandler
    {
        public ConcurrentDictionary<int, string?> Received { get; } = new();

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var n = int.Parse(request.Headers.GetValues("x-req").Single(), CultureInfo.InvariantCulture);
            var traceparent = request.Headers.TryGetValues("traceparent", out var values) ? string.Join(",", values) : null;
            Assert.True(Received.TryAdd(n, traceparent), $"request {n} called downstream twice");
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { RequestMessage = request });
        }
    }

    /// <summary>Samples and records the middleware's own server spans of one test (by its path prefix).</summary>
    private sealed class OwnSpanListener : IDisposable
    {
        private readonly ActivityListener _listener;
        public OwnSpanListener(string prefix)
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = static s => s.Name == TracingService.ServerSourceName,
                Sample = (ref ActivityCreationOptions<ActivityContext> options) => IsOurs(options.Tags, prefix)
                    ? ActivitySamplingResult.AllDataAndRecorded
                    : ActivitySamplingResult.None,
                ActivityStopped = activity =>
                {
                    if (activity.GetTagItem("url.path") is string path && path.StartsWith(prefix, StringComparison.Ordinal))
                    {
                        Stopped.Enqueue(activity);
                    }
                },
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public ConcurrentQueue<Activity> Stopped { get; } = new();

        public void Dispose()
        {
            _listener.Dispose();
        }

        private static bool IsOurs(IEnumerable<KeyValuePair<string, object?>>? tags, string prefix)
        {
            if (tags is not null)
            {
                foreach (var tag in tags)
                {
                    if (tag.Key == "url.path" && tag.Value is string path && path.StartsWith(prefix, StringComparison.Ordinal))
                    {
                        return true;
                    }
                }
            }

            return false;
        }
    }
}
