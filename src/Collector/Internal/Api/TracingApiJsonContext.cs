using System.Text.Json;
using System.Text.Json.Serialization;

namespace Propagation.Collector.Internal.Api;

/// <summary>Source-generated serialization for every tracing API response (camelCase, nulls written, times in UTC).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, Converters = [typeof(UtcDateTimeOffsetJsonConverter)])]
[JsonSerializable(typeof(StatusResponse))]
[JsonSerializable(typeof(HealthResponse))]
[JsonSerializable(typeof(SearchSpansResponse))]
[JsonSerializable(typeof(SearchTracesResponse))]
[JsonSerializable(typeof(TraceResponse))]
[JsonSerializable(typeof(PerformanceSummaryResponse))]
[JsonSerializable(typeof(BottlenecksResponse))]
[JsonSerializable(typeof(OperationAnalysisResponse))]
[JsonSerializable(typeof(DependenciesResponse))]
[JsonSerializable(typeof(PropagationResponse))]
internal sealed partial class TracingApiJsonContext : JsonSerializerContext
{
}
