using Propagation.Collector.Internal;

namespace Propagation.Collector.Tests.Viewer;

public sealed class ViewerPageTests
{
    [Theory]
    [InlineData("/tracing", "/tracing")]
    [InlineData("tracing", "/tracing")]
    [InlineData("/tracing/", "/tracing")]
    [InlineData(" /ops/traces// ", "/ops/traces")]
    [InlineData("/", "/")]
    public void NormalizePath_PlainPath_LeadingSlashNoTrailingSlash(string path, string expected)
    {
        Assert.Equal(expected, ViewerPage.NormalizePath(path, "path"));
    }

    [Theory]
    [InlineData("/a{b}")]
    [InlineData("/a?b")]
    [InlineData("/a#b")]
    [InlineData("/a\\b")]
    [InlineData("/a>b")]
    [InlineData("/a\nb")]
    public void NormalizePath_NotAPlainPath_ThrowsNamingParameter(string path)
    {
        var error = Assert.Throws<ArgumentException>(() => ViewerPage.NormalizePath(path, "apiPrefix"));

        Assert.Equal("apiPrefix", error.ParamName);
        Assert.Contains("plain URL path", error.Message, StringComparison.Ordinal);
    }
}
