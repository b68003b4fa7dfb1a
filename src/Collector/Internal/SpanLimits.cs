namespace Propagation.Collector.Internal;

/// <summary>The per-span bounds applied when an activity is converted.</summary>
internal readonly record struct SpanLimits(int MaxAttributeValueLength, int MaxAttributesPerSpan, int MaxEventsPerSpan, int MaxLinksPerSpan)
{
    public static SpanLimits Default { get; } = new(
        SpanStoreOptions.DefaultMaxAttributeValueLength,
        SpanStoreOptions.DefaultMaxAttributesPerSpan,
        SpanStoreOptions.DefaultMaxEventsPerSpan,
        SpanStoreOptions.DefaultMaxLinksPerSpan);

    public static SpanLimits From(SpanStoreOptions options) => new(
        options.MaxAttributeValueLength,
        options.MaxAttributesPerSpan,
        options.MaxEventsPerSpan,
        options.MaxLinksPerSpan);
}
