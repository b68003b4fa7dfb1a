using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using Propagation.Collector.Internal;
using Propagation.Internal;

namespace Propagation.Collector;

/// <summary>Writes one JSON object per finished span, as a line on a <see cref="TextWriter"/> or as a log message
/// through <see cref="ILogger"/>.</summary>
/// <remarks>
/// <para>Fields, in this order: <c>trace_id</c>, <c>span_id</c>, <c>parent_id</c> (<see langword="null"/> for a
/// root), <c>operation</c> (the display name), <c>kind</c> (<c>server</c>, <c>client</c>, <c>internal</c>,
/// <c>producer</c>, <c>consumer</c>), <c>service</c> (the resource's <c>service.name</c>), <c>start_time</c>
/// (ISO 8601, UTC), <c>duration_ms</c> (a number, microsecond precision), <c>status_code</c> (<c>UNSET</c>,
/// <c>OK</c>, <c>ERROR</c>), <c>status_description</c> (only when set), and <c>attributes</c> (an object: strings,
/// numbers, booleans, arrays of those; other values as invariant strings; an attribute without a key is
/// skipped; a key added more than once is written once, with its last value, as <c>SetTag</c> would have kept it).</para>
/// <para>Redaction: values are written as recorded, so a value redacted upstream stays redacted (<c>url.query</c> as
/// <c>UseTracing</c> wrote it, <c>token=REDACTED</c>); in addition the value of any credential-like key
/// (its last dot-separated segment <c>authorization</c>, <c>proxy-authorization</c>, <c>cookie</c> or <c>set-cookie</c>,
/// or containing <c>api-key</c>, <c>apikey</c>, <c>api_key</c>, <c>token</c>, <c>secret</c> or <c>password</c> with no letter after it: the
/// header redaction's rule) is written as <c>[REDACTED]</c>. At most 128 attributes per span and 4096 characters per string are written.</para>
/// <para>Through <see cref="ILogger"/>: category <see cref="LoggerCategory"/>, level Information, event id 7110,
/// message template <c>{Span}</c> whose value is the JSON object.</para>
/// </remarks>
public sealed class JsonSpanExporter : BaseExporter<Activity>
{
    /// <summary>The logger category used by the <c>json</c> exporter of the tracing pipeline.</summary>
    public const string LoggerCategory = "Propagation.Collector.Spans";

    private const string Redacted = "[REDACTED]";
    private const int MaxAttributes = 128;
    private const int MaxStringLength = 4096;

    private readonly TextWriter? _writer;
    private readonly ILogger? _logger;
    private readonly ArrayBufferWriter<byte> _buffer = new(1024);
    private readonly List<KeyValuePair<string, object?>> _tags = [];
    private readonly Dictionary<string, int> _lastIndex = new(StringComparer.Ordinal);
    private string? _serviceName;

    /// <summary>Initializes a new instance of the <see cref="JsonSpanExporter"/> class that writes one line per span.</summary>
    /// <param name="writer">Where lines are written; called from one export thread at a time.</param>
    /// <exception cref="ArgumentNullException"><paramref name="writer"/> is <see langword="null"/>.</exception>
    public JsonSpanExporter(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        _writer = writer;
    }

    /// <summary>Initializes a new instance of the <see cref="JsonSpanExporter"/> class that logs one message per span.</summary>
    /// <param name="logger">The logger, usually of category <see cref="LoggerCategory"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="logger"/> is <see langword="null"/>.</exception>
    public JsonSpanExporter(ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(logger);
        _logger = logger;
    }

    /// <summary>Writes one JSON object per span of <paramref name="batch"/>.</summary>
    /// <param name="batch">The finished spans.</param>
    /// <returns><see cref="ExportResult.Success"/>, or <see cref="ExportResult.Failure"/> when the writer or logger threw
    /// (any exception but a fatal one such as <see cref="OutOfMemoryException"/>, which propagates); spans of the
    /// batch written before the failure stay written.</returns>
    public override ExportResult Export(in Batch<Activity> batch)
    {
        var service = _serviceName ??= ExportSpanFormat.ResolveServiceName(ParentProvider);
        try
        {
            foreach (var activity in batch)
            {
                var json = Format(activity, service);
                if (_writer is not null)
                {
                    _writer.WriteLine(json);
                }
                else
                {
                    ExportLog.Span(_logger!, json);
                }
            }

            _writer?.Flush();
            return ExportResult.Success;
        }
#pragma warning disable CA1031 // Any failure of the writer or logger is a failed export, as documented; the export thread goes on.
        catch (Exception ex) when (!ExportSpanFormat.IsFatal(ex))
#pragma warning restore CA1031
        {
            return ExportResult.Failure;
        }
    }

