using System.Buffers;
using System.IO.Pipelines;
using Grpc.Core;
using Grpc.Net.Common;

namespace Grpc.AspNetCore.Server.Internal;

/// <summary>
/// Serializes one response message straight into the response pipe behind its 5-byte gRPC frame header
/// (gRPC over HTTP/2: Length-Prefixed-Message = Compressed-Flag Message-Length Message). When the marshaller
/// announces the length up front the payload is written in place; otherwise it is buffered once to learn it.
/// One instance per call, reused for each message.
/// </summary>
internal sealed class PipeSerializationContext : SerializationContext, IBufferWriter<byte>
{
    private readonly int? _maxSendMessageSize;
    private PipeWriter? _writer;
    private ArrayBufferWriter<byte>? _buffer;
    private State _state;
    private int _expectedLength;
    private int _writtenLength;

    public PipeSerializationContext(int? maxSendMessageSize)
    {
        _maxSendMessageSize = maxSendMessageSize;
    }

    private enum State
    {
        Idle,
        Ready,
        Direct,
        Buffered,
        Completed,
    }

    /// <summary>Gets a value indicating whether a frame header was written but its payload is incomplete.</summary>
    public bool HasPartialFrame => _state == State.Direct;

    public void Start(PipeWriter writer)
    {
        _writer = writer;
        _state = State.Ready;
        _expectedLength = -1;
        _writtenLength = 0;
    }

    /// <summary>Throws unless the marshaller completed the message.</summary>
    public void EnsureCompleted()
    {
        if (_state != State.Completed)
        {
            _state = State.Idle;
            throw new InvalidOperationException("The response marshaller did not complete the serialization context.");
        }

        _state = State.Idle;
    }

    public override void SetPayloadLength(int payloadLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(payloadLength);
        if (_state != State.Ready)
        {
            throw new InvalidOperationException("SetPayloadLength must be called once, before the payload is written.");
        }

        EnsureWithinLimit(payloadLength);
        WriteHeader(payloadLength);
        _expectedLength = payloadLength;
        _state = State.Direct;
    }

    public override IBufferWriter<byte> GetBufferWriter()
    {
        switch (_state)
        {
            case State.Direct:
                return this;
            case State.Ready:
                _buffer ??= new ArrayBufferWriter<byte>();
                _buffer.ResetWrittenCount();
                _state = State.Buffered;
                return _buffer;
            case State.Buffered:
                return _buffer!;
            default:
                throw new InvalidOperationException("The serialization context is not accepting a payload.");
        }
    }

    public override void Complete()
    {
        switch (_state)
        {
            case State.Direct:
                if (_writtenLength != _expectedLength)
                {
                    throw new InvalidOperationException(
                        $"The marshaller wrote {_writtenLength} bytes after announcing a payload length of {_expectedLength}.");
                }

                break;
            case State.Buffered:
                WriteWhole(_buffer!.WrittenSpan);
                _buffer.ResetWrittenCount();
                break;
            case State.Ready:
                // Empty message written without touching the buffer writer.
                WriteWhole(ReadOnlySpan<byte>.Empty);
                break;
            default:
                throw new InvalidOperationException("The serialization context was already completed.");
        }

        _state = State.Completed;
    }

    public override void Complete(byte[] payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        if (_state != State.Ready)
        {
            throw new InvalidOperationException("Complete(byte[]) cannot be combined with the buffer writer.");
        }

        WriteWhole(payload);
        _state = State.Completed;
    }

    void IBufferWriter<byte>.Advance(int count)
    {
        _writtenLength += count;
        _writer!.Advance(count);
    }

    Memory<byte> IBufferWriter<byte>.GetMemory(int sizeHint) => _writer!.GetMemory(sizeHint);

    Span<byte> IBufferWriter<byte>.GetSpan(int sizeHint) => _writer!.GetSpan(sizeHint);

    private void WriteWhole(ReadOnlySpan<byte> payload)
    {
        EnsureWithinLimit(payload.Length);
        WriteHeader(payload.Length);
        if (!payload.IsEmpty)
        {
            _writer!.Write(payload);
        }
    }

    private void WriteHeader(int length)
    {
        // Not compressed: identity encoding only.
        GrpcFraming.WritePrefix(_writer!.GetSpan(GrpcProtocolConstants.MessagePrefixSize), length);
        _writer.Advance(GrpcProtocolConstants.MessagePrefixSize);
    }

    private void EnsureWithinLimit(int length)
    {
        if (length > _maxSendMessageSize)
        {
            _state = State.Idle;
            throw new RpcException(new Status(StatusCode.ResourceExhausted, "Sending message exceeds the maximum configured message size."));
        }
    }
}
