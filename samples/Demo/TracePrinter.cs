using System.Text;
using System.Text.Json;

namespace Samples.Demo;

/// <summary>One span as the demo reads it from <c>/api/tracing/traces/{id}</c>.</summary>
internal sealed record DemoSpan(string SpanId, string? ParentSpanId, string Service, string Name, string Kind, DateTimeOffset StartTime, double DurationMs, string Status, string? StatusCode);

/// <summary>Collects a trace from every service's tracing API and prints it as an indented tree.</summary>
internal static class TracePrinter
{
    /// <summary>Reads the spans of <paramref name="traceId"/> from each service's <c>/api/tracing</c>.</summary>
    public static async Task<List<DemoSpan>> CollectAsync(HttpClient http, IEnumerable<string> serviceBaseUrls, string traceId, CancellationToken cancellationToken)
    {
        var spans = new List<DemoSpan>();
        foreach (var baseUrl in serviceBaseUrls)
        {
            using var response = await http.GetAsync($"{baseUrl}/api/tracing/traces/{traceId}", cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                continue;
            }

            using var document = JsonDocument.Parse(await response.Content.ReadAsStreamAsync(cancellationToken));
            foreach (var span in document.RootElement.GetProperty("spans").EnumerateArray())
            {
                spans.Add(new DemoSpan(
                    span.GetProperty("spanId").GetString()!,
                    span.TryGetProperty("parentSpanId", out var parent) && parent.ValueKind == JsonValueKind.String ? parent.GetString() : null,
                    span.GetProperty("serviceName").GetString()!,
                    span.GetProperty("name").GetString()!,
                    span.GetProperty("kind").GetString()!,
                    span.GetProperty("startTime").GetDateTimeOffset(),
                    span.GetProperty("durationMs").GetDouble(),
                    span.GetProperty("status").GetString()!,
                    FindStatusCode(span)));
            }
        }

        return spans;
    }

    /// <summary>Formats the spans as a tree: roots first, children indented under their parent, each level by start time.</summary>
    public static string Format(string traceId, IReadOnlyList<DemoSpan> spans)
    {
        var text = new StringBuilder();
        text.AppendLine($"trace {traceId}  ({spans.Count} spans in {spans.Select(s => s.Service).Distinct().Count()} services)");
        var ids = spans.Select(s => s.SpanId).ToHashSet(StringComparer.Ordinal);
        var byStart = spans.OrderBy(s => s.StartTime).ToList();
        var children = byStart.Where(s => s.ParentSpanId is not null && ids.Contains(s.ParentSpanId)).ToLookup(s => s.ParentSpanId!, StringComparer.Ordinal);
        foreach (var root in byStart.Where(s => s.ParentSpanId is null || !ids.Contains(s.ParentSpanId)))
        {
            Append(text, root, children, depth: 0);
        }

        return text.ToString();
    }

    private static void Append(StringBuilder text, DemoSpan span, ILookup<string, DemoSpan> children, int depth)
    {
        var status = string.Equals(span.Status, "error", StringComparison.OrdinalIgnoreCase) ? $"ERROR {span.StatusCode}".TrimEnd() : span.StatusCode ?? "ok";
        text.Append(' ', 2 + (depth * 2))
            .Append($"{span.Service,-8} {span.Kind,-6} {span.Name}  {span.DurationMs:0.0} ms  [{status}]")
            .AppendLine();
        foreach (var child in children[span.SpanId])
        {
            Append(text, child, children, depth + 1);
        }
    }

    private static string? FindStatusCode(JsonElement span)
    {
        if (!span.TryGetProperty("attributes", out var attributes) || attributes.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        foreach (var key in new[] { "rpc.grpc.status_code", "http.response.status_code" })
        {
            if (attributes.TryGetProperty(key, out var value))
            {
                return key.StartsWith("rpc", StringComparison.Ordinal) ? $"grpc {GrpcStatusName(value)}" : $"http {value}";
            }
        }

        return null;
    }

    /// <summary>A gRPC status code as its name, e.g. <c>OK</c>, <c>INTERNAL</c>.</summary>
    private static string GrpcStatusName(JsonElement value) => value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var code) && code is >= 0 and <= 16
        ? GrpcStatusNames[code]
        : value.ToString();

    private static readonly string[] GrpcStatusNames =
    [
        "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED",
        "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
        "UNAUTHENTICATED",
    ];
}
