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
/// <item><c>off</c>: no listener; no activity exists, the middleware and interceptors only propagate.</item>
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
/// <c>dotnet artifacts/bin/Propagation.Benchmarks/release/Propagation.Benchmarks.dll chain-floor [cycles] [requests-per-round]</c>.
/// Every loop is bounded in count.
/// </para>
/// </remarks>
internal static class ChainFloor
{
    /// <summary>Requests sent before each timed round, after its listener is added.</summary>
    public const int WarmRequests = 200;

    private static readonly string[] Setups = ["off", "hosting", "spans", "recorded"];

    public static async Task RunAsync(int cycles, int perRound)
    {
        await using var chain = await ChainHost.StartInProcessAsync(tracing: false);
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
        for (var s = 0; s < Setups.Length; s++)
        {
            times[s] = new double[cycles];
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
                var clock = Stopwatch.StartNew();
                for (var i = 0; i < perRound; i++)
                {
                    await chain.AskAsync();
                }

                times[s][c] = clock.Elapsed.TotalMicroseconds / perRound;
                bytes[s] += (GC.GetTotalAllocatedBytes(precise: true) - allocated) / (double)perRound / cycles;
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"chain-floor: {cycles} cycles of {perRound} requests per setup"));
        Console.WriteLine("| setup | min µs | median µs | median of per-cycle ratio to off (p25–p75) | bytes per request |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: |");
        for (var s = 0; s < Setups.Length; s++)
        {
            var sorted = (double[])times[s].Clone();
            Array.Sort(sorted);
            var ratios = new double[cycles];
            for (var c = 0; c < cycles; c++)
            {
                ratios[c] = times[s][c] / times[0][c];
            }

            Array.Sort(ratios);
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"| {Setups[s]} | {sorted[0]:F0} | {sorted[cycles / 2]:F0} | {ratios[cycles / 2]:F3} ({ratios[cycles / 4]:F3}–{ratios[cycles * 3 / 4]:F3}) | {bytes[s]:F0} |"));
        }
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