    private string Format(Activity activity, string service)
    {
        _buffer.ResetWrittenCount();
        using (var json = new Utf8JsonWriter(_buffer))
        {
            json.WriteStartObject();
            json.WriteString("trace_id", activity.TraceId.ToHexString());
            json.WriteString("span_id", activity.SpanId.ToHexString());
            if (activity.ParentSpanId == default)
            {
                json.WriteNull("parent_id");
            }
            else
            {
                json.WriteString("parent_id", activity.ParentSpanId.ToHexString());
            }

            json.WriteString("operation", Bound(activity.DisplayName));
            json.WriteString("kind", ExportSpanFormat.KindName(activity.Kind));
            json.WriteString("service", service);
            json.WriteString("start_time", DateTime.SpecifyKind(activity.StartTimeUtc, DateTimeKind.Utc));
            json.WriteNumber("duration_ms", Math.Round(activity.Duration.TotalMilliseconds, 3));
            json.WriteString("status_code", ExportSpanFormat.StatusName(activity));
            if (!string.IsNullOrEmpty(activity.StatusDescription))
            {
                json.WriteString("status_description", Bound(activity.StatusDescription));
            }

            json.WriteStartObject("attributes");
            WriteAttributes(json, activity);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(_buffer.WrittenSpan);
    }

    /// <summary>Writes each key once, with its last value, where it last occurs: <c>Activity.AddTag</c> appends a
    /// duplicate key where <c>SetTag</c> would replace the value, and a JSON object must not repeat a name.</summary>
    private void WriteAttributes(Utf8JsonWriter json, Activity activity)
    {
        var tags = _tags;
        var last = _lastIndex;
        tags.Clear();
        last.Clear();
        try
        {
            foreach (ref readonly var tag in activity.EnumerateTagObjects())
            {
                if (tag.Key is null)
                {
                    // Activity.AddTag accepts a null key; a JSON property cannot have one, so the tag is skipped.
                    continue;
                }

                // A credential is judged by the key as recorded (its end names it), before the key is cut for output.
                var key = Bound(tag.Key);
                var value = tag.Value is not null && SpanConverter.IsCredentialKey(tag.Key) ? Redacted : tag.Value;
                last[key] = tags.Count;
                tags.Add(new KeyValuePair<string, object?>(key, value));
            }

            var written = 0;
            for (var i = 0; i < tags.Count && written < MaxAttributes; i++)
            {
                var (key, value) = tags[i];
                if (last[key] != i)
                {
                    continue;
                }

                written++;
                json.WritePropertyName(key);
                WriteValue(json, value, allowArray: true);
            }
        }
        finally
        {
            // Not kept alive by the exporter until the next span.
            tags.Clear();
            last.Clear();
        }
    }

    private static void WriteValue(Utf8JsonWriter json, object? value, bool allowArray)
    {
        switch (value)
        {
            case null:
                json.WriteNullValue();
                break;
            case string s:
                json.WriteStringValue(Bound(s));
                break;
            case bool b:
                json.WriteBooleanValue(b);
                break;
            case long or int or short or sbyte or byte or ushort or uint:
                json.WriteNumberValue(Convert.ToInt64(value, CultureInfo.InvariantCulture));
                break;
            case double or float:
                var d = Convert.ToDouble(value, CultureInfo.InvariantCulture);
                if (double.IsFinite(d))
                {
                    json.WriteNumberValue(d);
                }
                else
                {
                    json.WriteStringValue(d.ToString(CultureInfo.InvariantCulture));
                }

                break;
            case System.Collections.IEnumerable items when allowArray:
                json.WriteStartArray();
                var count = 0;
                foreach (var item in items)
                {
                    if (count++ == MaxAttributes)
                    {
                        break;
                    }

                    WriteValue(json, item, allowArray: false);
                }

                json.WriteEndArray();
                break;
            default:
                if (SpanConverter.FormatOther(value) is { } text)
                {
                    json.WriteStringValue(Bound(text));
                }
                else
                {
                    // Its ToString threw: that value only is left out, not the span and the rest of the batch.
                    json.WriteNullValue();
                }

                break;
        }
    }

    private static string Bound(string value) => TextBounds.Cut(value, MaxStringLength);
}
