using Microsoft.Extensions.Configuration;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using Propagation.Collector.Internal;

namespace Propagation.Collector.Tests.Pipeline;

public class PipelineSettingsTests
{
    [Fact]
    public void Resolve_NothingConfigured_UsesDefaults()
    {
        var (settings, errors) = Resolve(new TracingPipelineOptions(), [], applicationName: "orders");

        Assert.Empty(errors);
        Assert.NotNull(settings);
        Assert.True(settings.Enabled);
        Assert.Equal("orders", settings.ServiceName);
        Assert.Equal("parentbased_always_on", settings.SamplerDescription);
        Assert.Equal([TracingExporterNames.Store], settings.Exporters);
        Assert.Equal(2048, settings.MaxQueueSize);
        Assert.Equal(512, settings.MaxExportBatchSize);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.ScheduleDelay);
        Assert.Equal(TimeSpan.FromSeconds(30), settings.ExportTimeout);
        Assert.Equal(
            ["Propagation.AspNetCore", "Propagation.Http", "Propagation.Grpc", "Microsoft.AspNetCore", "System.Net.Http"],
            settings.Sources);
    }

    [Fact]
    public void Resolve_AppSourcesAndNoFrameworkSources_ListensToExactlyThose()
    {
        var options = new TracingPipelineOptions { ListenToAspNetCore = false, ListenToHttpClient = false };
        options.PropagationSources.Clear();
        options.Sources.Add("MyCompany.*");
        options.Sources.Add("Orders");

        var (settings, errors) = Resolve(options, []);

        Assert.Empty(errors);
        Assert.Equal(["MyCompany.*", "Orders"], settings!.Sources);
    }

    [Fact]
    public void Resolve_ServiceName_CodeThenOtelServiceNameThenResourceAttributeThenApplication()
    {
        var config = new Dictionary<string, string?>
        {
            ["OTEL_SERVICE_NAME"] = "from-variable",
            ["OTEL_RESOURCE_ATTRIBUTES"] = "service.name=from-resource,deployment.environment=test%20env",
        };

        var fromCode = Resolve(new TracingPipelineOptions { ServiceName = "from-code" }, config, "app").Settings!;
        var fromVariable = Resolve(new TracingPipelineOptions(), config, "app").Settings!;
        var fromResource = Resolve(new TracingPipelineOptions(), new() { ["OTEL_RESOURCE_ATTRIBUTES"] = "service.name=from-resource" }, "app").Settings!;
        var fromApplication = Resolve(new TracingPipelineOptions(), [], "app").Settings!;
        var fallback = Resolve(new TracingPipelineOptions(), [], null).Settings!;

        Assert.Equal("from-code", fromCode.ServiceName);
        Assert.Equal("from-variable", fromVariable.ServiceName);
        Assert.Equal("from-resource", fromResource.ServiceName);
        Assert.Equal("app", fromApplication.ServiceName);
        Assert.Equal("unknown_service", fallback.ServiceName);
        Assert.Contains(new KeyValuePair<string, object>("deployment.environment", "test env"), fromVariable.ResourceAttributes);
    }

    [Theory]
    [InlineData("=value,service.name=orders")] // empty key
    [InlineData("a=1,service.name=orders,novalue")] // no '='
    public void Resolve_MalformedResourceAttributes_DiscardsTheWholeValue(string value)
    {
        // Resource SDK spec: an invalid value discards the whole variable and is reported; the start-up goes on.
        var (settings, errors) = Resolve(new TracingPipelineOptions(), new() { ["OTEL_RESOURCE_ATTRIBUTES"] = value }, "app");

        Assert.Empty(errors);
        Assert.Empty(settings!.ResourceAttributes);
        Assert.Equal("app", settings.ServiceName);
    }

    [Fact]
    public void Resolve_ResourceAttributeWithOnlyAnEmptyValue_IsSkipped()
    {
        // OpenTelemetry .NET 1.20.1's detector skips an item with an empty value.
        var (settings, errors) = Resolve(new TracingPipelineOptions(), new() { ["OTEL_RESOURCE_ATTRIBUTES"] = "zone=,team= ,env=prod" });

        Assert.Empty(errors);
        Assert.Equal([new KeyValuePair<string, object>("env", "prod")], settings!.ResourceAttributes);
    }

    [Fact]
    public void Resolve_RepeatedResourceAttributeKeys_FirstOneWinsForEveryKey()
    {
        // OpenTelemetry .NET 1.20.1 keeps the first of a repeated key (Resource.Merge) and skips empty values;
        // service.name follows the same rule.
        var (settings, errors) = Resolve(
            new TracingPipelineOptions(),
            new() { ["OTEL_RESOURCE_ATTRIBUTES"] = "service.name=,zone=,service.name=first,team=a,service.name=second,team=b,zone=z,zone=y" });

        Assert.Empty(errors);
        Assert.Equal("first", settings!.ServiceName);
        Assert.Equal(
            [new KeyValuePair<string, object>("team", "a"), new KeyValuePair<string, object>("zone", "z")],
            settings.ResourceAttributes);
    }

    [Theory]
    [InlineData("service.name=a%zzb,ok=a%2Cb")] // not hex
    [InlineData("ok=a%2Cb,service.name=orders,odd=%")] // cut short at the end
    [InlineData("ok=a%2Cb,odd=%4,service.name=orders")] // one digit
    public void Resolve_ResourceAttributesWithInvalidEscape_DiscardsTheWholeValue(string value)
    {
        // Resource SDK spec: on a decoding error the whole OTEL_RESOURCE_ATTRIBUTES value is discarded (and an error
        // reported: logged by the hosted service, the start-up goes on).
        var (settings, errors) = Resolve(new TracingPipelineOptions(), new() { ["OTEL_RESOURCE_ATTRIBUTES"] = value }, "app");

        Assert.Empty(errors);
        Assert.Empty(settings!.ResourceAttributes);
        Assert.Equal("app", settings.ServiceName);
    }

    [Theory]
    [InlineData("true", false)]
    [InlineData("TRUE", false)]
    [InlineData("false", true)]
    [InlineData("", true)]
    public void Resolve_OtelSdkDisabled_TurnsTracingOff(string value, bool expectedEnabled)
    {
        var (settings, errors) = Resolve(new TracingPipelineOptions(), new() { ["OTEL_SDK_DISABLED"] = value });

        Assert.Empty(errors);
        Assert.Equal(expectedEnabled, settings!.Enabled);
    }

    [Theory]
    [InlineData("1")]
    [InlineData("0")]
    [InlineData("yes")]
    [InlineData("maybe")]
    public void Resolve_OtelSdkDisabledNeitherTrueNorFalse_IsNoErrorAndLeavesTracingOn(string value)
    {
        // SDK environment variables spec, Boolean: only a case-insensitive "true" is true; any other value is false
        // (with a warning, which the hosted service logs), never an error.
        var (settings, errors) = Resolve(new TracingPipelineOptions(), new() { ["OTEL_SDK_DISABLED"] = value });

        Assert.Empty(errors);
        Assert.True(settings!.Enabled);
    }

    [Fact]
    public void Resolve_EnabledFalseInCode_TurnsTracingOffWhateverTheVariable()
    {
        var (settings, _) = Resolve(new TracingPipelineOptions { Enabled = false }, new() { ["OTEL_SDK_DISABLED"] = "false" });

        Assert.False(settings!.Enabled);
    }

    [Fact]
    public void Resolve_SamplerFromConfiguration_IsUsed()
    {
        var (settings, _) = Resolve(new TracingPipelineOptions(), new()
        {
            ["OTEL_TRACES_SAMPLER"] = "parentbased_traceidratio",
            ["OTEL_TRACES_SAMPLER_ARG"] = "0.25",
        });

        Assert.Equal("parentbased_traceidratio(0.25)", settings!.SamplerDescription);
    }

    [Theory]
    [InlineData("", null)]
    [InlineData(" ", "")]
    [InlineData(null, " ")]
    public void Resolve_BlankSamplerInCode_LeavesTheConfiguredOne(string? sampler, string? argument)
    {
        // A blank value (an empty configuration entry bound to the options) is no choice, as for ServiceName.
        var (settings, errors) = Resolve(
            new TracingPipelineOptions { Sampler = sampler, SamplerArgument = argument },
            new() { ["OTEL_TRACES_SAMPLER"] = "parentbased_traceidratio", ["OTEL_TRACES_SAMPLER_ARG"] = "0.25" });

        Assert.Empty(errors);
        Assert.Equal("parentbased_traceidratio(0.25)", settings!.SamplerDescription);
    }

    [Fact]
    public void Resolve_SamplerInCode_WinsOverConfiguration()
    {
        var (settings, _) = Resolve(new TracingPipelineOptions { Sampler = "always_off" }, new() { ["OTEL_TRACES_SAMPLER"] = "always_on" });

        Assert.Equal("always_off", settings!.SamplerDescription);
    }

    [Theory]
    [InlineData("otlp", new[] { "otlp" })]
    [InlineData("console,json", new[] { "console", "json" })]
    [InlineData(" OTLP , console ,otlp,", new[] { "otlp", "console" })] // trimmed, case-insensitive, duplicates and empty items ignored
    [InlineData("otlp,console,json,store", new[] { "otlp", "console", "json", "store" })]
    [InlineData("none", new string[0])]
    public void Resolve_OtelTracesExporter_SelectsExporters(string value, string[] expected)
    {
        var (settings, errors) = Resolve(new TracingPipelineOptions(), new() { ["OTEL_TRACES_EXPORTER"] = value });

        Assert.Empty(errors);
        Assert.Equal(expected, settings!.Exporters);
    }

    [Theory]
    [InlineData(",")]
    [InlineData(" , ,")]
    public void Resolve_OtelTracesExporterOfSeparatorsOnly_FailsLikeOtelPropagators(string value)
    {
        var (settings, errors) = Resolve(new TracingPipelineOptions(), new() { ["OTEL_TRACES_EXPORTER"] = value });

        Assert.Null(settings);
        Assert.Equal("OTEL_TRACES_EXPORTER lists no exporter; leave it unset for the default ('store') or use 'none' to export nothing.", Assert.Single(errors));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(0)] // an empty list names no exporter either: only 'none' turns exporting off
    public void Resolve_ExportersInCodeOfBlanksOnly_Fails(int blanks)
    {
        var (settings, errors) = Resolve(new TracingPipelineOptions { Exporters = [.. Enumerable.Repeat(" ", blanks)] }, []);

        Assert.Null(settings);
        Assert.StartsWith("Exporters lists no exporter", Assert.Single(errors), StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_ExportersInCode_WinOverConfiguration()
    {
        var (settings, _) = Resolve(new TracingPipelineOptions { Exporters = ["console"] }, new() { ["OTEL_TRACES_EXPORTER"] = "otlp" });

        Assert.Equal(["console"], settings!.Exporters);
    }

    [Fact]
    public void Resolve_CustomExporterName_IsSelectable()
    {
        var options = new TracingPipelineOptions().AddExporter("Recording", _ => new RecordingExporter());

        var (settings, errors) = Resolve(options, new() { ["OTEL_TRACES_EXPORTER"] = "recording,console" });

        Assert.Empty(errors);
        Assert.Equal(["Recording", "console"], settings!.Exporters);
    }

    [Theory]
    [InlineData("zipkin", "exporter 'zipkin' is unknown")]
    [InlineData("none,otlp", "'none' cannot be combined")]
    public void Resolve_InvalidExporters_Fails(string value, string expectedInError)
    {
        var (settings, errors) = Resolve(new TracingPipelineOptions(), new() { ["OTEL_TRACES_EXPORTER"] = value });

        Assert.Null(settings);
        Assert.Contains(errors, e => e.Contains(expectedInError, StringComparison.Ordinal) && e.Contains("OTEL_TRACES_EXPORTER", StringComparison.Ordinal));
    }

    [Fact]
    public void Resolve_BatchVariables_AreUsed()
    {
        var (settings, errors) = Resolve(new TracingPipelineOptions(), new()
        {
            ["OTEL_BSP_SCHEDULE_DELAY"] = "250",
            ["OTEL_BSP_EXPORT_TIMEOUT"] = "1500",
            ["OTEL_BSP_MAX_QUEUE_SIZE"] = "100",
            ["OTEL_BSP_MAX_EXPORT_BATCH_SIZE"] = "10",
        });

        Assert.Empty(errors);
        Assert.Equal(TimeSpan.FromMilliseconds(250), settings!.ScheduleDelay);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), settings.ExportTimeout);
        Assert.Equal(100, settings.MaxQueueSize);
        Assert.Equal(10, settings.MaxExportBatchSize);
    }

    [Fact]
    public void Resolve_LocalScheduleDelay_IsTheSmallerOfItAndTheScheduleDelay()
    {
        var shorter = Resolve(new TracingPipelineOptions { LocalScheduleDelay = TimeSpan.FromMilliseconds(100) }, new() { ["OTEL_BSP_SCHEDULE_DELAY"] = "40" }).Settings!;
        var longer = Resolve(new TracingPipelineOptions { LocalScheduleDelay = TimeSpan.FromMilliseconds(100) }, new() { ["OTEL_BSP_SCHEDULE_DELAY"] = "4000" }).Settings!;
        var (_, errors) = Resolve(new TracingPipelineOptions { LocalScheduleDelay = TimeSpan.Zero }, []);
        var byDefault = Resolve(new TracingPipelineOptions(), []).Settings!;

        Assert.Equal(TimeSpan.FromMilliseconds(40), shorter.LocalScheduleDelay);
        Assert.Equal(TimeSpan.FromMilliseconds(100), longer.LocalScheduleDelay);
        Assert.Equal(TimeSpan.FromMilliseconds(10), byDefault.LocalScheduleDelay);
        Assert.Contains(errors, e => e.StartsWith("LocalScheduleDelay must be positive", StringComparison.Ordinal));
    }

    [Fact]
    public void Resolve_SeveralInvalidValues_ReportsEveryErrorAtOnce()
    {
        var (settings, errors) = Resolve(new TracingPipelineOptions(), new()
        {
            ["OTEL_TRACES_SAMPLER"] = "sometimes",
            ["OTEL_TRACES_EXPORTER"] = "otlp,carrier-pigeon",
            ["OTEL_BSP_MAX_QUEUE_SIZE"] = "-1",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "soon",
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/json",
        });

        Assert.Null(settings);
        Assert.Contains(errors, e => e.StartsWith("OTEL_TRACES_SAMPLER 'sometimes'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("'carrier-pigeon' is unknown", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("OTEL_BSP_MAX_QUEUE_SIZE", StringComparison.Ordinal) && e.Contains("positive", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("OTEL_BSP_SCHEDULE_DELAY 'soon'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("OTEL_EXPORTER_OTLP_PROTOCOL 'http/json'", StringComparison.Ordinal));
    }

    [Fact]
    public void Resolve_BatchLargerThanQueue_Fails()
    {
        var (_, errors) = Resolve(new TracingPipelineOptions { MaxQueueSize = 10, MaxExportBatchSize = 20 }, []);

        Assert.Contains(errors, e => e.StartsWith("MaxExportBatchSize (20) must not exceed MaxQueueSize (10)", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("OTEL_BSP_MAX_QUEUE_SIZE", "256", 256, 256)]
    [InlineData("OTEL_BSP_MAX_QUEUE_SIZE", "1", 1, 1)]
    [InlineData("OTEL_BSP_MAX_QUEUE_SIZE", "4096", 4096, 512)]
    [InlineData("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "100", 2048, 100)]
    public void Resolve_OnlyOneSizeSet_TheDefaultBatchFollowsASmallerQueue(string key, string value, int expectedQueue, int expectedBatch)
    {
        // The default batch (512) is the user's choice of nobody: a queue set smaller than it lowers it, as OpenTelemetry
        // Go does, instead of stopping the start-up over a value never set.
        var (settings, errors) = Resolve(new TracingPipelineOptions(), new() { [key] = value });

        Assert.Empty(errors);
        Assert.Equal(expectedQueue, settings!.MaxQueueSize);
        Assert.Equal(expectedBatch, settings.MaxExportBatchSize);
    }

    [Fact]
    public void Resolve_QueueSetInCodeBelowTheDefaultBatch_LowersTheBatch()
    {
        var (settings, errors) = Resolve(new TracingPipelineOptions { MaxQueueSize = 100 }, []);

        Assert.Empty(errors);
        Assert.Equal(100, settings!.MaxExportBatchSize);
    }

    [Fact]
    public void Resolve_BatchSetInConfigurationAboveACodeQueue_Fails()
    {
        var (_, errors) = Resolve(new TracingPipelineOptions { MaxQueueSize = 10 }, new() { ["OTEL_BSP_MAX_EXPORT_BATCH_SIZE"] = "20" });

        Assert.Contains(errors, e => e.StartsWith("MaxExportBatchSize (20) must not exceed MaxQueueSize (10)", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("2147483647", "2147483647", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE) must be at most 100000; got 2147483647")] // once crashed the host at start ("Out of memory")
    [InlineData("300000000", "300000000", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE) must be at most 100000; got 300000000")] // once allocated 2.3 GB per exporter
    [InlineData("2000000", "512", "OTEL_BSP_MAX_QUEUE_SIZE) must be at most 1000000; got 2000000")]
    public void Resolve_SizeAboveItsLimit_FailsNamingTheVariableAndTheLimit(string queueSize, string batchSize, string expectedInError)
    {
        var (settings, errors) = Resolve(new TracingPipelineOptions(), new()
        {
            ["OTEL_BSP_MAX_QUEUE_SIZE"] = queueSize,
            ["OTEL_BSP_MAX_EXPORT_BATCH_SIZE"] = batchSize,
        });

        Assert.Null(settings);
        Assert.Contains(errors, e => e.Contains(expectedInError, StringComparison.Ordinal));
    }

    [Fact]
    public void Resolve_SizesAtTheirLimits_Accepted()
    {
        var (settings, errors) = Resolve(new TracingPipelineOptions { MaxQueueSize = 1_000_000, MaxExportBatchSize = 100_000 }, []);

        Assert.Empty(errors);
        Assert.Equal(100_000, settings!.MaxExportBatchSize);
    }

    [Theory]
    [InlineData(null, null, null, OtlpExportProtocol.Grpc, "http://localhost:4317/")]
    [InlineData("http/protobuf", null, null, OtlpExportProtocol.HttpProtobuf, "http://localhost:4318/v1/traces")]
    [InlineData("grpc", "http://collector:4317", null, OtlpExportProtocol.Grpc, "http://collector:4317/")]
    [InlineData("http/protobuf", "http://collector:4318", null, OtlpExportProtocol.HttpProtobuf, "http://collector:4318/v1/traces")]
    [InlineData("http/protobuf", "https://collector/otel/", null, OtlpExportProtocol.HttpProtobuf, "https://collector/otel/v1/traces")]
    [InlineData("http/protobuf", "https://collector/otel?tenant=a", null, OtlpExportProtocol.HttpProtobuf, "https://collector/otel/v1/traces?tenant=a")] // appended to the path, the query kept after it
    [InlineData("http/protobuf", "https://collector/?tenant=a", null, OtlpExportProtocol.HttpProtobuf, "https://collector/v1/traces?tenant=a")]
    [InlineData("http/protobuf", "http://ignored:4318", "http://collector:9999/custom/path", OtlpExportProtocol.HttpProtobuf, "http://collector:9999/custom/path")]
    public void Resolve_OtlpEndpointAndProtocol_MappedPerSpec(string? protocol, string? endpoint, string? tracesEndpoint, OtlpExportProtocol expectedProtocol, string expectedEndpoint)
    {
        var config = new Dictionary<string, string?>
        {
            ["OTEL_TRACES_EXPORTER"] = "otlp",
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = protocol,
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint,
            ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = tracesEndpoint,
        };

        var (settings, errors) = Resolve(new TracingPipelineOptions(), config);
        var otlp = new OtlpExporterOptions();
        settings!.ApplyTo(otlp);

        Assert.Empty(errors);
        Assert.Equal(expectedProtocol, otlp.Protocol);
        Assert.Equal(new Uri(expectedEndpoint), otlp.Endpoint);
    }

    [Fact]
    public void Resolve_OtlpHeadersAndTimeout_MappedOntoExporterOptions()
    {
        var config = new Dictionary<string, string?>
        {
            ["OTEL_TRACES_EXPORTER"] = "otlp",
            ["OTEL_EXPORTER_OTLP_HEADERS"] = "api-key=secret123,tenant=a",
            ["OTEL_EXPORTER_OTLP_TIMEOUT"] = "2500",
        };

        var (settings, _) = Resolve(new TracingPipelineOptions(), config);
        var otlp = new OtlpExporterOptions();
        settings!.ApplyTo(otlp);

        Assert.Equal("api-key=secret123,tenant=a", otlp.Headers);
        Assert.Equal(2500, otlp.TimeoutMilliseconds);
    }

    [Theory]
    [InlineData(null, null, OtlpExportCompression.None)]
    [InlineData("gzip", null, OtlpExportCompression.GZip)]
    [InlineData(" GZIP ", null, OtlpExportCompression.GZip)]
    [InlineData("gzip", "none", OtlpExportCompression.None)] // the _TRACES_ variant wins
    [InlineData(null, "gzip", OtlpExportCompression.GZip)]
    public void Resolve_OtlpCompression_SetExplicitlyOnExporterOptions(string? compression, string? tracesCompression, OtlpExportCompression expected)
    {
        var config = new Dictionary<string, string?>
        {
            ["OTEL_TRACES_EXPORTER"] = "otlp",
            ["OTEL_EXPORTER_OTLP_COMPRESSION"] = compression,
            ["OTEL_EXPORTER_OTLP_TRACES_COMPRESSION"] = tracesCompression,
        };

        // What the SDK's own constructor would have taken from the process environment must be overwritten.
        var otlp = new OtlpExporterOptions { Compression = expected == OtlpExportCompression.GZip ? OtlpExportCompression.None : OtlpExportCompression.GZip };
        Resolve(new TracingPipelineOptions(), config).Settings!.ApplyTo(otlp);

        Assert.Equal(expected, otlp.Compression);
    }

    [Fact]
    public void Resolve_UnknownOtlpCompression_Fails()
    {
        var (settings, errors) = Resolve(new TracingPipelineOptions(), new()
        {
            ["OTEL_TRACES_EXPORTER"] = "otlp",
            ["OTEL_EXPORTER_OTLP_TRACES_COMPRESSION"] = "zstd",
        });

        Assert.Null(settings);
        Assert.Equal("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION 'zstd' is not supported; use 'gzip' or 'none'.", Assert.Single(errors));
    }

    [Fact]
    public void Resolve_TracesSpecificOtlpVariables_WinOverGeneralOnes()
    {
        var config = new Dictionary<string, string?>
        {
            ["OTEL_TRACES_EXPORTER"] = "otlp",
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "grpc",
            ["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"] = "http/protobuf",
            ["OTEL_EXPORTER_OTLP_TIMEOUT"] = "2500",
            ["OTEL_EXPORTER_OTLP_TRACES_TIMEOUT"] = "700",
            ["OTEL_EXPORTER_OTLP_HEADERS"] = "a=1",
            ["OTEL_EXPORTER_OTLP_TRACES_HEADERS"] = "b=2",
        };

        var settings = Resolve(new TracingPipelineOptions(), config).Settings!;

        Assert.Equal(OtlpExportProtocol.HttpProtobuf, settings.OtlpProtocol);
        Assert.Equal(700, settings.OtlpTimeoutMilliseconds);
        Assert.Equal("b=2", settings.OtlpHeaders);
    }

    [Theory]
    [InlineData("2500", "-5", "OTLP timeout (OTEL_EXPORTER_OTLP_TRACES_TIMEOUT) must be positive; got -5.")] // the _TRACES_ variant is the one read
    [InlineData(null, "0", "OTLP timeout (OTEL_EXPORTER_OTLP_TRACES_TIMEOUT) must be positive; got 0.")]
    [InlineData("-5", null, "OTLP timeout (OTEL_EXPORTER_OTLP_TIMEOUT) must be positive; got -5.")]
    [InlineData("-5", "abc", "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT 'abc' is not an integer.")] // the general one is not read then
    public void Resolve_InvalidOtlpTimeout_NamesTheVariableItCameFrom(string? timeout, string? tracesTimeout, string expected)
    {
        var (settings, errors) = Resolve(new TracingPipelineOptions(), new()
        {
            ["OTEL_TRACES_EXPORTER"] = "otlp",
            ["OTEL_EXPORTER_OTLP_TIMEOUT"] = timeout,
            ["OTEL_EXPORTER_OTLP_TRACES_TIMEOUT"] = tracesTimeout,
        });

        Assert.Null(settings);
        Assert.Equal(expected, Assert.Single(errors));
    }

    [Fact]
    public void Resolve_MalformedOtlpHeaders_FailsWithoutEchoingValues()
    {
        var config = new Dictionary<string, string?>
        {
            ["OTEL_TRACES_EXPORTER"] = "otlp",
            ["OTEL_EXPORTER_OTLP_HEADERS"] = "api-key=ok,Bearer supersecret",
        };

        var (settings, errors) = Resolve(new TracingPipelineOptions(), config);

        Assert.Null(settings);
        var error = Assert.Single(errors);
        Assert.Contains("item 2", error, StringComparison.Ordinal);
        Assert.DoesNotContain("supersecret", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("bad key=secret1", "item 1 has a name with a character not allowed in an HTTP header name (U+0020")] // space in a name
    [InlineData("api-key=ok,x(y)=secret1", "item 2 has a name with a character not allowed in an HTTP header name (U+0028")] // separator in a name
    [InlineData("api-key=secret1%0Aevil: 1", "item 1 has a value with a character not allowed in an HTTP header value (U+000A")] // encoded line break
    [InlineData("api-key=secret1%0D%0A", null)] // trailing line break: trimmed away, as the SDK does
    [InlineData("api-key=sec%00ret1", "item 1 has a value with a character not allowed in an HTTP header value (U+0000")]
    [InlineData("api-key=secret1,", "item 2 is empty")] // the SDK rejects an empty item
    [InlineData("api-key=secret1,,b=2", "item 2 is empty")]
    [InlineData("api-key=secret1%2Cb", "item 2 is not a key=value pair")] // the SDK decodes before it splits at commas
    [InlineData(" =secret1", "item 1 has an empty name")]
    [InlineData("api-key=secret1,Content-Type=application/json", "item 2 names a content header")] // HttpClient refuses it on a request: every export would fail
    [InlineData("expires=0", "item 1 names a content header")]
    [InlineData("api-key=ok,tenant=secret1%C3%BC", "item 2 has a value with a non-ASCII character")] // HttpClient sends ASCII only: every export would fail
    [InlineData("api-key=a%09secret1,tenant=blue%21, x = y ", null)] // a tab, punctuation, spaces around: accepted
    public void Resolve_OtlpHeaders_ValidatedAsTheSdkWillSendThem(string headers, string? expectedInError)
    {
        var config = new Dictionary<string, string?>
        {
            ["OTEL_TRACES_EXPORTER"] = "otlp",
            ["OTEL_EXPORTER_OTLP_HEADERS"] = headers,
        };

        var (settings, errors) = Resolve(new TracingPipelineOptions(), config);

        if (expectedInError is null)
        {
            Assert.Empty(errors);
            Assert.Equal(headers, settings!.OtlpHeaders);
            return;
        }

        Assert.Null(settings);
        var error = Assert.Single(errors);
        Assert.StartsWith("OTEL_EXPORTER_OTLP_HEADERS: " + expectedInError, error, StringComparison.Ordinal);
        Assert.DoesNotContain("secret1", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("collector:4317")] // no scheme
    [InlineData("ftp://collector")] // wrong scheme
    [InlineData("http://user:password@collector:4318")] // credentials in the URL
    public void Resolve_InvalidOtlpEndpoint_FailsWithoutEchoingValue(string endpoint)
    {
        var config = new Dictionary<string, string?>
        {
            ["OTEL_TRACES_EXPORTER"] = "otlp",
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint,
        };

        var (settings, errors) = Resolve(new TracingPipelineOptions(), config);

        Assert.Null(settings);
        var error = Assert.Single(errors);
        Assert.StartsWith("OTEL_EXPORTER_OTLP_ENDPOINT is not an absolute", error, StringComparison.Ordinal);
        Assert.DoesNotContain("password", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_InvalidOtlpEndpointWithoutOtlpSelected_IsIgnored()
    {
        var (settings, errors) = Resolve(new TracingPipelineOptions(), new()
        {
            ["OTEL_TRACES_EXPORTER"] = "console",
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "not a url",
        });

        Assert.Empty(errors);
        Assert.NotNull(settings);
    }

    private static (PipelineSettings? Settings, List<string> Errors) Resolve(TracingPipelineOptions options, Dictionary<string, string?> configuration, string? applicationName = "test-app")
    {
        var errors = new List<string>();
        var config = new ConfigurationBuilder().AddInMemoryCollection(configuration).Build();
        var settings = PipelineSettings.Resolve(options, config, applicationName, errors);
        return (settings, errors);
    }
}
