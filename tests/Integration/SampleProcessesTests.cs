using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Propagation.Integration.Tests;

/// <summary>
/// The README's main command and the samples as separate processes: the demo prints one propagated trace per
/// request and stops cleanly on Ctrl+C; each service runs on its own with its addresses from configuration.
/// </summary>
public sealed partial class SampleProcessesTests
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Demo_Once_PrintsEachRequestsTraceAsOneTreeAcrossTheThreeServicesAndExitsZero()
    {
        // Act
        await using var demo = SampleProcess.Start("Demo", "--once");
        var exitCode = await demo.WaitForExitAsync(StartTimeout);

        // Assert: four requests, each followed by its trace: one root (the Backend's server span) and every other
        // span indented under its parent, spans of all three services, and the trace id the response carried.
        var output = demo.Lines;
        Assert.True(exitCode == 0, $"exit code {exitCode}. {demo.Output}");
        var requests = output.Select((line, index) => (line, index)).Where(l => l.line.StartsWith("== ", StringComparison.Ordinal)).ToList();
        Assert.Equal(4, requests.Count);
        Assert.Contains(requests, r => r.line.EndsWith("-> 200", StringComparison.Ordinal));
        Assert.Contains(requests, r => r.line.EndsWith("-> 502", StringComparison.Ordinal));
        var traceIds = new HashSet<string>(StringComparer.Ordinal);
        var contexts = new List<string>();
        foreach (var (_, index) in requests)
        {
            var header = TraceHeader().Match(output[index + 2]);
            Assert.True(header.Success, $"a trace line after '{output[index]}', got '{output[index + 2]}'. {demo.Output}");
            Assert.Equal("3", header.Groups["services"].Value);
            var traceId = header.Groups["id"].Value;
            traceIds.Add(traceId);

            // What the Backend made of the inbound context, checked against the trace the services recorded: the
            // caller's trace continued (W3C: and its span is the parent), or a new trace with a parentless entry span.
            var context = output[index + 1];
            if (W3CContinued().Match(context) is { Success: true } w3c)
            {
                Assert.Equal(w3c.Groups["trace"].Value, traceId);
                Assert.Equal(w3c.Groups["span"].Value, w3c.Groups["parent"].Value);
                contexts.Add("w3c");
            }
            else if (LegacyContinued().Match(context) is { Success: true } legacy)
            {
                Assert.Equal(Guid.Parse(legacy.Groups["trace"].Value).ToString("N"), traceId);
                contexts.Add("legacy");
            }
            else
            {
                Assert.True(context == "   no inbound context: a new trace", $"a context line after '{output[index]}', got '{context}'. {demo.Output}");
                contexts.Add("none");
            }

            var spanCount = int.Parse(header.Groups["spans"].Value, CultureInfo.InvariantCulture);
            var tree = output.Skip(index + 3).Take(spanCount).ToList();
            Assert.Equal(spanCount, tree.Count(l => SpanLine().IsMatch(l)));
            Assert.Matches("^  backend +server GET /api/ask ", tree[0]);
            Assert.Single(tree, l => Indent(l) == 2);
            for (var i = 1; i < tree.Count; i++)
            {
                // Each span is at most one level deeper than the line above it: a child of a span already printed.
                Assert.InRange(Indent(tree[i]), 4, Indent(tree[i - 1]) + 2);
            }

            Assert.Equal(["ai", "backend", "kernel"], tree.Select(l => l.TrimStart().Split(' ')[0]).Distinct().Order(StringComparer.Ordinal));
        }

        Assert.Equal(4, traceIds.Count);
        Assert.Equal(["w3c", "legacy", "none", "none"], contexts);
        Assert.Contains(output, l => l.StartsWith("Trace viewer:", StringComparison.Ordinal) && l.Contains("/tracing", StringComparison.Ordinal));
        Assert.Contains(output, l => l.StartsWith("Tracing API:", StringComparison.Ordinal) && l.Contains("/api/tracing/status", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Demo_CtrlC_AfterPrinting_ViewerAndApiServedThenStopsCleanly()
    {
        // Arrange: the demo without --once keeps serving until Ctrl+C.
        await using var demo = SampleProcess.Start("Demo");
        await demo.WaitForLineAsync(l => l.Contains("Press Ctrl+C to stop.", StringComparison.Ordinal), StartTimeout);
        var viewer = Assert.Single(demo.Lines, l => l.StartsWith("Trace viewer:", StringComparison.Ordinal));
        var backend = BaseUrl().Match(viewer).Value;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

        // The addresses it printed work: the viewer page and the tracing API.
        using (var page = await http.GetAsync(backend + "/tracing"))
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        }

        using (var status = await http.GetAsync(backend + "/api/tracing/status"))
        {
            Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        }

        // Act
        demo.Interrupt();
        var exitCode = await demo.WaitForExitAsync(ExitTimeout);

        // Assert: a clean stop, and the services are gone.
        Assert.True(exitCode == 0, $"exit code {exitCode}. {demo.Output}");
        Assert.Contains("Stopping.", demo.Lines);
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync(backend + "/api/tracing/status"));
    }

    [Theory]
    [InlineData("SIGINT")]
    [InlineData("SIGTERM")]
    public async Task Demo_SignalWhileStarting_StopsCleanlyWithExitCodeZero(string signal)
    {
        // Arrange: the demo says it is starting the services just before it builds and starts them.
        await using var demo = SampleProcess.Start("Demo", "--once");
        await demo.WaitForLineAsync(l => l.StartsWith("Starting ", StringComparison.Ordinal), StartTimeout);

        // Act
        if (signal == "SIGINT")
        {
            demo.Interrupt();
        }
        else
        {
            demo.Terminate();
        }

        var exitCode = await demo.WaitForExitAsync(ExitTimeout);

        // Assert: stopped as documented (exit code 0), not killed by the signal or by a cancelled start.
        Assert.True(exitCode == 0, $"exit code {exitCode}. {demo.Output}");
        Assert.Contains("Stopping.", demo.Lines);
        Assert.DoesNotContain(demo.Lines, l => l.Contains("Unhandled exception", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Demo_Once_OtlpEndpointRefusing_WarningsOnStandardErrorAndStandardOutputOnlyTheDemosLines()
    {
        // Arrange: an OTLP endpoint on a loopback port nobody listens on, so every export fails and is logged.
        var port = Samples.LoopbackPorts.Pick(1)[0];
        var environment = new Dictionary<string, string> { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture) };

        // Act
        await using var demo = SampleProcess.Start("Demo", environment, "--once");
        var exitCode = await demo.WaitForExitAsync(StartTimeout);

        // Assert: the demo still works and the failed exports are reported, but not among the lines of standard
        // output, which a user redirects to a file or a pipe.
        Assert.True(exitCode == 0, $"exit code {exitCode}. {demo.Output}");
        Assert.Contains(demo.Lines, l => l.Contains("Propagation.Collector.Pipeline[7104]", StringComparison.Ordinal));
        var output = demo.StandardOutputLines;
        Assert.Equal(4, output.Count(l => l.StartsWith("== ", StringComparison.Ordinal)));
        Assert.DoesNotContain(output, l => l.Contains("Propagation.Collector.Pipeline", StringComparison.Ordinal));
        Assert.DoesNotContain(output, l => l.StartsWith("warn:", StringComparison.Ordinal) || l.StartsWith("fail:", StringComparison.Ordinal) || l.StartsWith("info:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Demo_Once_MalformedOtlpEndpoint_SaysWhichServiceAndSettingAndExitsOne()
    {
        // Arrange: a setting the tracing pipeline refuses at start-up.
        var environment = new Dictionary<string, string> { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "not a url" };

        // Act
        await using var demo = SampleProcess.Start("Demo", environment, "--once");
        var exitCode = await demo.WaitForExitAsync(StartTimeout);

        // Assert: one line that names the service and the setting, exit code 1, no crash and no request sent.
        Assert.True(exitCode == 1, $"exit code {exitCode}. {demo.Output}");
        Assert.Single(demo.Lines, l => l.StartsWith("The kernel service did not start: OTEL_EXPORTER_OTLP_ENDPOINT ", StringComparison.Ordinal));
        Assert.DoesNotContain(demo.Lines, l => l.Contains("Unhandled exception", StringComparison.Ordinal));
        Assert.DoesNotContain(demo.Lines, l => l.StartsWith("== ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Samples_EachServiceItsOwnProcessAddressesFromConfiguration_OneRequestTracedAcrossAllThree()
    {
        // Arrange: every address comes from configuration (command-line arguments here), as in a deployment.
        var ports = Samples.LoopbackPorts.Pick(6);
        string Url(int port) => "http://127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture);
        string[] Endpoints(int http, int grpc) => [$"--Kestrel:Endpoints:Http:Url={Url(http)}", $"--Kestrel:Endpoints:Grpc:Url={Url(grpc)}"];
        var (backendHttp, aiHttp, kernelHttp, backendGrpc, aiGrpc, kernelGrpc) = (ports[0], ports[1], ports[2], ports[3], ports[4], ports[5]);
        await using var kernel = SampleProcess.Start("Kernel", Endpoints(kernelHttp, kernelGrpc));
        await using var ai = SampleProcess.Start("AiService", [.. Endpoints(aiHttp, aiGrpc), $"--Services:Backend={Url(backendGrpc)}"]);
        await using var backend = SampleProcess.Start(
            "Backend",
            [.. Endpoints(backendHttp, backendGrpc), $"--Services:Ai={Url(aiGrpc)}", $"--Services:KernelGrpc={Url(kernelGrpc)}", $"--Services:KernelHttp={Url(kernelHttp)}"]);
        // An outside caller: HttpClient's own activity adds no context of its own to the traceparent below.
        using var http = new HttpClient(new SocketsHttpHandler { ActivityHeadersPropagator = null }) { Timeout = TimeSpan.FromSeconds(30) };
        (string Name, string Url, SampleProcess Process)[] services = [("backend", Url(backendHttp), backend), ("ai", Url(aiHttp), ai), ("kernel", Url(kernelHttp), kernel)];
        foreach (var service in services)
        {
            await WaitUntilServingAsync(http, service.Url, service.Process);
        }

        var traceId = Guid.NewGuid().ToString("N");
        using var request = new HttpRequestMessage(HttpMethod.Get, Url(backendHttp) + "/api/ask?q=separate+processes&mode=ok");
        request.Headers.Add("traceparent", $"00-{traceId}-00f067aa0ba902b7-01");

        // Act
        using var response = await http.SendAsync(request);

        // Assert: the answer carries the inbound trace, and every service recorded its spans of it (mode=ok: the
        // Backend 6, the AI service 2, the Kernel 3), over real sockets, where HttpClient's own diagnostics run.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(traceId, Assert.Single(response.Headers.GetValues("X-Trace-ID")));
        var all = new List<JsonElement>();
        foreach (var (service, expected) in new[] { (services[0], 6), (services[1], 2), (services[2], 3) })
        {
            var spans = await WaitForSpansAsync(http, service.Url, traceId, expected);
            Assert.True(spans.Count == expected, $"{service.Name}: expected {expected} spans, found {spans.Count}: {string.Join("; ", spans.Select(s => s.GetProperty("name").GetString()))}");
            Assert.All(spans, s => Assert.Equal(service.Name, s.GetProperty("serviceName").GetString()));
            Assert.Contains(spans, s => s.GetProperty("kind").GetString() == "server");
            all.AddRange(spans);
        }

        // One tree across the three processes: every parent is a span of the trace, except the entry span's, which is
        // the caller's span from the traceparent.
        var ids = all.Select(s => s.GetProperty("spanId").GetString()!).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(all.Count, ids.Count);
        var entry = Assert.Single(all, s => !(s.TryGetProperty("parentSpanId", out var p) && p.ValueKind == JsonValueKind.String && ids.Contains(p.GetString()!)));
        Assert.Equal("GET /api/ask", entry.GetProperty("name").GetString());
        Assert.Equal("00f067aa0ba902b7", entry.GetProperty("parentSpanId").GetString());
    }

    private static int Indent(string line) => line.Length - line.TrimStart(' ').Length;

    private static async Task WaitUntilServingAsync(HttpClient http, string baseUrl, SampleProcess process)
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            Assert.False(process.HasExited, $"The service at {baseUrl} exited. {process.Output}");
            try
            {
                using var response = await http.GetAsync(baseUrl + "/api/tracing/status");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            Assert.True(DateTime.UtcNow < deadline, $"The service at {baseUrl} did not start. {process.Output}");
            await Task.Delay(200);
        }
    }

    /// <summary>The spans of a trace in one service's store, once its export pipeline has delivered <paramref name="expected"/> of them (bounded).</summary>
    private static async Task<List<JsonElement>> WaitForSpansAsync(HttpClient http, string baseUrl, string traceId, int expected)
    {
        for (var attempt = 0; ; attempt++)
        {
            using var response = await http.GetAsync($"{baseUrl}/api/tracing/traces/{traceId}");
            if (response.IsSuccessStatusCode)
            {
                using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                var spans = document.RootElement.GetProperty("spans").EnumerateArray().Select(s => s.Clone()).ToList();
                if (spans.Count >= expected || attempt >= 100)
                {
                    return spans;
                }
            }

            Assert.True(attempt < 100, $"No spans of trace {traceId} at {baseUrl}.");
            await Task.Delay(100);
        }
    }

    [GeneratedRegex(@"^   inbound traceparent 00-(?<trace>[0-9a-f]{32})-(?<span>[0-9a-f]{16})-01: continued \(parent (?<parent>[0-9a-f]{16})\)$")]
    private static partial Regex W3CContinued();

    [GeneratedRegex(@"^   inbound X-Trace-ID (?<trace>[0-9a-f-]{36}): continued$")]
    private static partial Regex LegacyContinued();

    [GeneratedRegex(@"^trace (?<id>[0-9a-f]{32})  \((?<spans>\d+) spans in (?<services>\d+) services\)$")]
    private static partial Regex TraceHeader();

    [GeneratedRegex(@"^ {2,}(backend|ai|kernel) +(server|client) .+ \d+([.,]\d+)? ms  \[.+\]$")]
    private static partial Regex SpanLine();

    [GeneratedRegex(@"http://127\.0\.0\.1:\d+")]
    private static partial Regex BaseUrl();
}
