// The three-service demo: Backend -> AI -> Backend -> Kernel over HTTP and gRPC, on loopback
// ports the OS picks, in one process. Sends a few requests through the chain and prints each
// resulting trace as a tree, collected from every service's own /api/tracing. Stops on Ctrl+C
// (or right after printing with --once). OTLP export too when OTEL_EXPORTER_OTLP_ENDPOINT or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set.
using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Connections;
using Samples;
using Samples.Ai;
using Samples.Backend;
using Samples.Demo;
using Samples.Kernel;

var once = args.Contains("--once", StringComparer.Ordinal);
var appArgs = args.Where(a => a != "--once").ToArray();
static string Url(int port) => $"http://127.0.0.1:{port}";

// Ctrl+C (SIGINT) and SIGTERM stop the demo from here on. The hosts' console lifetimes handle them too, but only once
// each host has started: a signal while the services are being built or started would otherwise kill the process or
// fail a start.
using var stopRequested = new CancellationTokenSource();
void RequestStop(PosixSignalContext context)
{
    context.Cancel = true;
    stopRequested.Cancel();
}

using var sigInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, RequestStop);
using var sigTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, RequestStop);
Console.WriteLine("Starting the Kernel, the AI service and the Backend on loopback ports...");

// One empty content root for the three services (the samples' own appsettings.json hold fixed ports), removed at the end.
var contentRoot = Directory.CreateTempSubdirectory("propagation-demo-").FullName;
try
{
    return await RunDemoAsync();
}
finally
{
    try
    {
        Directory.Delete(contentRoot, recursive: true);
    }
    catch (IOException)
    {
        // Best effort: an empty folder in the temp directory.
    }
}

async Task<int> RunDemoAsync()
{
    var started = await StartServicesAsync();
    if (started is null)
    {
        if (stopRequested.IsCancellationRequested)
        {
            Console.WriteLine("Stopping.");
            return 0;
        }

        return 1;
    }

    var (backendHttp, aiHttp, kernelHttp, apps) = started.Value;
    var (kernel, ai, backend) = apps;

    // Each host's console lifetime turns Ctrl+C (SIGINT) and SIGTERM into stopping that host; the demo
    // stops as soon as any of them is stopping.
    using var stop = CancellationTokenSource.CreateLinkedTokenSource(
        stopRequested.Token, kernel.Lifetime.ApplicationStopping, ai.Lifetime.ApplicationStopping, backend.Lifetime.ApplicationStopping);

    var exitCode = 0;
    try
    {
        exitCode = await SendRequestsAsync(Url(backendHttp), [Url(backendHttp), Url(aiHttp), Url(kernelHttp)], stop.Token);
    }
    catch (OperationCanceledException) when (stop.IsCancellationRequested)
    {
        Console.WriteLine("Stopping.");
    }

    // Together: each waits for its span pipeline to flush, which with an unreachable OTLP endpoint takes its timeout.
    await Task.WhenAll(backend.StopAsync(), ai.StopAsync(), kernel.StopAsync());
    await Task.WhenAll(backend.DisposeAsync().AsTask(), ai.DisposeAsync().AsTask(), kernel.DisposeAsync().AsTask());
    return exitCode;
}

