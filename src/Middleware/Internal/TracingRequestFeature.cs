using Microsoft.AspNetCore.Http;

namespace Propagation.Middleware.Internal;

/// <summary>
/// The trust decision and extraction that hosting's propagator call made for one request, kept in
/// <see cref="HttpContext.Features"/> so the middleware uses the same ones. Set when the propagator could see the
/// request (an <c>IHttpContextAccessor</c> is available), or by the middleware when trust is decided per request and
/// hosting's propagator did not extract (so a gRPC call's own span takes the same decision, and the decider runs once).
/// </summary>
internal sealed class TracingRequestFeature
{
    public TracingRequestFeature(in ExtractedContext extracted) => Extracted = extracted;

    /// <summary>Gets what was extracted, and under which policy (<see cref="ExtractedContext.Policy"/>).</summary>
    public ExtractedContext Extracted { get; }

    /// <summary>
    /// Gets or sets a value indicating whether the request's server span got the extraction's effects (links, deny,
    /// policy attribute, recorded issues): by <c>UseTracing</c>, or by the gRPC server interceptor without it.
    /// </summary>
    public bool Applied { get; set; }
}
