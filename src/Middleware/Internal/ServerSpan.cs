using System.Diagnostics;

namespace Propagation.Middleware.Internal;

/// <summary>The server span of one request, as <see cref="TracingService.StartOrEnrichServerSpan"/> made it.</summary>
internal readonly struct ServerSpan
{
    public ServerSpan(Activity? recorded, Activity? current, bool startedByUs, bool fromHosting, bool restarted)
    {
        Recorded = recorded;
        Current = current;
        StartedByUs = startedByUs;
        FromHosting = fromHosting;
        Restarted = restarted;
    }

    /// <summary>Gets the span to complete at the end of the request (hosting's, enriched, or ours), or
    /// <see langword="null"/> when nothing listens.</summary>
    public Activity? Recorded { get; }

    /// <summary>Gets the span whose ids are echoed and put in the log scope: <see cref="Recorded"/>, or hosting's
    /// placeholder activity when nothing records the request.</summary>
    public Activity? Current { get; }

    /// <summary>Gets a value indicating whether the middleware started <see cref="Recorded"/> (and must stop it).</summary>
    public bool StartedByUs { get; }

    /// <summary>Gets a value indicating whether <see cref="Current"/> is hosting's activity (<c>IHttpActivityFeature</c>).</summary>
    public bool FromHosting { get; }

    /// <summary>Gets a value indicating whether the trust policy restarted an inbound trace.</summary>
    public bool Restarted { get; }
}
