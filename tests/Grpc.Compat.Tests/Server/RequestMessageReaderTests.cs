using System.Buffers;
using System.IO.Pipelines;
using Grpc.AspNetCore.Server.Internal;
using Grpc.Core;

namespace Grpc.Compat.Tests.Server;

public sealed class RequestMessageReaderTests
{
    private static readonly Func<DeserializationContext, byte[]> Copy = static context => context.PayloadAsNewBuffer();

    [Theory]
    [InlineData(new byte[] { 0, 0, 0, 0 }, "fewer than five prefix bytes")]
    [InlineData(new byte[] { 0, 0, 0, 0, 3, 1, 2 }, "payload shorter than announced")]
    public void TryReadFrame_Incomplete_FalseAndBufferUntouched(byte[] data, string reason)
    {
        // Arrange
        var buffer = new ReadOnlySequence<byte>(data);

        // Act
        var found = RequestMessageReader.TryReadFrame(ref buffer, maxReceiveMessageSize: null, out _);

        // Assert
        Assert.False(found, reason);
        Assert.Equal(data.Length, buffer.Length);
    }

    [Theory]
    [InlineData(new byte[] { 1, 0, 0, 0, 0 }, StatusCode.Internal, "compressed flag without negotiated compression")]
    [InlineData(new byte[] { 2, 0, 0, 0, 0 }, StatusCode.Internal, "flag byte is neither 0 nor 1")]
    [InlineData(new byte[] { 0, 0xFF, 0xFF, 0xFF, 0xFF }, StatusCode.ResourceExhausted, "4 GB announced")]
    [InlineData(new byte[] { 0, 0, 0, 0, 11 }, StatusCode.ResourceExhausted, "one byte over the limit of 10")]
    public void TryReadFrame_UnacceptablePrefix_ThrowsStatusBeforePayloadArrives(byte[] data, StatusCode expected, string reason)
    {
        // Arrange
        var buffer = new ReadOnlySequence<byte>(data);

        // Act
        var error = Assert.Throws<RpcException>(() => RequestMessageReader.TryReadFrame(ref buffer, maxReceiveMessageSize: 10, out _));

        // Assert
        Assert.True(expected == error.StatusCode, reason);
    }

    [Fact]
    public void TryReadFrame_TwoFrames_SlicesFirstAndAdvances()
    {
        // Arrange
        var buffer = new ReadOnlySequence<byte>([0, 0, 0, 0, 2, 7, 8, 0, 0, 0, 0, 0]);

        // Act
        var found = RequestMessageReader.TryReadFrame(ref buffer, maxReceiveMessageSize: 10, out var payload);

        // Assert
        Assert.True(found);
        Assert.Equal(new byte[] { 7, 8 }, payload.ToArray());
        Assert.Equal(5, buffer.Length);
    }

    [Fact]
    public async Task ReadMessageAsync_FramesSplitAcrossWrites_ReadsEachThenEnd()
    {
        // Arrange
        var pipe = new Pipe();
        var context = new SequenceDeserializationContext();
        await pipe.Writer.WriteAsync(new byte[] { 0, 0, 0 });
        await pipe.Writer.WriteAsync(new byte[] { 0, 3, 1, 2 });
        await pipe.Writer.WriteAsync(new byte[] { 3, 0, 0, 0, 0, 0 });
        await pipe.Writer.CompleteAsync();

        // Act
        var first = await RequestMessageReader.ReadMessageAsync(pipe.Reader, context, Copy, null, false, CancellationToken.None);
        var second = await RequestMessageReader.ReadMessageAsync(pipe.Reader, context, Copy, null, false, CancellationToken.None);
        var end = await RequestMessageReader.ReadMessageAsync(pipe.Reader, context, Copy, null, false, CancellationToken.None);

        // Assert
        Assert.Equal(new byte[] { 1, 2, 3 }, first.Message);
        Assert.True(second.Found);
        Assert.Empty(second.Message!);
        Assert.False(end.Found);
    }

    [Fact]
    public async Task ReadMessageAsync_MarshallerThrows_TheMarshallersExceptionAsGrpcDotnet()
    {
        // Arrange
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(new byte[] { 0, 0, 0, 0, 1, 9 });
        await pipe.Writer.CompleteAsync();
        var thrown = new FormatException("bad");

        // Act
        var error = await Assert.ThrowsAsync<FormatException>(async () => await RequestMessageReader.ReadMessageAsync<byte[]>(
            pipe.Reader, new SequenceDeserializationContext(), _ => throw thrown, null, false, CancellationToken.None));

        // Assert: grpc-dotnet lets the deserializer's exception reach the handler's caller (the call ends UNKNOWN).
        Assert.Same(thrown, error);
    }

    [Fact]
    public async Task EnsureEndOfBodyAsync_ExtraBytes_InternalStatus()
    {
        // Arrange
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(new byte[] { 0 });
        await pipe.Writer.CompleteAsync();

        // Act
        var error = await Assert.ThrowsAsync<RpcException>(async () => await RequestMessageReader.EnsureEndOfBodyAsync(pipe.Reader, CancellationToken.None));

        // Assert
        Assert.Equal(StatusCode.Internal, error.StatusCode);
    }
}
