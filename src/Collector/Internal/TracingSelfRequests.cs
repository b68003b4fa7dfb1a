using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Propagation.Collector.Internal;

/// <summary>
/// Requests for the tracing API and the viewer are not exported: each page view would otherwise add
/// its own traces to the list it shows. Only the request's server span is touched (hosting's, or one a
/// middleware started in its place).
/// </summary>
internal static class TracingSelfRequests
{
    /// <summary>Clears the recorded flag of the current request's server span(s).</summary>
    public static void DoNotRecord(HttpContext context)
    {
        var request = context.Features.Get<IHttpActivityFeature>()?.Activity;
        Suppress(request);
        var current = Activity.Current;
        if (current is not null && !ReferenceEquals(current, request) && current.Kind == ActivityKind.Server)
        {
            Suppress(current);
        }
    }

    private static void Suppress(Activity? activity)
    {
        if (activity is not null)
        {
            activity.ActivityTraceFlags &= ~ActivityTraceFlags.Recorded;
            activity.IsAllDataRequested = false;
        }
    }
}
