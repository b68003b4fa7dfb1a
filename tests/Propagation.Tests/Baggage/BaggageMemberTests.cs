namespace Propagation.Tests.W3C;

public sealed class BaggageMemberTests
{
    [Theory]
    [InlineData("userId")]
    [InlineData("a")]
    [InlineData("!#$%&'*+-.^_`|~09AZaz")]
    public void IsValidKey_Tokens_ReturnsTrue(string key)
    {
        Assert.True(BaggageMember.IsValidKey(key));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("a b", "space")]
    [InlineData("a=b", "equals")]
    [InlineData("a,b", "comma")]
    [InlineData("a;b", "semicolon")]
    [InlineData("a\"b", "quote")]
    [InlineData("a(b)", "parentheses")]
    [InlineData("é", "non-ASCII")]
    [InlineData("a\tb", "tab")]
    public void IsValidKey_NonTokens_ReturnsFalse(string key, string reason)
    {
        Assert.False(BaggageMember.IsValidKey(key), reason);
    }

    [Fact]
    public void Constructor_InvalidProperties_Throws()
    {
        Assert.Throws<ArgumentException>(() => new BaggageMember("k", "v", "bad property"));
        Assert.Throws<ArgumentException>(() => new BaggageMember("k", "v", "p=a,b"));
        Assert.Throws<ArgumentException>(() => new BaggageMember("k", "v", ";"));
    }

    [Fact]
    public void Constructor_NullArguments_Throw()
    {
        Assert.Throws<ArgumentNullException>(() => new BaggageMember(null!, "v"));
        Assert.Throws<ArgumentNullException>(() => new BaggageMember("k", null!));
    }

    [Fact]
    public void Constructor_EmptyProperties_AreStoredAsNull()
    {
        Assert.Null(new BaggageMember("k", "v", string.Empty).Properties);
    }

    [Fact]
    public void ToString_WritesWireForm()
    {
        Assert.Equal("k=a%20b%25;p1;p2=x", new BaggageMember("k", "a b%", "p1;p2=x").ToString());
    }

    [Fact]
    public void Equals_SameParts_AreEqual()
    {
        Assert.Equal(new BaggageMember("k", "v", "p"), new BaggageMember("k", "v", "p"));
        Assert.NotEqual(new BaggageMember("k", "v", "p"), new BaggageMember("k", "v"));
        Assert.True(new BaggageMember("k", "v") != new BaggageMember("k", "w"));
    }
}
