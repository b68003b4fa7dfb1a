using System.Diagnostics;
using System.Globalization;
using System.Text;
using Propagation.Internal;

namespace Propagation.Collector.Internal;

/// <summary>Converts a finished <see cref="Activity"/> into a <see cref="StoredSpan"/>.</summary>
/// <remarks>
/// Runs on the export path (one call per finished span), not on a request's parse path. Every variable-size part
/// is bounded by <see cref="SpanLimits"/>; values of credential-like keys are replaced by
/// <see cref="SpanTag.RedactedValue"/> before anything is stored.
/// </remarks>
internal static class SpanConverter
{
    private const string OtelStatusCodeTag = "otel.status_code";
    private const string OtelStatusDescriptionTag = "otel.status_description";

    private static readonly object BoxedTrue = true;
    private static readonly object BoxedFalse = false;

    // Integers are stored as long: the common small ones (status codes, gRPC codes, counts) share one box each.
    private static readonly object[] SmallLongs = CreateSmallLongs();

    public static StoredSpan Convert(Activity activity, string serviceName, SpanLimits limits)
    {
        var status = activity.Status;
        var statusDescription = activity.StatusDescription;
        var attributes = ConvertTags(activity.EnumerateTagObjects(), limits, ref status, ref statusDescription);

        return new StoredSpan
        {
            TraceId = activity.TraceId.ToHexString(),
            SpanId = activity.SpanId.ToHexString(),
            ParentSpanId = activity.ParentSpanId == default ? null : activity.ParentSpanId.ToHexString(),
            HasRemoteParent = activity.HasRemoteParent,
            Name = Truncate(activity.DisplayName, limits.MaxAttributeValueLength),
            Kind = activity.Kind,
            // Bounded like every other text the store keeps, so the API's service filter reaches every listed name.
            ServiceName = Truncate(serviceName, limits.MaxAttributeValueLength),
            SourceName = activity.Source.Name,
            StartTime = new DateTimeOffset(DateTime.SpecifyKind(activity.StartTimeUtc, DateTimeKind.Utc)),
            Duration = activity.Duration < TimeSpan.Zero ? TimeSpan.Zero : activity.Duration,
            Status = status,
            StatusDescription = statusDescription is null ? null : Truncate(statusDescription, limits.MaxAttributeValueLength),
            Attributes = attributes,
            Events = ConvertEvents(activity, limits),
            Links = ConvertLinks(activity, limits),
        };
    }

    /// <summary>Whether the key names a credential: its last dot-separated segment
    /// (<c>http.request.header.x-auth-token</c>) judged by the header redaction's rule, <see cref="CredentialNames"/>.</summary>
    public static bool IsCredentialKey(string key)
    {
        var segment = key.AsSpan();
        var dot = segment.LastIndexOf('.');
        if (dot >= 0)
        {
            segment = segment[(dot + 1)..];
        }

        return CredentialNames.IsCredential(segment);
    }

    public static object? NormalizeValue(string key, object? value, int maxLength)
    {
        if (value is null)
        {
            return null;
        }

        if (IsCredentialKey(key))
        {
            return SpanTag.RedactedValue;
        }

        return value switch
        {
            string s => Truncate(s, maxLength),
            bool b => b ? BoxedTrue : BoxedFalse,
            long => value,
            int i => Box(i),
            short i => Box(i),
            sbyte i => Box(i),
            byte i => Box(i),
            ushort i => Box(i),
            uint i => Box(i),
            ulong i when i <= long.MaxValue => Box((long)i),
            ulong i => (double)i,
            double => value,
            float f => (double)f,
            decimal d => (double)d,
            Array array => FormatArray(array, maxLength),
            _ => FormatOther(value) is { } text ? Truncate(text, maxLength) : null,
        };
    }

    /// <summary>
    /// The text of a value of another type (the app's own), or <see langword="null"/> when its <c>ToString</c> throws: that
    /// value is then left out, as OpenTelemetry's exporters leave out an attribute they cannot convert, instead of the
    /// exception losing the span and the rest of its export batch.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1031", Justification = "The app's ToString may throw anything; only that value is lost.")]
    internal static string? FormatOther(object? value)
    {
        try
        {
            return System.Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty;
        }
        catch (Exception)
        {
            return null;
        }
    }

    private static SpanTag[] ConvertTags(
        Activity.Enumerator<KeyValuePair<string, object?>> tags,
        SpanLimits limits,
        ref ActivityStatusCode status,
        ref string? statusDescription)
    {
        var attributes = CopyTags(tags, limits, readStatus: true, out var otelStatus, out var otelDescription);

        // Instrumentations that predate Activity.Status report it through otel.status_code tags.
        if (status == ActivityStatusCode.Unset && otelStatus is not null)
        {
            if (string.Equals(otelStatus, "ERROR", StringComparison.OrdinalIgnoreCase))
            {
                status = ActivityStatusCode.Error;
                statusDescription ??= otelDescription;
            }
            else if (string.Equals(otelStatus, "OK", StringComparison.OrdinalIgnoreCase))
            {
                status = ActivityStatusCode.Ok;
            }
        }

        return attributes;
    }

    private static SpanTag[] ConvertAttributes(Activity.Enumerator<KeyValuePair<string, object?>> tags, SpanLimits limits) =>
        CopyTags(tags, limits, readStatus: false, out _, out _);

