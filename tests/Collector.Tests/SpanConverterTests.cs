using System.Diagnostics;
using Propagation.Collector;
using Propagation.Collector.Internal;

namespace Propagation.Collector.Tests;

public sealed class SpanConverterTests
{
    [Fact]
    public void Convert_FinishedActivity_CopiesIdsTimingStatusAndSource()
    {
        using var source = new SampledActivitySource("Propagation.Collector.Tests");
        using var parent = source.Source.StartActivity("parent", ActivityKind.Server)!;
        using var child = source.Source.StartActivity("child", ActivityKind.Client)!;
        child.DisplayName = "GET /things";
        child.SetStatus(ActivityStatusCode.Error, "boom");
        child.Stop();

        var span = SpanConverter.Convert(child, "svc", SpanLimits.Default);

        Assert.Equal(child.TraceId.ToHexString(), span.TraceId);
        Assert.Equal(child.SpanId.ToHexString(), span.SpanId);
        Assert.Equal(parent.SpanId.ToHexString(), span.ParentSpanId);
        Assert.Equal("GET /things", span.Name);
        Assert.Equal(ActivityKind.Client, span.Kind);
        Assert.Equal("svc", span.ServiceName);
        Assert.Equal(source.Source.Name, span.SourceName);
        Assert.Equal(child.StartTimeUtc, span.StartTime.UtcDateTime);
        Assert.Equal(child.Duration, span.Duration);
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal("boom", span.StatusDescription);
        Assert.True(span.IsError);
    }

    [Fact]
    public void Convert_RootActivity_HasNoParent()
    {
        using var source = new SampledActivitySource("Propagation.Collector.Tests");
        using var root = source.Source.StartActivity("root")!;
        root.Stop();

        Assert.Null(SpanConverter.Convert(root, "svc", SpanLimits.Default).ParentSpanId);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Convert_ParentContext_KeepsWhetherTheParentIsRemote(bool isRemote)
    {
        using var source = new SampledActivitySource("Propagation.Collector.Tests");
        var parent = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded, isRemote: isRemote);
        using var activity = source.Source.StartActivity("GET /kernel", ActivityKind.Server, parent)!;
        activity.Stop();

        var span = SpanConverter.Convert(activity, "kernel", SpanLimits.Default);

        Assert.Equal(parent.SpanId.ToHexString(), span.ParentSpanId);
        Assert.Equal(isRemote, span.HasRemoteParent);
    }

    [Fact]
    public void Convert_ChildOfCurrentActivity_ParentIsLocal()
    {
        using var source = new SampledActivitySource("Propagation.Collector.Tests");
        var remote = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded, isRemote: true);
        using var server = source.Source.StartActivity("GET /kernel", ActivityKind.Server, remote)!;
        using var child = source.Source.StartActivity("work")!;
        child.Stop();
        server.Stop();

