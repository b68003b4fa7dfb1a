using System.Text.Json;
using System.Text.Json.Serialization;

namespace Propagation.Collector.Internal.Api;

/// <summary>Writes attributes as one JSON object of typed values: <c>{"http.request.method":"GET","http.response.status_code":200}</c>.</summary>
/// <remarks>Values are written as stored, so a redacted value stays <c>[REDACTED]</c>. Non-finite doubles are
/// written as strings (JSON has no NaN). An attribute without a key is skipped. A key stored more than once
/// (<c>Activity.AddTag</c> appends where <c>SetTag</c> replaces) is written once, with its last value, where it last
/// occurs, as <c>JsonSpanExporter</c> writes it: a JSON object must not repeat a name (RFC 8259 section 4), and
/// parsers disagree on which repeat wins. Write-only.</remarks>
internal sealed class TagListJsonConverter : JsonConverter<IReadOnlyList<SpanTag>>
{
    // Up to this many attributes, a later repeat of a key is looked for in place; above it, in a dictionary.
    private const int ScanLimit = 32;

    public override IReadOnlyList<SpanTag> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("Attributes are write-only in the tracing API.");

    public override void Write(Utf8JsonWriter writer, IReadOnlyList<SpanTag> value, JsonSerializerOptions options)
    {
        var lastIndex = value.Count > ScanLimit ? LastIndexOfEachKey(value) : null;
        writer.WriteStartObject();
        for (var i = 0; i < value.Count; i++)
        {
            var tag = value[i];
            if (tag.Key is null)
            {
                // Never stored (the store drops keyless attributes), but a JSON property needs a name.
                continue;
            }

            if (lastIndex is null ? RepeatedLater(value, i) : lastIndex[tag.Key] != i)
            {
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

    private static bool RepeatedLater(IReadOnlyList<SpanTag> tags, int index)
    {
        var key = tags[index].Key;
        for (var j = index + 1; j < tags.Count; j++)
        {
            if (string.Equals(tags[j].Key, key, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static Dictionary<string, int> LastIndexOfEachKey(IReadOnlyList<SpanTag> tags)
    {
        var last = new Dictionary<string, int>(tags.Count, StringComparer.Ordinal);
        for (var i = 0; i < tags.Count; i++)
        {
            if (tags[i].Key is { } key)
            {
                last[key] = i;
            }
        }

        return last;
    }
}