    /// <summary>
    /// The tags with a key and a value, at most <see cref="SpanLimits.MaxAttributesPerSpan"/>, normalized. They are counted first
    /// (the enumerators walk the activity's list without allocating) so the array is allocated once at its size,
    /// instead of a growing list and a copy. With <paramref name="readStatus"/>, every tag is visited for the last
    /// <c>otel.status_code</c> and <c>otel.status_description</c>, kept or not.
    /// </summary>
    private static SpanTag[] CopyTags(
        Activity.Enumerator<KeyValuePair<string, object?>> tags,
        SpanLimits limits,
        bool readStatus,
        out string? otelStatus,
        out string? otelDescription)
    {
        var result = AllocateTags(tags, limits.MaxAttributesPerSpan);
        var count = 0;
        otelStatus = null;
        otelDescription = null;
        foreach (ref readonly var tag in tags)
        {
            if (readStatus)
            {
                if (string.Equals(tag.Key, OtelStatusCodeTag, StringComparison.Ordinal))
                {
                    otelStatus = tag.Value as string;
                }
                else if (string.Equals(tag.Key, OtelStatusDescriptionTag, StringComparison.Ordinal))
                {
                    otelDescription = tag.Value as string;
                }
            }

            if (count == result.Length)
            {
                if (!readStatus)
                {
                    break;
                }

                continue;
            }

            // Activity.AddTag and the tag collections of events and links accept a null key; such a tag is dropped.
            if (tag.Key is not null && NormalizeValue(tag.Key, tag.Value, limits.MaxAttributeValueLength) is { } value)
            {
                result[count++] = new SpanTag(tag.Key, value);
            }
        }

        return Trimmed(result, count);
    }

    /// <summary>An array for the tags with a key and a value, at most <paramref name="max"/>.</summary>
    private static SpanTag[] AllocateTags(Activity.Enumerator<KeyValuePair<string, object?>> tags, int max)
    {
        if (max <= 0)
        {
            return [];
        }

        var count = 0;
        foreach (ref readonly var tag in tags)
        {
            if (tag.Key is not null && tag.Value is not null && ++count == max)
            {
                break;
            }
        }

        return count == 0 ? [] : new SpanTag[count];
    }

    /// <summary>The first <paramref name="count"/> tags: the array itself when every slot was filled, else a shorter copy (the tags changed between the count and the copy).</summary>
    private static SpanTag[] Trimmed(SpanTag[] tags, int count)
    {
        if (count == tags.Length)
        {
            return tags;
        }

        Array.Resize(ref tags, count);
        return tags;
    }

    private static SpanEvent[] ConvertEvents(Activity activity, SpanLimits limits) =>
        ConvertUpTo(
            activity.EnumerateEvents(),
            limits.MaxEventsPerSpan,
            limits,
            static (activityEvent, limits) => new SpanEvent(
                Truncate(activityEvent.Name, limits.MaxAttributeValueLength),
                activityEvent.Timestamp,
                ConvertAttributes(activityEvent.EnumerateTagObjects(), limits)));

    private static SpanLink[] ConvertLinks(Activity activity, SpanLimits limits) =>
        ConvertUpTo(
            activity.EnumerateLinks(),
            limits.MaxLinksPerSpan,
            limits,
            static (link, limits) => new SpanLink(
                link.Context.TraceId.ToHexString(),
                link.Context.SpanId.ToHexString(),
                ConvertAttributes(link.EnumerateTagObjects(), limits)));

    /// <summary>
    /// The first items, at most <paramref name="limit"/>, converted into an array of their count. Events and links are
    /// only ever appended, so counting first and then filling sees each one once; one appended in between is past the
    /// count and left out, as if it came later.
    /// </summary>
    private static TOut[] ConvertUpTo<TIn, TOut>(Activity.Enumerator<TIn> items, int limit, SpanLimits limits, Func<TIn, SpanLimits, TOut> convert)
    {
        var count = CountUpTo(items, limit);
        if (count == 0)
        {
            return [];
        }

        var result = new TOut[count];
        var i = 0;
        foreach (ref readonly var item in items)
        {
            result[i] = convert(item, limits);
            if (++i == count)
            {
                break;
            }
        }

        return result;
    }

    private static int CountUpTo<T>(Activity.Enumerator<T> items, int limit)
    {
        var count = 0;
        foreach (ref readonly var _ in items)
        {
            if (count >= limit)
            {
                break;
            }

            count++;
        }

        return count;
    }

    private static object Box(long value) => (ulong)value < (ulong)SmallLongs.Length ? SmallLongs[value] : value;

    private static object[] CreateSmallLongs()
    {
        var boxes = new object[1024];
        for (var i = 0; i < boxes.Length; i++)
        {
            boxes[i] = (long)i;
        }

        return boxes;
    }

    private static string Truncate(string value, int maxLength) => TextBounds.Cut(value, maxLength);

    private static string FormatArray(Array array, int maxLength)
    {
        var builder = new StringBuilder();
        builder.Append('[');
        var first = true;
        foreach (var item in array)
        {
            if (builder.Length > maxLength)
            {
                break;
            }

            if (!first)
            {
                builder.Append(',');
            }

            first = false;
            builder.Append(FormatOther(item));
        }

        builder.Append(']');
        return Truncate(builder.ToString(), maxLength);
    }
}
