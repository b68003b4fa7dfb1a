extern alias backend;

using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Propagation.Collector;
using Propagation.Middleware;
using Samples.Ai;
using Samples.Backend;
using Samples.Kernel;
using BackendAi = backend::Samples.Ai;

namespace Propagation.Integration.Tests;

/// <summary>
/// The three samples end to end (Backend → AI → Backend → Kernel, over HTTP and gRPC), hosted on
/// TestServer by <see cref="ServiceChain"/>. Every test has its own chain (own hosts, own span
/// stores, own trace ids), so tests do not see each other's spans.
/// </summary>
/// <remarks>
/// <para>
/// <b>Where "end to end" ends.</b> The Kernel is the older service: it reads and writes only the legacy
/// <c>X-Trace-ID</c>/<c>X-Span-ID</c> pair, which has no sampled flag, no <c>tracestate</c> and no baggage
/// (and it ignores W3C <c>baggage</c>). So the sampled flag, <c>tracestate</c> and baggage are asserted on
/// every hop that speaks W3C: the Backend's call to the AI service, the AI service's call back into the
/// Backend, and the Backend's calls to the Kernel (what the Kernel receives on the wire). The Kernel's own
/// spans join the trace through the legacy pair alone (trace id and parent span id), and are sampled
/// because the pair carries no decision (<c>PropagationOptions.SampledWhenUnspecified</c>).
/// </para>
/// </remarks>
public sealed class ServiceChainTests
{
    private const string Backend = "backend";
    private const string Ai = "ai";
    private const string Kernel = "kernel";

    private const string Question = "trace this request";
    private const int QuestionWords = 3;
    private const int SumNumbers = 3;

    private const string TraceState = "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7";
    private const string Baggage = "tenant=acme,request.class=gold";

    // Spans of one request with mode=ok: Backend (server /api/ask, client Answer, server Lookup,
    // client Sum, client Transform, client GET /work), AI (server Answer, client Lookup), Kernel
    // (server Sum, server Transform, server GET /work).
    private const int OkSpans = 11;

    [Fact]
    public async Task Ask_W3CTraceParent_WholeChainContinuesTheInboundTrace()
    {
        // Arrange
        await using var chain = await ServiceChain.StartAsync();
        var (traceId, parentId) = NewIds();
        using var request = Ask("ok");
        request.Headers.Add("traceparent", $"00-{traceId}-{parentId}-01");
        request.Headers.Add("tracestate", TraceState);
        request.Headers.Add("baggage", Baggage);

        // Act
        using var response = await chain.CreateBackendClient().SendAsync(request);

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(traceId, SingleHeader(response, "X-Trace-ID"));
        var spans = await WaitForTraceAsync(chain, traceId, OkSpans);
        var chainSpans = AssertOkChain(spans, expectedEntryParent: parentId);
        Assert.Equal(chainSpans.Entry.SpanId, SingleHeader(response, "X-Span-ID"));
        AssertOnlyTrace(chain, traceId);
    }

