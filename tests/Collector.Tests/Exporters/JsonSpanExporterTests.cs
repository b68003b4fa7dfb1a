using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using Propagation.Collector.Tests.Pipeline;

namespace Propagation.Collector.Tests.Exporters;

public class JsonSpanExporterTests
{
    private static readonly ActivityTraceId TraceId = ActivityTraceId.CreateFromString("4bf92f3577b34da6a3ce929d0e0e4736");
    private static readonly ActivitySpanId ParentId = ActivitySpanId.CreateFromString("00f067aa0ba902b7");

    [Fact]
    public void Export_Span_WritesExactlyTheDocumentedFields()
    {
        var writer = new StringWriter();
        using var exporter = new JsonSpanExporter(writer);
        var activity = ExportTestActivities.Create(
            "GET /orders/{id}",
            ActivityKind.Server,
            new ActivityContext(TraceId, ParentId, ActivityTraceFlags.Recorded, isRemote: true),
            a =>
            {
                a.SetTag("http.request.method", "GET");
                a.SetTag("http.response.status_code", 500);
                a.SetTag("server.ratio", 0.5);
                a.SetTag("retry", true);
                a.SetTag("tags", new[] { "a", "b" });
                a.SetStatus(ActivityStatusCode.Error, "upstream failed");
            });

        var result = exporter.Export(new Batch<Activity>(activity));

        Assert.Equal(ExportResult.Success, result);
        var line = Assert.Single(writer.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
        using var json = JsonDocument.Parse(line);
        var root = json.RootElement;
        Assert.Equal(
            ["trace_id", "span_id", "parent_id", "operation", "kind", "service", "start_time", "duration_ms", "status_code", "status_description", "attributes"],
            root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("4bf92f3577b34da6a3ce929d0e0e4736", root.GetProperty("trace_id").GetString());
        Assert.Equal(activity.SpanId.ToHexString(), root.GetProperty("span_id").GetString());
        Assert.Equal("00f067aa0ba902b7", root.GetProperty("parent_id").GetString());
        Assert.Equal("GET /orders/{id}", root.GetProperty("operation").GetString());
        Assert.Equal("server", root.GetProperty("kind").GetString());
        Assert.Equal("unknown_service", root.GetProperty("service").GetString());
        Assert.Equal(activity.StartTimeUtc, root.GetProperty("start_time").GetDateTime().ToUniversalTime());
        Assert.Equal(Math.Round(activity.Duration.TotalMilliseconds, 3), root.GetProperty("duration_ms").GetDouble());
        Assert.Equal("ERROR", root.GetProperty("status_code").GetString());
        Assert.Equal("upstream failed", root.GetProperty("status_description").GetString());
        var attributes = root.GetProperty("attributes");
        Assert.Equal("GET", attributes.GetProperty("http.request.method").GetString());
        Assert.Equal(500, attributes.GetProperty("http.response.status_code").GetInt64());
        Assert.Equal(0.5, attributes.GetProperty("server.ratio").GetDouble());
        Assert.True(attributes.GetProperty("retry").GetBoolean());
        Assert.Equal(["a", "b"], attributes.GetProperty("tags").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public void Export_AttributeWithoutKey_SkipsItAndExportsTheWholeBatch()
    {
        var writer = new StringWriter();
        using var exporter = new JsonSpanExporter(writer);
        var keyless = ExportTestActivities.Create("keyless", ActivityKind.Internal, default, a =>
        {
            a.AddTag(null!, "no key");
            a.AddTag("kept", "yes");
        });
        var good = ExportTestActivities.Create("good", ActivityKind.Internal, default, a => a.SetTag("also", 1));

        var result = exporter.Export(new Batch<Activity>([keyless, good], 2));

        Assert.Equal(ExportResult.Success, result);
        var lines = writer.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        using var first = JsonDocument.Parse(lines[0]);
        Assert.Equal("keyless", first.RootElement.GetProperty("operation").GetString());
        var attributes = first.RootElement.GetProperty("attributes");
        Assert.Equal(["kept"], attributes.EnumerateObject().Select(p => p.Name));
        using var second = JsonDocument.Parse(lines[1]);
        Assert.Equal("good", second.RootElement.GetProperty("operation").GetString());
    }

    [Fact]
    public void Export_DuplicateTagKeys_EachKeyWrittenOnceWithItsLastValue()
    {
        var writer = new StringWriter();
        using var exporter = new JsonSpanExporter(writer);
        var activity = ExportTestActivities.Create("dup", ActivityKind.Internal, default, a =>
        {
            a.AddTag("retry", 1);
            a.AddTag("peer", "a");
            a.AddTag("retry", 2);
            a.AddTag("retry", 3);
        });

        exporter.Export(new Batch<Activity>(activity));

        var line = writer.ToString().TrimEnd();
        Assert.Equal(1, CountOccurrences(line, "\"retry\""));
        using var json = JsonDocument.Parse(line);
        var attributes = json.RootElement.GetProperty("attributes");
        Assert.Equal(["peer", "retry"], attributes.EnumerateObject().Select(p => p.Name));
        Assert.Equal(3, attributes.GetProperty("retry").GetInt64());
    }

    [Fact]
    public void Export_RootSpan_ParentIdIsNullAndNoStatusDescription()
    {
        var writer = new StringWriter();
        using var exporter = new JsonSpanExporter(writer);

        exporter.Export(new Batch<Activity>(ExportTestActivities.Create("root", ActivityKind.Internal, default)));

        using var json = JsonDocument.Parse(writer.ToString());
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("parent_id").ValueKind);
        Assert.Equal("UNSET", json.RootElement.GetProperty("status_code").GetString());
        Assert.Equal("internal", json.RootElement.GetProperty("kind").GetString());
        Assert.False(json.RootElement.TryGetProperty("status_description", out _));
    }

    [Fact]
    public void Export_RedactedAndCredentialValues_NeverWrittenInTheClear()
    {
        var writer = new StringWriter();
        using var exporter = new JsonSpanExporter(writer);
        var activity = ExportTestActivities.Create("call", ActivityKind.Client, default, a =>
        {
            a.SetTag("url.query", "[REDACTED]");
            a.SetTag("http.request.header.authorization", "Bearer secret-token");
            a.SetTag("http.request.header.cookie", "session=secret-cookie");
            a.SetTag("http.request.header.x-api-key", "secret-key");
        });

        exporter.Export(new Batch<Activity>(activity));

        var output = writer.ToString();
        Assert.DoesNotContain("secret", output, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(output);
        var attributes = json.RootElement.GetProperty("attributes");
        Assert.Equal("[REDACTED]", attributes.GetProperty("url.query").GetString());
        Assert.Equal("[REDACTED]", attributes.GetProperty("http.request.header.authorization").GetString());
        Assert.Equal("[REDACTED]", attributes.GetProperty("http.request.header.cookie").GetString());
        Assert.Equal("[REDACTED]", attributes.GetProperty("http.request.header.x-api-key").GetString());
    }

    [Theory]
    [InlineData("http.request.header.x-auth-token")]
    [InlineData("http.request.header.x-goog-api-key")]
    [InlineData("app.db.password")]
    [InlineData("oauth.client_secret")]
    [InlineData("Session-Token")]
    public void Export_KeyNamingACredentialLikeTheHeaderRules_ValueRedacted(string key)
    {
        // The header rules (Middleware HeaderRules) treat names containing api-key/apikey/api_key/token/secret/password
        // as credentials; the exporter applies the same rule to the key's last segment.
        var writer = new StringWriter();
        using var exporter = new JsonSpanExporter(writer);
        var activity = ExportTestActivities.Create("call", ActivityKind.Client, default, a => a.SetTag(key, "hunter2"));

        exporter.Export(new Batch<Activity>(activity));

        var output = writer.ToString();
        Assert.DoesNotContain("hunter2", output, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(output);
        Assert.Equal("[REDACTED]", json.RootElement.GetProperty("attributes").GetProperty(key).GetString());
    }

    [Fact]
    public void Export_CredentialKeyLongerThanTheStringBound_ValueRedacted()
    {
        // The key is cut for output; whether it names a credential is judged on the key as recorded (its end).
        var key = new string('a', 5000) + ".password";
        var writer = new StringWriter();
        using var exporter = new JsonSpanExporter(writer);
        var activity = ExportTestActivities.Create("call", ActivityKind.Client, default, a => a.SetTag(key, "hunter2"));

        exporter.Export(new Batch<Activity>(activity));

        Assert.DoesNotContain("hunter2", writer.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("gen_ai.usage.input_tokens")]
    [InlineData("gen_ai.usage.output_tokens")]
    [InlineData("gen_ai.request.max_tokens")]
    [InlineData("app.tokenizer")]
    public void Export_KeyWithAFragmentInsideAWord_ValueKept(string key)
    {
        // A fragment that a letter follows is part of another word: token counts stay readable.
        var writer = new StringWriter();
        using var exporter = new JsonSpanExporter(writer);
        var activity = ExportTestActivities.Create("call", ActivityKind.Client, default, a => a.SetTag(key, 1234));

        exporter.Export(new Batch<Activity>(activity));

        using var json = JsonDocument.Parse(writer.ToString());
        Assert.Equal(1234, json.RootElement.GetProperty("attributes").GetProperty(key).GetInt32());
    }

    [Fact]
    public void Export_HostileValues_StayValidJsonOnOneLine()
    {
        var writer = new StringWriter();
        using var exporter = new JsonSpanExporter(writer);
        var activity = ExportTestActivities.Create("name\"\n}{", ActivityKind.Internal, default, a =>
        {
            a.SetTag("quote\"key", "line\nbreak\u0000");
            a.SetTag("huge", new string('x', 100_000));
            a.SetTag("nan", double.NaN);
        });

        exporter.Export(new Batch<Activity>(activity));

        var line = Assert.Single(writer.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
        using var json = JsonDocument.Parse(line);
        Assert.Equal("name\"\n}{", json.RootElement.GetProperty("operation").GetString());
        var attributes = json.RootElement.GetProperty("attributes");
        Assert.Equal("line\nbreak\u0000", attributes.GetProperty("quote\"key").GetString());
        Assert.Equal(4096, attributes.GetProperty("huge").GetString()!.Length);
        Assert.Equal("NaN", attributes.GetProperty("nan").GetString());
    }

    [Fact]
    public void Export_LongValueWithASurrogatePairAtTheCut_CutBeforeThePairNotThroughIt()
    {
        // Arrange: the pair (U+1F600) starts at the last position the 4096-character cut keeps.
        var writer = new StringWriter();
        using var exporter = new JsonSpanExporter(writer);
        var value = new string('x', 4095) + "\U0001F600" + "tail";
        var activity = ExportTestActivities.Create("op", ActivityKind.Internal, default, a => a.SetTag("long", value));

        // Act
        exporter.Export(new Batch<Activity>(activity));

        // Assert: no half pair (it would be written as U+FFFD).
        using var json = JsonDocument.Parse(writer.ToString());
        Assert.Equal(new string('x', 4095), json.RootElement.GetProperty("attributes").GetProperty("long").GetString());
    }

    [Fact]
    public void Export_ThroughLogger_OneInformationMessagePerSpanWithTheJson()
    {
        var logger = new CapturingLogger();
        using var exporter = new JsonSpanExporter(logger);
        var first = ExportTestActivities.Create("first", ActivityKind.Internal, default);
        var second = ExportTestActivities.Create("second", ActivityKind.Internal, default);

        exporter.Export(new Batch<Activity>([first, second], 2));

        Assert.Equal(2, logger.Messages.Count);
        Assert.All(logger.Messages, m => Assert.Equal(LogLevel.Information, m.Level));
        Assert.All(logger.Messages, m => Assert.Equal(7110, m.EventId));
        using var json = JsonDocument.Parse(logger.Messages[1].Message);
        Assert.Equal("second", json.RootElement.GetProperty("operation").GetString());
    }

    [Fact]
    public async Task Export_ThroughPipeline_ServiceIsTheResourceServiceName()
    {
        using var source = PipelineTestHost.NewSource(nameof(Export_ThroughPipeline_ServiceIsTheResourceServiceName));
        var writer = new StringWriter();
        using var host = PipelineTestHost.Build(
            source,
            o => o.JsonWriter = writer,
            new Dictionary<string, string?> { ["OTEL_TRACES_EXPORTER"] = "json", ["OTEL_SERVICE_NAME"] = "billing" });
        await host.StartAsync().Bounded();
        source.StartActivity("charge")!.Stop();
        await host.StopAsync().Bounded();

        using var json = JsonDocument.Parse(writer.ToString());
        Assert.Equal("billing", json.RootElement.GetProperty("service").GetString());
        Assert.Equal("charge", json.RootElement.GetProperty("operation").GetString());
    }

    [Theory]
    [InlineData(typeof(InvalidOperationException))]
    [InlineData(typeof(NotSupportedException))]
    public void Export_WriterThrows_ReturnsFailure(Type exceptionType)
    {
        using var exporter = new JsonSpanExporter(new ThrowingWriter(() => (Exception)Activator.CreateInstance(exceptionType, "writer broke")!));

        var result = exporter.Export(new Batch<Activity>(ExportTestActivities.Create("x", ActivityKind.Internal, default)));

        Assert.Equal(ExportResult.Failure, result);
    }

    [Fact]
    public void Export_LoggerProviderThrows_ReturnsFailure()
    {
        // What LoggerFactory's logger throws when one of its providers fails.
        var logger = new CapturingLogger { Failure = new AggregateException("An error occurred while writing to logger(s).", new InvalidOperationException("provider broke")) };
        using var exporter = new JsonSpanExporter(logger);

        var result = exporter.Export(new Batch<Activity>(ExportTestActivities.Create("x", ActivityKind.Internal, default)));

        Assert.Equal(ExportResult.Failure, result);
    }

    [Fact]
    public void Constructor_NullArguments_Throw()
    {
        Assert.Throws<ArgumentNullException>(() => new JsonSpanExporter((TextWriter)null!));
        Assert.Throws<ArgumentNullException>(() => new JsonSpanExporter((ILogger)null!));
    }

    private static int CountOccurrences(string text, string value)
    {
        var count = 0;
        for (var i = text.IndexOf(value, StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + value.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private sealed class CapturingLogger : ILogger
    {
        public List<(LogLevel Level, int EventId, string Message)> Messages { get; } = [];

        public Exception? Failure { get; init; }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (Failure is not null)
            {
                throw Failure;
            }

            Messages.Add((logLevel, eventId.Id, formatter(state, exception)));
        }
    }
}
