using System.Diagnostics;
using System.Globalization;
using Propagation.Collector;

namespace Propagation.Benchmarks.Collector;

/// <summary>Builds realistic spans for the collector benchmarks: traces of 10 spans over 5 services, 8 attributes each.</summary>
internal static class CollectorBenchmarkData
{
    public const int SpansPerTrace = 10;

    private static readonly DateTimeOffset Origin = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly string[] Services = ["frontend", "backend", "ai", "kernel", "db"];
    private static readonly string[] Operations = ["GET /", "GET /orders", "POST /chat", "Kernel/Run", "SELECT orders", "cache get", "chat gpt", "GET /users"];

    public static StoredSpan[] CreateSpans(int count)
    {
        var spans = new StoredSpan[count];
        string traceId = string.Empty;
        string rootId = string.Empty;
        for (var i = 0; i < count; i++)
        {
            var inTrace = i % SpansPerTrace;
            if (inTrace == 0)
            {
                traceId = ActivityTraceId.CreateRandom().ToHexString();
            }

            var spanId = ActivitySpanId.CreateRandom().ToHexString();
            if (inTrace == 0)
            {
                rootId = spanId;
            }

            var operation = Operations[i % Operations.Length];
            spans[i] = new StoredSpan
            {
                TraceId = traceId,
                SpanId = spanId,
                ParentSpanId = inTrace == 0 ? null : rootId,
                Name = operation,
                ServiceName = Services[inTrace % Services.Length],
                SourceName = "Benchmarks",
                Kind = inTrace == 0 ? ActivityKind.Server : ActivityKind.Client,
                StartTime = Origin.AddMilliseconds(i),
                Duration = TimeSpan.FromMicroseconds(100 + (i * 7919 % 500_000)),
                Status = i % 50 == 0 ? ActivityStatusCode.Error : ActivityStatusCode.Unset,
                Attributes =
                [
                    new("http.request.method", "GET"),
                    new("http.route", operation),
                    new("http.response.status_code", i % 50 == 0 ? 500L : 200L),
                    new("server.address", "backend.internal"),
                    new("server.port", 8080L),
                    new("url.scheme", "https"),
                    new("network.protocol.version", "1.1"),
                    new("user.tier", (i % 3).ToString(CultureInfo.InvariantCulture)),
                ],
            };
        }

        return spans;
    }

    public static SpanStore CreateStore(int capacity) => new(new SpanStoreOptions
    {
        MaxSpans = capacity,
        MaxTraces = Math.Max(1, capacity / SpansPerTrace),
        MaxSpansPerTrace = SpansPerTrace,
        MaxAge = TimeSpan.FromDays(1),
    });
}
