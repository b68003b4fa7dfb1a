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

    private sealed class ListReader(List<string> items) : IAsyncStreamReader<string>
    {
        private int _index = -1;

        public string Current => items[_index];

        public Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            _index++;
            return Task.FromResult(_index < items.Count);
        }
    }
}
