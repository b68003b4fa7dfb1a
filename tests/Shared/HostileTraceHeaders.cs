using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Propagation.Testing;

/// <summary>
/// Seeded random inbound trace headers as an attacker would send them: valid values of every format, mutated
/// (hostile characters, cuts, repeats up to about 16 KB, case changes), some with a marker the product must never
/// repeat in a span or a log. Compiled into each test project that needs it.
/// </summary>
internal sealed class HostileTraceHeaders
{
    /// <summary>A version-00 <c>traceparent</c> as the codecs write it: lowercase hex ids, flags 00 or 01.</summary>
    public const string TraceParentPattern = "^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$";

    /// <summary>The text half of the values carry (as a list member, a key prefix or a suffix).</summary>
    public const string Marker = "zqmark";

    private static readonly string[] Names =
    [
        "traceparent", "tracestate", "baggage", "X-Trace-ID", "X-Span-ID", "b3", "X-B3-TraceId", "X-B3-SpanId",
        "X-B3-ParentSpanId", "X-B3-Sampled", "X-B3-Flags", "TraceParent", "x-trace-id",
    ];

    // Characters that break parsers: separators of every format, whitespace, controls, non-ASCII and a lone surrogate.
    private static readonly string[] Hostile =
    [
        "-", ",", ";", "=", "%", "%2", "%ZZ", " ", "\t", "\0", "\u007f", "\u00e9", "\u4e2d", "\ud83d\ude00", "\ud800", "\"", "\\",
        "00", "ff", "FF", "{", "}", "<script>", "../", "\u202e",

        // Percent-encoded: what a baggage value decodes to (CR LF, NUL, invalid UTF-8, a direction override).
        "%0D%0A", "%0A", "%00", "%FF", "%C3%28", "%E2%80%AE", "%25",
    ];

    // Valid percent-encoded UTF-8 of text that must never reach a header raw: CR LF, NUL, DEL, every baggage separator,
    // the escape character itself, non-ASCII letters, a direction override, an emoji.
    private static readonly string[] EncodedPieces =
    [
        "%0D%0A", "%0A", "%00", "%7F", "%2C", "%3B", "%3D", "%25", "%20", "%22", "%C3%A9", "%E4%B8%AD", "%E2%80%AE", "%F0%9F%98%80",
        "plain", "a", "9",
    ];

    private readonly Random _random;

    public HostileTraceHeaders(int seed) => _random = new Random(seed);

    /// <summary>Returns one to four trace headers (names in any case, some repeated); a header has two values one time in six.</summary>
    public List<(string Name, string[] Values)> Next(int index)
    {
        var headers = new List<(string, string[])>();
        var count = _random.Next(1, 5);
        for (var i = 0; i < count; i++)
        {
            var name = Names[_random.Next(Names.Length)];
            var first = Mutate(ValidValue(name), index);
            headers.Add(_random.Next(6) == 0 ? (name, [first, Mutate(ValidValue(name), index)]) : (name, [first]));
        }

        return headers;
    }

    /// <summary>
    /// Returns a valid <c>baggage</c> header of one to four members whose values are percent-encoded hostile text,
    /// with the values it decodes to, by key.
    /// </summary>
    public (string Header, Dictionary<string, string> Decoded) NextBaggage()
    {
        var header = new StringBuilder();
        var decoded = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var m = _random.Next(1, 5); m > 0; m--)
        {
            var key = "k" + m.ToString(CultureInfo.InvariantCulture);
            var value = new StringBuilder();
            for (var p = _random.Next(1, 5); p > 0; p--)
            {
                value.Append(EncodedPieces[_random.Next(EncodedPieces.Length)]);
            }

            header.Append(header.Length == 0 ? string.Empty : ",").Append(key).Append('=').Append(value);
            decoded[key] = Uri.UnescapeDataString(value.ToString());
        }

