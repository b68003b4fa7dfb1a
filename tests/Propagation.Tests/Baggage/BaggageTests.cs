namespace Propagation.Tests.W3C;

public sealed class BaggageTests
{
    [Fact]
    public void Empty_HasNoMembers()
    {
        Assert.Empty(Baggage.Empty);
        Assert.True(Baggage.Empty.IsEmpty);
        Assert.False(Baggage.Empty.TryGetValue("k", out _));
    }

    [Fact]
    public void Create_Pairs_KeepsOrderAndValues()
    {
        var baggage = Baggage.Create([new KeyValuePair<string, string?>("a", "1"), new KeyValuePair<string, string?>("b", null)]);

        Assert.Equal(2, baggage.Count);
        Assert.Equal("a", baggage[0].Key);
        Assert.Equal(string.Empty, baggage[1].Value);
    }

    [Fact]
    public void Create_InvalidKey_Throws()
    {
        Assert.Throws<ArgumentException>(() => Baggage.Create([new KeyValuePair<string, string?>("bad key", "1")]));
    }

    [Fact]
    public void Create_DefaultMember_Throws()
    {
        Assert.Throws<ArgumentException>(() => Baggage.Create([default(BaggageMember)]));
    }

    [Fact]
    public void TryGetValue_RepeatedKey_ReturnsTheFirst()
    {
        var baggage = Baggage.Create([new BaggageMember("k", "1"), new BaggageMember("k", "2")]);

        Assert.True(baggage.TryGetValue("k", out var value));
        Assert.Equal("1", value);
    }

    [Fact]
    public void SetItem_ExistingKey_ReplacesInPlaceAndLeavesOriginalUnchanged()
    {
        var original = Baggage.Create([new BaggageMember("a", "1"), new BaggageMember("b", "2"), new BaggageMember("a", "3")]);

        var updated = original.SetItem("a", "9");

        Assert.Equal(["a=9", "b=2"], updated.Select(m => m.ToString()));
        Assert.Equal(3, original.Count);
    }

    [Fact]
    public void SetItem_NewKey_IsAddedAtTheEnd()
    {
        var updated = Baggage.Empty.SetItem("a", "1", "p");

        Assert.Equal("a=1;p", updated.ToString());
    }

    [Fact]
    public void Remove_Key_RemovesEveryMemberWithIt()
    {
        var original = Baggage.Create([new BaggageMember("a", "1"), new BaggageMember("b", "2"), new BaggageMember("a", "3")]);

        Assert.Equal("b=2", original.Remove("a").ToString());
        Assert.Same(original, original.Remove("zz"));
    }

    [Fact]
    public void GetEnumerator_VisitsEveryMemberInOrder()
    {
        var baggage = Baggage.Create([new BaggageMember("a", "1"), new BaggageMember("b", "2")]);
        var keys = new List<string>();

        foreach (var member in baggage)
        {
            keys.Add(member.Key);
        }

        Assert.Equal(["a", "b"], keys);
    }

    [Fact]
    public void ToString_PercentEncodesValues()
    {
        var baggage = Baggage.Create([new BaggageMember("serverNode", "DF 28"), new BaggageMember("isProduction", "false")]);

        Assert.Equal("serverNode=DF%2028,isProduction=false", baggage.ToString());
    }
}
