using System.Buffers.Binary;
using Google.Protobuf;

namespace Grpc.Compat.Tests.Infrastructure;

/// <summary>Builds and parses gRPC length-prefixed message frames by hand.</summary>
public static class GrpcFrames
{
    public static byte[] Frame(IMessage message) => Frame(message.ToByteArray());

    public static byte[] Frame(byte[] payload, byte flags = 0, uint? declaredLength = null)
    {
        var frame = new byte[5 + payload.Length];
        frame[0] = flags;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), declaredLength ?? (uint)payload.Length);
        payload.CopyTo(frame, 5);
        return frame;
    }

    public static byte[] Frames(params IMessage[] messages) => [.. messages.SelectMany(Frame)];

    public static List<T> Parse<T>(byte[] body, MessageParser<T> parser)
        where T : IMessage<T>
    {
        var messages = new List<T>();
        var offset = 0;
        while (offset < body.Length)
        {
            Assert.True(body.Length - offset >= 5, "truncated frame header");
            Assert.Equal(0, body[offset]);
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(offset + 1));
            Assert.True(body.Length - offset - 5 >= length, "truncated frame payload");
            messages.Add(parser.ParseFrom(body, offset + 5, length));
            offset += 5 + length;
        }

        return messages;
    }
}
