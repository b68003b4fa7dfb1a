using Google.Protobuf;

namespace Propagation.Collector.Tests.Exporters;

/// <summary>One span as decoded from an OTLP <c>ExportTraceServiceRequest</c>, with its resource and scope.</summary>
internal sealed record OtlpSpan(
    string TraceId,
    string SpanId,
    string ParentSpanId,
    string Name,
    int Kind,
    ulong StartTimeUnixNano,
    ulong EndTimeUnixNano,
    IReadOnlyDictionary<string, object?> Attributes,
    int StatusCode,
    string StatusMessage,
    string ScopeName,
    IReadOnlyDictionary<string, object?> ResourceAttributes);

/// <summary>A hand-written decoder for the subset of opentelemetry-proto the tests check, read with
/// <see cref="CodedInputStream"/> (field numbers from opentelemetry/proto/trace/v1/trace.proto,
/// common/v1/common.proto, resource/v1/resource.proto and collector/trace/v1/trace_service.proto). Unknown fields
/// are skipped, as protobuf requires.</summary>
internal static class OtlpTraceDecoder
{
    /// <summary>Decodes an <c>ExportTraceServiceRequest</c> (field 1: repeated ResourceSpans).</summary>
    public static List<OtlpSpan> DecodeExportRequest(byte[] message)
    {
        var spans = new List<OtlpSpan>();
        ForEachField(message, (field, input) =>
        {
            if (field == 1)
            {
                DecodeResourceSpans(input.ReadBytes().ToByteArray(), spans);
                return true;
            }

            return false;
        });
        return spans;
    }

    // ResourceSpans: 1 resource (Resource), 2 scope_spans (repeated ScopeSpans).
    private static void DecodeResourceSpans(byte[] message, List<OtlpSpan> spans)
    {
        var resource = new Dictionary<string, object?>();
        var scopes = new List<byte[]>();
        ForEachField(message, (field, input) =>
        {
            switch (field)
            {
                case 1:
                    // Resource: 1 attributes (repeated KeyValue).
                    ForEachField(input.ReadBytes().ToByteArray(), (f, i) => f == 1 && ReadKeyValue(i, resource));
                    return true;
                case 2:
                    scopes.Add(input.ReadBytes().ToByteArray());
                    return true;
                default:
                    return false;
            }
        });

        foreach (var scope in scopes)
        {
            DecodeScopeSpans(scope, resource, spans);
        }
    }

    // ScopeSpans: 1 scope (InstrumentationScope: 1 name), 2 spans (repeated Span).
    private static void DecodeScopeSpans(byte[] message, Dictionary<string, object?> resource, List<OtlpSpan> spans)
    {
        var scopeName = string.Empty;
        var rawSpans = new List<byte[]>();
        ForEachField(message, (field, input) =>
        {
            switch (field)
            {
                case 1:
                    ForEachField(input.ReadBytes().ToByteArray(), (f, i) =>
                    {
                        if (f == 1)
                        {
                            scopeName = i.ReadString();
                            return true;
                        }

                        return false;
                    });
                    return true;
                case 2:
                    rawSpans.Add(input.ReadBytes().ToByteArray());
                    return true;
                default:
                    return false;
            }
        });

        foreach (var raw in rawSpans)
        {
            spans.Add(DecodeSpan(raw, scopeName, resource));
        }
    }

    // Span: 1 trace_id, 2 span_id, 4 parent_span_id (bytes), 5 name, 6 kind (enum), 7 start and 8 end
    // (fixed64 unix nanos), 9 attributes (repeated KeyValue), 15 status (Status: 2 message, 3 code).
    private static OtlpSpan DecodeSpan(byte[] message, string scopeName, Dictionary<string, object?> resource)
    {
        string traceId = string.Empty, spanId = string.Empty, parentSpanId = string.Empty, name = string.Empty, statusMessage = string.Empty;
        int kind = 0, statusCode = 0;
        ulong start = 0, end = 0;
        var attributes = new Dictionary<string, object?>();
        ForEachField(message, (field, input) =>
        {
            switch (field)
            {
                case 1:
                    traceId = Convert.ToHexStringLower(input.ReadBytes().Span);
                    return true;
                case 2:
                    spanId = Convert.ToHexStringLower(input.ReadBytes().Span);
                    return true;
                case 4:
                    parentSpanId = Convert.ToHexStringLower(input.ReadBytes().Span);
                    return true;
                case 5:
                    name = input.ReadString();
                    return true;
                case 6:
                    kind = input.ReadEnum();
                    return true;
                case 7:
                    start = input.ReadFixed64();
                    return true;
                case 8:
                    end = input.ReadFixed64();
                    return true;
                case 9:
                    return ReadKeyValue(input, attributes);
                case 15:
                    ForEachField(input.ReadBytes().ToByteArray(), (f, i) =>
                    {
                        switch (f)
                        {
                            case 2:
                                statusMessage = i.ReadString();
                                return true;
                            case 3:
                                statusCode = i.ReadEnum();
                                return true;
                            default:
                                return false;
                        }
                    });
                    return true;
                default:
                    return false;
            }
        });

        return new OtlpSpan(traceId, spanId, parentSpanId, name, kind, start, end, attributes, statusCode, statusMessage, scopeName, resource);
    }

    // KeyValue: 1 key, 2 value (AnyValue: 1 string, 2 bool, 3 int64, 4 double, 5 array (ArrayValue: 1 repeated AnyValue)).
    private static bool ReadKeyValue(CodedInputStream input, Dictionary<string, object?> into)
    {
        string key = string.Empty;
        object? value = null;
        ForEachField(input.ReadBytes().ToByteArray(), (field, i) =>
        {
            switch (field)
            {
                case 1:
                    key = i.ReadString();
                    return true;
                case 2:
                    value = ReadAnyValue(i.ReadBytes().ToByteArray());
                    return true;
                default:
                    return false;
            }
        });
        into[key] = value;
        return true;
    }

    private static object? ReadAnyValue(byte[] message)
    {
        object? value = null;
        ForEachField(message, (field, input) =>
        {
            switch (field)
            {
                case 1:
                    value = input.ReadString();
                    return true;
                case 2:
                    value = input.ReadBool();
                    return true;
                case 3:
                    value = input.ReadInt64();
                    return true;
                case 4:
                    value = input.ReadDouble();
                    return true;
                case 5:
                    var items = new List<object?>();
                    ForEachField(input.ReadBytes().ToByteArray(), (f, i) =>
                    {
                        if (f == 1)
                        {
                            items.Add(ReadAnyValue(i.ReadBytes().ToByteArray()));
                            return true;
                        }

                        return false;
                    });
                    value = items;
                    return true;
                default:
                    return false;
            }
        });
        return value;
    }

    /// <summary>Calls <paramref name="read"/> for each field; when it returns false the field is skipped.</summary>
    private static void ForEachField(byte[] message, Func<int, CodedInputStream, bool> read)
    {
        var input = new CodedInputStream(message);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (!read(WireFormat.GetTagFieldNumber(tag), input))
            {
                input.SkipLastField();
            }
        }
    }
}