    [Fact]
    public async Task Ask_LegacyPairOnly_WholeChainContinuesTheLegacyTrace()
    {
        // Arrange
        await using var chain = await ServiceChain.StartAsync();
        var (traceId, parentId) = NewIds();
        using var request = Ask("ok");
        request.Headers.Add("X-Trace-ID", traceId);
        request.Headers.Add("X-Span-ID", parentId);

        // Act
        using var response = await chain.CreateBackendClient().SendAsync(request);

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(traceId, SingleHeader(response, "X-Trace-ID"));
        var spans = await WaitForTraceAsync(chain, traceId, OkSpans);
        AssertOkChain(spans, expectedEntryParent: parentId);
        AssertOnlyTrace(chain, traceId);

        // The pair has no flag: the Backend continues it as sampled and says so downstream in W3C.
        var toAi = Assert.Single(chain.RequestsTo("ai.test", "/samples.ai.Assistant/"));
        Assert.EndsWith("-01", toAi.Header("traceparent"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ask_W3CAndLegacyAgreeing_OneParentNoLink()
    {
        // Arrange
        await using var chain = await ServiceChain.StartAsync();
        var (traceId, parentId) = NewIds();
        using var request = Ask("ok");
        request.Headers.Add("traceparent", $"00-{traceId}-{parentId}-01");
        request.Headers.Add("X-Trace-ID", traceId);
        request.Headers.Add("X-Span-ID", parentId);

        // Act
        using var response = await chain.CreateBackendClient().SendAsync(request);

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var spans = await WaitForTraceAsync(chain, traceId, OkSpans);
        var chainSpans = AssertOkChain(spans, expectedEntryParent: parentId);
        Assert.Empty(chainSpans.Entry.Links);
        AssertOnlyTrace(chain, traceId);
    }

    [Fact]
    public async Task Ask_W3CAndLegacyConflicting_W3CWinsAndLegacyIsLinked()
    {
        // Arrange
        await using var chain = await ServiceChain.StartAsync();
        var (traceId, parentId) = NewIds();
        var (legacyTraceId, legacySpanId) = NewIds();
        using var request = Ask("ok");
        request.Headers.Add("traceparent", $"00-{traceId}-{parentId}-01");
        request.Headers.Add("X-Trace-ID", legacyTraceId);
        request.Headers.Add("X-Span-ID", legacySpanId);

        // Act
        using var response = await chain.CreateBackendClient().SendAsync(request);

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(traceId, SingleHeader(response, "X-Trace-ID"));
        var spans = await WaitForTraceAsync(chain, traceId, OkSpans);
        var chainSpans = AssertOkChain(spans, expectedEntryParent: parentId);
        var link = Assert.Single(chainSpans.Entry.Links);
        Assert.Equal(legacyTraceId, link.TraceId);
        Assert.Equal(legacySpanId, link.SpanId);
        Assert.Equal(PropagationAttributes.FormatConflictReason, Tag(link.Attributes, PropagationAttributes.LinkReason));
        Assert.Equal("legacy", Tag(link.Attributes, PropagationAttributes.LinkFormat));
        AssertOnlyTrace(chain, traceId);
    }

    [Fact]
    public async Task Ask_NoInboundContext_NewRootTraceAcrossEveryService()
    {
        // Arrange
        await using var chain = await ServiceChain.StartAsync();
        using var request = Ask("ok");

        // Act
        using var response = await chain.CreateBackendClient().SendAsync(request);

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var traceId = SingleHeader(response, "X-Trace-ID");
        var spans = await WaitForTraceAsync(chain, traceId, OkSpans);
        var chainSpans = AssertOkChain(spans, expectedEntryParent: null);
        Assert.Equal(chainSpans.Entry.SpanId, SingleHeader(response, "X-Span-ID"));
        var body = await response.Content.ReadFromJsonAsync<AskResult>();
        Assert.Equal(traceId, body!.TraceId);
        AssertOnlyTrace(chain, traceId);
    }

    [Fact]
    public async Task Ask_EachServicesOwnStore_DependenciesNameTheServicesItCalls()
    {
        // Arrange: three stores, as three deployed services have; none sees the others' spans.
        await using var chain = await ServiceChain.StartAsync();

        // Act
        using var response = await chain.CreateBackendClient().SendAsync(Ask("ok"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var traceId = SingleHeader(response, "X-Trace-ID");
        Assert.Equal(OkSpans, (await WaitForTraceAsync(chain, traceId, OkSpans)).Count);
        var backend = await DependenciesAsync(chain, ServiceChain.BackendHost);
        var ai = await DependenciesAsync(chain, ServiceChain.AiHost);
        var kernel = await DependenciesAsync(chain, ServiceChain.KernelHost);

        // Assert: the callee named by the clients' PeerService, over gRPC (Answer; Sum and Transform; Lookup) and HTTP (GET /work).
        Assert.Equal([$"{Backend}->{Ai} 1", $"{Backend}->{Kernel} 3"], backend);
        Assert.Equal([$"{Ai}->{Backend} 1"], ai);
        Assert.Empty(kernel);
        var answer = Assert.Single(ServiceChain.SpansOf(chain.Backend, traceId), s => s.Kind == ActivityKind.Client && s.Name.EndsWith("/Answer", StringComparison.Ordinal));
        Assert.Equal("ai.test", answer.GetAttribute("server.address"));
        Assert.Equal(80L, Convert.ToInt64(answer.GetAttribute("server.port"), System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Ask_SampledW3CWithTraceStateAndBaggage_EveryW3CHopCarriesThemUnchanged()
    {
        // Arrange
        await using var chain = await ServiceChain.StartAsync();
        var (traceId, parentId) = NewIds();
        using var request = Ask("ok");
        request.Headers.Add("traceparent", $"00-{traceId}-{parentId}-01");
        request.Headers.Add("tracestate", TraceState);
        request.Headers.Add("baggage", Baggage);

        // Act
        using var response = await chain.CreateBackendClient().SendAsync(request);

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var spans = await WaitForTraceAsync(chain, traceId, OkSpans);
        var chainSpans = AssertOkChain(spans, expectedEntryParent: parentId);

        // Backend -> AI: tracestate intact, baggage, sampled, parent = the Backend's client span.
        var toAi = Assert.Single(chain.RequestsTo("ai.test", "/samples.ai.Assistant/Answer"));
        Assert.Equal($"00-{traceId}-{chainSpans.AnswerClient.SpanId}-01", toAi.Header("traceparent"));
        Assert.Equal(TraceState, toAi.Header("tracestate"));
        AssertBaggage(toAi);

        // AI -> Backend (the call back): the same, from the AI service's client span.
        var toBackend = Assert.Single(chain.RequestsTo("backend.test", "/samples.backend.Knowledge/Lookup"));
        Assert.Equal($"00-{traceId}-{chainSpans.LookupClient.SpanId}-01", toBackend.Header("traceparent"));
        Assert.Equal(TraceState, toBackend.Header("tracestate"));
        AssertBaggage(toBackend);

        // Backend -> Kernel (the last W3C-speaking hop): every call carries the context in W3C and legacy;
        // the Kernel reads only the legacy pair.
        foreach (var (path, client) in new[]
        {
            ("/samples.kernel.Compute/Sum", chainSpans.SumClient),
            ("/samples.kernel.Compute/Transform", chainSpans.TransformClient),
            ("/work", chainSpans.WorkClients[0]),
        })
        {
            var toKernel = Assert.Single(chain.RequestsTo("kernel.test", path));
            Assert.Equal($"00-{traceId}-{client.SpanId}-01", toKernel.Header("traceparent"));
            Assert.Equal(traceId, toKernel.Header("X-Trace-ID"));
            Assert.Equal(client.SpanId, toKernel.Header("X-Span-ID"));
            Assert.Equal(TraceState, toKernel.Header("tracestate"));
            AssertBaggage(toKernel);
        }
    }

    [Theory]
    [InlineData("03")]
    [InlineData("02")]
    public async Task Ask_RandomTraceIdFlag_EveryW3CHopKeepsIt(string flags)
    {
        // Arrange: W3C Level 2's random-trace-id flag (0x02) describes the trace id, so it travels with it, sampled or not.
        await using var chain = await ServiceChain.StartAsync();
        var (traceId, parentId) = NewIds();
        using var request = Ask("ok");
        request.Headers.Add("traceparent", $"00-{traceId}-{parentId}-{flags}");

        // Act
        using var response = await chain.CreateBackendClient().SendAsync(request);

        // Assert: every W3C hop, the four gRPC calls (one of each call shape but blocking) and the HTTP one.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        foreach (var hop in new[]
        {
            Assert.Single(chain.RequestsTo("ai.test", "/samples.ai.Assistant/Answer")),
            Assert.Single(chain.RequestsTo("backend.test", "/samples.backend.Knowledge/Lookup")),
            Assert.Single(chain.RequestsTo("kernel.test", "/samples.kernel.Compute/Sum")),
            Assert.Single(chain.RequestsTo("kernel.test", "/samples.kernel.Compute/Transform")),
            Assert.Single(chain.RequestsTo("kernel.test", "/work")),
        })
        {
            var traceParent = hop.Header("traceparent");
            Assert.NotNull(traceParent);
            Assert.StartsWith($"00-{traceId}-", traceParent, StringComparison.Ordinal);
            Assert.EndsWith("-" + flags, traceParent, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Ask_NotSampledW3C_FlagTravelsAndW3CServicesRecordNothing()
    {
        // Arrange
        await using var chain = await ServiceChain.StartAsync();
        var (traceId, parentId) = NewIds();
        using var request = Ask("ok");
        request.Headers.Add("traceparent", $"00-{traceId}-{parentId}-00");
        request.Headers.Add("baggage", Baggage);

        // Act
        using var response = await chain.CreateBackendClient().SendAsync(request);

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(traceId, SingleHeader(response, "X-Trace-ID"));
        foreach (var hop in new[]
        {
            Assert.Single(chain.RequestsTo("ai.test", "/samples.ai.Assistant/Answer")),
            Assert.Single(chain.RequestsTo("backend.test", "/samples.backend.Knowledge/Lookup")),
            Assert.Single(chain.RequestsTo("kernel.test", "/samples.kernel.Compute/Sum")),
            Assert.Single(chain.RequestsTo("kernel.test", "/samples.kernel.Compute/Transform")),
            Assert.Single(chain.RequestsTo("kernel.test", "/work")),
        })
        {
            var traceParent = hop.Header("traceparent");
            Assert.NotNull(traceParent);
            Assert.StartsWith($"00-{traceId}-", traceParent, StringComparison.Ordinal);
            Assert.EndsWith("-00", traceParent, StringComparison.Ordinal);
            AssertBaggage(hop);
        }

        await chain.WaitUntilIdleAsync();
        Assert.Empty(ServiceChain.SpansOf(chain.Backend, traceId));
        Assert.Empty(ServiceChain.SpansOf(chain.Ai, traceId));
    }

    [Fact]
    public async Task Ask_Streaming_EveryMessageHandledUnderItsCallsSpan()
    {
        // Arrange
        await using var chain = await ServiceChain.StartAsync();
        using var request = Ask("ok");

        // Act
        using var response = await chain.CreateBackendClient().SendAsync(request);

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<AskResult>();
        Assert.True(body!.Chunks > QuestionWords, $"Expected more than {QuestionWords} chunks, got {body.Chunks}.");
        var traceId = SingleHeader(response, "X-Trace-ID");
        var spans = await WaitForTraceAsync(chain, traceId, OkSpans);
        var chainSpans = AssertOkChain(spans, expectedEntryParent: null);

        // Duplex (Kernel Transform): one event per word, all on the Transform server span.
        AssertIndexedEvents(chainSpans.TransformServer, ComputeService.WordEvent, ComputeService.IndexAttribute, QuestionWords);
        // Client streaming (Kernel Sum): one event per number.
        AssertIndexedEvents(chainSpans.SumServer, ComputeService.NumberEvent, ComputeService.IndexAttribute, SumNumbers);
        // Server streaming (AI Answer): every chunk written under the AI server span, every chunk read under
        // the Backend's request span.
        AssertIndexedEvents(chainSpans.AnswerServer, AssistantService.ChunkEvent, AssistantService.ChunkIndexAttribute, body.Chunks);
        AssertIndexedEvents(chainSpans.Entry, BackendApp.ChunkEvent, BackendApp.ChunkIndexAttribute, body.Chunks);
        foreach (var span in spans.Where(s => s != chainSpans.TransformServer && s != chainSpans.SumServer && s != chainSpans.AnswerServer && s != chainSpans.Entry))
        {
            Assert.DoesNotContain(span.Events, e => e.Name is ComputeService.WordEvent or ComputeService.NumberEvent or AssistantService.ChunkEvent or BackendApp.ChunkEvent);
        }

        // The stream's message counts are on the client and server spans of the duplex call.
        Assert.Equal(QuestionWords, Convert.ToInt64(chainSpans.TransformServer.GetAttribute("rpc.grpc.messages_received"), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(QuestionWords, Convert.ToInt64(chainSpans.TransformClient.GetAttribute("rpc.grpc.messages_sent"), System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Ask_KernelTransientFailure_OneClientSpanPerAttemptWithFreshHeaders()
    {
        // Arrange
        await using var chain = await ServiceChain.StartAsync();
        var (traceId, parentId) = NewIds();
        using var request = Ask("transient");
        request.Headers.Add("traceparent", $"00-{traceId}-{parentId}-01");

        // Act
        using var response = await chain.CreateBackendClient().SendAsync(request);

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var spans = await WaitForTraceAsync(chain, traceId, OkSpans + 2);
        var chainSpans = AssertOkChain(spans, expectedEntryParent: parentId, workAttempts: 2);
        var (first, retry) = (chainSpans.WorkClients[0], chainSpans.WorkClients[1]);
        Assert.Equal(503L, Convert.ToInt64(first.GetAttribute("http.response.status_code"), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Null(first.GetAttribute("http.request.resend_count"));
        Assert.Equal(200L, Convert.ToInt64(retry.GetAttribute("http.response.status_code"), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(1L, Convert.ToInt64(retry.GetAttribute("http.request.resend_count"), System.Globalization.CultureInfo.InvariantCulture));

        // Each attempt went out with its own span's ids, each header once.
        var attempts = chain.RequestsTo("kernel.test", "/work");
        Assert.Equal(2, attempts.Count);
        Assert.Equal(first.SpanId, attempts[0].Header("X-Span-ID"));
        Assert.Equal($"00-{traceId}-{first.SpanId}-01", attempts[0].Header("traceparent"));
        Assert.Equal(retry.SpanId, attempts[1].Header("X-Span-ID"));
        Assert.Equal($"00-{traceId}-{retry.SpanId}-01", attempts[1].Header("traceparent"));
    }

    [Fact]
    public async Task Ask_KernelFailsPermanently_ErrorSpanInEveryServiceOnThePathAndTraceIdOnResponse()
    {
        // Arrange
        await using var chain = await ServiceChain.StartAsync();
        using var request = Ask("fail");

        // Act
        using var response = await chain.CreateBackendClient().SendAsync(request);

        // Assert
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var traceId = SingleHeader(response, "X-Trace-ID");
        Assert.Matches("^[0-9a-f]{32}$", traceId);

        // The path: Backend /api/ask -> AI Answer -> Backend Lookup -> Kernel Sum, which fails; nothing after it.
        var spans = await WaitForTraceAsync(chain, traceId, 7);
        AssertWellFormed(spans, traceId, expectedEntryParent: null);
        Assert.True(spans.Count == 7, $"Expected 7 spans, found {spans.Count}: {Describe(spans)}");
        var entry = Single(spans, Backend, ActivityKind.Server, IsHttp("/api/ask"));
        var answerClient = Single(spans, Backend, ActivityKind.Client, IsRpc("samples.ai.Assistant", "Answer"));
        var answerServer = Single(spans, Ai, ActivityKind.Server, IsRpc("samples.ai.Assistant", "Answer"));
        var lookupClient = Single(spans, Ai, ActivityKind.Client, IsRpc("samples.backend.Knowledge", "Lookup"));
        var lookupServer = Single(spans, Backend, ActivityKind.Server, IsRpc("samples.backend.Knowledge", "Lookup"));
        var sumClient = Single(spans, Backend, ActivityKind.Client, IsRpc("samples.kernel.Compute", "Sum"));
        var sumServer = Single(spans, Kernel, ActivityKind.Server, IsRpc("samples.kernel.Compute", "Sum"));
        AssertChildOf(answerClient, entry);
        AssertChildOf(answerServer, answerClient);
        AssertChildOf(lookupClient, answerServer);
        AssertChildOf(lookupServer, lookupClient);
        AssertChildOf(sumClient, lookupServer);
        AssertChildOf(sumServer, sumClient);
        Assert.All(spans, s => Assert.True(s.IsError, $"{s.ServiceName} {s.Kind} '{s.Name}' is not an error span."));
        Assert.Equal("INTERNAL", StatusName(sumServer.GetAttribute("rpc.grpc.status_code")));
        Assert.Empty(chain.RequestsTo("kernel.test", "/work"));
    }

    [Fact]
    public async Task Ask_KernelSlow_ChainCompletesAndKernelSpansCoverTheDelay()
    {
        // Arrange
        await using var chain = await ServiceChain.StartAsync();
        using var request = Ask("slow");

        // Act
        using var response = await chain.CreateBackendClient().SendAsync(request);

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var traceId = SingleHeader(response, "X-Trace-ID");
        var spans = await WaitForTraceAsync(chain, traceId, OkSpans);
        var chainSpans = AssertOkChain(spans, expectedEntryParent: null);
        // Span durations come from the wall clock, Task.Delay from the coarser system timer, which can fire a
        // couple of milliseconds "early" by the wall clock: allow that much, no more.
        var covered = KernelApp.SlowDelay - TimeSpan.FromMilliseconds(5);
        Assert.True(chainSpans.SumServer.Duration >= covered, $"Sum took {chainSpans.SumServer.Duration}.");
        Assert.True(chainSpans.WorkServers[0].Duration >= covered, $"/work took {chainSpans.WorkServers[0].Duration}.");
        Assert.True(chainSpans.Entry.Duration >= chainSpans.SumServer.Duration + chainSpans.WorkServers[0].Duration);
    }

    [Fact]
    public async Task Ask_UntrustedCaller_TraceRestartedAndInboundLinked()
    {
        // Arrange: the public API's callers are untrusted; the services' own calls (gRPC) keep the default.
        await using var chain = await ServiceChain.StartAsync(static (service, services) =>
        {
            if (service == BackendApp.ServiceName)
            {
                services.Configure<TracingOptions>(static o => o.TrustDecider = static context =>
                    context.Request.Path.StartsWithSegments("/api", StringComparison.Ordinal) ? TrustPolicy.RestartAndLink : null);
            }
        });
        var (inboundTraceId, inboundSpanId) = NewIds();
        using var request = Ask("ok");
        request.Headers.Add("traceparent", $"00-{inboundTraceId}-{inboundSpanId}-01");
        request.Headers.Add("tracestate", TraceState);
        request.Headers.Add("baggage", Baggage);

        // Act
        using var response = await chain.CreateBackendClient().SendAsync(request);

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var traceId = SingleHeader(response, "X-Trace-ID");
        Assert.NotEqual(inboundTraceId, traceId);
        var spans = await WaitForTraceAsync(chain, traceId, OkSpans);
        var chainSpans = AssertOkChain(spans, expectedEntryParent: null);
        Assert.Equal($"00-{traceId}-{chainSpans.Entry.SpanId}-01", SingleHeader(response, "traceresponse"));
        var link = Assert.Single(chainSpans.Entry.Links);
        Assert.Equal(inboundTraceId, link.TraceId);
        Assert.Equal(inboundSpanId, link.SpanId);
        Assert.Equal(PropagationAttributes.RestartedByPolicyReason, Tag(link.Attributes, PropagationAttributes.LinkReason));
        AssertOnlyTrace(chain, traceId);

        // Nothing of the untrusted caller's context goes further.
        var toAi = Assert.Single(chain.RequestsTo("ai.test", "/samples.ai.Assistant/Answer"));
        Assert.Null(toAi.Header("tracestate"));
        Assert.Null(toAi.Header("baggage"));
    }

    [Fact]
    public async Task Ask_KernelUnreachableOverHttp_EveryAttemptAnErrorSpanAndA502WithTheTraceId()
    {
        // Arrange: the Kernel's HTTP address points at a host nobody serves (the router throws HttpRequestException,
        // as a refused connection would).
        await using var chain = await ServiceChain.StartAsync(static (service, services) =>
        {
            if (service == BackendApp.ServiceName)
            {
                services.AddHttpClient(BackendApp.KernelHttpClient, static c => c.BaseAddress = new Uri("http://unreachable.test"));
            }
        });
        using var request = Ask("ok");

        // Act
        using var response = await chain.CreateBackendClient().SendAsync(request);

        // Assert: a bad gateway, not an unhandled exception (whose bare 500 has no trace headers).
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var traceId = SingleHeader(response, "X-Trace-ID");
        var spans = await WaitForTraceAsync(chain, traceId, OkSpans + 1);
        var entry = Single(spans, Backend, ActivityKind.Server, IsHttp("/api/ask"));
        Assert.True(entry.IsError, "The request span is not an error span.");
        Assert.Equal(502L, Convert.ToInt64(entry.GetAttribute("http.response.status_code"), System.Globalization.CultureInfo.InvariantCulture));

        // The retry pipeline made three attempts, each its own error client span under the request span.
        var attempts = spans.Where(s => s.ServiceName == Backend && s.Kind == ActivityKind.Client && IsUrl(s, "/work")).OrderBy(s => s.StartTime).ToList();
        Assert.Equal(3, attempts.Count);
        Assert.Equal(3, chain.RequestsTo("unreachable.test", "/work").Count);
        Assert.All(attempts, a => Assert.True(a.IsError, $"Attempt {a.SpanId} is not an error span."));
        Assert.All(attempts, a => AssertChildOf(a, entry));
        Assert.Equal(new long?[] { null, 1, 2 }, attempts.Select(a => a.GetAttribute("http.request.resend_count") is { } n ? Convert.ToInt64(n, System.Globalization.CultureInfo.InvariantCulture) : (long?)null));
    }

    [Fact]
    public async Task Ask_AiCall_HasADeadlineThatReachesEveryGrpcHop()
    {
        // Arrange
        await using var chain = await ServiceChain.StartAsync();
        using var request = Ask("ok");

        // Act
        using var response = await chain.CreateBackendClient().SendAsync(request);

        // Assert: the Backend's call to the AI service has a deadline (a hung AI service does not hold the request
        // for ever), and every gRPC hop after it carries what is left of it.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        foreach (var (host, path) in new[] { ("ai.test", "/samples.ai.Assistant/Answer"), ("backend.test", "/samples.backend.Knowledge/Lookup"), ("kernel.test", "/samples.kernel.Compute/Sum"), ("kernel.test", "/samples.kernel.Compute/Transform") })
        {
            var timeout = Assert.Single(chain.RequestsTo(host, path)).Header("grpc-timeout");
            Assert.True(timeout is not null, $"The call to {path} carried no grpc-timeout.");
            Assert.InRange(GrpcTimeout(timeout), TimeSpan.FromTicks(1), BackendApp.AiDeadline);
        }
    }

    [Fact]
    public async Task Answer_CallerDeadline_EveryChildCallCarriesIt()
    {
        // Arrange: the AI service called over gRPC with a deadline, as a gRPC caller of it would.
        await using var chain = await ServiceChain.StartAsync();
        var assistant = chain.Backend.Services.GetRequiredService<BackendAi.Assistant.AssistantClient>();

        // Act
        using var call = assistant.Answer(new BackendAi.AnswerRequest { Question = Question, KernelMode = "ok" }, deadline: DateTime.UtcNow.AddMinutes(1));
        var chunks = 0;
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
        {
            chunks++;
        }

        // Assert: the AI service's call back into the Backend, and the Backend's calls to the Kernel, each went out with
        // what was left of the caller's minute (a grpc-timeout of at most 60 s), not without a deadline.
        Assert.True(chunks > 0, "No chunk was answered.");
        foreach (var (host, path) in new[] { ("backend.test", "/samples.backend.Knowledge/Lookup"), ("kernel.test", "/samples.kernel.Compute/Sum"), ("kernel.test", "/samples.kernel.Compute/Transform") })
        {
            var timeout = Assert.Single(chain.RequestsTo(host, path)).Header("grpc-timeout");
            Assert.True(timeout is not null, $"The call to {path} carried no grpc-timeout.");
            Assert.InRange(GrpcTimeout(timeout), TimeSpan.FromTicks(1), TimeSpan.FromMinutes(1));
        }
    }

    [Fact]
    public async Task Ask_CallerGoesAwayMidChain_NotReportedAsAnUpstreamFailure()
    {
        // Arrange: the Kernel is slow (300 ms in Sum); the caller gives up once the chain has reached it.
        await using var chain = await ServiceChain.StartAsync();
        var (traceId, parentId) = NewIds();
        using var request = Ask("slow");
        request.Headers.Add("traceparent", $"00-{traceId}-{parentId}-01");
        using var caller = new CancellationTokenSource();

        // Act
        var send = chain.CreateBackendClient().SendAsync(request, caller.Token);
        var reached = Stopwatch.StartNew();
        while (chain.RequestsTo("kernel.test", "/samples.kernel.Compute/Sum").Count == 0 && reached.Elapsed < ServiceChain.FlushBound)
        {
            await Task.Delay(5);
        }

        await caller.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => send);

        // Assert: the Backend's request span does not blame the AI service: no 502, no error.
        var waited = Stopwatch.StartNew();
        var spans = ServiceChain.SpansOf(chain.Backend, traceId);
        while (!spans.Any(IsHttp("/api/ask")) && waited.Elapsed < ServiceChain.FlushBound)
        {
            await Task.Delay(20);
            spans = ServiceChain.SpansOf(chain.Backend, traceId);
        }

        var entry = Single(spans, Backend, ActivityKind.Server, IsHttp("/api/ask"));
        var status = entry.GetAttribute("http.response.status_code");
        Assert.True(status is null || Convert.ToInt64(status, System.Globalization.CultureInfo.InvariantCulture) == StatusCodes.Status499ClientClosedRequest, $"The request span recorded status {status}.");
        Assert.False(entry.IsError, "The request span is an error span.");
    }

    [Fact]
    public async Task Ask_KernelHangsOverHttp_EveryAttemptTimedOutAndA504()
    {
        // Arrange: the Kernel's HTTP endpoint accepts the request and never answers.
        var hanging = new HangingHandler();
        await using var chain = await ServiceChain.StartAsync((service, services) =>
        {
            if (service == BackendApp.ServiceName)
            {
                services.AddHttpClient(BackendApp.KernelHttpClient).ConfigurePrimaryHttpMessageHandler(() => hanging);
            }
        });
        using var client = chain.CreateBackendClient();
        client.Timeout = TimeSpan.FromSeconds(30);
        using var request = Ask("ok");

        // Act
        using var response = await client.SendAsync(request);

        // Assert: each attempt was given up after the attempt timeout and retried, then a gateway timeout (not the
        // HttpClient's 100 s, past which the caller has long gone).
        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(3, hanging.Attempts);
    }

    [Fact]
    public async Task Ask_AiServiceDeadlineExceeded_A504NotA502()
    {
        // Arrange: the AI service's answer stream ends with DEADLINE_EXCEEDED, as it does when the Backend's deadline for
        // the call runs out (the client's own expiry gives the same status).
        await using var chain = await ServiceChain.StartAsync((service, services) =>
        {
            if (service == AiServiceApp.ServiceName)
            {
                services.AddGrpc(o => o.Interceptors.Add<DeadlineExceededInterceptor>());
            }
        });
        using var request = Ask("ok");

        // Act
        using var response = await chain.CreateBackendClient().SendAsync(request);

        // Assert: an upstream that did not answer in time is a gateway timeout, as for the Kernel over HTTP.
        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Matches("^[0-9a-f]{32}$", SingleHeader(response, "X-Trace-ID"));
    }

    [Fact]
    public async Task Ask_QuestionTooLong_400WithTheTraceIdAndNothingCalled()
    {
        // Arrange
        await using var chain = await ServiceChain.StartAsync();

        // Act
        using var response = await chain.CreateBackendClient().GetAsync($"/api/ask?q={new string('a', 201)}");

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Matches("^[0-9a-f]{32}$", SingleHeader(response, "X-Trace-ID"));
        Assert.DoesNotContain(chain.Requests, r => r.Host != "backend.test");
    }

    [Fact]
    public async Task Kernel_OnlyTheLegacyPair_W3CIgnoredLegacyContinued()
    {
        // Arrange: the Kernel called directly, once with W3C context only, once with the legacy pair only.
        await using var chain = await ServiceChain.StartAsync();
        using var kernel = chain.CreateClient(ServiceChain.KernelHost);
        var (w3cTraceId, w3cParentId) = NewIds();
        var (legacyTraceId, legacyParentId) = NewIds();
        using var w3cRequest = new HttpRequestMessage(HttpMethod.Get, "/work?n=3");
        w3cRequest.Headers.Add("traceparent", $"00-{w3cTraceId}-{w3cParentId}-01");
        using var legacyRequest = new HttpRequestMessage(HttpMethod.Get, "/work?n=3");
        legacyRequest.Headers.Add("X-Trace-ID", legacyTraceId);
        legacyRequest.Headers.Add("X-Span-ID", legacyParentId);

        // Act
        using var w3cResponse = await kernel.SendAsync(w3cRequest);
        using var legacyResponse = await kernel.SendAsync(legacyRequest);

        // Assert: W3C is not read (a new trace, a root span), the legacy pair is.
        Assert.Equal(HttpStatusCode.OK, w3cResponse.StatusCode);
        var restarted = SingleHeader(w3cResponse, "X-Trace-ID");
        Assert.NotEqual(w3cTraceId, restarted);
        var root = Assert.Single(await WaitForSpansAsync(chain, chain.Kernel, restarted));
        Assert.Null(root.ParentSpanId);
        Assert.Empty(root.Links);

        Assert.Equal(HttpStatusCode.OK, legacyResponse.StatusCode);
        Assert.Equal(legacyTraceId, SingleHeader(legacyResponse, "X-Trace-ID"));
        var continued = Assert.Single(await WaitForSpansAsync(chain, chain.Kernel, legacyTraceId));
        Assert.Equal(legacyParentId, continued.ParentSpanId);
        Assert.Equal(continued.SpanId, SingleHeader(legacyResponse, "X-Span-ID"));
    }

    /// <summary>One service's <c>GET /api/tracing/dependencies</c> over its own store, as "caller->callee calls" lines.</summary>
    private static async Task<string[]> DependenciesAsync(ServiceChain chain, string host)
    {
        using var client = chain.CreateClient(host);
        using var json = System.Text.Json.JsonDocument.Parse(await client.GetStringAsync("/api/tracing/dependencies"));
        return
        [
            .. json.RootElement.GetProperty("edges").EnumerateArray().Select(e =>
                $"{e.GetProperty("caller").GetString()}->{e.GetProperty("callee").GetString()} {e.GetProperty("callCount").GetInt32()}"),
        ];
    }

    /// <summary>A <c>grpc-timeout</c> value (digits, then H, M, S, m, u or n) as a duration.</summary>
    private static TimeSpan GrpcTimeout(string value)
    {
        Assert.Matches("^[0-9]{1,8}[HMSmun]$", value);
        var amount = long.Parse(value.AsSpan(0, value.Length - 1), System.Globalization.CultureInfo.InvariantCulture);
        return value[^1] switch
        {
            'H' => TimeSpan.FromHours(amount),
            'M' => TimeSpan.FromMinutes(amount),
            'S' => TimeSpan.FromSeconds(amount),
            'm' => TimeSpan.FromMilliseconds(amount),
            'u' => TimeSpan.FromMicroseconds(amount),
            _ => TimeSpan.FromTicks(amount / 100),
        };
    }

    private static HttpRequestMessage Ask(string mode) =>
        new(HttpMethod.Get, $"/api/ask?q={Uri.EscapeDataString(Question)}&mode={mode}");

    private static (string TraceId, string SpanId) NewIds() =>
        (ActivityTraceId.CreateRandom().ToHexString(), ActivitySpanId.CreateRandom().ToHexString());

    private static string SingleHeader(HttpResponseMessage response, string name)
    {
        Assert.True(response.Headers.TryGetValues(name, out var values), $"The response has no {name} header.");
        return Assert.Single(values);
    }

    /// <summary>
    /// Every span of <paramref name="traceId"/> the three services will ever export, once every request has ended
    /// (<see cref="ServiceChain.WaitUntilIdleAsync"/>: a server span ends after its response was sent); fails unless
    /// there are exactly <paramref name="expected"/>.
    /// </summary>
    private static async Task<IReadOnlyList<StoredSpan>> WaitForTraceAsync(ServiceChain chain, string traceId, int expected)
    {
        await chain.WaitUntilIdleAsync();
        var spans = chain.AllSpans(traceId);
        Assert.True(spans.Count == expected, $"Expected {expected} spans, found {spans.Count}: {Describe(spans)}");
        return spans;
    }

    /// <summary>The spans of <paramref name="traceId"/> in one service, once every request has ended.</summary>
    private static async Task<IReadOnlyList<StoredSpan>> WaitForSpansAsync(ServiceChain chain, Microsoft.AspNetCore.Builder.WebApplication app, string traceId)
    {
        await chain.WaitUntilIdleAsync();
        return ServiceChain.SpansOf(app, traceId);
    }

    /// <summary>Every span stored by any of the three services belongs to <paramref name="traceId"/>: nothing went to another trace.</summary>
    private static void AssertOnlyTrace(ServiceChain chain, string traceId)
    {
        foreach (var app in new[] { chain.Backend, chain.Ai, chain.Kernel })
        {
            Assert.True(app.Services.ForceFlushTracing(ServiceChain.FlushBound), "The pipeline did not flush in time.");
            Assert.All(app.Services.GetRequiredService<SpanStore>().GetSpans(), s => Assert.Equal(traceId, s.TraceId));
        }
    }

    /// <summary>
    /// The trace-wide rules: one trace id, unique span ids, exactly one entry span (the Backend's
    /// <c>/api/ask</c> server span) whose parent is the inbound caller's span (or none), every other
    /// parent a span of the trace.
    /// </summary>
    private static void AssertWellFormed(IReadOnlyList<StoredSpan> spans, string traceId, string? expectedEntryParent)
    {
        Assert.NotEmpty(spans);
        Assert.All(spans, s => Assert.Equal(traceId, s.TraceId));
        var ids = spans.Select(s => s.SpanId).ToList();
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        var idSet = ids.ToHashSet(StringComparer.Ordinal);
        var entries = spans.Where(s => s.ParentSpanId is null || !idSet.Contains(s.ParentSpanId)).ToList();
        var entry = Assert.Single(entries);
        Assert.Equal(Backend, entry.ServiceName);
        Assert.Equal(ActivityKind.Server, entry.Kind);
        Assert.Equal("GET /api/ask", entry.Name);
        Assert.Equal("/api/ask", entry.GetAttribute("http.route"));
        Assert.Equal(expectedEntryParent, entry.ParentSpanId);
    }

    /// <summary>The whole chain of one successful request, checked span by span.</summary>
    private static ChainSpans AssertOkChain(IReadOnlyList<StoredSpan> spans, string? expectedEntryParent, int workAttempts = 1)
    {
        var traceId = spans.Count > 0 ? spans[0].TraceId : string.Empty;
        AssertWellFormed(spans, traceId, expectedEntryParent);
        Assert.True(OkSpans + (2 * (workAttempts - 1)) == spans.Count, $"Expected {OkSpans + (2 * (workAttempts - 1))} spans, found {spans.Count}: {Describe(spans)}");

        // Exactly one server span per request or call in each service, one client span per call or attempt.
        var chain = new ChainSpans(
            Entry: Single(spans, Backend, ActivityKind.Server, IsHttp("/api/ask")),
            AnswerClient: Single(spans, Backend, ActivityKind.Client, IsRpc("samples.ai.Assistant", "Answer")),
            AnswerServer: Single(spans, Ai, ActivityKind.Server, IsRpc("samples.ai.Assistant", "Answer")),
            LookupClient: Single(spans, Ai, ActivityKind.Client, IsRpc("samples.backend.Knowledge", "Lookup")),
            LookupServer: Single(spans, Backend, ActivityKind.Server, IsRpc("samples.backend.Knowledge", "Lookup")),
            SumClient: Single(spans, Backend, ActivityKind.Client, IsRpc("samples.kernel.Compute", "Sum")),
            SumServer: Single(spans, Kernel, ActivityKind.Server, IsRpc("samples.kernel.Compute", "Sum")),
            TransformClient: Single(spans, Backend, ActivityKind.Client, IsRpc("samples.kernel.Compute", "Transform")),
            TransformServer: Single(spans, Kernel, ActivityKind.Server, IsRpc("samples.kernel.Compute", "Transform")),
            WorkClients: [.. spans.Where(s => s.ServiceName == Backend && s.Kind == ActivityKind.Client && IsUrl(s, "/work")).OrderBy(s => s.StartTime)],
            WorkServers: [.. spans.Where(s => s.ServiceName == Kernel && s.Kind == ActivityKind.Server && IsHttp("/work")(s)).OrderBy(s => s.StartTime)]);
        Assert.Equal(workAttempts, chain.WorkClients.Count);
        Assert.Equal(workAttempts, chain.WorkServers.Count);
        Assert.Equal(2, spans.Count(s => s.ServiceName == Ai));
        Assert.Equal(2 + workAttempts, spans.Count(s => s.ServiceName == Kernel));

        // Backend -> AI -> Backend -> Kernel, server and client kinds alternating across each hop.
        AssertChildOf(chain.AnswerClient, chain.Entry);
        AssertChildOf(chain.AnswerServer, chain.AnswerClient);
        AssertChildOf(chain.LookupClient, chain.AnswerServer);
        AssertChildOf(chain.LookupServer, chain.LookupClient);
        AssertChildOf(chain.SumClient, chain.LookupServer);
        AssertChildOf(chain.SumServer, chain.SumClient);
        AssertChildOf(chain.TransformClient, chain.LookupServer);
        AssertChildOf(chain.TransformServer, chain.TransformClient);
        for (var i = 0; i < workAttempts; i++)
        {
            AssertChildOf(chain.WorkClients[i], chain.Entry);
            Assert.Single(chain.WorkServers, s => s.ParentSpanId == chain.WorkClients[i].SpanId);
        }

        return chain;
    }

    private static void AssertChildOf(StoredSpan child, StoredSpan parent) =>
        Assert.True(
            child.ParentSpanId == parent.SpanId,
            $"{child.ServiceName} {child.Kind} '{child.Name}' has parent {child.ParentSpanId}, expected {parent.ServiceName} {parent.Kind} '{parent.Name}' ({parent.SpanId}).");

    private static StoredSpan Single(IReadOnlyList<StoredSpan> spans, string service, ActivityKind kind, Func<StoredSpan, bool> match)
    {
        var found = spans.Where(s => s.ServiceName == service && s.Kind == kind && match(s)).ToList();
        Assert.True(
            found.Count == 1,
            $"Expected one {service} {kind} span, found {found.Count}. Spans: {Describe(spans)}");
        return found[0];
    }

    private static string Describe(IReadOnlyList<StoredSpan> spans) =>
        string.Join("; ", spans.Select(s => $"{s.ServiceName} {s.Kind} '{s.Name}' [{s.SourceName}] {s.SpanId}<-{s.ParentSpanId} {{{string.Join(", ", s.Attributes.Select(a => a.Key + "=" + a.Value))}}}"));

    private static Func<StoredSpan, bool> IsRpc(string service, string method) =>
        s => Equals(s.GetAttribute("rpc.service"), service) && Equals(s.GetAttribute("rpc.method"), method);

    /// <summary>An HTTP (not gRPC) server span of <paramref name="path"/>: its recorded <c>url.path</c>.</summary>
    private static Func<StoredSpan, bool> IsHttp(string path) => s =>
        s.GetAttribute("rpc.service") is null && Equals(s.GetAttribute("url.path"), path);

    private static bool IsUrl(StoredSpan span, string path) =>
        span.GetAttribute("url.full") is string url && new Uri(url).AbsolutePath == path;

    private static object? Tag(IReadOnlyList<SpanTag> tags, string key) => tags.FirstOrDefault(t => t.Key == key).Value;

    private static string? StatusName(object? code) => code switch
    {
        null => null,
        string s => s,
        _ => ((Grpc.Core.StatusCode)Convert.ToInt32(code, System.Globalization.CultureInfo.InvariantCulture)).ToString().ToUpperInvariant(),
    };

    private static void AssertIndexedEvents(StoredSpan span, string name, string indexAttribute, int count)
    {
        var indexes = span.Events
            .Where(e => e.Name == name)
            .Select(e => Convert.ToInt32(Tag(e.Attributes, indexAttribute), System.Globalization.CultureInfo.InvariantCulture))
            .Order()
            .ToList();
        Assert.Equal(Enumerable.Range(0, count), indexes);
    }

    private static void AssertBaggage(RoutedRequest request)
    {
        var baggage = request.Header("baggage");
        Assert.NotNull(baggage);
        var members = baggage.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal);
        Assert.Equal(Baggage.Split(',').Order(StringComparer.Ordinal), members);
    }

    private sealed record ChainSpans(
        StoredSpan Entry,
        StoredSpan AnswerClient,
        StoredSpan AnswerServer,
        StoredSpan LookupClient,
        StoredSpan LookupServer,
        StoredSpan SumClient,
        StoredSpan SumServer,
        StoredSpan TransformClient,
        StoredSpan TransformServer,
        IReadOnlyList<StoredSpan> WorkClients,
        IReadOnlyList<StoredSpan> WorkServers);

    /// <summary>A primary handler that never answers (until the request is cancelled), counting the requests.</summary>
    /// <summary>Ends every server-streaming call with DEADLINE_EXCEEDED before the handler runs.</summary>
    private sealed class DeadlineExceededInterceptor : Interceptor
    {
        public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation) =>
            throw new RpcException(new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded"));
    }

    private sealed class HangingHandler : HttpMessageHandler
    {
        private int _attempts;

        public int Attempts => Volatile.Read(ref _attempts);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _attempts);
            await Task.Delay(Timeout.Infinite, cancellationToken);
            throw new InvalidOperationException("Unreachable.");
        }
    }
}
