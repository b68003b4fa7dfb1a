namespace Grpc.Core;

/// <summary>
/// The shape of a method: how many requests and responses it exchanges.
/// </summary>
public enum MethodType
{
    /// <summary>One request, one response.</summary>
    Unary,

    /// <summary>A stream of requests, one response.</summary>
    ClientStreaming,

    /// <summary>One request, a stream of responses.</summary>
    ServerStreaming,

    /// <summary>Streams of requests and responses in both directions at once.</summary>
    DuplexStreaming,
}
