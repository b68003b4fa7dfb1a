using Polly;
using Polly.Retry;

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

    /// <summary>Two retries, 20 ms apart, on transport errors and on 408/429/5xx answers.</summary>
    public static ResiliencePipeline<HttpResponseMessage> CreatePipeline() =>
        new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = 2,
                Delay = TimeSpan.FromMilliseconds(20),
                BackoffType = DelayBackoffType.Constant,
                ShouldHandle = static args => ValueTask.FromResult(args.Outcome switch
                {
                    { Exception: HttpRequestException } => true,
                    { Result: { } response } => IsTransient(response),
                    _ => false,
                }),
            })
            .Build();

    /// <inheritdoc/>
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        await _pipeline.ExecuteAsync(
            static async (state, ct) => await state.Handler.SendCoreAsync(state.Request, ct),
            (Handler: this, Request: request),
            cancellationToken);

    private Task<HttpResponseMessage> SendCoreAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        base.SendAsync(request, cancellationToken);

    private static bool IsTransient(HttpResponseMessage response) =>
        (int)response.StatusCode is 408 or 429 or 502 or 503 or 504;
}
