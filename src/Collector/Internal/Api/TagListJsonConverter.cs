using System.Text.Json;
using System.Text.Json.Serialization;

namespace Propagation.Collector.Internal.Api;

/// <summary>Writes attributes as one JSON object of typed values: <c>{"http.request.method":"GET","http.response.status_code":200}</c>.</summary>
/// <remarks>Values are written as stored, so a redacted value stays <c>[REDACTED]</c>. Non-finite doubles are
/// written as strings (JSON has no NaN). An attribute without a key is skipped. Write-only.</remarks>
internal sealed class TagListJsonConverter : JsonConverter<IReadOnlyList<SpanTag>>
{
    public override IReadOnlyList<SpanTag> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("Attributes are write-only in the tracing API.");

    public override void Write(Utf8JsonWriter writer, IReadOnlyList<SpanTag> value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        for (var i = 0; i < value.Count; i++)
        {
            var tag = value[i];
            if (tag.Key is null)
            {
                // Never stored (the store drops keyless attributes), but a JSON property needs a name.
                continue;
            }

            writer.WritePropertyName(tag.Key);
            switch (tag.Value)
            {
                case string s:
                    writer.WriteStringValue(s);
                    break;
                case long l:
                    writer.WriteNumberValue(l);
                    break;
                case double d when double.IsFinite(d):
                    writer.WriteNumberValue(d);
                    break;
                case double d:
                    writer.WriteStringValue(d.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    break;
                case bool b:
                    writer.WriteBooleanValue(b);
                    break;
                default:
                    writer.WriteStringValue(Convert.ToString(tag.Value, System.Globalization.CultureInfo.InvariantCulture));
                    break;
            }
        }

        writer.WriteEndObject();
    }
}
