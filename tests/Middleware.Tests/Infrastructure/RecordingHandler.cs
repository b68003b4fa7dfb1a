using System.Collections.Concurrent;
using System.Net;

namespace Propagation.Middleware.Tests.Infrastructure;

/// <summary>A primary handler that records the headers of every send (a snapshot, as retries reuse the request) and answers with queued status codes (then 200).</summary>
internal sealed class RecordingHandler : HttpMessageHandler
{
    private readonly ConcurrentQueue<HttpStatusCode> _statuses;

    public RecordingHandler(params HttpStatusCode[] statuses) => _statuses = new ConcurrentQueue<HttpStatusCode>(statuses);

    public ConcurrentQueue<Dictionary<string, string[]>> Sent { get; } = new();

    public Exception? Throw { get; set; }

    /// <summary>Gets or sets the HTTP version of the responses (HttpResponseMessage's default, 1.1, when null).</summary>
    public Version? ResponseVersion { get; set; }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Sent.Enqueue(request.Headers.NonValidated.ToDictionary(h => h.Key, h => h.Value.ToArray(), StringComparer.OrdinalIgnoreCase));
        if (Throw is not null)
        {
            throw Throw;
        }

        var status = _statuses.TryDequeue(out var queued) ? queued : HttpStatusCode.OK;
        var response = new HttpResponseMessage(status) { RequestMessage = request };
        if (ResponseVersion is not null)
        {
            response.Version = ResponseVersion;
        }

        return Task.FromResult(response);
    }

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken) =>
        SendAsync(request, cancellationToken).GetAwaiter().GetResult();
}
