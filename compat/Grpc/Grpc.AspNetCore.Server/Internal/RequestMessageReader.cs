using System.Buffers;
using System.IO.Pipelines;
using Grpc.Core;
using Grpc.Net.Common;

namespace Grpc.AspNetCore.Server.Internal;

/// <summary>
/// Reads length-prefixed gRPC messages from the request body pipe. Malformed frames end the call with a
/// status (never an unhandled exception): gRPC over HTTP/2, "Length-Prefixed-Message".
/// </summary>
internal static class RequestMessageReader
{
    /// <summary>
    /// Reads the next message. Returns <see langword="false"/> when the body ended cleanly between messages.
    /// <paramref name="unsupportedEncoding"/> says the request's <c>grpc-encoding</c> is neither absent nor <c>identity</c>.
    /// </summary>
    public static async ValueTask<(bool Found, T? Message)> ReadMessageAsync<T>(
        PipeReader reader,
        SequenceDeserializationContext context,
        Func<DeserializationContext, T> deserializer,
        int? maxReceiveMessageSize,
        bool unsupportedEncoding,
        CancellationToken cancellationToken)
        where T : class
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (result.IsCanceled)
            {
                reader.AdvanceTo(buffer.Start);
                throw new OperationCanceledException("Reading the request was canceled.");
            }

            bool found;
            ReadOnlySequence<byte> payload;
            try
            {
                found = TryReadFrame(ref buffer, maxReceiveMessageSize, out payload, unsupportedEncoding);
            }
            catch (RpcException)
            {
                reader.AdvanceTo(buffer.Start);
                throw;
            }

            if (found)
            {
                T message;
                try
                {
                    context.SetPayload(payload);
                    message = deserializer(context);
                }
                catch
                {
                    // The deserializer's exception is not a framing error: like grpc-dotnet, it reaches the handler's
                    // caller as it is and ends the call as any handler exception does (UNKNOWN).
                    reader.AdvanceTo(buffer.Start);
                    throw;
                }
                finally
                {
                    context.Clear();
                }

                reader.AdvanceTo(buffer.Start);
                return (true, message);
            }

            if (result.IsCompleted)
            {
                var leftover = buffer.Length;
                reader.AdvanceTo(buffer.End);
                if (leftover != 0)
                {
                    throw new RpcException(new Status(StatusCode.Internal, "Incomplete message."));
                }

                return (false, null);
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>
    /// Waits for the end of the request body and fails when it carries more data (unary and server-streaming
    /// calls take exactly one request message).
    /// </summary>
    public static async ValueTask EnsureEndOfBodyAsync(PipeReader reader, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var length = result.Buffer.Length;
            reader.AdvanceTo(result.Buffer.End);
            if (length != 0)
            {
                throw new RpcException(new Status(StatusCode.Internal, "Additional data after the message received."));
            }

            if (result.IsCompleted)
            {
                return;
            }

            if (result.IsCanceled)
            {
                throw new OperationCanceledException("Reading the request was canceled.");
            }
        }
    }

    /// <summary>
    /// Slices one complete frame off <paramref name="buffer"/>. Throws <see cref="RpcException"/> as soon as the
    /// 5-byte prefix shows the frame is unacceptable, so an oversized payload is never buffered.
    /// </summary>
    internal static bool TryReadFrame(ref ReadOnlySequence<byte> buffer, int? maxReceiveMessageSize, out ReadOnlySequence<byte> payload, bool unsupportedEncoding = false)
    {
        return GrpcFraming.TryReadMessage(ref buffer, maxReceiveMessageSize, out payload) switch
        {
            FrameReadStatus.Message => true,
            FrameReadStatus.Incomplete => false,
            FrameReadStatus.TooLarge => throw new RpcException(new Status(StatusCode.ResourceExhausted, "Received message exceeds the maximum configured message size.")),
            // gRPC over HTTP/2 and its compression spec: only a compressed message is checked against grpc-encoding. One
            // this server cannot decompress (anything but identity) is UNIMPLEMENTED, as in grpc-dotnet; the flag with no
            // grpc-encoding (or 'identity') is INTERNAL.
            FrameReadStatus.Compressed when unsupportedEncoding => throw new RpcException(new Status(StatusCode.Unimplemented, "Unsupported grpc-encoding value for a compressed message: this server supports 'identity' only.")),
            FrameReadStatus.Compressed => throw new RpcException(new Status(StatusCode.Internal, "Request did not include grpc-encoding value with compressed message.")),
            _ => throw new RpcException(new Status(StatusCode.Internal, "Invalid message frame: unknown compressed flag.")),
        };
    }
}
