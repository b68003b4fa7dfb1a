using System.Buffers;
using System.IO.Pipelines;
using Grpc.AspNetCore.Server.Internal;
using Grpc.Core;

namespace Grpc.Compat.Tests.Server;

public sealed class PipeSerializationContextTests
{
    [Fact]
    public async Task Complete_LengthAnnouncedThenWritten_FrameWrittenInPlace()
    {
        // Arrange
        var pipe = new Pipe();
        var context = new PipeSerializationContext(maxSendMessageSize: null);
        context.Start(pipe.Writer);

        // Act
        context.SetPayloadLength(3);
        context.GetBufferWriter().Write(new byte[] { 7, 8, 9 });
        context.Complete();
        context.EnsureCompleted();

        // Assert
        Assert.Equal(new byte[] { 0, 0, 0, 0, 3, 7, 8, 9 }, await ReadAllAsync(pipe));
    }

    [Fact]
    public async Task Complete_LengthNotAnnounced_BufferedThenFramed()
    {
        // Arrange
        var pipe = new Pipe();
        var context = new PipeSerializationContext(maxSendMessageSize: null);
        context.Start(pipe.Writer);

        // Act
        context.GetBufferWriter().Write(new byte[] { 1, 2 });
        context.Complete();
        context.EnsureCompleted();

        // Assert
        Assert.Equal(new byte[] { 0, 0, 0, 0, 2, 1, 2 }, await ReadAllAsync(pipe));
    }

    [Fact]
    public async Task CompleteByteArray_WholePayload_Framed()
    {
        // Arrange
        var pipe = new Pipe();
        var context = new PipeSerializationContext(maxSendMessageSize: 5);
        context.Start(pipe.Writer);

        // Act
        context.Complete([4, 5, 6, 7, 8]);
        context.EnsureCompleted();

        // Assert
        Assert.Equal(new byte[] { 0, 0, 0, 0, 5, 4, 5, 6, 7, 8 }, await ReadAllAsync(pipe));
    }

    [Fact]
    public async Task SetPayloadLength_OverSendLimit_ResourceExhaustedAndNothingWritten()
    {
        // Arrange
        var pipe = new Pipe();
        var context = new PipeSerializationContext(maxSendMessageSize: 2);
        context.Start(pipe.Writer);

        // Act
        var error = Assert.Throws<RpcException>(() => context.SetPayloadLength(3));

        // Assert
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.False(context.HasPartialFrame);
        Assert.Empty(await ReadAllAsync(pipe));
    }

    [Fact]
    public void Complete_FewerBytesThanAnnounced_ThrowsAndReportsPartialFrame()
    {
        // Arrange
        var context = new PipeSerializationContext(maxSendMessageSize: null);
        context.Start(new Pipe().Writer);
        context.SetPayloadLength(4);
        context.GetBufferWriter().Write(new byte[] { 1 });

        // Act
        var error = Assert.Throws<InvalidOperationException>(context.Complete);

        // Assert
        Assert.Contains("announcing", error.Message, StringComparison.Ordinal);
        Assert.True(context.HasPartialFrame);
    }

    [Fact]
    public void EnsureCompleted_MarshallerNeverCompleted_Throws()
    {
        // Arrange
        var context = new PipeSerializationContext(maxSendMessageSize: null);
        context.Start(new Pipe().Writer);

        // Act + Assert
        Assert.Throws<InvalidOperationException>(context.EnsureCompleted);
    }

    private static async Task<byte[]> ReadAllAsync(Pipe pipe)
    {
        await pipe.Writer.CompleteAsync();
        var result = await pipe.Reader.ReadAsync();
        var bytes = result.Buffer.ToArray();
        pipe.Reader.AdvanceTo(result.Buffer.End);
        return bytes;
    }
}
