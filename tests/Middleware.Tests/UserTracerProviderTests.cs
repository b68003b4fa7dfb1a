using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Context.Propagation;
using OpenTelemetry.Trace;
using Propagation.Collector;
using Propagation.Middleware.Tests.Infrastructure;
using Propagation.OpenTelemetry;
using OtelBaggage = OpenTelemetry.Baggage;

namespace Propagation.Middleware.Tests;

/// <summary>
/// <c>AddTracing</c>/<c>UseTracing</c>/<c>AddTraceHeaders</c> beside an OpenTelemetry <see cref="TracerProvider"/> of the
/// app's own (built with <see cref="Sdk.CreateTracerProviderBuilder"/>), on Kestrel at 127.0.0.1: the spans that
/// provider exports, whose sampler decides, what reaches the callee, and how it shares the process with the
/// pipeline. A tracer provider listens process-wide: the tests run alone and read only their own traces.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class UserTracerProviderTests
{
    private const string InboundTraceId = "0af7651916cd43dd8448eb211c80319c";
    private const string InboundSpanId = "b7ad6b7169203331";

    /// <summary>The propagator the app sets with <see cref="Sdk.SetDefaultTextMapPropagator"/>.</summary>
    public enum DefaultPropagator
    {
        /// <summary>None set.</summary>
        Unset,

        /// <summary>OpenTelemetry's own W3C Trace Context and Baggage propagators.</summary>
        OpenTelemetryW3C,

        /// <summary>This library's <see cref="PropagationTextMapPropagator"/>.</summary>
        Ours,
    }

    [Theory]
    [InlineData(DefaultPropagator.Unset)]
    [InlineData(DefaultPropagator.OpenTelemetryW3C)]
    [InlineData(DefaultPropagator.Ours)]
    public async Task UserProvider_ListensToPropagationSources_OneServerSpanAndOneClientSpanPerCallWithRightParents(DefaultPropagator propagator)
    {
        // Arrange: the app's own provider (no pipeline of ours) listens to hosting, HttpClient and Propagation's sources.
        await using var downstream = await Downstream.StartAsync();
        var exported = new CollectingExporter();
        using var provider = UserProvider(exported, new AlwaysOnSampler(), "Microsoft.AspNetCore", "System.Net.Http", "Propagation.*");
        var previous = Propagators.DefaultTextMapPropagator;
        SetDefaultPropagator(propagator);
        Handled handled;
        try
        {
            using var front = await StartFrontAsync(downstream.Address, pipeline: null);

            // Act
            handled = await CallAsync(front, sampled: true);
            await front.StopAsync();
        }
        finally
        {
            Sdk.SetDefaultTextMapPropagator(previous);
        }

        // Assert: one server span (hosting's, enriched), one client span per call: ours for the AddTraceHeaders client,
        // HttpClient's for the plain one; none of HttpClient's beside ours.
        var spans = exported.Of(InboundTraceId);
        var server = Assert.Single(spans, s => s.Kind == ActivityKind.Server && s.ParentSpanId.ToHexString() == InboundSpanId);
        Assert.Equal("Microsoft.AspNetCore", server.Source.Name);
        Assert.Equal("GET", server.GetTagItem("http.request.method"));
        Assert.Equal("/in", server.GetTagItem("url.path"));
        Assert.Equal(server.SpanId.ToHexString(), handled.CurrentSpanId);
        var clients = spans.Where(s => s.Kind == ActivityKind.Client).ToList();
        Assert.Equal(2, clients.Count);
        Assert.All(clients, c => Assert.Equal(server.SpanId, c.ParentSpanId));
        var traced = Assert.Single(clients, c => c.Source.Name == "Propagation.Http");
        var plain = Assert.Single(clients, c => c.Source.Name == "System.Net.Http");
        Assert.EndsWith("/traced", (string?)traced.GetTagItem("url.full"), StringComparison.Ordinal);
        Assert.Equal(200, traced.GetTagItem("http.response.status_code"));

        // Each call carries one traceparent naming its own client span, and one baggage: the activity's, never
        // OpenTelemetry's Baggage.Current (which the inbound baggage did not reach either).
        Assert.Equal($"00-{InboundTraceId}-{traced.SpanId.ToHexString()}-01", Assert.Single(downstream.Received("/traced").TraceParent));
        Assert.Equal($"00-{InboundTraceId}-{plain.SpanId.ToHexString()}-01", Assert.Single(downstream.Received("/plain").TraceParent));
        foreach (var path in (string[])["/traced", "/plain"])
        {
            var baggage = Assert.Single(downstream.Received(path).Baggage);
            Assert.Equal(["actkey=actvalue", "inkey=invalue"], baggage.Split(',').Order(StringComparer.Ordinal));
        }

        Assert.Equal("otelvalue", handled.OtelBaggage.GetValueOrDefault("otelkey"));
        Assert.False(handled.OtelBaggage.ContainsKey("inkey"));
    }

    [Fact]
    public async Task UserProvider_ListensToSystemNetHttpOnly_AddTraceHeadersCallsHaveNoClientSpanThere()
    {
        // Arrange: a provider set up for HttpClient's own spans, without Propagation.Http.
        await using var downstream = await Downstream.StartAsync();
        var exported = new CollectingExporter();
        using var provider = UserProvider(exported, new AlwaysOnSampler(), "Microsoft.AspNetCore", "System.Net.Http");
        using var front = await StartFrontAsync(downstream.Address, pipeline: null);

        // Act
        await CallAsync(front, sampled: true);
        await front.StopAsync();

        // Assert: the AddTraceHeaders call starts no System.Net.Http activity and its own span is not listened to, so
        // the callee's server span names a parent this provider never saw; the plain client keeps HttpClient's span.
        var spans = exported.Of(InboundTraceId);
        var server = Assert.Single(spans, s => s.Kind == ActivityKind.Server && s.ParentSpanId.ToHexString() == InboundSpanId);
        var client = Assert.Single(spans, s => s.Kind == ActivityKind.Client);
        Assert.Equal("System.Net.Http", client.Source.Name);
        Assert.EndsWith("/plain", (string?)client.GetTagItem("url.full"), StringComparison.Ordinal);
        var tracedParent = Assert.Single(downstream.Received("/traced").TraceParent).Split('-')[2];
        Assert.DoesNotContain(spans, s => s.SpanId.ToHexString() == tracedParent);
        Assert.NotEqual(server.SpanId.ToHexString(), tracedParent);
    }

    [Fact]
    public async Task UserProvider_AlwaysOffSampler_NothingRecordedUnsampledFlagSentOnEveryCall()
    {
        // Arrange: a caller that sampled its span, an app whose sampler records nothing (ParentBased is not used).
        await using var downstream = await Downstream.StartAsync();
        var exported = new CollectingExporter();
        using var provider = UserProvider(exported, new AlwaysOffSampler(), "Microsoft.AspNetCore", "System.Net.Http", "Propagation.*");
        using var front = await StartFrontAsync(downstream.Address, pipeline: null);

        // Act
        var handled = await CallAsync(front, sampled: true);
        await front.StopAsync();

        // Assert: the trace goes on, unsampled, through both clients.
        Assert.Empty(exported.Of(InboundTraceId));
        Assert.False(handled.CurrentRecorded);
        foreach (var path in (string[])["/traced", "/plain"])
        {
            var traceParent = Assert.Single(downstream.Received(path).TraceParent);
            Assert.StartsWith($"00-{InboundTraceId}-", traceParent, StringComparison.Ordinal);
            Assert.EndsWith("-00", traceParent, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task UserProvider_ParentBasedRatioSampler_EachTraceSentWithTheDecisionItsSpansGot()
    {
        // Arrange: requests without a caller's context: the ratio sampler decides each root.
        await using var downstream = await Downstream.StartAsync();
        var exported = new CollectingExporter();
        using var provider = UserProvider(exported, new ParentBasedSampler(new TraceIdRatioBasedSampler(0.5)), "Microsoft.AspNetCore", "Propagation.*");
        using var front = await StartFrontAsync(downstream.Address, pipeline: null);
        using var client = new HttpClient { BaseAddress = TestHosts.KestrelAddress(front), Timeout = TimeSpan.FromSeconds(30) };

        // Act
        for (var i = 0; i < 16; i++)
        {
            using var response = await client.GetAsync(new Uri("/in", UriKind.Relative));
            response.EnsureSuccessStatusCode();
        }

        await front.StopAsync();

        // Assert: a trace sent as sampled has its server and client spans exported; one sent unsampled has none.
        var sent = downstream.Received("/traced").TraceParent;
        Assert.Equal(16, sent.Count);
        foreach (var traceParent in sent)
        {
            var parts = traceParent.Split('-');
            var spans = exported.Of(parts[1]);
            if (parts[3] == "01")
            {
                Assert.Single(spans, s => s.Kind == ActivityKind.Server && s.Source.Name == "Microsoft.AspNetCore" && s.GetTagItem("url.path") is "/in");
                Assert.Equal(parts[2], Assert.Single(spans, s => s.Kind == ActivityKind.Client).SpanId.ToHexString());
            }
            else
            {
                Assert.Equal("00", parts[3]);
                Assert.Empty(spans);
            }
        }
    }

    [Fact]
    public async Task UserProviderAndPipeline_BothOn_EachExportsEverySpanOnce()
    {
        // Arrange
        await using var downstream = await Downstream.StartAsync();
        var exported = new CollectingExporter();
        var ours = new CollectingExporter();
        using var provider = UserProvider(exported, new AlwaysOnSampler(), "Microsoft.AspNetCore", "System.Net.Http", "Propagation.*");
        using var front = await StartFrontAsync(downstream.Address, o => ExportTo(o, ours));

        // Act
        await CallAsync(front, sampled: true);
        await front.StopAsync();

        // Assert: the front's server span and two client spans, and the downstream's two server spans (no owner: exported
        // by a pipeline with ExportUnownedSpans, the default); ownership filters only the pipeline, never the app's provider.
        var mine = exported.Of(InboundTraceId).Select(s => s.SpanId.ToHexString()).Order(StringComparer.Ordinal).ToList();
        var pipeline = ours.Of(InboundTraceId).Select(s => s.SpanId.ToHexString()).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(5, mine.Count);
        Assert.Equal(5, mine.Distinct().Count());
        Assert.Equal(mine, pipeline);
    }

    [Theory]
    [InlineData(false, "always_on")]
    [InlineData(true, "always_off")]
    public async Task UserProviderAndPipeline_SamplersDisagree_ASpanEitherSamplesIsExportedByBoth(bool userSamples, string pipelineSampler)
    {
        // Arrange
        await using var downstream = await Downstream.StartAsync();
        var exported = new CollectingExporter();
        var ours = new CollectingExporter();
        using var provider = UserProvider(
            exported, userSamples ? new AlwaysOnSampler() : new AlwaysOffSampler(), "Microsoft.AspNetCore", "System.Net.Http", "Propagation.*");
        using var front = await StartFrontAsync(downstream.Address, o =>
        {
            o.Sampler = pipelineSampler;
            ExportTo(o, ours);
        });

        // Act
        var handled = await CallAsync(front, sampled: true);
        await front.StopAsync();

        // Assert: .NET records an activity when any listener samples it, and each provider exports what is recorded.
        Assert.True(handled.CurrentRecorded);
        foreach (var spans in (List<Activity>[])[exported.Of(InboundTraceId), ours.Of(InboundTraceId)])
        {
            var server = Assert.Single(spans, s => s.SpanId.ToHexString() == handled.CurrentSpanId);
            Assert.Single(spans, s => s.Source.Name == "Propagation.Http" && s.ParentSpanId == server.SpanId);
        }

        Assert.EndsWith("-01", Assert.Single(downstream.Received("/traced").TraceParent), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task UserProviderAndPipeline_DisposedInEitherOrder_TheOtherStillExportsItsSpans(bool userProviderFirst)
    {
        // Arrange: the app's provider batches, so its spans wait for its own flush.
        await using var downstream = await Downstream.StartAsync();
        var exported = new CollectingExporter();
        var ours = new CollectingExporter();
        using var ownSource = new ActivitySource("UserTracerProviderTests.Own");
        var provider = Sdk.CreateTracerProviderBuilder()
            .AddSource("Microsoft.AspNetCore", "System.Net.Http", "Propagation.*", ownSource.Name)
            .AddProcessor(new BatchActivityExportProcessor(exported, scheduledDelayMilliseconds: 60_000))
            .Build();
        try
        {
            using var front = await StartFrontAsync(downstream.Address, o => ExportTo(o, ours));
            if (userProviderFirst)
            {
                provider.Dispose();
            }

            // Act
            await CallAsync(front, sampled: true);
            await front.StopAsync();

            // Assert: the pipeline exported the request either way; its shutdown (flush, dispose) left the app's
            // provider working: it still records, and its flush exports what it held.
            Assert.Equal(5, ours.Of(InboundTraceId).Count);
            if (userProviderFirst)
            {
                Assert.Empty(exported.Of(InboundTraceId));
            }
            else
            {
                string traceId;
                using (var own = ownSource.StartActivity("after-host"))
                {
                    Assert.NotNull(own);
                    traceId = own.TraceId.ToHexString();
                }

                Assert.True(provider.ForceFlush(10_000));
                Assert.Equal(5, exported.Of(InboundTraceId).Count);
                Assert.Single(exported.Of(traceId));
                Assert.Empty(ours.Of(traceId));
            }
        }
        finally
        {
            provider.Dispose();
        }
    }

    /// <summary>The pipeline on, exporting only to <paramref name="exporter"/>.</summary>
    private static void ExportTo(TracingPipelineOptions options, CollectingExporter exporter)
    {
        options.AddExporter("test", _ => exporter);
        options.Exporters = ["test"];
    }

    private static TracerProvider UserProvider(CollectingExporter exporter, Sampler sampler, params string[] sources) =>
        Sdk.CreateTracerProviderBuilder()
            .AddSource(sources)
            .SetSampler(sampler)
            .AddProcessor(new SimpleActivityExportProcessor(exporter))
            .Build();

    private static void SetDefaultPropagator(DefaultPropagator propagator)
    {
        switch (propagator)
        {
            case DefaultPropagator.OpenTelemetryW3C:
                Sdk.SetDefaultTextMapPropagator(new CompositeTextMapPropagator([new TraceContextPropagator(), new BaggagePropagator()]));
                break;
            case DefaultPropagator.Ours:
                Sdk.SetDefaultTextMapPropagator(new PropagationTextMapPropagator(new TracePropagator(new PropagationOptions()), TrustPolicy.Continue));
                break;
            default:
                break;
        }
    }

    /// <summary>
    /// The app: <c>AddTracing</c>, <c>UseTracing</c>, and a handler at <c>/in</c> that sets baggage through both APIs and
    /// calls the downstream at <c>/traced</c> (an <c>AddTraceHeaders</c> client) then <c>/plain</c> (a factory client
    /// without it). <paramref name="pipeline"/> null turns this library's pipeline off.
    /// </summary>
    private static async Task<IHost> StartFrontAsync(Uri downstream, Action<TracingPipelineOptions>? pipeline)
    {
        var host = new HostBuilder()
            .ConfigureWebHost(web => web
                .UseKestrel(o => o.Listen(IPAddress.Loopback, 0))
                .ConfigureServices(s =>
                {
                    s.AddSingleton<HandledRequests>();
                    s.AddTracing();
                    s.AddHttpClient("traced").AddTraceHeaders();
                    s.AddHttpClient("plain");
                    s.Configure<TracingPipelineOptions>(o =>
                    {
                        o.Enabled = pipeline is not null;
                        pipeline?.Invoke(o);
                    });
                })
                .Configure(app =>
                {
                    app.UseTracing();
                    app.Run(async context =>
                    {
                        var current = Activity.Current;
                        OtelBaggage.SetBaggage("otelkey", "otelvalue");
                        current?.SetBaggage("actkey", "actvalue");
                        context.RequestServices.GetRequiredService<HandledRequests>().Add(new Handled(
                            current?.SpanId.ToHexString(),
                            current?.Recorded ?? false,
                            new Dictionary<string, string>(OtelBaggage.Current.GetBaggage(), StringComparer.Ordinal)));
                        var factory = context.RequestServices.GetRequiredService<IHttpClientFactory>();
                        using (var traced = await factory.CreateClient("traced").GetAsync(new Uri(downstream, "/traced"), context.RequestAborted))
                        {
                            traced.EnsureSuccessStatusCode();
                        }

                        using (var plain = await factory.CreateClient("plain").GetAsync(new Uri(downstream, "/plain"), context.RequestAborted))
                        {
                            plain.EnsureSuccessStatusCode();
                        }

                        await context.Response.WriteAsync("ok");
                    });
                }))
            .Build();
        await host.StartAsync();
        return host;
    }

    /// <summary>One request to <c>/in</c> with a caller's <c>traceparent</c> (sampled or not) and <c>baggage</c>.</summary>
    private static async Task<Handled> CallAsync(IHost front, bool sampled)
    {
        using var client = new HttpClient { BaseAddress = TestHosts.KestrelAddress(front), Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/in", UriKind.Relative));
        request.Headers.Add("traceparent", $"00-{InboundTraceId}-{InboundSpanId}-{(sampled ? "01" : "00")}");
        request.Headers.Add("baggage", "inkey=invalue");
        using var response = await client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return Assert.Single(front.Services.GetRequiredService<HandledRequests>().All);
    }

    /// <summary>What the handler saw: the current activity and OpenTelemetry's <c>Baggage.Current</c>.</summary>
    private sealed record Handled(string? CurrentSpanId, bool CurrentRecorded, Dictionary<string, string> OtelBaggage);

    private sealed class HandledRequests
    {
        private readonly ConcurrentQueue<Handled> _all = new();

        public IReadOnlyCollection<Handled> All => _all;

        public void Add(Handled handled) => _all.Enqueue(handled);
    }

    /// <summary>The app's exporter: collects every span it is given.</summary>
    private sealed class CollectingExporter : BaseExporter<Activity>
    {
        private readonly ConcurrentQueue<Activity> _spans = new();

        public List<Activity> Of(string traceId) => [.. _spans.Where(s => s.TraceId.ToHexString() == traceId)];

        public override ExportResult Export(in Batch<Activity> batch)
        {
            foreach (var span in batch)
            {
                _spans.Enqueue(span);
            }

            return ExportResult.Success;
        }
    }

    /// <summary>A plain Kestrel app (no tracing of ours) that records the trace headers of every request by path.</summary>
    private sealed class Downstream : IAsyncDisposable
    {
        private readonly IHost _host;
        private readonly ConcurrentQueue<(string Path, string[] TraceParent, string[] Baggage)> _received = new();

        private Downstream(IHost host) => _host = host;

        public Uri Address => TestHosts.KestrelAddress(_host);

        public static async Task<Downstream> StartAsync()
        {
            Downstream? downstream = null;
            var host = new HostBuilder()
                .ConfigureWebHost(web => web
                    .UseKestrel(o => o.Listen(IPAddress.Loopback, 0))
                    .Configure(app => app.Run(context =>
                    {
                        downstream!._received.Enqueue((
                            context.Request.Path.Value ?? string.Empty,
                            [.. context.Request.Headers.TraceParent.OfType<string>()],
                            [.. context.Request.Headers.Baggage.OfType<string>()]));
                        return Task.CompletedTask;
                    })))
                .Build();
            downstream = new Downstream(host);
            await host.StartAsync();
            return downstream;
        }

        /// <summary>The <c>traceparent</c> lines of every request to <paramref name="path"/> (one request expected
        /// unless the test sent several), and its <c>baggage</c> lines.</summary>
        public (List<string> TraceParent, List<string> Baggage) Received(string path)
        {
            var requests = _received.Where(r => r.Path == path).ToList();
            return ([.. requests.SelectMany(r => r.TraceParent)], [.. requests.SelectMany(r => r.Baggage)]);
        }

        public async ValueTask DisposeAsync()
        {
            await _host.StopAsync();
            _host.Dispose();
        }
    }
}
