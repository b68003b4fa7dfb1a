using System.Buffers;
using Grpc.Net.Common;

namespace Grpc.Compat.Tests.Common;

public class GrpcFramingTests
{
    [Fact]
    public void Frame_Payload_WritesFlagAndBigEndianLength()
    {
        var framed = GrpcFraming.Frame(new byte[] { 0xAA, 0xBB, 0xCC });

        Assert.Equal(new byte[] { 0, 0, 0, 0, 3, 0xAA, 0xBB, 0xCC }, framed);
    }

    [Fact]
    public void Frame_LargePayload_EncodesAllLengthBytes()
    {
        var framed = GrpcFraming.Frame(new byte[0x010203]);

        Assert.Equal(new byte[] { 0, 0, 0x01, 0x02, 0x03 }, framed[..5]);
    }

    [Theory]
    [InlineData(new byte[] { 1, 0, 0, 0, 1 }, (int)FrameReadStatus.Compressed)]
    [InlineData(new byte[] { 2, 0, 0, 0, 1 }, (int)FrameReadStatus.InvalidFlag)]
    [InlineData(new byte[] { 0, 0, 0, 0, 11 }, (int)FrameReadStatus.TooLarge)]
    [InlineData(new byte[] { 0, 0xFF, 0xFF, 0xFF, 0xFF }, (int)FrameReadStatus.TooLarge)]
    [InlineData(new byte[] { 0, 0, 0, 0, 10 }, (int)FrameReadStatus.Message)]
    public void CheckPrefix_Prefix_ReturnsStatus(byte[] prefix, int expected)
    {
        Assert.Equal((FrameReadStatus)expected, GrpcFraming.CheckPrefix(prefix, 10, out _));
    }

    [Fact]
    public void CheckPrefix_NoLimitAndLengthOverIntMax_IsTooLarge()
    {
        Assert.Equal(FrameReadStatus.TooLarge, GrpcFraming.CheckPrefix(new byte[] { 0, 0x80, 0, 0, 0 }, null, out _));
    }

    [Fact]
    public async Task ReadMessageAsync_TwoMessagesThenEnd_ReadsBothThenEndOfStream()
    {
        var data = GrpcFraming.Frame(new byte[] { 1, 2 }).Concat(GrpcFraming.Frame(Array.Empty<byte>())).ToArray();
        using var stream = new MemoryStream(data);

        var first = await GrpcFraming.ReadMessageAsync(stream, 100, CancellationToken.None);
        var second = await GrpcFraming.ReadMessageAsync(stream, 100, CancellationToken.None);
        var third = await GrpcFraming.ReadMessageAsync(stream, 100, CancellationToken.None);

        Assert.Equal(FrameReadStatus.Message, first.Status);
        Assert.Equal(new byte[] { 1, 2 }, first.Payload);
        Assert.Equal(FrameReadStatus.Message, second.Status);
        Assert.Empty(second.Payload!);
        Assert.Equal(FrameReadStatus.EndOfStream, third.Status);
    }

    [Theory]
    [InlineData(new byte[] { 0, 0, 0 }, "inside the prefix")]
    [InlineData(new byte[] { 0, 0, 0, 0, 4, 1, 2 }, "inside the payload")]
    public async Task ReadMessageAsync_StreamEndsMidMessage_ReturnsTruncated(byte[] data, string reason)
    {
        using var stream = new MemoryStream(data);

        var result = await GrpcFraming.ReadMessageAsync(stream, 100, CancellationToken.None);

        Assert.True(result.Status == FrameReadStatus.Truncated, reason);
    }

    [Fact]
    public async Task ReadMessageAsync_OverLimit_ReturnsTooLargeWithoutReadingPayload()
    {
        using var stream = new MemoryStream(GrpcFraming.Frame(new byte[50]));

        var result = await GrpcFraming.ReadMessageAsync(stream, 49, CancellationToken.None);

        Assert.Equal(FrameReadStatus.TooLarge, result.Status);
        Assert.Equal(5, stream.Position);
    }

    [Fact]
    public void TryReadMessage_SplitAcrossSegments_WaitsThenReadsAndAdvances()
    {
        var framed = GrpcFraming.Frame(new byte[] { 9, 8, 7 });
        var partial = new ReadOnlySequence<byte>(framed.AsMemory(0, 6));
        var whole = new ReadOnlySequence<byte>(framed.Concat(new byte[] { 0 }).ToArray());

        var first = GrpcFraming.TryReadMessage(ref partial, 10, out _);
        var second = GrpcFraming.TryReadMessage(ref whole, 10, out var payload);

        Assert.Equal(FrameReadStatus.Incomplete, first);
        Assert.Equal(FrameReadStatus.Message, second);
        Assert.Equal(new byte[] { 9, 8, 7 }, payload.ToArray());
        Assert.Equal(1, whole.Length);
    }
}
