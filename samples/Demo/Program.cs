// The three-service demo: Backend -> AI -> Backend -> Kernel over HTTP and gRPC, on loopback
// ports the OS picks, in one process. Sends a few requests through the chain and prints each
// resulting trace as a tree, collected from every service's own /api/tracing. Stops on Ctrl+C
// (or right after printing with --once). OTLP export too when OTEL_EXPORTER_OTLP_ENDPOINT is set.
using Samples;
using Samples.Ai;
using Samples.Backend;
using Samples.Demo;
using Samples.Kernel;

var once = args.Contains("--once", StringComparer.Ordinal);
var appArgs = args.Where(a => a != "--once").ToArray();

var ports = LoopbackPorts.Pick(6);
var (backendHttp, aiHttp, kernelHttp, backendGrpc, aiGrpc, kernelGrpc) = (ports[0], ports[1], ports[2], ports[3], ports[4], ports[5]);
static string Url(int port) => $"http://127.0.0.1:{port}";

var kernel = DemoHost.Build(appArgs, kernelHttp, kernelGrpc, [], KernelApp.ConfigureServices, KernelApp.Configure);
var ai = DemoHost.Build(appArgs, aiHttp, aiGrpc, new() { ["Services:Backend"] = Url(backendGrpc) }, AiServiceApp.ConfigureServices, AiServiceApp.Configure);
var backend = DemoHost.Build(
    appArgs,
    backendHttp,
    backendGrpc,
    new() { ["Services:Ai"] = Url(aiGrpc), ["Services:KernelGrpc"] = Url(kernelGrpc), ["Services:KernelHttp"] = Url(kernelHttp) },
    BackendApp.ConfigureServices,
    BackendApp.Configure);

await kernel.StartAsync();
await ai.StartAsync();
await backend.StartAsync();

// Each host's console lifetime turns Ctrl+C (SIGINT) and SIGTERM into stopping that host; the demo
// stops as soon as any of them is stopping.
using var stop = CancellationTokenSource.CreateLinkedTokenSource(
    kernel.Lifetime.ApplicationStopping, ai.Lifetime.ApplicationStopping, backend.Lifetime.ApplicationStopping);
Console.WriteLine($"backend  {Url(backendHttp)}  (gRPC {Url(backendGrpc)})");
Console.WriteLine($"ai       {Url(aiHttp)}  (gRPC {Url(aiGrpc)})");
Console.WriteLine($"kernel   {Url(kernelHttp)}  (gRPC {Url(kernelGrpc)})");
Console.WriteLine();

var serviceUrls = new[] { Url(backendHttp), Url(aiHttp), Url(kernelHttp) };
using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
var requests = new (string Label, string Path, Action<HttpRequestMessage> Headers)[]
{
    ("W3C traceparent, all ok", "/api/ask?q=trace+me&mode=ok", static r => r.Headers.Add("traceparent", $"00-{Guid.NewGuid():N}-{Random.Shared.NextInt64(1, long.MaxValue):x16}-01")),
    ("legacy X-Trace-ID only, kernel fails once (retry)", "/api/ask?q=retry+me&mode=transient", static r => r.Headers.Add("X-Trace-ID", Guid.NewGuid().ToString())),
    ("no inbound context, kernel slow", "/api/ask?q=slow+down&mode=slow", static _ => { }),
    ("kernel fails permanently", "/api/ask?q=break+it&mode=fail", static _ => { }),
};

var exitCode = 0;
try
{
    exitCode = await RunAsync();
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    Console.WriteLine("Stopping.");
}

await backend.StopAsync();
await ai.StopAsync();
await kernel.StopAsync();
return exitCode;

async Task<int> RunAsync()
{
    var result = 0;
    foreach (var (label, path, headers) in requests)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Url(backendHttp) + path);
        headers(request);
        using var response = await http.SendAsync(request, stop.Token);
        var traceId = response.Headers.TryGetValues("X-Trace-ID", out var values) ? values.First() : null;
        Console.WriteLine($"== {label}: GET {path} -> {(int)response.StatusCode}");
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
            spans = await TracePrinter.CollectAsync(http, serviceUrls, traceId, stop.Token);
            if (spans.Select(s => s.Service).Distinct().Count() == 3 && spans.Count == previousCount)
            {
                break;
            }

            previousCount = spans.Count;
            await Task.Delay(100, stop.Token);
        }

        Console.WriteLine(TracePrinter.Format(traceId, spans));
    }

    Console.WriteLine("Trace viewer:   " + Url(backendHttp) + "/tracing   (one per service: " + string.Join(", ", serviceUrls.Select(u => u + "/tracing")) + ")");
    Console.WriteLine("Tracing API:    " + Url(backendHttp) + "/api/tracing/status, /traces/search, /performance/summary, /dependencies, /propagation");
    if (!once)
    {
        Console.WriteLine("Press Ctrl+C to stop.");
        await Task.Delay(Timeout.Infinite, stop.Token);
    }

    return result;
}
