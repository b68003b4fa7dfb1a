using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Propagation.Collector;
using Propagation.Testing;
using static Propagation.Collector.Tests.TestSpans;

namespace Propagation.Collector.Tests;

public sealed class TracingApiHandlersTests
{
    private const string Api = "/api/tracing/";

    private static void Fill(SpanStore store)
    {
        // Trace 1: frontend GET / → backend GET /orders → db SELECT; trace 2: a failing backend call.
        store.Add(Create(1, 1, name: "GET /", service: "frontend", startMs: 0, durationMs: 300, kind: ActivityKind.Server,
            attributes: [new("http.request.method", "GET")]));
        store.Add(Create(1, 2, parent: 1, name: "GET /orders", service: "backend", startMs: 10, durationMs: 250, kind: ActivityKind.Server,
            attributes: [new("http.request.method", "GET"), new("http.route", "/orders")]));
        store.Add(Create(1, 3, parent: 2, name: "SELECT orders", service: "backend", startMs: 20, durationMs: 200, kind: ActivityKind.Client,
            attributes: [new("db.system", "postgresql"), new("peer.service", "postgres")]));
        store.Add(Create(2, 4, name: "GET /", service: "frontend", startMs: 1_000, durationMs: 50, kind: ActivityKind.Server));
        store.Add(Create(2, 5, parent: 4, name: "GET /orders", service: "backend", startMs: 1_010, durationMs: 30, kind: ActivityKind.Server,
            status: ActivityStatusCode.Error, events: [new SpanEvent("exception", Origin, [new("exception.type", "System.TimeoutException"), new("exception.message", "slow db")])]));
        store.Add(Create(3, 6, parent: 77, name: "POST /kernel", service: "kernel", startMs: 2_000, durationMs: 5, kind: ActivityKind.Server));
    }

    /// <summary>Trace 4 as the kernel's own store holds it: its server span (parent remote, in the caller's store) and a child.</summary>
    private static void AddKernelsOwnTrace(SpanStore store)
    {
        store.Add(Create(4, 40, parent: 400, name: "POST /kernel", service: "kernel", kind: ActivityKind.Server, remoteParent: true));
        store.Add(Create(4, 41, parent: 40, name: "invoke", service: "kernel", startMs: 1));
    }

    private static async Task<ApiTestHost> StartFilledAsync(Action<IServiceCollection>? services = null)
    {
        var host = await ApiTestHost.StartAsync(services: services);
        Fill(host.Store);
        return host;
    }

    private static string[] SpanIds(JsonElement body, string property = "spans") =>
        [.. body.GetProperty(property).EnumerateArray().Select(s => s.GetProperty("spanId").GetString()!)];

    [Fact]
    public async Task Status_FilledStoreAndExporterSource_ReportsCountsAndDrops()
    {
        await using var host = await StartFilledAsync(s => s.AddSingleton<IExporterStatusSource>(new FakeExporters(stalled: false)));
        host.Store.Add(Create(1, 100));

        var (status, body) = await host.GetJsonAsync(Api + "status");

        Assert.Equal(200, status);
        var store = body.GetProperty("store");
        Assert.Equal(7, store.GetProperty("spanCount").GetInt32());
        Assert.Equal(3, store.GetProperty("traceCount").GetInt32());
        Assert.Equal(0, store.GetProperty("evictedSpans").GetInt64());
        Assert.Equal(SpanStoreOptions.DefaultMaxSpans, store.GetProperty("maxSpans").GetInt32());
        Assert.Equal(12, body.GetProperty("exporterDroppedSpans").GetInt64());
        Assert.Equal("otlp", body.GetProperty("exporters")[0].GetProperty("name").GetString());
    }

    [Fact]
    public async Task Health_NoProblems_Healthy()
    {
        await using var host = await StartFilledAsync();

        var (status, body) = await host.GetJsonAsync(Api + "health");

        Assert.Equal(200, status);
        Assert.Equal("healthy", body.GetProperty("status").GetString());
        Assert.Equal(6, body.GetProperty("spanCount").GetInt32());
    }

