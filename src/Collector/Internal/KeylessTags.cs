namespace Propagation.Collector.Internal;

/// <summary>Removes attributes without a key (a <see langword="null"/> <see cref="SpanTag.Key"/>) from a span given to
/// <see cref="SpanStore.Add(StoredSpan)"/>: such an attribute cannot be written as a JSON property or classified, so a
/// stored one would make every read of its span fail.</summary>
internal static class KeylessTags
{
    /// <summary>Gets the span itself when every attribute of it, its events and its links has a key (the usual case,
    /// found without allocating), else a copy without the keyless attributes.</summary>
    public static StoredSpan RemoveFrom(StoredSpan span)
    {
        if (!AnyIn(span.Attributes) && !AnyInEvents(span.Events) && !AnyInLinks(span.Links))
        {
            return span;
        }

        return new StoredSpan
        {
            TraceId = span.TraceId,
            SpanId = span.SpanId,
            ParentSpanId = span.ParentSpanId,
            HasRemoteParent = span.HasRemoteParent,
            Name = span.Name,
            Kind = span.Kind,
            ServiceName = span.ServiceName,
            SourceName = span.SourceName,
            StartTime = span.StartTime,
            Duration = span.Duration,
            Status = span.Status,
            StatusDescription = span.StatusDescription,
            Attributes = Keyed(span.Attributes),
            Events = WithoutKeyless(span.Events),
            Links = WithoutKeyless(span.Links),
        };
    }

    private static SpanEvent[] WithoutKeyless(IReadOnlyList<SpanEvent>? events)
    {
        if (events is null)
        {
            return null!;
        }

        var result = new SpanEvent[events.Count];
        for (var i = 0; i < result.Length; i++)
        {
            var e = events[i];
            result[i] = e is not null && AnyIn(e.Attributes) ? e with { Attributes = Keyed(e.Attributes) } : e!;
        }

        return result;
    }

    private static SpanLink[] WithoutKeyless(IReadOnlyList<SpanLink>? links)
    {
        if (links is null)
        {
            return null!;
        }

        var result = new SpanLink[links.Count];
        for (var i = 0; i < result.Length; i++)
        {
            var l = links[i];
            result[i] = l is not null && AnyIn(l.Attributes) ? l with { Attributes = Keyed(l.Attributes) } : l!;
        }

        return result;
    }

    private static bool AnyIn(IReadOnlyList<SpanTag>? tags)
    {
        if (tags is null)
        {
            return false;
        }

        for (var i = 0; i < tags.Count; i++)
        {
            if (tags[i].Key is null)
            {
                return true;
            }
        }

        return false;
    }

    private static bool AnyInEvents(IReadOnlyList<SpanEvent>? events)
    {
        if (events is null)
        {
            return false;
        }

        for (var i = 0; i < events.Count; i++)
        {
            if (events[i] is { } e && AnyIn(e.Attributes))
            {
                return true;
            }
        }

        return false;
    }

    private static bool AnyInLinks(IReadOnlyList<SpanLink>? links)
    {
        if (links is null)
        {
            return false;
        }

        for (var i = 0; i < links.Count; i++)
        {
            if (links[i] is { } l && AnyIn(l.Attributes))
            {
                return true;
            }
        }

        return false;
    }

    private static SpanTag[] Keyed(IReadOnlyList<SpanTag>? tags)
    {
        if (tags is null)
        {
            return null!;
        }

        var keyed = new List<SpanTag>(tags.Count);
        for (var i = 0; i < tags.Count; i++)
        {
            if (tags[i].Key is not null)
            {
                keyed.Add(tags[i]);
            }
        }

        return [.. keyed];
    }
}
