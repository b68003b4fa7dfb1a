using Microsoft.Extensions.DependencyInjection;
using Propagation.Middleware.Internal;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Adds the server side of tracing to the request pipeline.</summary>
public static class TracingApplicationBuilderExtensions
{
    /// <summary>
    /// Adds the tracing middleware: exactly one server span per request, continuing the inbound
    /// trace under the app's trust policy, with OpenTelemetry HTTP attributes, response echo of the
    /// span's ids, a log scope with the ids, and health counts of rejected headers.
    /// </summary>
    /// <param name="app">The application builder.</param>
    /// <returns><paramref name="app"/>.</returns>
    /// <remarks>
    /// <para>
    /// <b>One span.</b> When ASP.NET Core hosting created its request activity from its
    /// <c>Microsoft.AspNetCore</c> source (something listens to it, such as the tracing pipeline),
    /// that activity is enriched. Otherwise the middleware starts one from the
    /// <c>Propagation.AspNetCore</c> source under the extracted parent; hosting's placeholder activity
    /// (created for logging only, seen by no listener) is never used as a parent. A request that passes the
    /// middleware again (an exception handler or status-code page ahead of it re-executing the pipeline, or a second
    /// <c>UseTracing</c>) keeps that span: the later pass only calls the next middleware.
    /// </para>
    /// <para>
    /// <b>Trust</b> is decided once per request when hosting extracts the inbound context, before any
    /// middleware runs (see <c>TracingOptions.TrustClientCertificates</c> for what is known then).
    /// </para>
    /// <para>
    /// <b>Errors.</b> An exception is recorded (status Error, <c>error.type</c>, an <c>exception</c>
    /// event with type, message and stack trace) in an exception filter and propagates untouched.
    /// Responses with status 500 and above set status Error. Malformed trace headers never fail a
    /// request: they are ignored, counted in <c>PropagationHealth</c> and logged at Debug with the
    /// reason only.
    /// </para>
    /// <para>
    /// <b>Echo.</b> Responses carry <c>X-Trace-ID</c> and <c>X-Span-ID</c> of the server span (and
    /// <c>traceresponse</c> when the trust policy restarted the trace), written in
    /// <c>Response.OnStarting</c> from the span's ids by our codec; never raw inbound text.
    /// </para>
    /// <para>Place it early, before exception handling and routing, so the span covers them.</para>
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="app"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException"><c>services.AddTracing()</c> was not called.</exception>
    public static IApplicationBuilder UseTracing(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (app.ApplicationServices.GetService<TracingService>() is null)
        {
            throw new InvalidOperationException(
                "UseTracing() needs the tracing services: call services.AddTracing() (builder.Services.AddTracing()) when configuring services.");
        }

        return app.UseMiddleware<TracingMiddleware>();
    }
}
