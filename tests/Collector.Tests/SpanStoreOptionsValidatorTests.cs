using Propagation.Collector;
using Propagation.Collector.Internal;

namespace Propagation.Collector.Tests;

public sealed class SpanStoreOptionsValidatorTests
{
    [Fact]
    public void Validate_Defaults_Succeeds()
    {
        var result = new SpanStoreOptionsValidator().Validate(null, new SpanStoreOptions());

        Assert.True(result.Succeeded);
    }

    [Fact]
    public void Validate_ManyInvalidValues_ReportsAllTogether()
    {
        var options = new SpanStoreOptions
        {
            MaxSpans = 10,
            MaxTraces = 0,
            MaxAge = TimeSpan.Zero,
            MaxSpansPerTrace = 11,
            MaxAttributeValueLength = 3,
            MaxAttributesPerSpan = -1,
            MaxEventsPerSpan = -1,
            MaxLinksPerSpan = -1,
            DefaultServiceName = "",
        };
        options.Grading.Http.B = options.Grading.Http.A;

        var result = new SpanStoreOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        var failures = result.Failures!.ToList();
        Assert.Equal(9, failures.Count);
        foreach (var name in new[] { "MaxTraces", "MaxAge", "MaxSpansPerTrace", "MaxAttributeValueLength", "MaxAttributesPerSpan", "MaxEventsPerSpan", "MaxLinksPerSpan", "DefaultServiceName", "Grading.Http" })
        {
            Assert.Contains(failures, f => f.Contains(name, StringComparison.Ordinal));
        }
    }
}
