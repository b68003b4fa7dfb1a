namespace Propagation.Collector.Internal;

/// <summary>
/// Makes a span given to <see cref="SpanStore.Add(StoredSpan)"/> safe to store: attributes without a key (a
/// <see langword="null"/> <see cref="SpanTag.Key"/>) cannot be written as a JSON property or classified, and
/// <see langword="null"/> where the model has none (a name, a list, an entry of a list; code without nullable checks
/// can set them) would make every read or analysis of the span fail. Keyless attributes, <see langword="null"/> events and
/// links, and links without ids are left out; <see langword="null"/> names become empty and <see langword="null"/> lists
/// empty lists.
/// </summary>
internal static class AddedSpans
{
    /// <summary>Gets the span itself when it is already safe (the usual case, found without allocating), else a safe copy.</summary>
    public static StoredSpan Sanitize(StoredSpan span)
    {
        if (span.Name is not null && span.ServiceName is not null && span.SourceName is not null
            && IsSafe(span.Attributes) && AreSafe(span.Events) && AreSafe(span.Links))
        {
            return span;
        }

        return new StoredSpan
        {
            TraceId = span.TraceId,
            SpanId = span.SpanId,
            ParentSpanId = span.ParentSpanId,
            HasRemoteParent = span.HasRemoteParent,
            Name = span.Name ?? string.Empty,
            Kind = span.Kind,
            ServiceName = span.ServiceName ?? string.Empty,
            SourceName = span.SourceName ?? string.Empty,
            StartTime = span.StartTime,
            Duration = span.Duration,
            Status = span.Status,
            StatusDescription = span.StatusDescription,
            Attributes = Keyed(span.Attributes),
            Events = Sanitize(span.Events),
            Links = Sanitize(span.Links),
        };
    }

    private static SpanEvent[] Sanitize(IReadOnlyList<SpanEvent>? events)
    {
        if (events is null)
        {
            return [];
        }

        var result = new List<SpanEvent>(events.Count);
        for (var i = 0; i < events.Count; i++)
        {
            if (events[i] is not { } e)
            {
                continue;
            }

            result.Add(e.Name is not null && IsSafe(e.Attributes) ? e : e with { Name = e.Name ?? string.Empty, Attributes = Keyed(e.Attributes) });
        }

        return [.. result];
    }

    private static SpanLink[] Sanitize(IReadOnlyList<SpanLink>? links)
    {
        if (links is null)
        {
            return [];
        }

        var result = new List<SpanLink>(links.Count);
        for (var i = 0; i < links.Count; i++)
        {
            if (links[i] is not { TraceId: not null, SpanId: not null } l)
            {
                continue;
            }

            result.Add(IsSafe(l.Attributes) ? l : l with { Attributes = Keyed(l.Attributes) });
        }

        return [.. result];
    }

    private static bool IsSafe(IReadOnlyList<SpanTag>? tags)
    {
        if (tags is null)
        {
            return false;
        }

        for (var i = 0; i < tags.Count; i++)
        {
            if (tags[i].Key is null)
            {
                return false;
            }
        }

        return true;
    }

    private static bool AreSafe(IReadOnlyList<SpanEvent>? events)
    {
        if (events is null)
        {
            return false;
        }

        for (var i = 0; i < events.Count; i++)
        {
            if (events[i] is not { Name: not null } e || !IsSafe(e.Attributes))
            {
                return false;
            }
        }

        return true;
    }

    private static bool AreSafe(IReadOnlyList<SpanLink>? links)
    {
        if (links is null)
        {
            return false;
        }

        for (var i = 0; i < links.Count; i++)
        {
            if (links[i] is not { TraceId: not null, SpanId: not null } l || !IsSafe(l.Attributes))
            {
                return false;
            }
        }

        return true;
    }

    private static SpanTag[] Keyed(IReadOnlyList<SpanTag>? tags)
    {
        if (tags is null)
        {
            return [];
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
