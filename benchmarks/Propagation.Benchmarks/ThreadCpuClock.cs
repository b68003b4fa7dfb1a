using System.Runtime.InteropServices;
using Perfolizer.Horology;

namespace Propagation.Benchmarks;

/// <summary>
/// A BenchmarkDotNet clock that reads the CPU time of the calling thread (Linux <c>CLOCK_THREAD_CPUTIME_ID</c>),
/// in nanoseconds, instead of the wall clock.
/// <para>
/// BenchmarkDotNet reads its clock on the thread that runs the benchmark, before and after each iteration, so with
/// this clock an iteration measures the CPU that thread spent in it. Time the thread spends descheduled (another
/// process, the hypervisor's steal) is not counted. Work done on other threads is not counted either, so it only
/// suits benchmarks that complete synchronously on the calling thread, such as the interceptors' Direct cases.
/// </para>
/// Used by <c>--cpu-clock</c> (see <see cref="Program"/>).
/// </summary>
internal sealed class ThreadCpuClock : IClock
{
    private const int ClockThreadCpuTimeId = 3;

    public static readonly ThreadCpuClock Instance = new();

    public string Title => "thread CPU time (CLOCK_THREAD_CPUTIME_ID)";

    public bool IsAvailable => OperatingSystem.IsLinux();

    public Frequency Frequency => Frequency.GHz;

    public long GetTimestamp()
    {
        if (ClockGetTime(ClockThreadCpuTimeId, out var time) != 0)
        {
            throw new InvalidOperationException("clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed: " + Marshal.GetLastPInvokeError());
        }

        return (time.Seconds * 1_000_000_000L) + time.Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_gettime", SetLastError = true)]
    private static extern int ClockGetTime(int clockId, out TimeSpec time);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
