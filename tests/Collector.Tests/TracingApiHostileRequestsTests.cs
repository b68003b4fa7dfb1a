using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Propagation.Collector.Tests;

/// <summary>
/// Seeded random hostile requests to every <c>/api/tracing</c> endpoint: any query parameter (known, repeated,
/// unknown, <c>attr.*</c>) with any value, and any path segment. Each is answered 200, 400 or 404 (never a server
/// error), a 400 is a problem document, and no response repeats the request's text.
/// </summary>
public sealed class TracingApiHostileRequestsTests
{
    private const string Api = "/api/tracing/";
    private const string Marker = "zqmark";
    private const int Requests = 400;

    private static readonly string[] Endpoints =
    [
        "status", "health", "traces/search", "traces/{id}", "performance/summary", "performance/bottlenecks",
        "operations/{name}/analysis", "dependencies", "propagation",
    ];

    private static readonly string[] Parameters =
    [
        "service", "operation", "operationPrefix", "kind", "status", "error", "minDurationMs", "maxDurationMs", "from", "to",
        "traceId", "sortBy", "order", "limit", "offset", "view", "slowThresholdMs", "attr.http.request.method", "attr.",
        "LIMIT", "limit[]",
    ];

    // Values that parsers trip on: numbers out of range, special floats, dates, ids of every length, separators, controls, non-ASCII.
    private static readonly string[] Values =
    [
        "", "0", "-1", "1", "1000", "1001", "2147483648", "-2147483649", "1e308", "NaN", "Infinity", "-0", "0x10", "1.5", " 5 ",
        "2026-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "0001-01-01", "yesterday", "00000000000000000000000000000002",
        "0000000000000000000000000000000g", "true", "false", "client", "server", "error", "duration", "asc", "desc", "traces", "spans",
        "\u007f", "\u00e9", "\u4e2d", "\ud83d\ude00", "%", "%ZZ", "&", "=", "../..", "<script>", "'", "\"", "\\",
    ];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task AnyEndpoint_RandomHostileQueryAndPath_AnsweredWithoutServerErrorOrEcho(int seed)
    {
        // Arrange
        await using var host = await ApiTestHost.StartAsync();
        host.Store.Add(TestSpans.Create(1, 1, name: "GET /", service: "frontend", startMs: 0, durationMs: 300, kind: ActivityKind.Server));
        host.Store.Add(TestSpans.Create(1, 2, parent: 1, name: "GET /orders", service: "backend", startMs: 10, durationMs: 250, kind: ActivityKind.Client));
        var random = new Random(seed);
        var statuses = new HashSet<int>();

        for (var i = 0; i < Requests; i++)
        {
            var path = NewPath(random, i);

            // Act
            using var response = await host.Client.GetAsync(new Uri(path, UriKind.Relative));
            var body = await response.Content.ReadAsStringAsync();

            // Assert
            var status = (int)response.StatusCode;
            statuses.Add(status);
            Assert.True(status is 200 or 400 or 404, $"{path} answered {status}");
            if (status == 400)
            {
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            }

            Assert.DoesNotContain(Marker, body, StringComparison.OrdinalIgnoreCase);
        }

        // The generator reaches the handlers and their validation, not only the router.
        Assert.Contains(200, statuses);
        Assert.Contains(400, statuses);

        // Hosting's own request log prints the URL; the API's logs never repeat it.
        Assert.All(
            host.Logs.Entries.Where(e => e.Category.StartsWith("Propagation", StringComparison.Ordinal)),
            e => Assert.DoesNotContain(Marker, e.Message, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task EveryEndpoint_SpanAddedWithNullMembers_AnsweredWithoutServerError()
    {
        // Arrange: a span given to SpanStore.Add by code without nullable checks, with null where the model has none.
        await using var host = await ApiTestHost.StartAsync();
        const string TraceId = "0af7651916cd43dd8448eb211c80319c";
        const string RootId = "00f067aa0ba902b7";
        host.Store.Add(new StoredSpan
        {
            TraceId = TraceId,
            SpanId = RootId,
            Name = "GET /",
            ServiceName = "frontend",
            StartTime = TestSpans.Origin,
            Duration = TimeSpan.FromMilliseconds(300),
            Kind = ActivityKind.Server,
            Status = ActivityStatusCode.Error,
        });
        host.Store.Add(new StoredSpan
        {
            TraceId = TraceId,
            SpanId = "b7ad6b7169203331",
            ParentSpanId = RootId,
            Name = null!,
            ServiceName = null!,
            SourceName = null!,
            StartTime = TestSpans.Origin,
            Duration = TimeSpan.FromMilliseconds(20),
            Kind = ActivityKind.Client,
            Status = ActivityStatusCode.Error,
            StatusDescription = null,
            Attributes = null!,
            Events = [null!, new SpanEvent(null!, TestSpans.Origin, null!)],
            Links = [new SpanLink(null!, null!, null!), null!],
        });

        foreach (var endpoint in new[]
        {
            "status", "health", "traces/search", "traces/search?view=traces", "traces/search?service=frontend&error=true",
            "traces/search?sortBy=duration&attr.http.request.method=GET", $"traces/{TraceId}", "performance/summary",
            "performance/bottlenecks", "operations/GET%20%2F/analysis", "dependencies", "propagation",
        })
        {
            // Act
            using var response = await host.Client.GetAsync(new Uri(Api + endpoint, UriKind.Relative));

            // Assert
            Assert.True((int)response.StatusCode is 200 or 404, $"{endpoint} answered {(int)response.StatusCode}");
        }
    }

    private static string NewPath(Random random, int index)
    {
        var mark = Marker + index.ToString(CultureInfo.InvariantCulture);
        var endpoint = Endpoints[random.Next(Endpoints.Length)]
            .Replace("{id}", Escape(random, random.Next(3) == 0 ? mark : Value(random)), StringComparison.Ordinal)
            .Replace("{name}", Escape(random, random.Next(3) == 0 ? mark : Value(random)), StringComparison.Ordinal);
        var query = new StringBuilder();
        for (var p = random.Next(0, 6); p > 0; p--)
        {
            // A marked name a quarter of the time: unknown, an attribute filter, or a known name's variant.
            var name = random.Next(4) switch
            {
                0 => random.Next(3) switch { 0 => mark, 1 => "attr." + mark, _ => "limit" + mark },
                _ => Parameters[random.Next(Parameters.Length)],
            };

            // A NUL only in the query: servers reject it in the path before any app sees the request.
            var value = random.Next(10) switch
            {
                < 2 => mark,
                2 => string.Empty,
                3 => "a\0b",
                _ => Value(random),
            };
            query.Append(query.Length == 0 ? '?' : '&')
                .Append(Escape(random, name))
                .Append('=')
                .Append(Escape(random, value));
        }

        return Api + endpoint + query;
    }

    private static string Value(Random random)
    {
        var value = Values[random.Next(Values.Length)];
        return random.Next(8) == 0 ? string.Concat(Enumerable.Repeat(value.Length == 0 ? "9" : value, random.Next(2, 3_000))) : value;
    }

    // Mostly percent-encoded; sometimes sent as it is, so the router and query parser meet raw '%', '&', '=' and '/'.
    private static string Escape(Random random, string text) =>
        random.Next(5) == 0 && text.All(c => c is > ' ' and < '\u007f' and not '#' and not '?') ? text : Uri.EscapeDataString(text);
}
