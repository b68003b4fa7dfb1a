using BenchmarkDotNet.Attributes;

namespace Propagation.Benchmarks.Chain;

/// <summary>
/// Time and allocations of one request through the whole sample chain, in process over TestServer:
/// <c>GET /api/ask</c> on the Backend → AI <c>Answer</c> (server streaming) → Backend <c>Lookup</c>
/// (unary) → Kernel <c>Sum</c> (client streaming) and <c>Transform</c> (duplex), then Kernel
/// <c>GET /work</c> over HTTP: 11 spans in three services per request. Tracing off (baseline) against
/// tracing on, in one run. Target: tracing on adds under 5% to the time per request.
/// <c>TracingOnNoExporter</c> records the same spans but exports them nowhere (<c>OTEL_TRACES_EXPORTER=none</c>):
/// the difference to <c>TracingOn</c> is what keeping spans in the in-process store costs.
/// </summary>
/// <remarks>
/// "Tracing off" is the same samples with <c>OTEL_SDK_DISABLED=true</c> (see <see cref="ChainHost"/>).
/// Each benchmark starts its own chain in its own global setup and disposes it in the cleanup, so a
/// tracer provider (a process-wide activity listener) never runs during the other benchmark, also
/// with <c>--inProcess</c>. Allocations include every service's share (they all run in this process).
/// Run: <c>dotnet run -c Release --project benchmarks/Propagation.Benchmarks -- --filter '*ChainBenchmarks*'</c>
/// (add <c>--inProcess</c> on a loaded machine).
/// </remarks>
[MemoryDiagnoser]
public class ChainBenchmarks
{
    private ChainHost? _chain;

    [GlobalSetup(Target = nameof(TracingOff))]
    public void SetupOff() => _chain = ChainHost.StartInProcessAsync(tracing: false).GetAwaiter().GetResult();

    [GlobalSetup(Target = nameof(TracingOn))]
    public void SetupOn() => _chain = ChainHost.StartInProcessAsync(tracing: true).GetAwaiter().GetResult();

    [GlobalSetup(Target = nameof(TracingOnNoExporter))]
    public void SetupOnNoExporter() => _chain = ChainHost.StartInProcessAsync(tracing: true, exporters: "none").GetAwaiter().GetResult();

    [GlobalCleanup]
    public void Cleanup()
    {
        _chain?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _chain = null;
    }

    [Benchmark(Baseline = true, Description = "chain, tracing off (OTEL_SDK_DISABLED)")]
    public Task TracingOff() => _chain!.AskAsync();

    [Benchmark(Description = "chain, tracing on (store exporter)")]
    public Task TracingOn() => _chain!.AskAsync();

    [Benchmark(Description = "chain, tracing on (no exporter)")]
    public Task TracingOnNoExporter() => _chain!.AskAsync();
}