        Assert.True(SpanConverter.Convert(server, "kernel", SpanLimits.Default).HasRemoteParent);
        Assert.False(SpanConverter.Convert(child, "kernel", SpanLimits.Default).HasRemoteParent);
    }

    [Fact]
    public void Convert_TagValues_NormalizedToStringLongDoubleBool()
    {
        using var source = new SampledActivitySource("Propagation.Collector.Tests");
        using var activity = source.Source.StartActivity("op")!;
        activity.SetTag("s", "text");
        activity.SetTag("i", 42);
        activity.SetTag("b", (byte)7);
        activity.SetTag("f", 1.5f);
        activity.SetTag("d", 2.25);
        activity.SetTag("t", true);
        activity.SetTag("a", new[] { 1, 2 });
        activity.Stop();

        var span = SpanConverter.Convert(activity, "svc", SpanLimits.Default);

        Assert.Equal("text", span.GetAttribute("s"));
        Assert.Equal(42L, span.GetAttribute("i"));
        Assert.Equal(7L, span.GetAttribute("b"));
        Assert.Equal(1.5, span.GetAttribute("f"));
        Assert.Equal(2.25, span.GetAttribute("d"));
        Assert.Equal(true, span.GetAttribute("t"));
        Assert.Equal("[1,2]", span.GetAttribute("a"));
    }

    [Theory]
    [InlineData("authorization")]
    [InlineData("Authorization")]
    [InlineData("http.request.header.authorization")]
    [InlineData("http.request.header.proxy-authorization")]
    [InlineData("http.request.header.cookie")]
    [InlineData("http.response.header.set-cookie")]
    [InlineData("api-key")]
    [InlineData("x-api-key")]
    [InlineData("http.request.header.x_api_key")]
    public void Convert_CredentialKey_StoresRedactedMarker(string key)
    {
        using var source = new SampledActivitySource("Propagation.Collector.Tests");
        using var activity = source.Source.StartActivity("op")!;
        activity.SetTag(key, "Bearer secret-token");
        activity.AddEvent(new ActivityEvent("e", tags: new ActivityTagsCollection { [key] = "secret" }));
        activity.Stop();

        var span = SpanConverter.Convert(activity, "svc", SpanLimits.Default);

        Assert.Equal(SpanTag.RedactedValue, span.GetAttribute(key));
        Assert.Equal(SpanTag.RedactedValue, span.Events[0].Attributes[0].Value);
    }

    [Theory]
    [InlineData("authorization.scheme.kind")]
    [InlineData("cookies_enabled")]
    [InlineData("http.request.method")]
    public void Convert_NonCredentialKey_KeepsValue(string key)
    {
        using var source = new SampledActivitySource("Propagation.Collector.Tests");
        using var activity = source.Source.StartActivity("op")!;
        activity.SetTag(key, "visible");
        activity.Stop();

        Assert.Equal("visible", SpanConverter.Convert(activity, "svc", SpanLimits.Default).GetAttribute(key));
    }

    [Fact]
    public void Convert_LongServiceName_CutToTheValueBound()
    {
        using var source = new SampledActivitySource("Propagation.Collector.Tests");
        using var activity = source.Source.StartActivity("op")!;
        activity.Stop();
        var limits = new SpanLimits(MaxAttributeValueLength: 20, MaxAttributesPerSpan: 4, MaxEventsPerSpan: 1, MaxLinksPerSpan: 1);

        var span = SpanConverter.Convert(activity, new string('s', 100), limits);

        Assert.Equal(new string('s', 20), span.ServiceName);
    }

    [Fact]
    public void Convert_LongValueAndManyTags_Bounded()
    {
        using var source = new SampledActivitySource("Propagation.Collector.Tests");
        using var activity = source.Source.StartActivity("op")!;
        activity.SetTag("long", new string('x', 100));
        for (var i = 0; i < 10; i++)
        {
            activity.SetTag("k" + i, i);
        }

        activity.Stop();
        var limits = new SpanLimits(MaxAttributeValueLength: 20, MaxAttributesPerSpan: 4, MaxEventsPerSpan: 1, MaxLinksPerSpan: 1);

        var span = SpanConverter.Convert(activity, "svc", limits);

        Assert.Equal(4, span.Attributes.Count);
        Assert.Equal(new string('x', 20), span.GetAttribute("long"));
    }

    [Theory]
    [InlineData(18, 20)]
    [InlineData(19, 19)]
    [InlineData(20, 20)]
    public void Convert_LongValueWithASurrogatePairAtTheCut_CutNeverSplitsThePair(int before, int expectedLength)
    {
        // Arrange: 'before' ASCII characters, then U+1F600 (two UTF-16 units), then more; the cut is at 20.
        using var source = new SampledActivitySource("Propagation.Collector.Tests");
        var value = new string('x', before) + "\U0001F600" + new string('y', 50);
        using var activity = source.Source.StartActivity(value)!;
        activity.SetTag("long", value);
        activity.Stop();
        var limits = new SpanLimits(MaxAttributeValueLength: 20, MaxAttributesPerSpan: 4, MaxEventsPerSpan: 1, MaxLinksPerSpan: 1);

        // Act
        var span = SpanConverter.Convert(activity, "svc", limits);

        // Assert: the attribute and the name alike.
        Assert.Equal(value[..expectedLength], span.GetAttribute("long"));
        Assert.Equal(value[..expectedLength], span.Name);
    }

    [Fact]
    public void Convert_LimitsOfZero_KeepNoAttributesEventsOrLinks()
    {
        using var source = new SampledActivitySource("Propagation.Collector.Tests");
        var linked = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);
        using var activity = source.Source.StartActivity("op", ActivityKind.Internal, default(ActivityContext), links: [new ActivityLink(linked)])!;
        activity.SetTag("k", "v");
        activity.AddEvent(new ActivityEvent("e"));
        activity.Stop();
        var limits = new SpanLimits(MaxAttributeValueLength: 20, MaxAttributesPerSpan: 0, MaxEventsPerSpan: 0, MaxLinksPerSpan: 0);

        var span = SpanConverter.Convert(activity, "svc", limits);

        Assert.Empty(span.Attributes);
        Assert.Empty(span.Events);
        Assert.Empty(span.Links);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(128)]
    public void Convert_ThreeEventsAndLinks_FirstUpToTheLimitKeptInOrder(int limit)
    {
        using var source = new SampledActivitySource("Propagation.Collector.Tests");
        var linked = Enumerable.Range(0, 3)
            .Select(_ => new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded))
            .ToArray();
        using var activity = source.Source.StartActivity("op", ActivityKind.Internal, default(ActivityContext), links: linked.Select(c => new ActivityLink(c)))!;
        for (var i = 0; i < 3; i++)
        {
            activity.AddEvent(new ActivityEvent("e" + i, tags: new ActivityTagsCollection { ["i"] = i }));
        }

        activity.Stop();
        var limits = SpanLimits.Default with { MaxEventsPerSpan = limit, MaxLinksPerSpan = limit };

        var span = SpanConverter.Convert(activity, "svc", limits);

        var kept = Math.Min(3, limit);
        Assert.Equal(Enumerable.Range(0, kept).Select(i => "e" + i), span.Events.Select(e => e.Name));
        Assert.Equal(Enumerable.Range(0, kept).Select(i => (object)(long)i), span.Events.Select(e => e.Attributes.Single().Value));
        Assert.Equal(linked.Take(kept).Select(c => c.SpanId.ToHexString()), span.Links.Select(l => l.SpanId));
    }

    [Fact]
    public void Convert_TagsWithoutValue_SkippedAndTheLimitCountsOnlyKeptTags()
    {
        using var source = new SampledActivitySource("Propagation.Collector.Tests");
        using var activity = source.Source.StartActivity("op")!;
        activity.AddTag("a", "1");
        activity.AddTag("none", (object?)null);
        activity.AddTag("b", 2);
        activity.AddTag("c", 3L);
        activity.AddTag("d", "4");
        activity.Stop();
        var limits = new SpanLimits(MaxAttributeValueLength: 20, MaxAttributesPerSpan: 3, MaxEventsPerSpan: 1, MaxLinksPerSpan: 1);

        var span = SpanConverter.Convert(activity, "svc", limits);

        Assert.Equal(["a", "b", "c"], span.Attributes.Select(a => a.Key));
        Assert.Equal(2L, span.GetAttribute("b"));
        Assert.Equal(3L, span.GetAttribute("c"));
    }

    [Fact]
    public void Convert_EventAttributeIntegers_StoredAsLong()
    {
        using var source = new SampledActivitySource("Propagation.Collector.Tests");
        using var activity = source.Source.StartActivity("op")!;
        activity.AddEvent(new ActivityEvent("e", tags: new ActivityTagsCollection { ["kept"] = 1, ["big"] = 5_000_000_000L }));
        activity.Stop();

        var span = SpanConverter.Convert(activity, "svc", SpanLimits.Default);

        var attributes = Assert.Single(span.Events).Attributes;
        Assert.Equal(["kept", "big"], attributes.Select(a => a.Key));
        Assert.Equal(1L, attributes[0].Value);
        Assert.Equal(5_000_000_000L, attributes[1].Value);
    }

    [Fact]
    public void Convert_EventsAndLinks_KeptWithAttributes()
    {
        using var source = new SampledActivitySource("Propagation.Collector.Tests");
        var linked = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);
        using var activity = source.Source.StartActivity("op", ActivityKind.Internal, default(ActivityContext),
            links: [new ActivityLink(linked, new ActivityTagsCollection { ["link.kind"] = "follows" })])!;
        activity.AddException(new InvalidOperationException("bad state"));
        activity.Stop();

        var span = SpanConverter.Convert(activity, "svc", SpanLimits.Default);

        var exception = Assert.Single(span.Events);
        Assert.Equal("exception", exception.Name);
        Assert.Contains(exception.Attributes, a => a.Key == "exception.type" && (string)a.Value == typeof(InvalidOperationException).FullName);
        Assert.Contains(exception.Attributes, a => a.Key == "exception.message" && (string)a.Value == "bad state");
        var link = Assert.Single(span.Links);
        Assert.Equal(linked.TraceId.ToHexString(), link.TraceId);
        Assert.Equal(linked.SpanId.ToHexString(), link.SpanId);
        Assert.Equal("follows", Assert.Single(link.Attributes).Value);
    }

    [Theory]
    [InlineData(SpanStoreOptions.DefaultMaxAttributesPerSpan)]
    [InlineData(1)]
    public void Convert_OtelStatusCodeTag_MapsToErrorStatusEvenPastTheAttributeLimit(int maxAttributes)
    {
        using var source = new SampledActivitySource("Propagation.Collector.Tests");
        using var activity = source.Source.StartActivity("op")!;
        activity.SetTag("first", "kept");
        activity.SetTag("otel.status_code", "ERROR");
        activity.SetTag("otel.status_description", "legacy failure");
        activity.Stop();
        var limits = SpanLimits.Default with { MaxAttributesPerSpan = maxAttributes };

        var span = SpanConverter.Convert(activity, "svc", limits);

        Assert.Equal("first", span.Attributes[0].Key);
        Assert.Equal(Math.Min(3, maxAttributes), span.Attributes.Count);
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal("legacy failure", span.StatusDescription);
    }

    [Fact]
    public void Convert_AttributeWithoutKey_DroppedFromSpanEventsAndLinks()
    {
        // Activity.AddTag and the tag collections of events and links accept a null key; it cannot be stored or written.
        using var source = new SampledActivitySource("Propagation.Collector.Tests");
        var linked = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);
        var linkTags = new ActivityTagsCollection(
            [new KeyValuePair<string, object?>(null!, "link"), new KeyValuePair<string, object?>("link.kind", "follows")]);
        using var activity = source.Source.StartActivity("op", ActivityKind.Internal, default(ActivityContext), links: [new ActivityLink(linked, linkTags)])!;
        activity.AddTag(null!, "span");
        activity.AddTag("kept", "yes");
        activity.AddEvent(new ActivityEvent(
            "e",
            tags: new ActivityTagsCollection([new KeyValuePair<string, object?>(null!, "event"), new KeyValuePair<string, object?>("event.kept", 1)])));
        activity.Stop();

        var span = SpanConverter.Convert(activity, "svc", SpanLimits.Default);

        Assert.Equal([new SpanTag("kept", "yes")], span.Attributes);
        Assert.Equal([new SpanTag("event.kept", 1L)], Assert.Single(span.Events).Attributes);
        Assert.Equal([new SpanTag("link.kind", "follows")], Assert.Single(span.Links).Attributes);
    }
}
