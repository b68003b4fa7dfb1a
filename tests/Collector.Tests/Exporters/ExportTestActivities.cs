using System.Diagnostics;

namespace Propagation.Collector.Tests.Exporters;

/// <summary>Creates finished, recorded activities from a source and listener private to one call.</summary>
internal static class ExportTestActivities
{
    public static Activity Create(string name, ActivityKind kind, ActivityContext parent, Action<Activity>? configure = null)
    {
        using var source = new ActivitySource("Propagation.Collector.Tests.Exporters." + Guid.NewGuid().ToString("N"));
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => ReferenceEquals(s, source),
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        var activity = source.StartActivity(name, kind, parent)!;
        configure?.Invoke(activity);
        activity.Stop();
        return activity;
    }
}
