namespace Propagation.Interceptors.Tests;

public sealed class GrpcMethodNameCacheTests
{
    [Fact]
    public void Get_ManyDistinctPathsOfOneMethod_CacheStaysWithinItsBound()
    {
        // Arrange: with grpc-dotnet the server's ServerCallContext.Method is the request path, and routing matches a
        // method's path in any casing, so a client can send one method under thousands of distinct paths.
        var cache = new GrpcMethodNameCache();
        const string Path = "/propagation.test.TraceTestService/UnaryCall";
        var letters = Path.Count(char.IsAsciiLetter);
        const int Calls = 10_000;
        Assert.True(letters >= 14, "The path has enough letters for 10,000 distinct casings.");

        // Act
        for (var variant = 0; variant < Calls; variant++)
        {
            var path = Casing(Path, variant);
            var names = cache.Get(path);

            // Assert: every path is still named from itself, cached or not.
            Assert.Equal(path, names.FullName);
            Assert.Equal(path[1..], names.SpanName);
        }

        // Assert
        Assert.Equal(GrpcMethodNameCache.MaxEntries, cache.Count);
    }

    /// <summary>The text with its letters upper-cased where <paramref name="variant"/> has a 1 bit (distinct per variant).</summary>
    internal static string Casing(string text, int variant) =>
        string.Create(text.Length, (text, variant), static (chars, state) =>
        {
            var bit = 0;
            for (var i = 0; i < chars.Length; i++)
            {
                var c = state.text[i];
                chars[i] = char.IsAsciiLetter(c)
                    ? ((state.variant >> bit++) & 1) == 1 ? char.ToUpperInvariant(c) : char.ToLowerInvariant(c)
                    : c;
            }
        });
}
