using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Propagation.Interceptors.Tests.Infrastructure;
using Propagation.Testing;

namespace Propagation.Interceptors.Tests;

/// <summary>
/// Seeded random hostile trace metadata into the server interceptor: every call reaches its handler and returns its
/// response, every span is stopped and the caller's current activity restored, and no raw metadata text reaches a
/// span attribute, an event, a span name or a log line.
/// </summary>
public sealed class HostileMetadataTests
{
    private const int Calls = 300;
    private const string Marker = HostileTraceHeaders.Marker;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task UnaryServerHandler_RandomHostileTraceMetadata_EveryCallAnsweredSpansClosedNoRawTextInSpansOrLogs(int seed)
    {
        // Arrange
        using var recorder = new SpanRecorder();
        var logs = new RecordingLogger();
        using var settings = new GrpcTracingSettings(new TracePropagator(), recorder.Source, logs);
        var interceptor = new TracingInterceptor(settings);
        var generator = new HostileTraceHeaders(seed);
        var previous = Activity.Current;
        var seen = new List<Activity>();

        // Act
        for (var i = 0; i < Calls; i++)
        {
            var metadata = new Metadata();
            foreach (var (name, values) in generator.Next(i))
            {
                foreach (var value in values)
                {
                    metadata.Add(name, value);
                }
            }

            var reply = await interceptor.UnaryServerHandler<string, string>("hi", new InProcessServerCallContext(metadata), (_, _) =>
            {
                if (Activity.Current is { } current)
                {
                    seen.Add(current);
                }

                return Task.FromResult("ok " + i.ToString(CultureInfo.InvariantCulture));
            });

            // Assert (per call)
            Assert.Equal("ok " + i.ToString(CultureInfo.InvariantCulture), reply);
            Assert.Same(previous, Activity.Current);
        }

        // Assert (the spans)
        Assert.Empty(recorder.Open);
        var spans = recorder.Stopped;
        Assert.Equal(seen.Count, spans.Count);
        Assert.All(seen, s => Assert.Contains(s, spans));
        Assert.InRange(spans.Count, Calls * 9 / 10, Calls);
        Assert.InRange(spans.Count(s => s.ParentSpanId != default), Calls / 10, Calls - (Calls / 10));
        foreach (var span in spans)
        {
            Assert.Equal(ActivityKind.Server, span.Kind);
            HostileTraceHeaders.AssertNoMarker(span);
        }

        Assert.NotEmpty(logs.Messages);
        Assert.All(logs.Messages, m => Assert.DoesNotContain(Marker, m, StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task UnaryServerHandler_RandomHostileInboundContextThenOutboundCall_OutboundMetadataValidAndBaggageKept(int seed)
    {
        // Arrange: each handler calls out through the client interceptor; the continuation records the metadata sent.
        using var recorder = new SpanRecorder();
        using var settings = new GrpcTracingSettings(new TracePropagator(), recorder.Source);
        var server = new TracingInterceptor(settings);
        var client = new TracingClientInterceptor(settings);
        var generator = new HostileTraceHeaders(seed);

        for (var i = 0; i < 100; i++)
        {
            var metadata = new Metadata();
            foreach (var (name, values) in generator.Next(i).Where(h => !h.Name.Equals("baggage", StringComparison.OrdinalIgnoreCase)))
            {
                foreach (var value in values)
                {
                    metadata.Add(name, value);
                }
            }

            var (baggage, expected) = generator.NextBaggage();
            metadata.Add("baggage", baggage);
            Metadata? sent = null;

            // Act
            var reply = await server.UnaryServerHandler<string, string>(
                "hi", new InProcessServerCallContext(metadata), (_, _) => InProcessCall.CallOutAsync(client, headers => sent = headers));

            // Assert: every outbound value is one line of visible ASCII, and the baggage arrives whole.
            Assert.Equal("next ok", reply);
            Assert.NotNull(sent);
            foreach (var entry in sent)
            {
                Assert.False(entry.IsBinary);
                HostileTraceHeaders.AssertOneLineOfVisibleAscii(entry.Key, entry.Value);
            }

            Assert.Matches(HostileTraceHeaders.TraceParentPattern, sent.GetValue("traceparent"));
            Assert.Equal(expected, HostileTraceHeaders.DecodeBaggage(sent.GetValue("baggage")!));
        }
    }

    /// <summary>Keeps every formatted message at every level.</summary>
    private sealed class RecordingLogger : ILogger
    {
        public ConcurrentQueue<string> Messages { get; } = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Messages.Enqueue(formatter(state, exception));
    }
}
