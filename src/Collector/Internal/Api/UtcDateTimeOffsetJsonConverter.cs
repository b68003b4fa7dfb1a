using System.Text.Json;
using System.Text.Json.Serialization;

namespace Propagation.Collector.Internal.Api;

/// <summary>Writes every time of a tracing API response in UTC (ISO 8601, <c>+00:00</c>), as the README promises:
/// a span given to <see cref="SpanStore.Add(StoredSpan)"/> keeps its start's offset, and an activity's event keeps its
/// timestamp's (<see cref="DateTimeOffset.Now"/> has the machine's).</summary>
internal sealed class UtcDateTimeOffsetJsonConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.GetDateTimeOffset();

    // The same instant; ToUniversalTime never leaves the range, whatever the offset.
    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToUniversalTime());
}
