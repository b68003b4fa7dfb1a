using System.Diagnostics;
using OpenTelemetry;

namespace Propagation.Collector.Internal;

/// <summary>What the console and JSON exporters share: names of kinds and statuses, the resource's service name,
/// and keeping text on one line.</summary>
internal static class ExportSpanFormat
{
    public const string UnknownService = "unknown_service";
    private const string ServiceNameKey = "service.name";
    private const string OtelStatusCodeTag = "otel.status_code";

    public static string KindName(ActivityKind kind) => kind switch
    {
        ActivityKind.Server => "server",
        ActivityKind.Client => "client",
        ActivityKind.Producer => "producer",
        ActivityKind.Consumer => "consumer",
        _ => "internal",
    };

    /// <summary>The span's status as the OpenTelemetry names it (UNSET, OK, ERROR), from <see cref="Activity.Status"/>
    /// or, when that is unset, from the <c>otel.status_code</c> tag some libraries still set.</summary>
    public static string StatusName(Activity activity)
    {
        switch (activity.Status)
        {
            case ActivityStatusCode.Ok:
                return "OK";
            case ActivityStatusCode.Error:
                return "ERROR";
        }

        return activity.GetTagItem(OtelStatusCodeTag) switch
        {
            string s when string.Equals(s, "ERROR", StringComparison.OrdinalIgnoreCase) => "ERROR",
            string s when string.Equals(s, "OK", StringComparison.OrdinalIgnoreCase) => "OK",
            _ => "UNSET",
        };
    }

    /// <summary>The <c>service.name</c> of the provider's resource, or <c>unknown_service</c>.</summary>
    public static string ResolveServiceName(BaseProvider? provider)
    {
        if (provider is not null)
        {
            foreach (var attribute in provider.GetResource().Attributes)
            {
                if (string.Equals(attribute.Key, ServiceNameKey, StringComparison.Ordinal) && attribute.Value is string name && name.Length > 0)
                {
                    return name;
                }
            }
        }

        return UnknownService;
    }

    /// <summary>Whether <paramref name="exception"/> means the process itself is failing (out of memory, corrupted
    /// state), so it must not be turned into a failed export.</summary>
    public static bool IsFatal(Exception exception)
        => exception is OutOfMemoryException or AccessViolationException or StackOverflowException;

    /// <summary>Writes <paramref name="value"/> with control characters (line breaks), the Unicode line and paragraph
    /// separators and the bidirectional embedding, override and isolate controls replaced by spaces, and at most
    /// <paramref name="maxLength"/> characters (never half of a surrogate pair), so one span stays one line that
    /// reads as written.</summary>
    public static void WriteSingleLine(TextWriter writer, string value, int maxLength)
    {
        var length = Math.Min(value.Length, maxLength);
        if (length < value.Length && length > 0 && char.IsHighSurrogate(value[length - 1]))
        {
            length--;
        }

        var span = value.AsSpan(0, length);
        var start = 0;
        for (var i = 0; i < span.Length; i++)
        {
            if (MustReplace(span[i]))
            {
                writer.Write(span[start..i]);
                writer.Write(' ');
                start = i + 1;
            }
        }

        writer.Write(span[start..]);
        if (value.Length > maxLength)
        {
            writer.Write("...");
        }
    }

    // U+2028/U+2029 end a line in many terminals and viewers; U+202A..U+202E (embeddings, overrides) and
    // U+2066..U+2069 (isolates) reorder the text after them (Unicode UAX #9), so a name could disguise the fields.
    private static bool MustReplace(char c)
        => char.IsControl(c) || c is '\u2028' or '\u2029' or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069');
}
