using System.Collections.Concurrent;
using System.Diagnostics;

namespace Propagation.Testing;

/// <summary>
/// Listens to one host's hosting source (its own <see cref="ActivitySource"/>, so other hosts in the process are not
/// affected) and records the activities it stops. Compiled into each test project that needs it.
/// </summary>
internal static class HostingSourceSampler
{
    /// <summary>Samples every activity of <paramref name="hosting"/>, or (<paramref name="half"/>) only those whose inbound
    /// trace id ends in an even digit, and enqueues each one stopped.</summary>
    public static ActivityListener Listen(ActivitySource hosting, bool half, ConcurrentQueue<Activity> stopped)
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = s => ReferenceEquals(s, hosting),
            Sample = (ref ActivityCreationOptions<ActivityContext> options) =>
                !half || (options.Parent.TraceId.ToHexString()[31] - '0') % 2 == 0
                    ? ActivitySamplingResult.AllDataAndRecorded
                    : ActivitySamplingResult.None,
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }
}
