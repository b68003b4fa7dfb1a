using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Propagation.Middleware.Internal;
using Propagation.Middleware.Tests.Infrastructure;
using Propagation.Testing;

namespace Propagation.Middleware.Tests;

/// <summary>
/// Seeded random hostile trace headers through a whole traced app (hosting, <c>UseTracing</c>, routing): every
/// request is answered by the app, the echo is formatted from the span's ids, and no raw header text reaches a
/// span attribute, an event, a span name or a log line.
/// </summary>
public sealed partial class HostileHeadersTests
{
    private const string Hosting = "Microsoft.AspNetCore";
    private const int Requests = 300;
    private const string Marker = HostileTraceHeaders.Marker;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Invoke_RandomHostileTraceHeaders_EveryRequestAnsweredEchoFromSpanIdsNoRawTextInSpansOrLogs(int seed)
    {
        // Arrange
        var prefix = TracingMiddlewareTests.NewPrefix();
        using var listener = new TestListener(prefix, Hosting, TracingService.ServerSourceName);
        var logs = new RecordingLoggerProvider();
        using var host = await TestHosts.StartTracedAsync(o => o.LogSpans = true, static context => context.Response.WriteAsync("ok"), logs: logs);
        var server = host.GetTestServer();
        var generator = new HostileTraceHeaders(seed);
        var echoes = new List<(string TraceId, string SpanId)>();

        // Act
        for (var i = 0; i < Requests; i++)
        {
            var headers = generator.Next(i);
            var context = await server.SendAsync(c =>
            {
                c.Request.Method = "GET";
                c.Request.Path = prefix + "/r" + i.ToString(CultureInfo.InvariantCulture);
                foreach (var (name, values) in headers)
                {
                    c.Request.Headers.Append(name, values);
                }
            });

            // Assert (per request)
            Assert.Equal(StatusCodes.Status200OK, context.Response.StatusCode);
            var traceId = Assert.Single(context.Response.Headers["X-Trace-ID"].ToArray());
            var spanId = Assert.Single(context.Response.Headers["X-Span-ID"].ToArray());
            Assert.Matches(TraceIdPattern(), traceId!);
            Assert.Matches(SpanIdPattern(), spanId!);
            var traceResponse = context.Response.Headers["traceresponse"];
            if (traceResponse.Count > 0)
            {
                Assert.Matches(TraceParentPattern(), Assert.Single(traceResponse.ToArray())!);
            }

            echoes.Add((traceId!, spanId!));
        }

        // Assert (the spans, once all stopped)
        await listener.WaitAsync(Requests);
        var spans = listener.Stopped.ToDictionary(s => s.SpanId.ToHexString(), StringComparer.Ordinal);
        Assert.Equal(Requests, spans.Count);

        // The generator reaches both sides: inbound contexts continued, and new roots for what was rejected.
        Assert.InRange(spans.Values.Count(s => s.ParentSpanId != default), Requests / 10, Requests - (Requests / 10));
        foreach (var (traceId, spanId) in echoes)
        {
            var span = spans[spanId];
            Assert.Equal(traceId, span.TraceId.ToHexString());
            Assert.Equal(ActivityKind.Server, span.Kind);
            HostileTraceHeaders.AssertNoMarker(span);
        }

        Assert.NotEmpty(logs.Entries);
        Assert.All(logs.Entries, e => Assert.DoesNotContain(Marker, e.Message, StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Invoke_RandomHostileInboundContextThenOutboundCall_OutboundHeadersValidAndBaggageValuesKept(int seed)
    {
        // Arrange: each request calls out through AddTraceHeaders; the primary handler records what would be sent.
        var prefix = TracingMiddlewareTests.NewPrefix();
        var recorder = new RecordingHandler();
        using var host = await TestHosts.StartCallingOutAsync(recorder);
        var server = host.GetTestServer();
        var generator = new HostileTraceHeaders(seed);

        for (var i = 0; i < Requests; i++)
        {
            var headers = generator.Next(i).Where(h => !h.Name.Equals("baggage", StringComparison.OrdinalIgnoreCase)).ToList();
            var (baggage, expected) = generator.NextBaggage();
            var before = recorder.Sent.Count;

            // Act
            var context = await server.SendAsync(c =>
            {
                c.Request.Method = "GET";
                c.Request.Path = prefix + "/out";
                foreach (var (name, values) in headers)
                {
                    c.Request.Headers.Append(name, values);
                }

                c.Request.Headers.Append("baggage", baggage);
            });

            // Assert: every outbound value is one line of visible ASCII, and the baggage arrives whole.
            Assert.Equal(StatusCodes.Status200OK, context.Response.StatusCode);
            Assert.Equal(before + 1, recorder.Sent.Count);
            var sent = recorder.Sent.Last();
            foreach (var (name, values) in sent)
            {
                Assert.All(values, v => HostileTraceHeaders.AssertOneLineOfVisibleAscii(name, v));
            }

            Assert.Matches(TraceParentPattern(), Assert.Single(sent["traceparent"]));
            Assert.Equal(expected, HostileTraceHeaders.DecodeBaggage(Assert.Single(sent["baggage"])));
        }
    }

    /// <summary>A version-00 <c>traceparent</c> (and <c>traceresponse</c>, the same shape) as our codec writes it.</summary>
    [GeneratedRegex(HostileTraceHeaders.TraceParentPattern)]
    private static partial Regex TraceParentPattern();

    [GeneratedRegex("^[0-9a-f]{32}$")]
    private static partial Regex TraceIdPattern();

    [GeneratedRegex("^[0-9a-f]{16}$")]
    private static partial Regex SpanIdPattern();
}
