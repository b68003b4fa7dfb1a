using System.Globalization;
using BenchmarkDotNet.Running;
using Propagation.Benchmarks.Chain;

namespace Propagation.Benchmarks;

/// <summary>
/// Entry point: <c>dotnet run -c Release --project benchmarks/Propagation.Benchmarks -- --filter '*'</c>, or
/// <c>-- chain-floor [cycles] [requests-per-round]</c> for <see cref="ChainFloor"/>.
/// </summary>
public static class Program
{
    public static async Task Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "chain-floor")
        {
            var cycles = 20;
            var perRound = 1_000;
            if ((args.Length > 1 && !int.TryParse(args[1], NumberStyles.None, CultureInfo.InvariantCulture, out cycles))
                || (args.Length > 2 && !int.TryParse(args[2], NumberStyles.None, CultureInfo.InvariantCulture, out perRound))
                || cycles < 4 || cycles > 1_000 || perRound < 1 || perRound > 100_000)
            {
                Console.Error.WriteLine("chain-floor: cycles must be 4 to 1000 and requests per round 1 to 100000.");
                Environment.ExitCode = 2;
                return;
            }

            await ChainFloor.RunAsync(cycles, perRound);
            return;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