// Picks six free loopback ports and starts the Kernel, the AI service and the Backend on them. The ports are free when
// picked, but another process may take one before the services bind it: then everything is undone and tried again.
// Null when a service fails to start (e.g. an invalid OTEL_* setting): the reason is on standard error and every
// service started so far is stopped again. Null too when Ctrl+C or SIGTERM came first: nothing is started then.
async Task<(int BackendHttp, int AiHttp, int KernelHttp, (WebApplication Kernel, WebApplication Ai, WebApplication Backend) Apps)?> StartServicesAsync()
{
    for (var attempt = 1; ; attempt++)
    {
        var ports = LoopbackPorts.Pick(6);
        var (backendHttp, aiHttp, kernelHttp, backendGrpc, aiGrpc, kernelGrpc) = (ports[0], ports[1], ports[2], ports[3], ports[4], ports[5]);
        var kernel = DemoHost.Build(appArgs, contentRoot, kernelHttp, kernelGrpc, [], KernelApp.ConfigureServices, KernelApp.Configure);
        var ai = DemoHost.Build(appArgs, contentRoot, aiHttp, aiGrpc, new() { ["Services:Backend"] = Url(backendGrpc) }, AiServiceApp.ConfigureServices, AiServiceApp.Configure);
        var backend = DemoHost.Build(
            appArgs,
            contentRoot,
            backendHttp,
            backendGrpc,
            new() { ["Services:Ai"] = Url(aiGrpc), ["Services:KernelGrpc"] = Url(kernelGrpc), ["Services:KernelHttp"] = Url(kernelHttp) },
            BackendApp.ConfigureServices,
            BackendApp.Configure);
        var starting = "kernel";
        try
        {
            await kernel.StartAsync(stopRequested.Token);
            starting = "ai";
            await ai.StartAsync(stopRequested.Token);
            starting = "backend";
            await backend.StartAsync(stopRequested.Token);
        }
        catch (OperationCanceledException) when (stopRequested.IsCancellationRequested
            || kernel.Lifetime.ApplicationStopping.IsCancellationRequested
            || ai.Lifetime.ApplicationStopping.IsCancellationRequested
            || backend.Lifetime.ApplicationStopping.IsCancellationRequested)
        {
            // A signal: the host that had it registered stops, and so does the demo.
            stopRequested.Cancel();
            await StopAllAsync(backend, ai, kernel);
            return null;
        }
        catch (IOException ex) when (ex.InnerException is AddressInUseException && attempt < 3)
        {
            Console.Error.WriteLine($"A picked port was taken meanwhile ({ex.Message}); trying other ports.");
            await StopAllAsync(backend, ai, kernel);
            continue;
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine($"The {starting} service did not start: {ex.Message}");
            await StopAllAsync(backend, ai, kernel);
            return null;
        }

        Console.WriteLine($"backend  {Url(backendHttp)}  (gRPC {Url(backendGrpc)})");
        Console.WriteLine($"ai       {Url(aiHttp)}  (gRPC {Url(aiGrpc)})");
        Console.WriteLine($"kernel   {Url(kernelHttp)}  (gRPC {Url(kernelGrpc)})");
        Console.WriteLine();
        return (backendHttp, aiHttp, kernelHttp, (kernel, ai, backend));
    }
}

static async Task StopAllAsync(params WebApplication[] apps)
{
    foreach (var app in apps)
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}