    [Fact]
    public async Task Health_StalledExporter_Degraded()
    {
        await using var host = await StartFilledAsync(s => s.AddSingleton<IExporterStatusSource>(new FakeExporters(stalled: true)));

        var (_, body) = await host.GetJsonAsync(Api + "health");

        Assert.Equal("degraded", body.GetProperty("status").GetString());
        Assert.Contains("otlp", body.GetProperty("problems")[0].GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("service=backend", new[] { 5, 3, 2 })]
    [InlineData("operation=GET%20%2F", new[] { 4, 1 })]
    [InlineData("operationPrefix=GET", new[] { 5, 4, 2, 1 })]
    [InlineData("kind=client", new[] { 3 })]
    [InlineData("status=error", new[] { 5 })]
    [InlineData("error=true", new[] { 5 })]
    [InlineData("minDurationMs=200&maxDurationMs=250", new[] { 3, 2 })]
    [InlineData("from=2026-01-01T12:00:00.010Z&to=2026-01-01T12:00:01.010Z", new[] { 4, 3, 2 })]
    [InlineData("attr.db.system=postgresql", new[] { 3 })]
    [InlineData("attr.http.request.method=GET&service=frontend", new[] { 1 })]
    [InlineData("traceId=00000000000000000000000000000002", new[] { 5, 4 })]
    [InlineData("ATTR.db.system=postgresql", new[] { 3 })] // parameter names are case-insensitive, as LIMIT is limit
    [InlineData("Attr.http.request.method=GET&SERVICE=frontend", new[] { 1 })]
    [InlineData("sortBy=duration&order=asc&limit=2", new[] { 6, 5 })]
    [InlineData("sortBy=duration&limit=2&offset=2", new[] { 3, 4 })]
    public async Task Search_Filters_ReturnMatchingSpans(string queryString, int[] expected)
    {
        await using var host = await StartFilledAsync();

        var (status, body) = await host.GetJsonAsync(Api + "traces/search?" + queryString);

        Assert.Equal(200, status);
        Assert.Equal(expected.Select(SpanIdOf), SpanIds(body));
    }

    [Theory]
    [InlineData("2026-01-01T12:00:00.010Z")]
    [InlineData("2026-01-01T12:00:00.010000000Z")] // nanoseconds, as Go's RFC3339Nano writes them
    [InlineData("2026-01-01T13:00:00.010%2B01:00")]
    [InlineData("2026-01-01T12:00:00.010")] // no offset: UTC
    [InlineData("2026-01-01%2012:00:00.010Z")] // RFC 3339's space
    [InlineData("2026-01-01t12:00:00.010z")]
    public async Task Search_FromInIso8601Forms_SameInstant(string from)
    {
        await using var host = await StartFilledAsync();

        var (status, body) = await host.GetJsonAsync(Api + "traces/search?from=" + from + "&to=2026-01-01T12:00:01.010Z");

        Assert.Equal(200, status);
        Assert.Equal(new[] { 4, 3, 2 }.Select(SpanIdOf), SpanIds(body));
    }

    [Fact]
    public async Task Search_DateOnly_MidnightUtc()
    {
        await using var host = await StartFilledAsync();

        var (status, body) = await host.GetJsonAsync(Api + "traces/search?from=2026-01-01&to=2026-01-02");

        Assert.Equal(200, status);
        Assert.Equal(6, body.GetProperty("totalCount").GetInt32());
    }

    [Fact]
    public async Task Search_Paginated_ReportsTotalAndNextOffset()
    {
        await using var host = await StartFilledAsync();

        var (_, body) = await host.GetJsonAsync(Api + "traces/search?limit=4");

        Assert.Equal(6, body.GetProperty("totalCount").GetInt32());
        Assert.Equal(4, body.GetProperty("nextOffset").GetInt32());
        Assert.Equal(4, body.GetProperty("spans").GetArrayLength());
    }

    [Fact]
    public async Task Search_SpanJson_HasTypedAttributesAndMilliseconds()
    {
        await using var host = await StartFilledAsync();
        host.Store.Add(Create(9, 9, name: "typed", durationMs: 1.5, attributes: [new("n", 42L), new("b", true), new("d", 0.25), new("s", "x")]));

        var (_, body) = await host.GetJsonAsync(Api + "traces/search?operation=typed");

        var span = body.GetProperty("spans")[0];
        Assert.Equal(1.5, span.GetProperty("durationMs").GetDouble());
        Assert.Equal("internal", span.GetProperty("kind").GetString());
        Assert.Equal("unset", span.GetProperty("status").GetString());
        var attributes = span.GetProperty("attributes");
        Assert.Equal(42, attributes.GetProperty("n").GetInt64());
        Assert.True(attributes.GetProperty("b").GetBoolean());
        Assert.Equal(0.25, attributes.GetProperty("d").GetDouble());
        Assert.Equal("x", attributes.GetProperty("s").GetString());
    }

    [Fact]
    public async Task Search_CredentialAttribute_ReturnedRedacted()
    {
        await using var host = await ApiTestHost.StartAsync();
        using var source = new SampledActivitySource("Propagation.Collector.Tests");
        using (var activity = source.Source.StartActivity("login")!)
        {
            activity.SetTag("http.request.header.authorization", "Bearer super-secret-token");
            activity.Stop();
            host.Store.Add(activity, "auth");
        }

        using var response = await host.Client.GetAsync(new Uri(Api + "traces/search?service=auth", UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();

        Assert.DoesNotContain("super-secret-token", text, StringComparison.Ordinal);
        var body = JsonDocument.Parse(text).RootElement;
        Assert.Equal(SpanTag.RedactedValue, body.GetProperty("spans")[0].GetProperty("attributes").GetProperty("http.request.header.authorization").GetString());
    }

    [Fact]
    public async Task Search_TracesViewNextPageBeyondMaxOffset_NoNextOffset()
    {
        // More traces than offsets reach (MaxTraces raised): the page at the largest offset is the last one offered,
        // never a nextOffset the same endpoint answers 400.
        const int Stored = SpanQuery.MaxOffset + 101;
        await using var host = await ApiTestHost.StartAsync(services: s => s.AddSpanStore(o => { o.MaxSpans = Stored; o.MaxTraces = Stored; }));
        for (var i = 0; i < Stored; i++)
        {
            host.Store.Add(Create(i + 1, 1, startMs: i));
        }

        var (status, body) = await host.GetJsonAsync(Api + $"traces/search?view=traces&limit=100&offset={SpanQuery.MaxOffset}");

        Assert.Equal(200, status);
        Assert.Equal(Stored, body.GetProperty("totalCount").GetInt32());
        Assert.Equal(100, body.GetProperty("traces").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("nextOffset").ValueKind);
    }

    [Fact]
    public async Task Search_TracesView_ReturnsTraceListItems()
    {
        await using var host = await StartFilledAsync();

        var (status, body) = await host.GetJsonAsync(Api + "traces/search?view=traces&service=backend&sortBy=duration");

        Assert.Equal(200, status);
        Assert.Equal(2, body.GetProperty("totalCount").GetInt32());
        var first = body.GetProperty("traces")[0];
        Assert.Equal(TraceIdOf(1), first.GetProperty("traceId").GetString());
        Assert.Equal("GET /", first.GetProperty("rootName").GetString());
        Assert.Equal("frontend", first.GetProperty("rootService").GetString());
        Assert.Equal(300, first.GetProperty("durationMs").GetDouble());
        Assert.Equal(3, first.GetProperty("spanCount").GetInt32());
        Assert.Equal(1, body.GetProperty("traces")[1].GetProperty("errorCount").GetInt32());
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=1001", "limit")]
    [InlineData("limit=ten", "limit")]
    [InlineData("limit=1&limit=2", "limit")]
    [InlineData("offset=-1", "offset")]
    [InlineData("kind=sideways", "kind")]
    [InlineData("status=fine", "status")]
    [InlineData("error=maybe", "error")]
    [InlineData("minDurationMs=-5", "minDurationMs")]
    [InlineData("maxDurationMs=NaN", "maxDurationMs")]
    [InlineData("minDurationMs=10&maxDurationMs=5", "minDurationMs")]
    [InlineData("from=yesterday", "from")]
    [InlineData("from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", "from")]
    [InlineData("from=1%2F2%2F2026", "from")] // 2 January or 1 February: culture order, not ISO 8601
    [InlineData("to=01%2F02%2F2026%2010:00", "to")]
    [InlineData("from=12:00", "from")] // a time alone: which day?
    [InlineData("from=January%202026", "from")]
    [InlineData("to=Thu,%2001%20Jan%202026%2012:00:00%20GMT", "to")]
    [InlineData("from=2026-1-1", "from")]
    [InlineData("traceId=xyz", "traceId")]
    [InlineData("traceId=0000000000000000000000000000000g", "traceId")]
    [InlineData("sortBy=name", "sortBy")]
    [InlineData("order=up", "order")]
    [InlineData("view=graph", "view")]
    [InlineData("service=", "service")]
    [InlineData("attr.=x", "attr.*")]
    [InlineData("attr.db.system=", "attr.*")]
    [InlineData("attr.db.system=a&attr.db.system=b", "attr.*")]
    public async Task Search_BadParameter_Returns400NamingIt(string queryString, string parameter)
    {
        await using var host = await StartFilledAsync();

        using var response = await host.Client.GetAsync(new Uri(Api + "traces/search?" + queryString, UriKind.Relative));
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(400, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(parameter, body.GetProperty("parameter").GetString());
        Assert.Contains(parameter.TrimEnd('*'), body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Search_LongValue_Returns400WithoutEchoingIt()
    {
        await using var host = await StartFilledAsync();
        var value = new string('q', SpanStoreOptions.DefaultMaxAttributeValueLength + 1);

        using var response = await host.Client.GetAsync(new Uri(Api + "traces/search?service=" + value, UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(400, (int)response.StatusCode);
        Assert.DoesNotContain(value, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Search_OperationNameAsLongAsTheStoreKeeps_ListedThenFiltered()
    {
        // Arrange: an activity whose name is longer than the store keeps: stored cut to the longest name it keeps.
        await using var host = await ApiTestHost.StartAsync();
        using var source = new SampledActivitySource("Propagation.Collector.Tests." + nameof(Search_OperationNameAsLongAsTheStoreKeeps_ListedThenFiltered));
        using var activity = source.Source.StartActivity("op")!;
        activity.DisplayName = new string('n', SpanStoreOptions.DefaultMaxAttributeValueLength + 100);
        activity.Stop();
        Assert.True(host.Store.Add(activity, "svc"));
        host.Store.Add(TestSpans.Create(9, 90, name: "other", service: "other"));

        // Act: the name the API lists, then a search filtered on exactly it, and on it as a prefix.
        var (listStatus, list) = await host.GetJsonAsync(Api + "traces/search?service=svc");
        var listed = Assert.Single(list.GetProperty("spans").EnumerateArray()).GetProperty("name").GetString()!;
        var (exactStatus, exact) = await host.GetJsonAsync(Api + "traces/search?operation=" + listed);
        var (prefixStatus, prefix) = await host.GetJsonAsync(Api + "traces/search?operationPrefix=" + listed);

        // Assert
        Assert.Equal(200, listStatus);
        Assert.Equal(SpanStoreOptions.DefaultMaxAttributeValueLength, listed.Length);
        Assert.Equal(200, exactStatus);
        Assert.Equal([activity.SpanId.ToHexString()], SpanIds(exact));
        Assert.Equal(200, prefixStatus);
        Assert.Equal([activity.SpanId.ToHexString()], SpanIds(prefix));
    }

    [Fact]
    public async Task Search_AttributeValueAndServiceAsLongAsTheStoreKeeps_Filtered()
    {
        await using var host = await ApiTestHost.StartAsync();
        var value = new string('v', SpanStoreOptions.DefaultMaxAttributeValueLength);
        var service = new string('s', SpanStoreOptions.DefaultMaxAttributeValueLength);
        host.Store.Add(TestSpans.Create(1, 1, service: service, attributes: [new("long", value)]));
        host.Store.Add(TestSpans.Create(2, 2, attributes: [new("long", "short")]));

        var (byValue, valueBody) = await host.GetJsonAsync(Api + "traces/search?attr.long=" + value);
        var (byService, serviceBody) = await host.GetJsonAsync(Api + "traces/search?service=" + service);

        Assert.Equal(200, byValue);
        Assert.Equal([SpanIdOf(1)], SpanIds(valueBody));
        Assert.Equal(200, byService);
        Assert.Equal([SpanIdOf(1)], SpanIds(serviceBody));
    }

    [Fact]
    public async Task Search_ServiceNameLongerThanTheStoreKeeps_ListedCutThenFiltered()
    {
        // Arrange: a service name (from the resource, a tag or the caller) longer than any text the store keeps.
        await using var host = await ApiTestHost.StartAsync();
        using var source = new SampledActivitySource("Propagation.Collector.Tests." + nameof(Search_ServiceNameLongerThanTheStoreKeeps_ListedCutThenFiltered));
        using var activity = source.Source.StartActivity("op")!;
        activity.Stop();
        Assert.True(host.Store.Add(activity, new string('s', SpanStoreOptions.DefaultMaxAttributeValueLength + 100)));
        host.Store.Add(TestSpans.Create(9, 90));

        // Act: the service name the API lists, then a search filtered on it.
        var (_, dependencies) = await host.GetJsonAsync(Api + "dependencies");
        var listed = dependencies.GetProperty("services").EnumerateArray().Select(s => s.GetString()!).Single(s => s != "svc");
        var (status, body) = await host.GetJsonAsync(Api + "traces/search?service=" + listed);

        // Assert
        Assert.Equal(SpanStoreOptions.DefaultMaxAttributeValueLength, listed.Length);
        Assert.Equal(200, status);
        Assert.Equal([activity.SpanId.ToHexString()], SpanIds(body));
    }

    [Fact]
    public async Task Search_AttributeKeyAsLongAsTheTextBound_Filtered()
    {
        // Attribute keys are kept as given; one longer than the former 256-character bound must still be a filter.
        await using var host = await ApiTestHost.StartAsync();
        var key = new string('k', SpanStoreOptions.DefaultMaxAttributeValueLength);
        host.Store.Add(TestSpans.Create(1, 1, attributes: [new(key, "v")]));
        host.Store.Add(TestSpans.Create(2, 2, attributes: [new("k", "v")]));

        var (status, body) = await host.GetJsonAsync(Api + "traces/search?attr." + key + "=v");
        var (tooLong, problem) = await host.GetJsonAsync(Api + "traces/search?attr." + key + "k=v");

        Assert.Equal(200, status);
        Assert.Equal([SpanIdOf(1)], SpanIds(body));
        Assert.Equal(400, tooLong);
        Assert.Equal("attr.*", problem.GetProperty("parameter").GetString());
    }

    [Fact]
    public async Task OperationAnalysis_NameAsLongAsTheStoreKeeps_ReturnsStatistics()
    {
        await using var host = await ApiTestHost.StartAsync();
        var name = new string('n', SpanStoreOptions.DefaultMaxAttributeValueLength);
        host.Store.Add(TestSpans.Create(1, 1, name: name));

        var (status, body) = await host.GetJsonAsync(Api + "operations/" + name + "/analysis");

        Assert.Equal(200, status);
        Assert.Equal(name, body.GetProperty("name").GetString());
    }

    [Theory]
    [InlineData("traces/search?operation=", "operation")]
    [InlineData("traces/search?operationPrefix=", "operationPrefix")]
    public async Task Search_TextLongerThanTheStoreKeeps_Returns400NamingIt(string pathAndQuery, string parameter)
    {
        await using var host = await ApiTestHost.StartAsync();
        var value = new string('q', SpanStoreOptions.DefaultMaxAttributeValueLength + 1);

        using var response = await host.Client.GetAsync(new Uri(Api + pathAndQuery + value, UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(400, (int)response.StatusCode);
        Assert.Equal(parameter, JsonDocument.Parse(text).RootElement.GetProperty("parameter").GetString());
        Assert.Contains("1 to " + SpanStoreOptions.DefaultMaxAttributeValueLength.ToString(System.Globalization.CultureInfo.InvariantCulture), text, StringComparison.Ordinal);
        Assert.DoesNotContain(value, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OperationAnalysis_NameLongerThanTheStoreKeeps_Returns400()
    {
        await using var host = await ApiTestHost.StartAsync();

        var (status, body) = await host.GetJsonAsync(Api + "operations/" + new string('n', SpanStoreOptions.DefaultMaxAttributeValueLength + 1) + "/analysis");

        Assert.Equal(400, status);
        Assert.Equal("name", body.GetProperty("parameter").GetString());
    }

    [Fact]
    public async Task Search_StoreKeepsLongerNames_OperationFilterAcceptsThem()
    {
        // Arrange: a store configured to keep names longer than the default.
        const int Longer = SpanStoreOptions.DefaultMaxAttributeValueLength * 2;
        await using var host = await ApiTestHost.StartAsync(services: static s => s.Configure<SpanStoreOptions>(o => o.MaxAttributeValueLength = Longer));
        var name = new string('n', Longer);
        host.Store.Add(TestSpans.Create(1, 1, name: name));

        var (status, body) = await host.GetJsonAsync(Api + "traces/search?operation=" + name);
        var (tooLong, _) = await host.GetJsonAsync(Api + "traces/search?operation=" + name + "n");

        Assert.Equal(200, status);
        Assert.Equal([SpanIdOf(1)], SpanIds(body));
        Assert.Equal(400, tooLong);
    }

    [Fact]
    public async Task Trace_Known_ReturnsSummaryAndSpans()
    {
        await using var host = await StartFilledAsync();

        var (status, body) = await host.GetJsonAsync(Api + "traces/" + TraceIdOf(1).ToUpperInvariant());

        Assert.Equal(200, status);
        var summary = body.GetProperty("summary");
        Assert.Equal(3, summary.GetProperty("spanCount").GetInt32());
        Assert.Equal(300, summary.GetProperty("durationMs").GetDouble());
        Assert.Equal(SpanIdOf(1), summary.GetProperty("rootSpanId").GetString());
        Assert.Equal(["backend", "frontend"], summary.GetProperty("services").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal([SpanIdOf(1), SpanIdOf(2), SpanIdOf(3)], summary.GetProperty("criticalPath").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal([SpanIdOf(1), SpanIdOf(2), SpanIdOf(3)], SpanIds(body));
    }

    [Fact]
    public async Task Trace_Orphan_ListedInSummary()
    {
        await using var host = await StartFilledAsync();

        var (_, body) = await host.GetJsonAsync(Api + "traces/" + TraceIdOf(3));

        Assert.Equal([SpanIdOf(6)], body.GetProperty("summary").GetProperty("orphanSpanIds").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(JsonValueKind.Null, body.GetProperty("summary").GetProperty("rootSpanId").ValueKind);
    }

    [Fact]
    public async Task Trace_RemoteParentNotStored_NotAnOrphan()
    {
        await using var host = await StartFilledAsync();
        AddKernelsOwnTrace(host.Store);

        var (_, body) = await host.GetJsonAsync(Api + "traces/" + TraceIdOf(4));

        Assert.Empty(body.GetProperty("summary").GetProperty("orphanSpanIds").EnumerateArray());
        Assert.Equal([SpanIdOf(40), SpanIdOf(41)], body.GetProperty("summary").GetProperty("criticalPath").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(SpanIdOf(40), body.GetProperty("summary").GetProperty("rootSpanId").GetString());
    }

    [Fact]
    public async Task Search_TracesViewPerServiceTrace_NamedByItsEntrySpanNotTheFirstStored()
    {
        // Arrange: a service's own store; its spans end (and are stored) children first, and the entry span's parent is
        // the caller's, in the caller's store.
        await using var host = await ApiTestHost.StartAsync();
        host.Store.Add(Create(7, 72, parent: 71, name: "GET", service: "backend", kind: ActivityKind.Client, startMs: 5, durationMs: 20));
        host.Store.Add(Create(7, 73, parent: 70, name: "Knowledge/Lookup", service: "backend", kind: ActivityKind.Server, startMs: 40, durationMs: 10, remoteParent: true));
        host.Store.Add(Create(7, 71, parent: 700, name: "GET /api/ask", service: "backend", kind: ActivityKind.Server, startMs: 0, durationMs: 60, remoteParent: true));

        // Act
        var (status, body) = await host.GetJsonAsync(Api + "traces/search?view=traces");

        // Assert
        Assert.Equal(200, status);
        var item = Assert.Single(body.GetProperty("traces").EnumerateArray());
        Assert.Equal("GET /api/ask", item.GetProperty("rootName").GetString());
    }

    [Fact]
    public async Task Search_TracesViewOrphanStartedBeforeTheEntrySpan_NamedByTheEntrySpanAsItsSummaryRoot()
    {
        // Arrange: a service's own store; a stray span (its local parent lost) started before the entry span.
        await using var host = await ApiTestHost.StartAsync();
        host.Store.Add(Create(8, 81, parent: 89, name: "stray", service: "kernel", startMs: 0, durationMs: 5));
        host.Store.Add(Create(8, 82, parent: 800, name: "POST /work", service: "kernel", kind: ActivityKind.Server, startMs: 10, durationMs: 50, remoteParent: true));

        // Act
        var (_, list) = await host.GetJsonAsync(Api + "traces/search?view=traces");
        var (_, trace) = await host.GetJsonAsync(Api + "traces/" + TraceIdOf(8));

        // Assert
        var item = Assert.Single(list.GetProperty("traces").EnumerateArray());
        Assert.Equal("POST /work", item.GetProperty("rootName").GetString());
        Assert.Equal(SpanIdOf(82), trace.GetProperty("summary").GetProperty("rootSpanId").GetString());
    }

    [Fact]
    public async Task Search_TracesViewOnlyOrphans_NamedByTheEarliestSpan()
    {
        await using var host = await ApiTestHost.StartAsync();
        host.Store.Add(Create(9, 92, parent: 98, name: "later", service: "kernel", startMs: 10, durationMs: 5));
        host.Store.Add(Create(9, 91, parent: 99, name: "earliest", service: "kernel", startMs: 0, durationMs: 5));

        var (_, list) = await host.GetJsonAsync(Api + "traces/search?view=traces");

        Assert.Equal("earliest", Assert.Single(list.GetProperty("traces").EnumerateArray()).GetProperty("rootName").GetString());
    }

    [Fact]
    public async Task Trace_Unknown_Returns404()
    {
        await using var host = await StartFilledAsync();

        var (status, _) = await host.GetJsonAsync(Api + "traces/" + TraceIdOf(42));

        Assert.Equal(404, status);
    }

    [Fact]
    public async Task Trace_MalformedId_Returns400()
    {
        await using var host = await StartFilledAsync();

        var (status, body) = await host.GetJsonAsync(Api + "traces/not-a-trace-id");

        Assert.Equal(400, status);
        Assert.Equal("traceId", body.GetProperty("parameter").GetString());
    }

    [Fact]
    public async Task PerformanceSummary_FilledStore_ReportsOperationsGradesSlowAndErrors()
    {
        await using var host = await StartFilledAsync();

        var (status, body) = await host.GetJsonAsync(Api + "performance/summary?slowThresholdMs=200");

        Assert.Equal(200, status);
        Assert.Equal(6, body.GetProperty("spanCount").GetInt32());
        Assert.Equal(3, body.GetProperty("traceCount").GetInt32());
        Assert.Equal(1, body.GetProperty("errorSpanCount").GetInt32());
        Assert.Equal(4, body.GetProperty("operationCount").GetInt32());
        var grades = body.GetProperty("gradeCounts");
        Assert.Equal(4, grades.EnumerateObject().Sum(g => g.Value.GetInt32()));
        Assert.Equal(3, grades.GetProperty("B").GetInt32()); // GET / (http, 300 ms), GET /orders (http, 250), SELECT (database, 200)
        Assert.Equal(1, grades.GetProperty("A").GetInt32()); // POST /kernel (http, 5 ms)
        Assert.Equal(["GET /", "GET /orders", "SELECT orders"], body.GetProperty("slowOperations").EnumerateArray().Select(o => o.GetProperty("name").GetString()));
        Assert.Equal([SpanIdOf(1), SpanIdOf(2), SpanIdOf(3)], SpanIds(body, "slowestSpans"));
        var error = body.GetProperty("recentErrors")[0];
        Assert.Equal(SpanIdOf(5), error.GetProperty("span").GetProperty("spanId").GetString());
        Assert.Equal("slow db", error.GetProperty("exceptions")[0].GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("performance/summary?slowThresholdMs=abc", "slowThresholdMs")]
    [InlineData("performance/summary?limit=0", "limit")]
    [InlineData("performance/bottlenecks?limit=101", "limit")]
    [InlineData("operations/GET%20%2F/analysis?limit=x", "limit")]
    [InlineData("propagation?limit=-3", "limit")]
    public async Task AnalysisEndpoints_BadParameter_Returns400NamingIt(string path, string parameter)
    {
        await using var host = await StartFilledAsync();

        var (status, body) = await host.GetJsonAsync(Api + path);

        Assert.Equal(400, status);
        Assert.Equal(parameter, body.GetProperty("parameter").GetString());
    }

    [Fact]
    public async Task Bottlenecks_FilledStore_RankedWithEvidence()
    {
        await using var host = await StartFilledAsync();

        var (status, body) = await host.GetJsonAsync(Api + "performance/bottlenecks?limit=2");

        Assert.Equal(200, status);
        Assert.Contains("p95Ms", body.GetProperty("formula").GetString(), StringComparison.Ordinal);
        var items = body.GetProperty("bottlenecks");
        Assert.Equal(2, items.GetArrayLength());

        // GET /orders: p95 250 × 2 × (1 + 3 × 0.5) = 1250; GET /: p95 300 × 2 × 1 = 600.
        Assert.Equal("GET /orders", items[0].GetProperty("operation").GetProperty("name").GetString());
        Assert.Equal(1250, items[0].GetProperty("impactScore").GetDouble(), 6);
        Assert.Equal(2.5, items[0].GetProperty("errorFactor").GetDouble(), 6);
        Assert.Equal(1, items[0].GetProperty("rank").GetInt32());
        Assert.Equal("GET /", items[1].GetProperty("operation").GetProperty("name").GetString());
        Assert.Equal(600, items[1].GetProperty("impactScore").GetDouble(), 6);
        Assert.True(items[0].GetProperty("reasons").GetArrayLength() >= 2);
    }

    [Fact]
    public async Task OperationAnalysis_EncodedSlashInName_ReturnsStatistics()
    {
        await using var host = await StartFilledAsync();

        var (status, body) = await host.GetJsonAsync(Api + "operations/GET%20%2Forders/analysis");

        Assert.Equal(200, status);
        Assert.Equal("GET /orders", body.GetProperty("name").GetString());
        var operation = Assert.Single(body.GetProperty("operations").EnumerateArray());
        Assert.Equal(2, operation.GetProperty("count").GetInt32());
        Assert.Equal(0.5, operation.GetProperty("errorRate").GetDouble());
        Assert.Equal(250, operation.GetProperty("p95Ms").GetDouble());
        Assert.Equal(30, operation.GetProperty("p50Ms").GetDouble());
        Assert.Equal("http", operation.GetProperty("operationClass").GetString());
        Assert.Equal("B", operation.GetProperty("grade").GetString());
        Assert.Equal([SpanIdOf(2), SpanIdOf(5)], SpanIds(body, "slowestSpans"));
        Assert.Equal(1, body.GetProperty("errors").GetArrayLength());
    }

    [Fact]
    public async Task Endpoints_SpansWithAttributesWithoutKey_Return200WithTheKeyedAttributes()
    {
        await using var host = await StartFilledAsync();
        using var source = new SampledActivitySource("Propagation.Collector.Tests");
        using var activity = source.Source.StartActivity("keyless", ActivityKind.Server)!;
        activity.AddTag(null!, "from-activity");
        activity.AddTag("http.request.method", "GET");
        activity.Stop();
        host.Store.Add(activity, "svc");
        host.Store.Add(Create(4, 7, name: "cache get", attributes: [new(null!, "from-span"), new("cache.key", "k")],
            events: [new SpanEvent("e", Origin, [new(null!, "from-event")])]));
        var traceId = activity.TraceId.ToHexString();

        var search = await host.GetJsonAsync(Api + "traces/search?limit=100");
        var fromActivity = await host.GetJsonAsync(Api + "traces/" + traceId);
        var fromSpan = await host.GetJsonAsync(Api + "traces/" + TraceIdOf(4));
        var summary = await host.GetJsonAsync(Api + "performance/summary");

        Assert.Equal([200, 200, 200, 200], new[] { search.Status, fromActivity.Status, fromSpan.Status, summary.Status });
        Assert.Equal(8, search.Body.GetProperty("totalCount").GetInt32());
        var activityAttributes = Assert.Single(fromActivity.Body.GetProperty("spans").EnumerateArray()).GetProperty("attributes");
        Assert.Equal(["http.request.method"], activityAttributes.EnumerateObject().Select(p => p.Name));
        var span = Assert.Single(fromSpan.Body.GetProperty("spans").EnumerateArray());
        Assert.Equal(["cache.key"], span.GetProperty("attributes").EnumerateObject().Select(p => p.Name));
        Assert.Empty(span.GetProperty("events")[0].GetProperty("attributes").EnumerateObject());
    }

    [Fact]
    public async Task Trace_AttributeKeyAddedTwice_WrittenOnceWithItsLastValue()
    {
        // Activity.AddTag appends where SetTag replaces. A JSON object must not repeat a name (RFC 8259 section 4):
        // parsers disagree on which repeat wins, so a reader could be shown another value than a tool reading the same
        // answer. Each key is written once, with its last value, as JsonSpanExporter writes it.
        await using var host = await ApiTestHost.StartAsync();
        using var source = new SampledActivitySource("Propagation.Collector.Tests");
        using var activity = source.Source.StartActivity("twice", ActivityKind.Server)!;
        activity.AddTag("enduser.id", "alice");
        activity.AddTag("http.request.method", "GET");
        activity.AddTag("enduser.id", "mallory");
        activity.Stop();
        host.Store.Add(activity, "svc");
        host.Store.Add(Create(2, 1, attributes: [new("k", "first"), new("k", "second")],
            events: [new SpanEvent("e", Origin, [new("k", 1L), new("k", 2L)])]));
        host.Store.Add(Create(3, 1, attributes: [.. Enumerable.Range(0, 40).Select(i => new SpanTag("a" + i, (long)i)), new("a3", 99L)]));

        using var response = await host.Client.GetAsync(new Uri(Api + "traces/" + activity.TraceId.ToHexString(), UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        var fromSpan = await host.GetJsonAsync(Api + "traces/" + TraceIdOf(2));

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(2, text.Split("\"enduser.id\":").Length);
        var attributes = JsonDocument.Parse(text).RootElement.GetProperty("spans")[0].GetProperty("attributes");
        Assert.Equal(["http.request.method", "enduser.id"], attributes.EnumerateObject().Select(p => p.Name));
        Assert.Equal("mallory", attributes.GetProperty("enduser.id").GetString());
        var span = fromSpan.Body.GetProperty("spans")[0];
        Assert.Equal(["k:second"], span.GetProperty("attributes").EnumerateObject().Select(p => p.Name + ":" + p.Value.GetString()));
        Assert.Equal(["k:2"], span.GetProperty("events")[0].GetProperty("attributes").EnumerateObject().Select(p => p.Name + ":" + p.Value.GetRawText()));
        var many = (await host.GetJsonAsync(Api + "traces/" + TraceIdOf(3))).Body.GetProperty("spans")[0].GetProperty("attributes").EnumerateObject().ToList();
        Assert.Equal(40, many.Count);
        Assert.Equal("a3:99", many[^1].Name + ":" + many[^1].Value.GetRawText());
    }

    [Theory]
    [InlineData("a%2Fb", "a/b")]
    [InlineData("a%252Fb", "a%2Fb")]
    [InlineData("a%25252Fb", "a%252Fb")]
    [InlineData("caf%C3%A9%20%2F%20%E2%82%AC", "café / €")]
    [InlineData("a%252fb", "a%2fb")]
    public async Task OperationAnalysis_RawTarget_DecodesTheNameOnce(string encoded, string name)
    {
        await using var host = await ApiTestHost.StartAsync();
        foreach (var (n, stored) in new[] { "a/b", "a%2Fb", "a%252Fb", "café / €", "a%2fb" }.Select((s, i) => (i + 1, s)))
        {
            host.Store.Add(Create(n, n, name: stored));
        }

        var (status, body) = await host.GetJsonWithRawTargetAsync(Api + "operations/" + encoded + "/analysis?limit=5");

        Assert.Equal(200, status);
        Assert.Equal(name, body.GetProperty("name").GetString());
        Assert.Equal(name, Assert.Single(body.GetProperty("slowestSpans").EnumerateArray()).GetProperty("name").GetString());
    }

    [Theory]
    [InlineData("%FF")] // not UTF-8
    [InlineData("%C0%AF")] // overlong '/'
    [InlineData("%E2%28")] // truncated sequence
    [InlineData("%ZZ")]
    [InlineData("%")]
    [InlineData("a%2")]
    public async Task OperationAnalysis_RawTargetWithBadEncoding_Returns404NotAnError(string encoded)
    {
        await using var host = await StartFilledAsync();

        var (status, _) = await host.GetJsonWithRawTargetAsync(Api + "operations/" + encoded + "/analysis");

        Assert.Equal(404, status);
    }

    [Fact]
    public async Task OperationAnalysis_RawTargetOfAnotherPath_UsesTheRouteValue()
    {
        // As after a path rewrite: the raw target's segment is not the one routing matched, so it is not used.
        await using var host = await StartFilledAsync();

        var (status, body) = await host.GetJsonWithRawTargetAsync("/old/operations/SELECT%20orders/analysis", Api + "operations/GET%20%2Forders/analysis");

        Assert.Equal(200, status);
        Assert.Equal("GET /orders", body.GetProperty("name").GetString());
    }

    [Fact]
    public async Task OperationAnalysis_RawTargetWithTrailingSlash_DecodesTheNameOnce()
    {
        await using var host = await ApiTestHost.StartAsync();
        host.Store.Add(Create(1, 1, name: "a%2Fb"));

        var (status, body) = await host.GetJsonWithRawTargetAsync(Api + "operations/a%252Fb/analysis/");

        Assert.Equal(200, status);
        Assert.Equal("a%2Fb", body.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Endpoints_SpansEndingPastTheLastRepresentableTime_Return200()
    {
        // Add(StoredSpan) takes any start and duration; StartTime + Duration past DateTimeOffset.MaxValue overflowed.
        await using var host = await ApiTestHost.StartAsync();
        var late = DateTimeOffset.MaxValue.AddDays(-1);
        host.Store.Add(new StoredSpan
        {
            TraceId = TraceIdOf(1), SpanId = SpanIdOf(1), Name = "late", ServiceName = "svc", Kind = ActivityKind.Server,
            StartTime = late, Duration = TimeSpan.FromDays(2),
        });
        host.Store.Add(new StoredSpan
        {
            TraceId = TraceIdOf(1), SpanId = SpanIdOf(2), ParentSpanId = SpanIdOf(1), Name = "child", ServiceName = "db",
            Kind = ActivityKind.Client, StartTime = late.AddHours(1), Duration = TimeSpan.MaxValue,
        });
        host.Store.Add(new StoredSpan
        {
            TraceId = TraceIdOf(2), SpanId = SpanIdOf(3), Name = "late", ServiceName = "svc", Kind = ActivityKind.Server,
            StartTime = Origin, Duration = TimeSpan.MaxValue,
        });

        var trace = await host.GetJsonAsync(Api + "traces/" + TraceIdOf(1));
        var traces = await host.GetJsonAsync(Api + "traces/search?view=traces");
        var summary = await host.GetJsonAsync(Api + "performance/summary");
        var bottlenecks = await host.GetJsonAsync(Api + "performance/bottlenecks");
        var analysis = await host.GetJsonAsync(Api + "operations/late/analysis");

        Assert.Equal([200, 200, 200, 200, 200], new[] { trace.Status, traces.Status, summary.Status, bottlenecks.Status, analysis.Status });
        Assert.Equal(2, trace.Body.GetProperty("spans").GetArrayLength());
        Assert.Equal(2, traces.Body.GetProperty("totalCount").GetInt32());
        Assert.Equal(2, Assert.Single(analysis.Body.GetProperty("operations").EnumerateArray()).GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task Endpoints_TimesWithAnOffset_WrittenInUtc()
    {
        // Add(StoredSpan) keeps a start's offset, and an activity's event keeps its timestamp's (DateTimeOffset.Now
        // has the machine's); the API wrote them as given, though the README promises UTC.
        await using var host = await ApiTestHost.StartAsync();
        host.Store.Add(new StoredSpan
        {
            TraceId = TraceIdOf(1), SpanId = SpanIdOf(1), Name = "op", ServiceName = "svc", Kind = ActivityKind.Server,
            StartTime = new DateTimeOffset(2026, 1, 1, 14, 0, 0, TimeSpan.FromHours(2)), Duration = TimeSpan.FromSeconds(2),
            Status = ActivityStatusCode.Error,
            Events = [new SpanEvent("exception", new DateTimeOffset(2026, 1, 1, 7, 0, 1, TimeSpan.FromHours(-5)), [new("exception.type", "E")])],
        });

        var times = new List<string>();
        foreach (var path in new[]
        {
            "traces/" + TraceIdOf(1), "traces/search", "traces/search?view=traces", "performance/summary",
            "operations/op/analysis", "propagation",
        })
        {
            var (status, body) = await host.GetJsonAsync(Api + path);
            Assert.Equal(200, status);
            CollectTimes(body, times);
        }

        Assert.Equal(12, times.Count);
        Assert.All(times, t => Assert.True(t is "2026-01-01T12:00:00+00:00" or "2026-01-01T12:00:01+00:00", t));

        static void CollectTimes(JsonElement element, List<string> times)
        {
            if (element.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in element.EnumerateArray())
                {
                    CollectTimes(item, times);
                }
            }
            else if (element.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in element.EnumerateObject())
                {
                    if (property.Name is "startTime" or "timestamp")
                    {
                        times.Add(property.Value.GetString()!);
                    }
                    else
                    {
                        CollectTimes(property.Value, times);
                    }
                }
            }
        }
    }

    [Fact]
    public async Task OperationAnalysis_Unknown_Returns404()
    {
        await using var host = await StartFilledAsync();

        var (status, _) = await host.GetJsonAsync(Api + "operations/nothing/analysis");

        Assert.Equal(404, status);
    }

    [Fact]
    public async Task Dependencies_FilledStore_ReturnsEdgesAndServices()
    {
        await using var host = await StartFilledAsync();

        var (status, body) = await host.GetJsonAsync(Api + "dependencies");

        Assert.Equal(200, status);
        Assert.Equal(["backend", "frontend", "kernel", "postgres"], body.GetProperty("services").EnumerateArray().Select(s => s.GetString()));
        var edges = body.GetProperty("edges").EnumerateArray().ToList();
        Assert.Equal(2, edges.Count);
        Assert.Equal("backend", edges[0].GetProperty("caller").GetString());
        Assert.Equal("postgres", edges[0].GetProperty("callee").GetString());
        Assert.Equal("frontend", edges[1].GetProperty("caller").GetString());
        Assert.Equal("backend", edges[1].GetProperty("callee").GetString());
        Assert.Equal(2, edges[1].GetProperty("callCount").GetInt32());
        Assert.Equal(0.5, edges[1].GetProperty("errorRate").GetDouble());
        Assert.Equal(250, edges[1].GetProperty("p95Ms").GetDouble());
    }

    [Fact]
    public async Task Propagation_NoHealthSource_ServesOrphansAndNullCounters()
    {
        await using var host = await StartFilledAsync();

        var (status, body) = await host.GetJsonAsync(Api + "propagation");

        Assert.Equal(200, status);
        Assert.Equal(1, body.GetProperty("orphanSpanCount").GetInt32());
        Assert.Equal(1, body.GetProperty("tracesWithOrphans").GetInt32());
        Assert.Equal(0, body.GetProperty("remoteParentSpanCount").GetInt32());
        Assert.Equal(SpanIdOf(6), body.GetProperty("recentOrphans")[0].GetProperty("spanId").GetString());
        Assert.False(body.GetProperty("countersAvailable").GetBoolean());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("formatConflicts").ValueKind);
    }

    [Fact]
    public async Task Propagation_RemoteParentsNotStored_CountedApartFromOrphans()
    {
        // Arrange: two server spans continuing callers whose spans are in other stores, and one continuing a caller
        // whose span is in this store (one store shared by both services); Fill's kernel span lost its local parent.
        await using var host = await StartFilledAsync();
        host.Store.Add(Create(4, 40, parent: 400, name: "POST /kernel", service: "kernel", startMs: 3_000, kind: ActivityKind.Server, remoteParent: true));
        host.Store.Add(Create(4, 41, parent: 40, name: "invoke", service: "kernel", startMs: 3_001));
        host.Store.Add(Create(5, 50, parent: 500, name: "POST /kernel", service: "kernel", startMs: 4_000, kind: ActivityKind.Server, remoteParent: true));
        host.Store.Add(Create(6, 60, name: "GET /", service: "frontend", startMs: 5_000, kind: ActivityKind.Client));
        host.Store.Add(Create(6, 61, parent: 60, name: "GET /", service: "backend", startMs: 5_001, kind: ActivityKind.Server, remoteParent: true));

        // Act
        var (status, body) = await host.GetJsonAsync(Api + "propagation");

        // Assert
        Assert.Equal(200, status);
        Assert.Equal(1, body.GetProperty("orphanSpanCount").GetInt32());
        Assert.Equal(1, body.GetProperty("tracesWithOrphans").GetInt32());
        Assert.Equal([SpanIdOf(6)], body.GetProperty("recentOrphans").EnumerateArray().Select(s => s.GetProperty("spanId").GetString()));
        Assert.Equal(2, body.GetProperty("remoteParentSpanCount").GetInt32());
        Assert.False(body.TryGetProperty("serverSpansWithMissingParent", out _));
    }

    [Fact]
    public async Task Trace_Spans_CarryHasRemoteParent()
    {
        await using var host = await StartFilledAsync();
        AddKernelsOwnTrace(host.Store);

        var (_, body) = await host.GetJsonAsync(Api + "traces/" + TraceIdOf(4));

        var spans = body.GetProperty("spans");
        Assert.Equal(SpanIdOf(40), spans[0].GetProperty("spanId").GetString());
        Assert.True(spans[0].GetProperty("hasRemoteParent").GetBoolean());
        Assert.False(spans[1].GetProperty("hasRemoteParent").GetBoolean());
    }

    [Fact]
    public async Task Propagation_SpanIsItsOwnParent_CountedAsOrphan()
    {
        await using var host = await StartFilledAsync();
        host.Store.Add(Create(4, 40, parent: 40, name: "self", service: "kernel", startMs: 3_000, remoteParent: true));

        var (_, body) = await host.GetJsonAsync(Api + "propagation");

        Assert.Equal(2, body.GetProperty("orphanSpanCount").GetInt32());
        Assert.Equal(2, body.GetProperty("tracesWithOrphans").GetInt32());
        Assert.Equal(SpanIdOf(40), body.GetProperty("recentOrphans")[0].GetProperty("spanId").GetString());
        Assert.Equal(0, body.GetProperty("remoteParentSpanCount").GetInt32());
    }

    [Fact]
    public async Task Propagation_ServiceWithItsOwnStoreBehindHosting_RemoteParentIsNotAnOrphan()
    {
        // Arrange: a kernel app with its own store. The caller's client span is in another process: only its context
        // arrives, in traceparent, and ASP.NET Core hosting's server span continues it. The handler also records a
        // span under a local parent context that is never recorded (a dropped parent).
        using var source = new ActivitySource("Propagation.Collector.Tests.Api." + Guid.NewGuid().ToString("N"));
        var store = NewStore();
        using var host = new HostBuilder()
            .ConfigureWebHost(web => web
                .UseTestServer()
                .ConfigureServices(s =>
                {
                    s.AddRouting();
                    s.AddSingleton(store);
                    s.AddTracing(o => o.ServiceName = "kernel");
                    s.Configure<TracingPipelineOptions>(o =>
                    {
                        o.Sources.Add(source.Name);
                        o.ExportUnownedSpans = false; // other tests' hosts share this process
                    });
                })
                .Configure(app =>
                {
                    app.UseTracing();
                    app.UseRouting();
                    app.UseEndpoints(e =>
                    {
                        e.MapPost("/kernel", (TracingOwner owner) =>
                        {
                            var dropped = new ActivityContext(Activity.Current!.TraceId, ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);
                            using var stray = source.StartActivity("stray", ActivityKind.Internal, dropped)!;
                            TracingOwnership.Mark(stray, owner);
                            return Results.Ok();
                        });
                        e.MapTracingApi();
                    });
                }))
            .Build();
        await host.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));
        var client = host.GetTestClient();
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        var callerSpanId = ActivitySpanId.CreateRandom().ToHexString();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/kernel", UriKind.Relative));
        request.Headers.Add("traceparent", "00-" + traceId + "-" + callerSpanId + "-01");

        // Act
        using (var response = await client.SendAsync(request).WaitAsync(TimeSpan.FromSeconds(15)))
        {
            response.EnsureSuccessStatusCode();
        }

        // Hosting stops its server span when TestServer disposes the request, which may be after the client has the
        // response: wait (bounded) until the pipeline has exported it.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        do
        {
            Assert.True(host.Services.ForceFlushTracing(TimeSpan.FromSeconds(10)), "The pipeline did not flush in time.");
            if (store.GetTrace(traceId)?.Any(static s => s.Kind == ActivityKind.Server) == true)
            {
                break;
            }

            await Task.Delay(20);
        }
        while (DateTime.UtcNow < deadline);

        using var answer = await client.GetAsync(new Uri(Api + "propagation", UriKind.Relative)).WaitAsync(TimeSpan.FromSeconds(15));
        var body = JsonDocument.Parse(await answer.Content.ReadAsStringAsync()).RootElement;

        // Assert: hosting parented its server span with isRemote: true, and only the stray span is an orphan.
        var spans = store.GetTrace(traceId)!;
        var server = Assert.Single(spans, s => s.Kind == ActivityKind.Server);
        Assert.Equal("Microsoft.AspNetCore", server.SourceName);
        Assert.Equal(callerSpanId, server.ParentSpanId);
        Assert.True(server.HasRemoteParent);
        var stray = Assert.Single(spans, s => s.Name == "stray");
        Assert.False(stray.HasRemoteParent);
        Assert.Equal(1, body.GetProperty("orphanSpanCount").GetInt32());
        Assert.Equal(stray.SpanId, body.GetProperty("recentOrphans")[0].GetProperty("spanId").GetString());
        Assert.Equal(1, body.GetProperty("remoteParentSpanCount").GetInt32());
        Assert.Equal([stray.SpanId], SpanAnalysis.SummarizeTrace(spans).OrphanSpans.Select(s => s.SpanId));
        await host.StopAsync();
    }

    [Fact]
    public async Task Propagation_TwoHealthSources_SumsCounters()
    {
        await using var host = await StartFilledAsync(s =>
        {
            s.AddSingleton<IPropagationHealthSource>(new FakeHealth(new Dictionary<string, long> { ["too-long"] = 2 }, 1));
            s.AddSingleton<IPropagationHealthSource>(new FakeHealth(new Dictionary<string, long> { ["too-long"] = 3, ["invalid-character"] = 1 }, 4));
        });

        var (_, body) = await host.GetJsonAsync(Api + "propagation");

        Assert.True(body.GetProperty("countersAvailable").GetBoolean());
        Assert.Equal(5, body.GetProperty("rejectedHeaders").GetProperty("too-long").GetInt64());
        Assert.Equal(1, body.GetProperty("rejectedHeaders").GetProperty("invalid-character").GetInt64());
        Assert.Equal(5, body.GetProperty("unsampledInboundRequests").GetInt64());
        Assert.Equal(10, body.GetProperty("formatConflicts").GetInt64());
    }

    private sealed class FakeExporters(bool stalled) : IExporterStatusSource
    {
        public IReadOnlyList<ExporterStatus> GetExporterStatuses() =>
        [
            new ExporterStatus { Name = "otlp", ExportedSpans = 100, DroppedSpans = 10, IsStalled = stalled },
            new ExporterStatus { Name = "console", ExportedSpans = 5, DroppedSpans = 2 },
        ];
    }

    private sealed class FakeHealth(Dictionary<string, long> rejected, long unsampled) : IPropagationHealthSource
    {
        public PropagationHealthSnapshot GetSnapshot() => new()
        {
            RejectedHeaders = rejected,
            UnsampledInboundRequests = unsampled,
            FormatConflicts = 5,
        };
    }
}
