using System.Net;
using System.Net.Http.Headers;

namespace Grpc.Compat.Tests.Server.Infrastructure;

/// <summary>A gRPC response read with a plain HttpClient: headers, body and trailers as they came.</summary>
public sealed class RawGrpcResponse
{
    public required HttpStatusCode HttpStatus { get; init; }

    public required HttpResponseHeaders Headers { get; init; }

    public required string? ContentType { get; init; }

    public required HttpResponseHeaders Trailers { get; init; }

    public required byte[] Body { get; init; }

    /// <summary>Gets a value indicating whether the status came in the headers (trailers-only response).</summary>
    public bool IsTrailersOnly => Headers.Contains("grpc-status");

    public int? GrpcStatus
    {
        get
        {
            var text = Get(Trailers, "grpc-status") ?? Get(Headers, "grpc-status");
            return text is null ? null : int.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    public string? GrpcMessage
    {
        get
        {
            var text = Get(Trailers, "grpc-message") ?? Get(Headers, "grpc-message");
            return text is null ? null : Uri.UnescapeDataString(text);
        }
    }

    public string? RawGrpcMessage => Get(Trailers, "grpc-message") ?? Get(Headers, "grpc-message");

    public string? Trailer(string name) => Get(Trailers, name) ?? (IsTrailersOnly ? Get(Headers, name) : null);

    public string? Header(string name) => Get(Headers, name);

    private static string? Get(HttpHeaders headers, string name) => headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;
}