async Task<int> SendRequestsAsync(string backendUrl, string[] serviceUrls, CancellationToken cancellationToken)
{
    // The demo plays an outside caller: HttpClient's own activity must not add a traceparent of its own (it would
    // make the "legacy only" and "no context" requests carry W3C context too), so its propagator is turned off.
    using var http = new HttpClient(new SocketsHttpHandler { ActivityHeadersPropagator = null }) { Timeout = TimeSpan.FromSeconds(30) };
    var w3cTraceId = ActivityTraceId.CreateRandom().ToHexString();
    var w3cParentId = ActivitySpanId.CreateRandom().ToHexString();
    var legacyTraceId = Guid.NewGuid();
    var requests = new DemoRequest[]
    {
        new("W3C traceparent, all ok", "/api/ask?q=trace+me&mode=ok", "traceparent", $"00-{w3cTraceId}-{w3cParentId}-01", w3cTraceId, w3cParentId),
        // A legacy caller may send its trace id as a UUID; the services read it as the 32 hex digits.
        new("legacy X-Trace-ID only, kernel fails once (retry)", "/api/ask?q=retry+me&mode=transient", "X-Trace-ID", legacyTraceId.ToString(), legacyTraceId.ToString("N"), null),
        new("no inbound context, kernel slow", "/api/ask?q=slow+down&mode=slow", null, null, null, null),
        new("kernel fails permanently", "/api/ask?q=break+it&mode=fail", null, null, null, null),
    };

    var result = 0;
    foreach (var demoRequest in requests)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, backendUrl + demoRequest.Path);
        if (demoRequest.Header is not null)
        {
            request.Headers.Add(demoRequest.Header, demoRequest.HeaderValue);
        }

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            Console.WriteLine($"== {demoRequest.Label}: GET {demoRequest.Path} -> failed: {ex.Message}");
            result = 1;
            continue;
        }

        using (response)
        {
            var traceId = response.Headers.TryGetValues("X-Trace-ID", out var values) ? values.First() : null;
            Console.WriteLine($"== {demoRequest.Label}: GET {demoRequest.Path} -> {(int)response.StatusCode}");
            if (traceId is null)
            {
                Console.WriteLine("   (no X-Trace-ID on the response)");
                result = 1;
                continue;
            }

            // Spans reach each service's store through its export pipeline: wait until the three
            // services have reported and two reads in a row found the same spans, or a few seconds have passed.
            List<DemoSpan> spans = [];
            var previousCount = -1;
            for (var attempt = 0; attempt < 40; attempt++)
            {
                spans = await TracePrinter.CollectAsync(http, serviceUrls, traceId, cancellationToken);
                if (spans.Select(s => s.Service).Distinct().Count() == 3 && spans.Count == previousCount)
                {
                    break;
                }

                previousCount = spans.Count;
                await Task.Delay(100, cancellationToken);
            }

            var (line, ok) = DescribeContext(demoRequest, traceId, spans);
            Console.WriteLine(line);
            Console.WriteLine(TracePrinter.Format(traceId, spans));
            if (!ok)
            {
                result = 1;
            }
        }
    }

    Console.WriteLine("Trace viewer:   " + backendUrl + "/tracing   (one per service: " + string.Join(", ", serviceUrls.Select(u => u + "/tracing")) + ")");
    Console.WriteLine("Tracing API:    " + backendUrl + "/api/tracing/status   (and under " + backendUrl + "/api/tracing/: traces/search, traces/{traceId}, performance/summary, dependencies, propagation)");
    if (!once)
    {
        Console.WriteLine("Press Ctrl+C to stop.");
        await Task.Delay(Timeout.Infinite, cancellationToken);
    }

    return result;
}

// What the Backend made of the request's inbound context: the trace continued (same trace id, and for W3C the
// caller's span as the entry span's parent) or, without context, a new trace whose entry span has no parent.
static (string Line, bool Ok) DescribeContext(DemoRequest request, string traceId, List<DemoSpan> spans)
{
    var entry = spans.FirstOrDefault(s => s.Service == BackendApp.ServiceName && s.Kind == "server" && s.Name == "GET /api/ask");
    if (entry is null)
    {
        return ("   MISSING: the Backend's span of the request was not found", false);
    }

    if (request.Header is null)
    {
        return entry.ParentSpanId is null
            ? ("   no inbound context: a new trace", true)
            : ($"   WRONG: no context was sent, yet the request span has parent {entry.ParentSpanId}", false);
    }

    var sameTrace = string.Equals(traceId, request.ExpectedTraceId, StringComparison.Ordinal);
    var sameParent = request.ExpectedParentId is null || string.Equals(entry.ParentSpanId, request.ExpectedParentId, StringComparison.Ordinal);
    return sameTrace && sameParent
        ? ($"   inbound {request.Header} {request.HeaderValue}: continued" + (request.ExpectedParentId is null ? string.Empty : $" (parent {entry.ParentSpanId})"), true)
        : ($"   WRONG: inbound {request.Header} {request.HeaderValue} not continued (trace {traceId}, parent {entry.ParentSpanId ?? "none"})", false);
}

/// <summary>One request the demo sends: at most one context header, and what the Backend should make of it.</summary>
internal sealed record DemoRequest(string Label, string Path, string? Header, string? HeaderValue, string? ExpectedTraceId, string? ExpectedParentId);
