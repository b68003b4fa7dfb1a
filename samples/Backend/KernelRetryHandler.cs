using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Samples.Backend;

/// <summary>
/// Retries calls to the Kernel through a Polly <see cref="ResiliencePipeline{T}"/>. It sits
/// ABOVE <c>AddTraceHeaders</c>, so every attempt passes through the tracing handler and gets
/// its own client span and fresh headers.
/// </summary>
public sealed class KernelRetryHandler : DelegatingHandler
{
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;

    /// <summary>Creates the handler with the Backend's retry pipeline.</summary>
    public KernelRetryHandler(ResiliencePipeline<HttpResponseMessage> pipeline) => _pipeline = pipeline;

    /// <summary>How long one attempt may take before it is given up (and retried).</summary>
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Two retries, 20 ms apart, on transport errors, on attempts that took longer than <see cref="AttemptTimeout"/>
    /// and on 408/429/502/503/504 answers.
    /// </summary>
    public static ResiliencePipeline<HttpResponseMessage> CreatePipeline() =>
        new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = 2,
                Delay = TimeSpan.FromMilliseconds(20),
                BackoffType = DelayBackoffType.Constant,
                ShouldHandle = static args => ValueTask.FromResult(args.Outcome switch
                {
                    { Exception: HttpRequestException or TimeoutRejectedException } => true,
                    { Result: { } response } => IsTransient(response),
                    _ => false,
                }),
            })
            .AddTimeout(AttemptTimeout) // inside the retry: per attempt (a hung Kernel would otherwise hold the request for HttpClient's 100 s)
            .Build();

    /// <inheritdoc/>
    /// <remarks>
    /// Only idempotent methods (RFC 9110 section 9.2.2: GET, HEAD, OPTIONS, TRACE, PUT, DELETE) are retried: a POST or
    /// PATCH that failed with a 503 or a dropped connection may still have done its work, and a retry would do it twice.
    /// </remarks>
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!IsIdempotent(request.Method))
        {
            return await base.SendAsync(request, cancellationToken);
        }

        return await _pipeline.ExecuteAsync(
            static async (state, ct) => await state.Handler.SendCoreAsync(state.Request, ct),
            (Handler: this, Request: request),
            cancellationToken);
    }

    private Task<HttpResponseMessage> SendCoreAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        base.SendAsync(request, cancellationToken);

    private static bool IsIdempotent(HttpMethod method) =>
        method == HttpMethod.Get || method == HttpMethod.Head || method == HttpMethod.Options || method == HttpMethod.Trace
        || method == HttpMethod.Put || method == HttpMethod.Delete;

    private static bool IsTransient(HttpResponseMessage response) =>
        (int)response.StatusCode is 408 or 429 or 502 or 503 or 504;
}
