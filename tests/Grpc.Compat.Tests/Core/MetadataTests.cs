using System.Text;
using Grpc.Core;

namespace Grpc.Compat.Tests.Core;

public class MetadataTests
{
    [Fact]
    public void Add_MixedCaseKey_IsLowercased()
    {
        var metadata = new Metadata { { "X-Custom-Key", "v" } };

        Assert.Equal("x-custom-key", metadata[0].Key);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("has space", "space")]
    [InlineData("colon:key", "colon")]
    [InlineData("ünï", "non-ASCII")]
    [InlineData("slash/key", "slash")]
    public void Add_InvalidKey_ThrowsArgumentException(string key, string reason)
    {
        var metadata = new Metadata();

        Assert.True(Record.Exception(() => metadata.Add(key, "v")) is ArgumentException, reason);
    }

    [Fact]
    public void Add_AsciiValueWithBinaryKey_Throws()
    {
        Assert.Throws<ArgumentException>(() => new Metadata().Add("data-bin", "text"));
    }

    [Fact]
    public void Add_BinaryValueWithoutBinarySuffix_Throws()
    {
        Assert.Throws<ArgumentException>(() => new Metadata().Add("data", new byte[] { 1 }));
    }

    [Fact]
    public void Get_SeveralEntries_ReturnsLastCaseInsensitive()
    {
        var metadata = new Metadata { { "k", "first" }, { "other", "x" }, { "k", "last" } };

        Assert.Equal("last", metadata.Get("K")!.Value);
        Assert.Equal("last", metadata.GetValue("k"));
        Assert.Equal(new[] { "first", "last" }, metadata.GetAll("k").Select(e => e.Value));
        Assert.Null(metadata.Get("missing"));
        Assert.Null(metadata.GetValue("missing"));
        Assert.Null(metadata.GetValueBytes("missing"));
    }

    [Fact]
    public void GetValue_BinaryEntry_ThrowsInvalidOperation()
    {
        var metadata = new Metadata { { "d-bin", new byte[] { 1, 2 } } };

        Assert.Throws<InvalidOperationException>(() => metadata.GetValue("d-bin"));
    }

    [Fact]
    public void GetValueBytes_AsciiEntry_ReturnsAsciiBytes()
    {
        var metadata = new Metadata { { "k", "abc" } };

        Assert.Equal(Encoding.ASCII.GetBytes("abc"), metadata.GetValueBytes("k"));
    }

    [Fact]
    public void Entry_ValueBytes_AreDefensiveCopies()
    {
        var source = new byte[] { 1, 2, 3 };
        var entry = new Metadata.Entry("d-bin", source);

        source[0] = 9;
        entry.ValueBytes[1] = 9;

        Assert.Equal(new byte[] { 1, 2, 3 }, entry.ValueBytes);
        Assert.True(entry.IsBinary);
    }

    [Fact]
    public void Empty_Add_ThrowsInvalidOperation()
    {
        Assert.True(Metadata.Empty.IsReadOnly);
        Assert.Throws<InvalidOperationException>(() => Metadata.Empty.Add("k", "v"));
    }

    [Fact]
    public void ListOperations_InsertRemoveClear_Work()
    {
        var a = new Metadata.Entry("a", "1");
        var b = new Metadata.Entry("b", "2");
        var metadata = new Metadata { a };

        metadata.Insert(0, b);
        Assert.Equal(0, metadata.IndexOf(b));
        Assert.True(metadata.Remove(b));
        Assert.Equal(0, metadata.IndexOf(a));
        metadata.Clear();

        Assert.Empty(metadata);
    }

    [Fact]
    public void Entry_ToString_DoesNotPrintBinaryContent()
    {
        var entry = new Metadata.Entry("d-bin", new byte[] { 1, 2, 3 });

        Assert.Equal("[Entry: key=d-bin, valueBytes=byte[3]]", entry.ToString());
    }
}
