using System.Diagnostics;
using System.Text.RegularExpressions;
using OpenTelemetry;
using Propagation.Collector.Tests.Pipeline;

namespace Propagation.Collector.Tests.Exporters;

public class ConsoleSpanExporterTests
{
    private static readonly ActivityTraceId TraceId = ActivityTraceId.CreateFromString("4bf92f3577b34da6a3ce929d0e0e4736");
    private static readonly ActivitySpanId ParentId = ActivitySpanId.CreateFromString("00f067aa0ba902b7");

    [Fact]
    public async Task Export_ThroughPipeline_OneLinePerSpanWithServiceFromResource()
    {
        using var source = PipelineTestHost.NewSource(nameof(Export_ThroughPipeline_OneLinePerSpanWithServiceFromResource));
        var writer = new StringWriter();
        using var host = PipelineTestHost.Build(source, o =>
        {
            o.ServiceName = "checkout";
            o.Exporters = ["console"];
            o.ConsoleWriter = writer;
        });
        await host.StartAsync().Bounded();
        string spanId;
        using (var activity = source.StartActivity("GET /orders", ActivityKind.Server, new ActivityContext(TraceId, ParentId, ActivityTraceFlags.Recorded, isRemote: true)))
        {
            spanId = activity!.SpanId.ToHexString();
            activity.SetStatus(ActivityStatusCode.Error, "boom");
        }

        await host.StopAsync().Bounded();

        var line = Assert.Single(writer.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
        Assert.Matches(
            "^\\[checkout\\] GET /orders \\(server\\) trace=4bf92f3577b34da6a3ce929d0e0e4736 span=" + spanId
            + " parent=00f067aa0ba902b7 \\d+\\.\\d{3} ms ERROR: boom$",
            line);
    }

    [Fact]
    public void Export_RootSpanWithoutProvider_DashParentUnknownServiceAndUnsetStatus()
    {
        var writer = new StringWriter();
        using var exporter = new ConsoleSpanExporter(writer);
        var activity = ExportTestActivities.Create("work", ActivityKind.Internal, default);

        var result = exporter.Export(new Batch<Activity>(activity));

        Assert.Equal(ExportResult.Success, result);
        Assert.Matches(
            "^\\[unknown_service\\] work \\(internal\\) trace=[0-9a-f]{32} span=[0-9a-f]{16} parent=- \\d+\\.\\d{3} ms UNSET\r?\n$",
            writer.ToString());
    }

    [Fact]
    public void Export_NameWithLineBreaksAndVeryLong_StaysOnOneBoundedLine()
    {
        var writer = new StringWriter();
        using var exporter = new ConsoleSpanExporter(writer);
        var activity = ExportTestActivities.Create("evil\r\nname" + new string('x', 5000), ActivityKind.Client, default);
        activity.SetStatus(ActivityStatusCode.Error, "line1\nline2");

        exporter.Export(new Batch<Activity>(activity));

        var output = writer.ToString();
        Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("evil  name", output, StringComparison.Ordinal);
        Assert.Contains("xxx... (client)", output, StringComparison.Ordinal);
        Assert.EndsWith("ERROR: line1 line2" + Environment.NewLine, output, StringComparison.Ordinal);
        Assert.True(output.Length < 700, "line length " + output.Length);
    }

    [Theory]
    [InlineData("a\u2028b", "a b")] // line separator
    [InlineData("a\u2029b", "a b")] // paragraph separator
    [InlineData("admin\u202Egnp.exe", "admin gnp.exe")] // right-to-left override
    [InlineData("x\u2066y\u2069z", "x y z")] // isolates
    [InlineData("a\u202Ab\u202Cc", "a b c")] // embedding, pop
    public void Export_LineSeparatorsAndBidiControls_BecomeSpaces(string name, string expected)
    {
        var writer = new StringWriter();
        using var exporter = new ConsoleSpanExporter(writer);

        exporter.Export(new Batch<Activity>(ExportTestActivities.Create(name, ActivityKind.Internal, default)));

        Assert.StartsWith("[unknown_service] " + expected + " (internal)", writer.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Export_NameCutInsideASurrogatePair_CutBeforeThePair()
    {
        var writer = new StringWriter();
        using var exporter = new ConsoleSpanExporter(writer);
        var name = new string('x', 255) + "\U0001F600" + "tail"; // the emoji takes characters 256 and 257

        exporter.Export(new Batch<Activity>(ExportTestActivities.Create(name, ActivityKind.Internal, default)));

        var output = writer.ToString();
        Assert.Contains(new string('x', 255) + "... (internal)", output, StringComparison.Ordinal);
        Assert.DoesNotContain(output, char.IsSurrogate);
    }

    [Fact]
    public void Export_StatusFromOtelStatusCodeTag_IsShown()
    {
        var writer = new StringWriter();
        using var exporter = new ConsoleSpanExporter(writer);
        var activity = ExportTestActivities.Create("legacy", ActivityKind.Internal, default);
        activity.SetTag("otel.status_code", "ERROR");

        exporter.Export(new Batch<Activity>(activity));

        Assert.Matches(" ms ERROR\r?\n$", writer.ToString());
    }

    [Fact]
    public void Export_DisposedWriter_ReturnsFailure()
    {
        var writer = new StringWriter();
        writer.Dispose();
        using var exporter = new ConsoleSpanExporter(writer);

        var result = exporter.Export(new Batch<Activity>(ExportTestActivities.Create("x", ActivityKind.Internal, default)));

        Assert.Equal(ExportResult.Failure, result);
    }

    [Theory]
    [InlineData(typeof(InvalidOperationException))]
    [InlineData(typeof(NotSupportedException))]
    [InlineData(typeof(IOException))]
    public void Export_WriterThrows_ReturnsFailure(Type exceptionType)
    {
        using var exporter = new ConsoleSpanExporter(new ThrowingWriter(() => (Exception)Activator.CreateInstance(exceptionType, "writer broke")!));

        var result = exporter.Export(new Batch<Activity>(ExportTestActivities.Create("x", ActivityKind.Internal, default)));

        Assert.Equal(ExportResult.Failure, result);
    }

    [Fact]
    public void Export_WriterOutOfMemory_Propagates()
    {
        using var exporter = new ConsoleSpanExporter(new ThrowingWriter(() => new OutOfMemoryException()));

        Assert.Throws<OutOfMemoryException>(() => exporter.Export(new Batch<Activity>(ExportTestActivities.Create("x", ActivityKind.Internal, default))));
    }

    [Fact]
    public void Constructor_NullWriter_Throws()
    {
        Assert.Throws<ArgumentNullException>(() => new ConsoleSpanExporter(null!));
    }
}
