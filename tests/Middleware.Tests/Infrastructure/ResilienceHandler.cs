using Polly;

namespace Propagation.Middleware.Tests.Infrastructure;

/// <summary>Runs the rest of the handler chain inside a Polly pipeline, resending the same request (as Microsoft.Extensions.Http.Resilience does).</summary>
internal sealed class ResilienceHandler(ResiliencePipeline<HttpResponseMessage> pipeline) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        await pipeline.ExecuteAsync(async token => await base.SendAsync(request, token), cancellationToken);
}
