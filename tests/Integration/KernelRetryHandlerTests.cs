using System.Net;
using Samples.Backend;

namespace Propagation.Integration.Tests;

/// <summary>The Backend's retry handler on its own, over a primary handler that always answers 503.</summary>
public sealed class KernelRetryHandlerTests
{
    [Theory]
    [InlineData("GET", 3)] // safe: the first attempt and two retries
    [InlineData("PUT", 3)] // idempotent
    [InlineData("POST", 1)] // neither: a retry could do the work twice
    [InlineData("PATCH", 1)]
    public async Task SendAsync_TransientAnswer_RetriesOnlyIdempotentMethods(string method, int expectedAttempts)
    {
        // Arrange
        var primary = new CountingHandler();
        using var invoker = new HttpMessageInvoker(new KernelRetryHandler(KernelRetryHandler.CreatePipeline()) { InnerHandler = primary });
        using var request = new HttpRequestMessage(new HttpMethod(method), "http://kernel.test/work");
        if (method != "GET")
        {
            request.Content = new StringContent("{}");
        }

        // Act
        using var response = await invoker.SendAsync(request, CancellationToken.None);

        // Assert
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(expectedAttempts, primary.Attempts);
    }

    /// <summary>Answers every request with 503 and counts them.</summary>
    private sealed class CountingHandler : HttpMessageHandler
    {
        private int _attempts;

        public int Attempts => Volatile.Read(ref _attempts);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _attempts);
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) { RequestMessage = request });
        }
    }
}
