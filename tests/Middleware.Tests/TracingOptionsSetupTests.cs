using System.Diagnostics;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Propagation.Collector;
using Propagation.Middleware.Internal;
using Propagation.Middleware.Tests.Infrastructure;

namespace Propagation.Middleware.Tests;

public sealed class TracingOptionsSetupTests
{
    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData("\t")]
    public void Configure_OtelPropagatorsEmptyOrBlank_KeepsTheDefaultFormats(string value)
    {
        // Arrange: the OpenTelemetry spec treats an empty environment variable as unset.
        var setup = new TracingOptionsSetup(Configuration(new() { ["OTEL_PROPAGATORS"] = value }));
        var options = new TracingOptions();
        var defaults = new PropagationOptions();

        // Act
        setup.Configure(options);

        // Assert
        Assert.Equal(defaults.ExtractFormats, options.Propagation.ExtractFormats);
        Assert.Equal(defaults.InjectFormats, options.Propagation.InjectFormats);
        Assert.True(options.Propagation.ExtractBaggage);
        Assert.Empty(options.ConfigurationErrors);
    }

    [Theory]
    [InlineData(",")]
    [InlineData(" , ,")]
    public void Configure_OtelPropagatorsWithOnlySeparators_ReportsThatNoneIsTheWayToTurnPropagationOff(string value)
    {
        // Arrange
        var setup = new TracingOptionsSetup(Configuration(new() { ["OTEL_PROPAGATORS"] = value }));
        var options = new TracingOptions();

        // Act
        setup.Configure(options);

        // Assert
        var error = Assert.Single(options.ConfigurationErrors);
        Assert.StartsWith("OTEL_PROPAGATORS lists no propagator", error, StringComparison.Ordinal);
        Assert.Contains("'none'", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "team=a, service.name = orders%20api ,x=1", "orders api")]
    [InlineData("", "service.name=orders", "orders")]
    [InlineData("billing", "service.name=orders", "billing")]
    [InlineData(null, "team=a,service.name=  ", null)]
    [InlineData(null, "service.name=a,service.name=b", "a")] // the first wins, as on the wire (OpenTelemetry .NET's resource merge)
    [InlineData(null, "service.name=a%zzb", null)] // resource SDK spec: a decoding error discards the whole value
    [InlineData(null, "service.name=orders,team=x%2", null)] // wherever the bad escape is
    [InlineData(null, "service.name=orders,novalue", null)] // so does an item that is not key=value
    public void Configure_ServiceName_OtelServiceNameThenResourceAttributes(string? serviceName, string attributes, string? expected)
    {
        // Arrange: the OpenTelemetry resource spec, as the pipeline reads it.
        var setup = new TracingOptionsSetup(Configuration(new() { ["OTEL_SERVICE_NAME"] = serviceName, ["OTEL_RESOURCE_ATTRIBUTES"] = attributes }));
        var options = new TracingOptions();

        // Act
        setup.Configure(options);

        // Assert
        Assert.Equal(expected, options.ServiceName);
    }

    [Fact]
    public async Task AddTracing_ServiceNameOnlyInResourceAttributes_PipelineAndOptionsAgree()
    {
        // Arrange
        using var host = await TestHosts.StartAsync(
            s => s.AddTracing(),
            _ => { },
            new Dictionary<string, string?> { ["OTEL_RESOURCE_ATTRIBUTES"] = "service.name=orders" });

        // Act
        var tracing = host.Services.GetRequiredService<IOptions<TracingOptions>>().Value;
        var pipeline = host.Services.GetRequiredService<IOptions<Propagation.Collector.TracingPipelineOptions>>().Value;

        // Assert
        Assert.Equal("orders", tracing.ServiceName);
        Assert.Equal("orders", pipeline.ServiceName);
    }

    [Fact]
    public void Configure_UnreadableValueBesideReadableOnes_ListsItAndBindsTheOthers()
    {
        // Arrange
        var setup = new TracingOptionsSetup(Configuration(new()
        {
            ["Tracing:DefaultTrustPolicy"] = "Trusted",
            ["Tracing:SlowRequestThreshold"] = "2 seconds",
            ["Tracing:ServiceName"] = "billing",
            ["Tracing:UntrustedPolicy"] = "Ignore",
            ["Tracing:TrustedNetworks:0"] = "10.0.0.0/8",
        }));
        var options = new TracingOptions();

        // Act
        setup.Configure(options);

        // Assert
        Assert.Equal(
            [
                "Tracing:DefaultTrustPolicy has the value 'Trusted', which is not a TrustPolicy; use Continue, ContinueIgnoreSampling, RestartAndLink or Ignore.",
                "Tracing:SlowRequestThreshold has the value '2 seconds', which is not a duration; use [d.]hh:mm:ss[.fff], for example 00:00:02.",
            ],
            options.ConfigurationErrors);
        Assert.Equal(TrustPolicy.Continue, options.DefaultTrustPolicy);
        Assert.Null(options.SlowRequestThreshold);
        Assert.Equal("billing", options.ServiceName);
        Assert.Equal(TrustPolicy.Ignore, options.UntrustedPolicy);
        Assert.Equal(["10.0.0.0/8"], options.TrustedNetworks);
    }

    [Fact]
    public void Configure_UnreadableListAndDictionaryEntries_ListsEachInsteadOfDroppingIt()
    {
        // Arrange: the binder drops a list or dictionary entry it cannot convert without a word; a dropped
        // destination entry would leave that host the default (full) context.
        var setup = new TracingOptionsSetup(Configuration(new()
        {
            ["Tracing:Propagation:ExtractFormats:0"] = "TraceContext",
            ["Tracing:Propagation:ExtractFormats:1"] = "zipkin",
            ["Tracing:OutboundDestinations:api.partner.example"] = "Nothing",
            ["Tracing:OutboundDestinations:*.other.example"] = "None",
        }));
        var options = new TracingOptions();

        // Act
        setup.Configure(options);

        // Assert
        Assert.Equal(2, options.ConfigurationErrors.Count);
        Assert.Contains(options.ConfigurationErrors, e => e.StartsWith("Tracing:Propagation:ExtractFormats:1 has the value 'zipkin'", StringComparison.Ordinal));
        Assert.Contains(
            "Tracing:OutboundDestinations:api.partner.example has the value 'Nothing', which is not an InjectionScope; use Full, TraceParentOnly or None.",
            options.ConfigurationErrors);
        Assert.Equal([PropagationFormat.TraceContext], options.Propagation.ExtractFormats);
        Assert.Equal(InjectionScope.None, Assert.Single(options.OutboundDestinations).Value);
    }

    [Fact]
    public void Configure_TrustDeciderInConfiguration_ListsThatItIsSetInCode()
    {
        // Arrange
        var setup = new TracingOptionsSetup(Configuration(new()
        {
            ["Tracing:TrustDecider:Type"] = "Mine",
            ["Tracing:LogSpans"] = "true",
        }));
        var options = new TracingOptions();

        // Act
        setup.Configure(options);

        // Assert
        var error = Assert.Single(options.ConfigurationErrors);
        Assert.StartsWith("Tracing:TrustDecider:Type cannot be set from configuration", error, StringComparison.Ordinal);
        Assert.True(options.LogSpans);
    }

    [Fact]
    public async Task StartAsync_SeveralBadValuesInTheSection_ListsEveryErrorInOneException()
    {
        // Arrange
        var configuration = new Dictionary<string, string?>
        {
            ["Tracing:DefaultTrustPolicy"] = "Trusted",
            ["Tracing:TrustedNetworks:0"] = "nope",
            ["Tracing:SlowRequestThreshold"] = "-00:00:01",
        };

        // Act
        var error = await Assert.ThrowsAsync<OptionsValidationException>(
            () => TestHosts.StartTracedAsync(null, static c => Task.CompletedTask, configuration));

        // Assert
        Assert.Equal(3, error.Failures.Count());
        Assert.Contains(error.Failures, f => f.StartsWith("Tracing:DefaultTrustPolicy has the value 'Trusted'", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.StartsWith("TracingOptions.TrustedNetworks[0]", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.StartsWith("TracingOptions.SlowRequestThreshold must be positive", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("b3", false)] // injects the single header; the caller sent the multi headers
    [InlineData("b3multi", true)] // injects the multi headers; the caller sent the single header
    [InlineData("tracecontext,b3multi", true)]
    public async Task OtelPropagatorsB3_CallerSendsTheOtherEncoding_ContinuesItsTrace(string propagators, bool sendSingle)
    {
        // Arrange: OpenTelemetry propagators spec, B3 Extract: a B3 propagator MUST extract both encodings (the single
        // header first); b3 and b3multi choose only what is injected.
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        var spanId = ActivitySpanId.CreateRandom().ToHexString();
        using var host = await TestHosts.StartTracedAsync(
            null,
            static c => Task.CompletedTask,
            new Dictionary<string, string?> { ["OTEL_PROPAGATORS"] = propagators });
        using var request = new HttpRequestMessage(HttpMethod.Get, "/b3");
        if (sendSingle)
        {
            request.Headers.Add("b3", $"{traceId}-{spanId}-1");
        }
        else
        {
            request.Headers.Add("X-B3-TraceId", traceId);
            request.Headers.Add("X-B3-SpanId", spanId);
            request.Headers.Add("X-B3-Sampled", "1");
        }

        // Act
        using var response = await host.GetTestClient().SendAsync(request);

        // Assert
        Assert.Equal(traceId, Assert.Single(response.Headers.GetValues("X-Trace-ID")));
    }

    [Fact]
    public async Task StartAsync_BadTracingPipelineAndStoreSettings_ListsAllInOneException()
    {
        // Arrange: these options are first needed when the hosted services are created, before the pipeline's options
        // are validated; a failure here must not hide the pipeline's errors until the next start.
        var configuration = new Dictionary<string, string?>
        {
            ["OTEL_PROPAGATORS"] = "bogus",
            ["OTEL_TRACES_EXPORTER"] = "nope",
            ["OTEL_BSP_MAX_QUEUE_SIZE"] = "-1",
        };

        // Act
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => TestHosts.StartTracedAsync(
            null,
            static c => Task.CompletedTask,
            configuration,
            services: static s => s.AddSpanStore(static o => o.MaxTraces = 0)));

        // Assert
        Assert.Equal(4, error.Failures.Count());
        Assert.StartsWith("OTEL_PROPAGATORS names the unknown propagator 'bogus'", error.Failures.First(), StringComparison.Ordinal);
        Assert.Contains(error.Failures, f => f.StartsWith("OTEL_TRACES_EXPORTER: exporter 'nope' is unknown", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.StartsWith("MaxQueueSize (OTEL_BSP_MAX_QUEUE_SIZE) must be positive", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.StartsWith("SpanStoreOptions.MaxTraces must be at least 1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task StartAsync_BadTracingSettingsAndAPipelineSetupThatReadsThem_ListsTheTracingErrors()
    {
        // Arrange: building the pipeline's options to list its errors reads these options again, here through the
        // app's own setup too; that nested read must end (no endless recursion) and the errors still be listed.
        var configuration = new Dictionary<string, string?> { ["OTEL_PROPAGATORS"] = "bogus" };

        // Act
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => TestHosts.StartTracedAsync(
            null,
            static c => Task.CompletedTask,
            configuration,
            services: static s => s.AddOptions<TracingPipelineOptions>()
                .Configure<IOptions<TracingOptions>>(static (pipeline, tracing) => pipeline.Sources.Add(tracing.Value.ServiceName + ".*"))));

        // Assert
        Assert.Equal(typeof(TracingOptions), error.OptionsType);
        Assert.StartsWith("OTEL_PROPAGATORS names the unknown propagator 'bogus'", Assert.Single(error.Failures), StringComparison.Ordinal);
    }

    [Fact]
    public void Configure_OtelKnownMethods_ListsTheTrimmedMethodsAsGiven()
    {
        // Arrange: a comma-separated list, case kept (the conventions' list is case-sensitive).
        var setup = new TracingOptionsSetup(Configuration(new() { ["OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS"] = " GET,purge ,, MKCOL" }));
        var options = new TracingOptions();

        // Act
        setup.Configure(options);

        // Assert
        Assert.Equal(["GET", "purge", "MKCOL"], options.KnownHttpMethods);
        Assert.Empty(options.ConfigurationErrors);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    public void Configure_OtelKnownMethodsEmptyOrBlank_KeepsTheDefaultList(string value)
    {
        // Arrange: the OpenTelemetry spec treats an empty environment variable as unset.
        var setup = new TracingOptionsSetup(Configuration(new() { ["OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS"] = value }));
        var options = new TracingOptions();

        // Act
        setup.Configure(options);

        // Assert
        Assert.Empty(options.KnownHttpMethods);
        Assert.Empty(options.ConfigurationErrors);
    }

    [Fact]
    public void Configure_OtelKnownMethodsWithOnlySeparators_ReportsIt()
    {
        // Arrange
        var setup = new TracingOptionsSetup(Configuration(new() { ["OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS"] = " , ," }));
        var options = new TracingOptions();

        // Act
        setup.Configure(options);

        // Assert
        var error = Assert.Single(options.ConfigurationErrors);
        Assert.StartsWith("OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS lists no method", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Configure_SectionAndOtelKnownMethods_SectionReplacesTheVariable()
    {
        // Arrange: as for OTEL_PROPAGATORS, the Tracing section wins over the OTEL_ variable.
        var setup = new TracingOptionsSetup(Configuration(new()
        {
            ["OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS"] = "GET,PURGE",
            ["Tracing:KnownHttpMethods:0"] = "MKCOL",
        }));
        var options = new TracingOptions();

        // Act
        setup.Configure(options);

        // Assert
        Assert.Equal(["MKCOL"], options.KnownHttpMethods);
    }

    [Fact]
    public async Task StartAsync_InvalidKnownMethods_ListsEachByPositionWithoutControlCharacters()
    {
        // Arrange
        var configuration = new Dictionary<string, string?>
        {
            ["OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS"] = "GET,BAD METHOD,X\u0007Y,_OTHER",
        };

        // Act
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => TestHosts.StartTracedAsync(
            null,
            static c => Task.CompletedTask,
            configuration));

        // Assert
        var failures = error.Failures.ToList();
        Assert.Equal(3, failures.Count);
        Assert.StartsWith("TracingOptions.KnownHttpMethods[1] 'BAD METHOD' is not an HTTP method", failures[0], StringComparison.Ordinal);
        Assert.StartsWith("TracingOptions.KnownHttpMethods[2] 'X?Y' is not an HTTP method", failures[1], StringComparison.Ordinal);
        Assert.StartsWith("TracingOptions.KnownHttpMethods[3] is _OTHER", failures[2], StringComparison.Ordinal);
        Assert.DoesNotContain(failures, static f => f.Contains('\u0007', StringComparison.Ordinal));
    }

    [Fact]
    public async Task StartAsync_ListMapOrGroupGivenOneValue_ListsEachInsteadOfIgnoringIt()
    {
        // Arrange: a list written as one value ("TrustedNetworks": "10.0.0.0/8" in appsettings.json, or
        // Tracing__TrustedNetworks=... in the environment) is ignored by the binder without a word: no trust rule.
        var configuration = new Dictionary<string, string?>
        {
            ["Tracing:TrustedNetworks"] = "10.0.0.0/8",
            ["Tracing:RedactedQueryParameters"] = "session",
            ["Tracing:Propagation:ExtractFormats"] = "TraceContext,B3",
            ["Tracing:OutboundDestinations"] = "api.partner.example=None",
            ["Tracing:Propagation"] = "b3",
            ["Tracing:CapturedRequestHeaders"] = "",
        };

        // Act
        var error = await Assert.ThrowsAsync<OptionsValidationException>(
            () => TestHosts.StartTracedAsync(null, static c => Task.CompletedTask, configuration));

        // Assert: each named by its path, the value not repeated; an empty value (an empty JSON array) is no error.
        Assert.Equal(
            [
                "Tracing:OutboundDestinations has one value, but it is a map: set one key per host (Tracing:OutboundDestinations:<host>).",
                "Tracing:Propagation has one value, but it is a group of options: set its keys (Tracing:Propagation:<option>).",
                "Tracing:Propagation:ExtractFormats has one value, but it is a list: give its entries as a JSON array or as the keys Tracing:Propagation:ExtractFormats:0, Tracing:Propagation:ExtractFormats:1 and so on.",
                "Tracing:RedactedQueryParameters has one value, but it is a list: give its entries as a JSON array or as the keys Tracing:RedactedQueryParameters:0, Tracing:RedactedQueryParameters:1 and so on.",
                "Tracing:TrustedNetworks has one value, but it is a list: give its entries as a JSON array or as the keys Tracing:TrustedNetworks:0, Tracing:TrustedNetworks:1 and so on.",
            ],
            error.Failures);
    }

    [Fact]
    public async Task StartAsync_EnumNamesJoinedByComma_ListsThemInsteadOfCombiningTheValues()
    {
        // Arrange: the enum converter reads "A, B" as the bitwise OR of A and B; none of these enums is a set of flags,
        // so ContinueIgnoreSampling (1) with RestartAndLink (2) would silently become Ignore (3).
        var configuration = new Dictionary<string, string?>
        {
            ["Tracing:DefaultTrustPolicy"] = "ContinueIgnoreSampling,RestartAndLink",
            ["Tracing:OutboundDestinations:api.partner.example"] = "Full, TraceParentOnly",
            ["Tracing:Propagation:InjectFormats:0"] = "Baggage,TraceContext",
            ["Tracing:UntrustedPolicy"] = "ignore",
        };

        // Act
        var error = await Assert.ThrowsAsync<OptionsValidationException>(
            () => TestHosts.StartTracedAsync(null, static c => Task.CompletedTask, configuration));

        // Assert: a single name, in any case, is still read.
        Assert.Equal(
            [
                "Tracing:DefaultTrustPolicy has the value 'ContinueIgnoreSampling,RestartAndLink', which is not a TrustPolicy; use Continue, ContinueIgnoreSampling, RestartAndLink or Ignore.",
                "Tracing:OutboundDestinations:api.partner.example has the value 'Full, TraceParentOnly', which is not an InjectionScope; use Full, TraceParentOnly or None.",
                "Tracing:Propagation:InjectFormats:0 has the value 'Baggage,TraceContext', which is not a PropagationFormat; use None, TraceContext, Baggage, Legacy, B3 or B3Single.",
            ],
            error.Failures);
    }

    [Fact]
    public async Task StartAsync_KeyBelowAnOptionThatTakesOneValue_ListsItInsteadOfBindingTheDefault()
    {
        // Arrange: a configuration key cannot contain ':', so the JSON key "api.partner.com:8443" is the path
        // OutboundDestinations:api.partner.com:8443; the binder made it api.partner.com = Full (the default), the opposite
        // of the None asked for, and ignored the other keys below a value without a word.
        var json = """
            {
              "Tracing": {
                "OutboundDestinations": { "api.partner.com:8443": "None", "other.example": "None" },
                "DefaultTrustPolicy": { "Value": "Ignore" },
                "ServiceName": { "Name": "billing" }
              }
            }
            """;
        var configuration = new ConfigurationBuilder().AddJsonStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json))).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddTracing();
        using var provider = services.BuildServiceProvider();

        // Act
        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<TracingOptions>>().Value);

        // Assert: each named by its path, the value not repeated, and nothing bound in its place.
        Assert.Equal(
            [
                "Tracing:DefaultTrustPolicy:Value is below Tracing:DefaultTrustPolicy, which takes one value: remove the key below it (a configuration key cannot contain ':').",
                "Tracing:OutboundDestinations:api.partner.com:8443 is below Tracing:OutboundDestinations:api.partner.com, which takes one value: remove the key below it (a configuration key cannot contain ':').",
                "Tracing:ServiceName:Name is below Tracing:ServiceName, which takes one value: remove the key below it (a configuration key cannot contain ':').",
            ],
            error.Failures);
        var options = new TracingOptions();
        new TracingOptionsSetup(configuration).Configure(options);
        Assert.Equal(InjectionScope.None, Assert.Single(options.OutboundDestinations).Value);
    }

    private static IConfiguration Configuration(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build();
}
