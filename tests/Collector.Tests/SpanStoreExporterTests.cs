using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Propagation.Collector.Tests;

public sealed class SpanStoreExporterTests
{
    [Fact]
    public void Export_ThroughTracerProvider_StoresSpansWithResourceServiceName()
    {
        using var source = new ActivitySource("Propagation.Collector.Tests.Exporter." + Guid.NewGuid().ToString("N"));
        var store = TestSpans.NewStore();
        using (var provider = Sdk.CreateTracerProviderBuilder()
            .AddSource(source.Name)
            .SetResourceBuilder(ResourceBuilder.CreateEmpty().AddService("checkout"))
            .AddProcessor(new SimpleActivityExportProcessor(new SpanStoreExporter(store)))
            .Build())
        {
            using var parent = source.StartActivity("parent", ActivityKind.Server)!;
            using (var child = source.StartActivity("child", ActivityKind.Client)!)
            {
                child.SetTag("service.name", "ignored-tag");
                child.SetTag("http.request.header.cookie", "session=abc");
            }

            parent.Stop();
        }

        var spans = store.GetSpans();
        Assert.Equal(2, spans.Count);
        Assert.All(spans, s => Assert.Equal("checkout", s.ServiceName));
        var child1 = spans.Single(s => s.Name == "child");
        var parent1 = spans.Single(s => s.Name == "parent");
        Assert.Equal(parent1.SpanId, child1.ParentSpanId);
        Assert.Equal(parent1.TraceId, child1.TraceId);
        Assert.Equal(SpanTag.RedactedValue, child1.GetAttribute("http.request.header.cookie"));
    }

    [Fact]
    public void Export_AttributeWhoseToStringThrows_DropsThatAttributeAndKeepsTheBatch()
    {
        // An attribute value of the app's own type is stored as its text: a ToString that throws loses that value only,
        // not the span nor the rest of its batch.
        var store = TestSpans.NewStore();
        using var exporter = new SpanStoreExporter(store);
        using var bad = new Activity("bad").SetIdFormat(ActivityIdFormat.W3C).Start();
        bad.SetTag("app.thing", new ThrowingToString());
        bad.SetTag("app.array", new object[] { 1, new ThrowingToString() });
        bad.SetTag("app.ok", "kept");
        bad.Stop();
        using var good = new Activity("good").SetIdFormat(ActivityIdFormat.W3C).Start();
        good.Stop();

        var result = exporter.Export(new Batch<Activity>([bad, good], 2));

        Assert.Equal(ExportResult.Success, result);
        var spans = store.GetSpans();
        Assert.Equal(2, spans.Count);
        var stored = spans.Single(s => s.Name == "bad");
        Assert.Null(stored.GetAttribute("app.thing"));
        Assert.Equal("kept", stored.GetAttribute("app.ok"));
    }

    private sealed class ThrowingToString
    {
        public override string ToString() => throw new InvalidOperationException("app bug");
    }

    [Fact]
    public void Export_RemoteAndLocalParents_StoresWhetherEachParentIsRemote()
    {
        // Arrange: a server span continuing a caller in another process, its child, and a span under a local
        // parent context that was never recorded.
        using var source = new ActivitySource("Propagation.Collector.Tests.Exporter." + Guid.NewGuid().ToString("N"));
        var store = TestSpans.NewStore();
        var traceId = ActivityTraceId.CreateRandom();
        var caller = new ActivityContext(traceId, ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded, isRemote: true);
        var dropped = new ActivityContext(traceId, ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded, isRemote: false);
        using (var provider = Sdk.CreateTracerProviderBuilder()
            .AddSource(source.Name)
            .SetResourceBuilder(ResourceBuilder.CreateEmpty().AddService("kernel"))
            .AddProcessor(new SimpleActivityExportProcessor(new SpanStoreExporter(store)))
            .Build())
        {
            // Act
            using (var server = source.StartActivity("POST /kernel", ActivityKind.Server, caller)!)
            {
                using var child = source.StartActivity("invoke")!;
            }

            using var stray = source.StartActivity("stray", ActivityKind.Internal, dropped)!;
        }

        // Assert
        var spans = store.GetTrace(traceId.ToHexString())!;
        Assert.Equal(3, spans.Count);
        var stored = spans.Single(s => s.Name == "POST /kernel");
        Assert.Equal(caller.SpanId.ToHexString(), stored.ParentSpanId);
        Assert.True(stored.HasRemoteParent);
        Assert.False(spans.Single(s => s.Name == "invoke").HasRemoteParent);
        Assert.Equal(dropped.SpanId.ToHexString(), spans.Single(s => s.Name == "stray").ParentSpanId);
        Assert.False(spans.Single(s => s.Name == "stray").HasRemoteParent);
    }

    [Fact]
    public void Export_PlaceholderResourceName_PrefersServiceNameTag()
    {
        using var source = new ActivitySource("Propagation.Collector.Tests.Exporter." + Guid.NewGuid().ToString("N"));
        var store = TestSpans.NewStore();
        using (var provider = Sdk.CreateTracerProviderBuilder()
            .AddSource(source.Name)
            .AddProcessor(new SimpleActivityExportProcessor(new SpanStoreExporter(store)))
            .Build())
        {
            using (var tagged = source.StartActivity("tagged")!)
            {
                tagged.SetTag("service.name", "kernel");
            }

            using var untagged = source.StartActivity("untagged")!;
        }

        var spans = store.GetSpans();
        Assert.Equal("kernel", spans.Single(s => s.Name == "tagged").ServiceName);
        Assert.StartsWith("unknown_service", spans.Single(s => s.Name == "untagged").ServiceName, StringComparison.Ordinal);
    }
}