        return (header.ToString(), decoded);
    }

    /// <summary>The members of a baggage header (no properties expected), their values percent-decoded.</summary>
    public static Dictionary<string, string> DecodeBaggage(string header)
    {
        var members = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var member in header.Split(','))
        {
            var equals = member.IndexOf('=', StringComparison.Ordinal);
            members.Add(member[..equals].Trim(), Uri.UnescapeDataString(member[(equals + 1)..].Trim()));
        }

        return members;
    }

    /// <summary>Asserts an outbound header value is what HTTP and gRPC can carry as it is: visible ASCII, spaces and tabs.</summary>
    public static void AssertOneLineOfVisibleAscii(string name, string value) =>
        Assert.True(value.All(c => c is '\t' or (>= ' ' and <= '~')), $"{name} is not visible ASCII");

    /// <summary>Asserts the marker is nowhere in the span: its name, attributes, events and their attributes.</summary>
    public static void AssertNoMarker(Activity span)
    {
        Assert.DoesNotContain(Marker, span.DisplayName, StringComparison.OrdinalIgnoreCase);
        AssertNoMarker(span.TagObjects);
        foreach (var activityEvent in span.Events)
        {
            Assert.DoesNotContain(Marker, activityEvent.Name, StringComparison.OrdinalIgnoreCase);
            AssertNoMarker(activityEvent.Tags);
        }
    }

    private static void AssertNoMarker(IEnumerable<KeyValuePair<string, object?>> tags)
    {
        foreach (var tag in tags)
        {
            var text = tag.Value is string[] array ? string.Join(",", array) : Convert.ToString(tag.Value, CultureInfo.InvariantCulture);
            Assert.DoesNotContain(Marker, tag.Key, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(Marker, text ?? string.Empty, StringComparison.OrdinalIgnoreCase);
        }
    }

    private string ValidValue(string name)
    {
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        var spanId = ActivitySpanId.CreateRandom().ToHexString();
        return name.ToUpperInvariant() switch
        {
            "TRACEPARENT" => $"00-{traceId}-{spanId}-0{_random.Next(2)}",
            "TRACESTATE" => "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE",
            "BAGGAGE" => "userId=alice,serverNode=DF%2028;prop=1",
            "X-TRACE-ID" or "X-B3-TRACEID" => traceId,
            "X-SPAN-ID" or "X-B3-SPANID" or "X-B3-PARENTSPANID" => spanId,
            "B3" => $"{traceId}-{spanId}-{_random.Next(2)}",
            "X-B3-SAMPLED" => _random.Next(2).ToString(CultureInfo.InvariantCulture),
            _ => "1",
        };
    }

    private string Mutate(string value, int index)
    {
        var text = new StringBuilder(value);

        // No mutation half the time, so valid contexts arrive too.
        var mutations = Math.Max(0, _random.Next(-2, 4));
        for (var m = 0; m < mutations; m++)
        {
            switch (_random.Next(6))
            {
                case 0:
                    text.Insert(_random.Next(text.Length + 1), Hostile[_random.Next(Hostile.Length)]);
                    break;
                case 1 when text.Length > 1:
                    text.Remove(_random.Next(text.Length), 1);
                    break;
                case 2:
                    text.Length = _random.Next(text.Length + 1);
                    break;
                case 3:
                    var copy = text.ToString();
                    for (var r = _random.Next(2, 300); r > 0 && text.Length < 16_000; r--)
                    {
                        text.Append(',').Append(copy);
                    }

                    break;
                case 4:
                    text.Replace('a', 'A').Replace('f', 'F');
                    break;
                default:
                    if (text.Length > 0)
                    {
                        text[_random.Next(text.Length)] = 'g';
                    }

                    break;
            }
        }

        // Half the values keep their (maybe valid) form. The others get the marker as their own list member or key,
        // or glued to the value, so each format meets it somewhere.
        var mark = Marker + index.ToString(CultureInfo.InvariantCulture);
        return _random.Next(6) switch
        {
            > 2 => text.ToString(),
            0 => text + "," + mark + "=v",
            1 => mark + text,
            _ => text + mark,
        };
    }
}
