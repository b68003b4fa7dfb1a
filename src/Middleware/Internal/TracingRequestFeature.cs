using Microsoft.AspNetCore.Http;

namespace Propagation.Middleware.Internal;

/// <summary>
/// The trust decision and extraction that hosting's propagator call made for one request, kept in
/// <see cref="HttpContext.Features"/> so the middleware uses the same ones. Only set when the propagator
/// could see the request (an <c>IHttpContextAccessor</c> is available); otherwise the middleware decides and
/// extracts itself, with the same result.
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
