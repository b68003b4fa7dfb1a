using Grpc.Core;

namespace Grpc.Compat.Tests.Core;

public class AsyncStreamReaderExtensionsTests
{
    [Fact]
    public async Task ReadAllAsync_Stream_YieldsEveryMessageInOrder()
    {
        var reader = new ListReader(["a", "b", "c"]);

        var read = new List<string>();
        await foreach (var item in reader.ReadAllAsync())
        {
            read.Add(item);
        }

        Assert.Equal(new[] { "a", "b", "c" }, read);
    }

    [Fact]
    public async Task ReadAllAsync_CancelledToken_PassesTokenToMoveNext()
    {
        var reader = new ListReader(["a"]);
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var unused in reader.ReadAllAsync(cts.Token))
            {
            }
        });
    }

    [Fact]
    public async Task MoveNext_WithoutToken_AdvancesWithNoCancellation()
    {
        // grpc-dotnet's Grpc.Core.Api has this overload: code written against it (requestStream.MoveNext()) builds here too.
        var reader = new ListReader(["a"]);

        Assert.True(await reader.MoveNext());
        Assert.Equal("a", reader.Current);
        Assert.False(await reader.MoveNext());
        Assert.False(reader.LastToken.CanBeCanceled);
    }

    [Fact]
    public void MoveNext_NullReader_ThrowsAtTheCall()
    {
        var error = Assert.Throws<ArgumentNullException>(() => { _ = AsyncStreamReaderExtensions.MoveNext<string>(null!); });

        Assert.Equal("streamReader", error.ParamName);
    }

    private sealed class ListReader(List<string> items) : IAsyncStreamReader<string>
    {
        private int _index = -1;

        public string Current => items[_index];

        public CancellationToken LastToken { get; private set; } = new CancellationToken(canceled: true);

        public Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            LastToken = cancellationToken;
            cancellationToken.ThrowIfCancellationRequested();
            _index++;
            return Task.FromResult(_index < items.Count);
        }
    }
}
