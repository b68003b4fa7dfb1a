namespace Grpc.Net.Common;

/// <summary>
/// Names and limits from the gRPC over HTTP/2 protocol
/// (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md).
/// </summary>
internal static class GrpcProtocolConstants
{
    /// <summary>The content type of gRPC requests and responses.</summary>
    public const string ContentType = "application/grpc";

    /// <summary>Trailer carrying the numeric status code.</summary>
    public const string StatusTrailer = "grpc-status";

    /// <summary>Trailer carrying the percent-encoded status message.</summary>
    public const string MessageTrailer = "grpc-message";

    /// <summary>Request header carrying the call timeout.</summary>
    public const string TimeoutHeader = "grpc-timeout";

    /// <summary>Header naming the compression of the messages.</summary>
    public const string MessageEncodingHeader = "grpc-encoding";

    /// <summary>Header listing the compressions the sender accepts.</summary>
    public const string MessageAcceptEncodingHeader = "grpc-accept-encoding";

    /// <summary>The <c>te</c> request header; gRPC requires the value <see cref="TeTrailers"/>.</summary>
    public const string TeHeader = "te";

    /// <summary>The value of the <c>te</c> header.</summary>
    public const string TeTrailers = "trailers";

    /// <summary>The only message encoding supported here: no compression.</summary>
    public const string IdentityEncoding = "identity";

    /// <summary>The size of a message prefix: one compressed-flag byte and a four-byte big-endian length.</summary>
    public const int MessagePrefixSize = 5;

    /// <summary>The largest number of digits in a <c>grpc-timeout</c> value.</summary>
    public const int MaxTimeoutDigits = 8;

    /// <summary>The default limit on a received message: 4 MiB.</summary>
    public const int DefaultMaxReceiveMessageSize = 4 * 1024 * 1024;

    /// <summary>The longest decoded <c>grpc-message</c> kept; the rest is dropped.</summary>
    public const int MaxStatusMessageLength = 16 * 1024;
}
