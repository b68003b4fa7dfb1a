using System.Diagnostics;
using System.Globalization;

namespace Propagation.Benchmarks.Chain;

/// <summary>
/// What spans cost the in-process chain, separated from what the OpenTelemetry SDK adds, measured by
/// alternating the setups inside one process (so process-to-process and JIT differences cancel out).
/// </summary>
/// <remarks>
/// <para>
/// One chain with the SDK off (<see cref="ChainHost"/>, tracing off) serves every setup. Each round adds a plain
/// <see cref="ActivityListener"/> for the setup, sends <see cref="WarmRequests"/> requests, then times
/// <c>perRound</c> requests, and removes the listener. The setups rotate within each cycle:
/// </para>
/// <list type="bullet">
/// <item><c>off</c>: no listener. The middleware and the HTTP client handler start unrecorded activities of their
/// own (no source), so the ids are still carried; the interceptors only propagate.</item>
/// <item><c>hosting</c>: only ASP.NET Core hosting's source is sampled, as propagation data: its six
/// server activities exist, carry no attributes, and nothing else is created.</item>
/// <item><c>spans</c>: every source, as propagation data: the 11 activities of a request exist and flow,
/// nobody adds attributes (the library checks <see cref="Activity.IsAllDataRequested"/>).</item>
/// <item><c>recorded</c>: every source, all data: the same activities with every attribute, as a tracer
/// provider would get them, but no SDK sampler, processor or exporter.</item>
/// </list>
/// <para>
/// Not a BenchmarkDotNet benchmark: BenchmarkDotNet measures one case after the other, and on this shared machine the
/// chain drifted by more than the difference between cases during a run. Run:
/// <c>dotnet artifacts/bin/Propagation.Benchmarks/release/Propagation.Benchmarks.dll chain-floor [cycles] [requests-per-round] [callers] [inprocess|loopback]</c>
/// (<c>loopback</c>: the same chain on loopback Kestrel, <see cref="ChainHost.StartLoopbackAsync"/>).
/// Every loop is bounded in count.
/// </para>
/// <para>
/// Per setup it prints the wall time per request and the process's CPU time per request (every thread: the chain's
/// own, the thread pool's spinning, the GC), each also as the median of per-cycle ratios to <c>off</c>. With one
/// caller (the default) requests go one after the other, so the wall time includes every thread-pool wake-up on the
/// request's path; with several callers the machine is saturated and the wall time per request is the CPU cost
/// spread over the cores.
/// </para>
/// </remarks>
internal static class ChainFloor
{
    /// <summary>Requests sent before each timed round, after its listener is added.</summary>
    public const int WarmRequests = 200;

    private static readonly string[] Setups = ["off", "hosting", "spans", "recorded"];

    public static async Task RunAsync(int cycles, int perRound, int callers, bool loopback)
    {
        await using var chain = loopback
            ? await ChainHost.StartLoopbackAsync(tracing: false)
            : await ChainHost.StartInProcessAsync(tracing: false);
        foreach (var setup in Setups)
        {
            using var listener = Listen(setup);
            for (var i = 0; i < 5_000; i++)
            {
                await chain.AskAsync();
            }
        }

        var times = new double[Setups.Length][];
        var bytes = new double[Setups.Length];
        var cpu = new double[Setups.Length][];
        for (var s = 0; s < Setups.Length; s++)
        {
            times[s] = new double[cycles];
            cpu[s] = new double[cycles];
        }

        for (var c = 0; c < cycles; c++)
        {
            for (var s = 0; s < Setups.Length; s++)
            {
                using var listener = Listen(Setups[s]);
                for (var i = 0; i < WarmRequests; i++)
                {
                    await chain.AskAsync();
                }

                var allocated = GC.GetTotalAllocatedBytes(precise: true);
                var processor = Environment.CpuUsage.TotalTime;
                var clock = Stopwatch.StartNew();
                await SendAsync(chain, perRound, callers);

                times[s][c] = clock.Elapsed.TotalMicroseconds / perRound;
                cpu[s][c] = (Environment.CpuUsage.TotalTime - processor).TotalMicroseconds / perRound;
                bytes[s] += (GC.GetTotalAllocatedBytes(precise: true) - allocated) / (double)perRound / cycles;
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"chain-floor: {cycles} cycles of {perRound} requests per setup from {callers} caller(s), {(loopback ? "loopback Kestrel" : "in process")}"));
        Console.WriteLine("| setup | min µs | median µs | median of per-cycle ratio to off (p25–p75) | CPU µs, median | CPU ratio to off (p25–p75) | bytes per request |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        for (var s = 0; s < Setups.Length; s++)
        {
            var wall = Sorted(times[s]);
            var wallRatio = Sorted(RatiosTo(times[s], times[0]));
            var cpuRatio = Sorted(RatiosTo(cpu[s], cpu[0]));
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"| {Setups[s]} | {wall[0]:F0} | {wall[cycles / 2]:F0} | {Quartiles(wallRatio)} | {Sorted(cpu[s])[cycles / 2]:F0} | {Quartiles(cpuRatio)} | {bytes[s]:F0} |"));
        }
    }

    private static double[] Sorted(double[] values)
    {
        var sorted = (double[])values.Clone();
        Array.Sort(sorted);
        return sorted;
    }

    /// <summary>Each cycle's value against the <c>off</c> round of the same cycle.</summary>
    private static double[] RatiosTo(double[] values, double[] baseline)
    {
        var ratios = new double[values.Length];
        for (var c = 0; c < values.Length; c++)
        {
            ratios[c] = values[c] / baseline[c];
        }

        return ratios;
    }

    private static string Quartiles(double[] sorted) =>
        string.Create(CultureInfo.InvariantCulture, $"{sorted[sorted.Length / 2]:F3} ({sorted[sorted.Length / 4]:F3}–{sorted[sorted.Length * 3 / 4]:F3})");

    /// <summary>Sends <paramref name="count"/> requests from <paramref name="callers"/> concurrent callers, each sending one after the other.</summary>
    private static async Task SendAsync(ChainHost chain, int count, int callers)
    {
        if (callers == 1)
        {
            for (var i = 0; i < count; i++)
            {
                await chain.AskAsync();
            }

            return;
        }

        var remaining = count;
        var tasks = new Task[callers];
        for (var c = 0; c < callers; c++)
        {
            tasks[c] = Task.Run(async () =>
            {
                while (Interlocked.Decrement(ref remaining) >= 0)
                {
                    await chain.AskAsync();
                }
            });
        }

        await Task.WhenAll(tasks);
    }

    private static ActivityListener? Listen(string setup)
    {
        ActivitySamplingResult result;
        Func<ActivitySource, bool> sources;
        switch (setup)
        {
            case "hosting":
                result = ActivitySamplingResult.PropagationData;
                sources = static source => source.Name == "Microsoft.AspNetCore";
                break;
            case "spans":
                result = ActivitySamplingResult.PropagationData;
                sources = static _ => true;
                break;
            case "recorded":
                result = ActivitySamplingResult.AllDataAndRecorded;
                sources = static _ => true;
                break;
            default:
                return null;
        }

        var listener = new ActivityListener
        {
            ShouldListenTo = sources,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => result,
            SampleUsingParentId = (ref ActivityCreationOptions<string> _) => result,
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }
}
