using System.Globalization;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using Propagation.Benchmarks.Chain;

namespace Propagation.Benchmarks;

/// <summary>
/// Entry point: <c>dotnet run -c Release --project benchmarks/Propagation.Benchmarks -- --filter '*'</c>, or
/// <c>-- chain-floor [cycles] [requests-per-round] [callers] [inprocess|loopback]</c> for <see cref="ChainFloor"/>.
/// <c>--cpu-clock</c> (with the usual BenchmarkDotNet options) times each iteration with <see cref="ThreadCpuClock"/>, the
/// CPU time of the benchmark's thread, instead of the wall clock.
/// </summary>
public static class Program
{
    private const string CpuClockOption = "--cpu-clock";

    public static async Task Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "chain-floor")
        {
            var cycles = 20;
            var perRound = 1_000;
            var callers = 1;
            var loopback = args.Length > 4 && args[4] == "loopback";
            if ((args.Length > 4 && !loopback && args[4] != "inprocess")
                || (args.Length > 1 && !int.TryParse(args[1], NumberStyles.None, CultureInfo.InvariantCulture, out cycles))
                || (args.Length > 2 && !int.TryParse(args[2], NumberStyles.None, CultureInfo.InvariantCulture, out perRound))
                || (args.Length > 3 && !int.TryParse(args[3], NumberStyles.None, CultureInfo.InvariantCulture, out callers))
                || cycles < 4 || cycles > 1_000 || perRound < 1 || perRound > 100_000 || callers < 1 || callers > 64)
            {
                Console.Error.WriteLine("chain-floor: cycles must be 4 to 1000, requests per round 1 to 100000, callers 1 to 64, and the transport inprocess or loopback.");
                Environment.ExitCode = 2;
                return;
            }

            await ChainFloor.RunAsync(cycles, perRound, callers, loopback);
            return;
        }

        var switcher = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly);
        if (Array.IndexOf(args, CpuClockOption) < 0)
        {
            switcher.Run(args);
            return;
        }

        if (!ThreadCpuClock.Instance.IsAvailable)
        {
            Console.Error.WriteLine(CpuClockOption + ": the thread CPU clock is only read on Linux.");
            Environment.ExitCode = 2;
            return;
        }

        // A default job is the base the command line's job options (--job, --iterationCount, --inProcess) apply to.
        var config = ManualConfig.Create(DefaultConfig.Instance)
            .AddJob(Job.Default.WithClock(ThreadCpuClock.Instance).WithId("cpu-clock").AsDefault());
        switcher.Run(Array.FindAll(args, arg => arg != CpuClockOption), config);
    }
}
