using System.Runtime.CompilerServices;

namespace Grpc.Core;

/// <summary>
/// Extension methods for <see cref="IAsyncStreamReader{T}"/>.
/// </summary>
public static class AsyncStreamReaderExtensions
{
    /// <summary>
    /// Moves the reader to the next message, with no cancellation (grpc-dotnet's overload, for code that reads a stream
    /// by hand).
    /// </summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <param name="streamReader">The stream reader.</param>
    /// <returns><see langword="true"/> when a message was read into <see cref="IAsyncStreamReader{T}.Current"/>;
    /// <see langword="false"/> at the end of the stream.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="streamReader"/> is <see langword="null"/>.</exception>
    public static Task<bool> MoveNext<T>(this IAsyncStreamReader<T> streamReader)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(streamReader);
        return streamReader.MoveNext(CancellationToken.None);
    }

    /// <summary>
    /// Reads the whole stream as an <see cref="IAsyncEnumerable{T}"/>.
    /// </summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <param name="streamReader">The stream reader.</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    /// <returns>The messages, in order.</returns>
    public static IAsyncEnumerable<T> ReadAllAsync<T>(this IAsyncStreamReader<T> streamReader, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(streamReader);
        return ReadAllAsyncCore(streamReader, cancellationToken);
    }

    private static async IAsyncEnumerable<T> ReadAllAsyncCore<T>(IAsyncStreamReader<T> streamReader, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (await streamReader.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            yield return streamReader.Current;
        }
    }
}
