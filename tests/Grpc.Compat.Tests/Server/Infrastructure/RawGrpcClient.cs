using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using Grpc.Compat.Tests.Infrastructure;

namespace Grpc.Compat.Tests.Server.Infrastructure;

/// <summary>Drives the server with hand-built HTTP/2 gRPC requests (no gRPC client involved).</summary>
public static class RawGrpcClient
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static HttpRequestMessage CreateRequest(string path, byte[] body, string contentType = "application/grpc")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        request.Headers.TE.ParseAdd("trailers");
        return request;
    }

    public static Task<RawGrpcResponse> CallAsync(HttpClient client, string path, IMessage message, Action<HttpRequestMessage>? configure = null, CancellationToken cancellationToken = default)
        => CallAsync(client, path, GrpcFrames.Frame(message), configure, cancellationToken);

    public static async Task<RawGrpcResponse> CallAsync(HttpClient client, string path, byte[] body, Action<HttpRequestMessage>? configure = null, CancellationToken cancellationToken = default)
    {
        using var request = CreateRequest(path, body);
        configure?.Invoke(request);
        return await SendAsync(client, request, cancellationToken);
    }

    public static async Task<RawGrpcResponse> SendAsync(HttpClient client, HttpRequestMessage request, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        var body = await response.Content.ReadAsByteArrayAsync(timeout.Token);
        return new RawGrpcResponse
        {
            HttpStatus = response.StatusCode,
            Headers = response.Headers,
            ContentType = response.Content.Headers.ContentType?.ToString(),
            Trailers = response.TrailingHeaders,
            Body = body,
        };
    }
}
