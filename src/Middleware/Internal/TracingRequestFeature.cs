using System.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace Propagation.Middleware.Internal;

/// <summary>
/// One request's tracing state, kept in <see cref="HttpContext.Features"/>: the trust decision and
/// extraction (made once, when hosting extracts or when the middleware runs first) and the server span.
/// </summary>
internal sealed class TracingRequestFeature
{
    public TracingRequestFeature(TracingService service, HttpContext context, TrustPolicy policy, ExtractedContext extracted)
    {
        Service = service;
        Context = context;
        Policy = policy;
        Extracted = extracted;
    }

    public TracingService Service { get; }

    public HttpContext Context { get; }

    /// <summary>Gets the trust policy decided for the request.</summary>
    public TrustPolicy Policy { get; }

    /// <summary>Gets what was extracted under <see cref="Policy"/>.</summary>
    public ExtractedContext Extracted { get; }

    /// <summary>Gets or sets the server span (hosting's, enriched, or ours).</summary>
    public Activity? Activity { get; set; }

    /// <summary>Gets or sets a value indicating whether the server span was started by the middleware.</summary>
    public bool StartedByUs { get; set; }

    /// <summary>Gets a value indicating whether the trust policy restarted an inbound trace.</summary>
    public bool Restarted => Extracted.Policy == TrustPolicy.RestartAndLink && Extracted.Inbound.IsValid;

    /// <summary>Writes the echo headers; called from <c>Response.OnStarting</c>. Never throws.</summary>
    public void WriteResponseHeaders()
    {
        var activity = Activity;
        if (activity is null)
        {
            return;
        }

        var response = Context.Response;
        try
        {
            Service.WriteEcho(activity, Restarted, response.Headers, AspNetCoreCarriers.Setter);
        }
        catch (InvalidOperationException)
        {
            // Headers are read-only once the response has started.
            Log.ResponseHeadersNotWritten(Service.Logger);
        }
    }
}
