using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;

namespace Propagation.Benchmarks.Chain;

/// <summary>
/// Requests per second through the whole sample chain on loopback Kestrel (real sockets, HTTP/1.1 and
/// HTTP/2 cleartext between the services), tracing off (baseline) against tracing on, in one run. Each
/// invocation is a bounded burst: <see cref="RequestsPerInvoke"/> requests from <see cref="Concurrency"/>
/// concurrent callers, and it fails (rather than reporting a wrong rate) if the burst takes longer than
/// <see cref="BurstTimeout"/>. Read the <c>Op/s</c> column as requests per second.
/// </summary>
/// <remarks>
/// Same "tracing off" as <see cref="ChainBenchmarks"/>. On a machine shared with other work, socket and
/// scheduling noise is larger than the difference; <see cref="ChainBenchmarks"/> is the precise view.
/// Run: <c>dotnet run -c Release --project benchmarks/Propagation.Benchmarks -- --filter '*ChainLoopbackBenchmarks*'</c>.
/// </remarks>
[MemoryDiagnoser]
[Config(typeof(RequestsPerSecondConfig))]
public class ChainLoopbackBenchmarks
{
    /// <summary>Requests per invocation (the count bound).</summary>
    public const int RequestsPerInvoke = 64;

    /// <summary>Concurrent callers per invocation.</summary>
    public const int Concurrency = 8;

    /// <summary>The time bound of one invocation.</summary>
    public static readonly TimeSpan BurstTimeout = TimeSpan.FromSeconds(30);

    private ChainHost? _chain;

    [GlobalSetup(Target = nameof(TracingOff))]
    public void SetupOff() => _chain = ChainHost.StartLoopbackAsync(tracing: false).GetAwaiter().GetResult();

    [GlobalSetup(Target = nameof(TracingOn))]
    public void SetupOn() => _chain = ChainHost.StartLoopbackAsync(tracing: true).GetAwaiter().GetResult();

    [GlobalCleanup]
    public void Cleanup()
    {
        _chain?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _chain = null;
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = RequestsPerInvoke, Description = "loopback chain, tracing off")]
    public Task TracingOff() => BurstAsync(_chain!);

    [Benchmark(OperationsPerInvoke = RequestsPerInvoke, Description = "loopback chain, tracing on")]
    public Task TracingOn() => BurstAsync(_chain!);

    private static async Task BurstAsync(ChainHost chain)
    {
        using var timeout = new CancellationTokenSource(BurstTimeout);
        var next = -1;
        var callers = new Task[Concurrency];
        for (var c = 0; c < Concurrency; c++)
        {
            callers[c] = Task.Run(async () =>
            {
                while (Interlocked.Increment(ref next) < RequestsPerInvoke)
                {
                    await chain.AskAsync(timeout.Token);
                }
            });
        }

        await Task.WhenAll(callers);
    }

    private sealed class RequestsPerSecondConfig : ManualConfig
    {
        public RequestsPerSecondConfig() => AddColumn(StatisticColumn.OperationsPerSecond);
    }
}
