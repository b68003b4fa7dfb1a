using System.Diagnostics;
using OpenTelemetry.Trace;
using Propagation.Collector.Internal;

namespace Propagation.Collector.Tests.Pipeline;

public class PipelineSamplerParserTests
{
    private static readonly ActivityTraceId LowTraceId = ActivityTraceId.CreateFromString("00000000000000000000000000000001");
    private static readonly ActivityTraceId HighTraceId = ActivityTraceId.CreateFromString("7fffffffffffffff7fffffffffffffff");

    [Theory]
    [InlineData(null, "parentbased_always_on")]
    [InlineData("", "parentbased_always_on")]
    [InlineData("  ", "parentbased_always_on")]
    [InlineData("always_on", "always_on")]
    [InlineData("ALWAYS_ON", "always_on")]
    [InlineData(" always_off ", "always_off")]
    [InlineData("parentbased_always_on", "parentbased_always_on")]
    [InlineData("parentbased_always_off", "parentbased_always_off")]
    [InlineData("traceidratio", "traceidratio(1)")]
    [InlineData("parentbased_traceidratio", "parentbased_traceidratio(1)")]
    public void TryParse_SupportedName_ReturnsSampler(string? name, string expectedDescription)
    {
        var parsed = PipelineSamplerParser.TryParse(name, null, out var sampler, out var description, out var error);

        Assert.True(parsed);
        Assert.NotNull(sampler);
        Assert.Equal(expectedDescription, description);
        Assert.Null(error);
    }

    [Fact]
    public void TryParse_AlwaysOff_DropsRoot()
    {
        PipelineSamplerParser.TryParse("always_off", null, out var sampler, out _, out _);

        Assert.Equal(SamplingDecision.Drop, Decide(sampler, parent: default, LowTraceId));
    }

    [Fact]
    public void TryParse_Default_FollowsSampledAndUnsampledParent()
    {
        PipelineSamplerParser.TryParse(null, null, out var sampler, out _, out _);
        var sampledParent = new ActivityContext(LowTraceId, ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded, isRemote: true);
        var unsampledParent = new ActivityContext(LowTraceId, ActivitySpanId.CreateRandom(), ActivityTraceFlags.None, isRemote: true);

        Assert.Equal(SamplingDecision.RecordAndSample, Decide(sampler, default, LowTraceId));
        Assert.Equal(SamplingDecision.RecordAndSample, Decide(sampler, sampledParent, LowTraceId));
        Assert.Equal(SamplingDecision.Drop, Decide(sampler, unsampledParent, LowTraceId));
    }

    [Fact]
    public void TryParse_TraceIdRatioWithArgument_SamplesByTraceId()
    {
        var parsed = PipelineSamplerParser.TryParse("traceidratio", "0.5", out var sampler, out var description, out _);

        Assert.True(parsed);
        Assert.Equal("traceidratio(0.5)", description);
        Assert.Equal(SamplingDecision.RecordAndSample, Decide(sampler, default, LowTraceId));
        Assert.Equal(SamplingDecision.Drop, Decide(sampler, default, HighTraceId));
    }

    [Fact]
    public void TryParse_ParentBasedTraceIdRatioZero_DropsRootsButFollowsSampledParent()
    {
        PipelineSamplerParser.TryParse("parentbased_traceidratio", "0", out var sampler, out _, out _);
        var sampledParent = new ActivityContext(HighTraceId, ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded, isRemote: true);

        Assert.Equal(SamplingDecision.Drop, Decide(sampler, default, LowTraceId));
        Assert.Equal(SamplingDecision.RecordAndSample, Decide(sampler, sampledParent, HighTraceId));
    }

    [Theory]
    [InlineData("always", null, "OTEL_TRACES_SAMPLER 'always'")] // unknown name
    [InlineData("jaeger_remote", null, "not supported")] // spec value we do not implement
    [InlineData("parentbased_always_onn", null, "parentbased_always_on")] // typo: the error lists the valid names
    [InlineData("traceidratio", "half", "OTEL_TRACES_SAMPLER_ARG 'half'")] // not a number
    [InlineData("traceidratio", "1.5", "from 0 to 1")] // above 1
    [InlineData("parentbased_traceidratio", "-0.1", "from 0 to 1")] // below 0
    [InlineData("traceidratio", "NaN", "not a ratio")] // NaN parses as a double but is no ratio
    public void TryParse_Invalid_ReturnsFalseWithClearError(string name, string? argument, string expectedInError)
    {
        var parsed = PipelineSamplerParser.TryParse(name, argument, out _, out _, out var error);

        Assert.False(parsed);
        Assert.NotNull(error);
        Assert.Contains(expectedInError, error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_LongInvalidName_ErrorIsBounded()
    {
        var name = new string('x', 10_000);

        PipelineSamplerParser.TryParse(name, null, out _, out _, out var error);

        Assert.NotNull(error);
        Assert.True(error.Length < 400, "error length " + error.Length);
    }

    private static SamplingDecision Decide(Sampler sampler, ActivityContext parent, ActivityTraceId traceId)
        => sampler.ShouldSample(new SamplingParameters(parent, traceId, "span", ActivityKind.Internal)).Decision;
}
