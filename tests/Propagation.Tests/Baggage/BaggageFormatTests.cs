using System.Globalization;

namespace Propagation.Tests.W3C;

public sealed class BaggageFormatTests
{
    private static readonly HeaderGetter<IDictionary<string, string>> Getter = Carriers.DictionaryGetter;
    private static readonly HeaderSetter<IDictionary<string, string>> Setter = Carriers.DictionarySetter;

    [Fact]
    public void Fields_IsBaggage()
    {
        Assert.Equal(["baggage"], BaggageFormat.Instance.Fields);
        Assert.Equal(PropagationFormat.Baggage, BaggageFormat.Instance.Format);
    }

    [Fact]
    public void TryExtract_SpecExample_DecodesValues()
    {
        // W3C Baggage §3.4 example.
        var (baggage, issues) = Extract("userId=alice,serverNode=DF%2028,isProduction=false");

        Assert.Equal(PropagationIssues.None, issues);
        Assert.Equal(3, baggage.Count);
        Assert.Equal(new BaggageMember("userId", "alice"), baggage[0]);
        Assert.Equal(new BaggageMember("serverNode", "DF 28"), baggage[1]);
        Assert.Equal(new BaggageMember("isProduction", "false"), baggage[2]);
    }

    [Fact]
    public void TryExtract_SpecExampleWithWhitespaceAndProperties_KeepsProperties()
    {
        // W3C Baggage §3.4: OWS around keys, values and properties.
        var (baggage, issues) = Extract("key1 = value1;property1;property2, key2 = value2, key3=value3; propertyKey=propertyValue");

        Assert.Equal(PropagationIssues.None, issues);
        Assert.Equal(3, baggage.Count);
        Assert.Equal(new BaggageMember("key1", "value1", "property1;property2"), baggage[0]);
        Assert.Equal(new BaggageMember("key2", "value2"), baggage[1]);
        Assert.Equal(new BaggageMember("key3", "value3", "propertyKey=propertyValue"), baggage[2]);
    }

    [Fact]
    public void TryExtract_Utf8PercentEncoding_IsDecoded()
    {
        var (baggage, _) = Extract("city=S%C3%A3o%20Paulo,emoji=%F0%9F%98%80");

        Assert.True(baggage.TryGetValue("city", out var city));
        Assert.Equal("São Paulo", city);
        Assert.True(baggage.TryGetValue("emoji", out var emoji));
        Assert.Equal("\U0001F600", emoji);
    }

    [Fact]
    public void TryExtract_InvalidUtf8Bytes_BecomeReplacementCharacter()
    {
        // W3C Baggage §3.2.1.2: octets that are not UTF-8 decode to U+FFFD.
        var (baggage, issues) = Extract("k=%FF");

        Assert.Equal(PropagationIssues.None, issues);
        Assert.Equal("\uFFFD", baggage[0].Value);
    }

    [Fact]
    public void TryExtract_EmptyValue_IsValid()
    {
        var (baggage, issues) = Extract("k=");

        Assert.Equal(PropagationIssues.None, issues);
        Assert.Equal(string.Empty, baggage[0].Value);
    }

    [Fact]
    public void TryExtract_InvalidMember_IsDroppedAndTheOthersKept()
    {
        var (baggage, issues) = Extract("a=1,bad key=2,c=%zz,d=4");

        Assert.Equal(PropagationIssues.BaggageInvalid, issues);
        Assert.Equal(["a", "d"], baggage.Select(m => m.Key));
    }

    [Fact]
    public void TryExtract_EmptyMembers_AreSkippedSilently()
    {
        var (baggage, issues) = Extract(",a=1,, ,b=2,");

        Assert.Equal(PropagationIssues.None, issues);
        Assert.Equal(2, baggage.Count);
    }

    [Fact]
    public void TryExtract_SeveralLines_AreCombined()
    {
        var issues = PropagationIssues.None;

        var ok = BaggageFormat.Instance.TryExtract(0, static (_, _) => new HeaderValues(["a=1,b=2", null, "c=3"]), out var baggage, ref issues);

        Assert.True(ok);
        Assert.Equal(["a", "b", "c"], baggage.Select(m => m.Key));
    }

    [Fact]
    public void TryExtract_65Members_KeepsTheFirst64()
    {
        var value = string.Join(',', Enumerable.Range(0, 65).Select(i => $"k{i}=v"));

        var (baggage, issues) = Extract(value);

        Assert.Equal(BaggageFormat.MaxMembers, baggage.Count);
        Assert.Equal("k63", baggage[63].Key);
        Assert.Equal(PropagationIssues.BaggageTruncated, issues);
    }

    [Fact]
    public void TryExtract_MemberLimit_IsOneBudgetAcrossLines()
    {
        var line = string.Join(',', Enumerable.Range(0, 40).Select(i => $"k{i}=v"));
        var issues = PropagationIssues.None;

        BaggageFormat.Instance.TryExtract(line, static (l, _) => new HeaderValues([l, l]), out var baggage, ref issues);

        Assert.Equal(64, baggage.Count);
        Assert.Equal(PropagationIssues.BaggageTruncated, issues);
    }

    [Fact]
    public void TryExtract_ByteLimit_IsOneBudgetAcrossLinesAndDropsWholeMembers()
    {
        // Two lines of 5000 bytes each: the second member does not fit in 8192 and is dropped whole,
        // the small member after it still fits.
        var big1 = "a=" + new string('x', 4998);
        var big2 = "b=" + new string('y', 4998);
        var issues = PropagationIssues.None;

        BaggageFormat.Instance.TryExtract((big1, big2), static (lines, _) => new HeaderValues([lines.big1, lines.big2 + ",c=1"]), out var baggage, ref issues);

        Assert.Equal(["a", "c"], baggage.Select(m => m.Key));
        Assert.Equal(PropagationIssues.BaggageTruncated, issues);
    }

    [Fact]
    public void TryExtract_Exactly8192Bytes_IsKept()
    {
        var member1 = "a=" + new string('x', 4094); // 4096
        var member2 = "b=" + new string('y', 4093); // 4095, plus the comma = 8192

        var (baggage, issues) = Extract(member1 + "," + member2);

        Assert.Equal(PropagationIssues.None, issues);
        Assert.Equal(2, baggage.Count);
    }

    [Fact]
    public void TryExtract_HugeInput_StopsAtTheInputBound()
    {
        var value = string.Join(',', Enumerable.Repeat("bad key=1", 10_000));

        var (baggage, issues) = Extract(value);

        Assert.True(baggage.IsEmpty);
        Assert.Equal(PropagationIssues.BaggageInvalid | PropagationIssues.BaggageTruncated | PropagationIssues.HeaderTooLong, issues);
    }

    [Theory]
    [InlineData(32760, "k,w", PropagationIssues.None)]
    [InlineData(32764, "k", PropagationIssues.HeaderTooLong | PropagationIssues.BaggageTruncated)]
    [InlineData(32765, "", PropagationIssues.HeaderTooLong | PropagationIssues.BaggageTruncated)]
    public void TryExtract_MemberEndingAtTheInputBound_IsReadAndOnePastItIsNot(int emptyMembers, string expectedKeys, PropagationIssues expectedIssues)
    {
        // Arrange: each empty member counts 1 character and "k=v," 4, so with 32764 empty members "k=v" ends
        // exactly at the 32768-character bound (its comma is the last character looked at) and "w=1" is past it.
        var value = new string(',', emptyMembers) + "k=v,w=1";

        // Act
        var (baggage, issues) = Extract(value);

        // Assert
        Assert.Equal(expectedKeys, string.Join(',', baggage.Select(m => m.Key)));
        Assert.Equal(expectedIssues, issues);
    }

    [Fact]
    public void TryExtract_Absent_ReturnsEmptyWithoutIssues()
    {
        var issues = PropagationIssues.None;

        var ok = BaggageFormat.Instance.TryExtract(new Dictionary<string, string>(), Getter, out var baggage, ref issues);

        Assert.False(ok);
        Assert.Same(Baggage.Empty, baggage);
        Assert.Equal(PropagationIssues.None, issues);
    }

    [Fact]
    public void Inject_Baggage_PercentEncodesValues()
    {
        IDictionary<string, string> carrier = new Dictionary<string, string>();
        var baggage = Baggage.Create([
            new BaggageMember("userId", "alice"),
            new BaggageMember("serverNode", "DF 28"),
            new BaggageMember("city", "São Paulo, 100%;\"x\"\\"),
        ]);

        BaggageFormat.Instance.Inject(baggage, carrier, Setter);

        Assert.Equal("userId=alice,serverNode=DF%2028,city=S%C3%A3o%20Paulo%2C%20100%25%3B%22x%22%5C", carrier["baggage"]);
    }

    [Fact]
    public void Inject_Properties_AreWrittenUnchanged()
    {
        IDictionary<string, string> carrier = new Dictionary<string, string>();

        BaggageFormat.Instance.Inject(Baggage.Create([new BaggageMember("k", "v", "p1;p2=x")]), carrier, Setter);

        Assert.Equal("k=v;p1;p2=x", carrier["baggage"]);
    }

    [Fact]
    public void Inject_Baggage_RepeatedKey_WritesTheValueLookupsReturnOnce()
    {
        IDictionary<string, string> carrier = new Dictionary<string, string>();
        var baggage = Baggage.Create([
            new BaggageMember("k", "first", "p=1"),
            new BaggageMember("a", "1"),
            new BaggageMember("k", "second"),
            new BaggageMember("K", "upper"),
        ]);

        BaggageFormat.Instance.Inject(baggage, carrier, Setter);

        // The receiver sees the value this side's own look-ups read (Baggage.TryGetValue: the first); "K" is another key.
        Assert.True(baggage.TryGetValue("k", out var value));
        Assert.Equal("first", value);
        Assert.Equal("k=first;p=1,a=1,K=upper", carrier["baggage"]);
    }

    [Fact]
    public void Inject_Baggage_ExtractedRepeatedKey_IsForwardedOnce()
    {
        var issues = PropagationIssues.None;
        BaggageFormat.Instance.TryExtract(new Dictionary<string, string> { ["baggage"] = "k=1,k=2;p,j=3" }, Getter, out var extracted, ref issues);
        IDictionary<string, string> carrier = new Dictionary<string, string>();

        BaggageFormat.Instance.Inject(extracted, carrier, Setter);

        Assert.Equal(3, extracted.Count);
        Assert.Equal("k=1,j=3", carrier["baggage"]);
    }

    [Fact]
    public void Inject_KeyValuePairs_SkipsInvalidKeysAndWritesNullAsEmpty()
    {
        IDictionary<string, string> carrier = new Dictionary<string, string>();
        KeyValuePair<string, string?>[] pairs = [new("a", "1"), new("bad key", "2"), new("c", null)];

        BaggageFormat.Instance.Inject(pairs, carrier, Setter);

        Assert.Equal("a=1,c=", carrier["baggage"]);
    }

    [Fact]
    public void Inject_ActivityBaggage_IsWritten()
    {
        using var activity = new System.Diagnostics.Activity("BaggageFormatTests.Inject_ActivityBaggage");
        activity.AddBaggage("first", "1");
        activity.AddBaggage("second", "two words");
        IDictionary<string, string> carrier = new Dictionary<string, string>();

        BaggageFormat.Instance.Inject(activity.Baggage, carrier, Setter);

        Assert.Equal("second=two%20words,first=1", carrier["baggage"]);
    }

    [Fact]
    public void Inject_KeyValuePairs_RepeatedKey_WritesItsFirstValueOnce()
    {
        IDictionary<string, string> carrier = new Dictionary<string, string>();
        KeyValuePair<string, string?>[] pairs = [new("k", "new"), new("a", "1"), new("k", "old"), new("K", "upper"), new("a", "2")];

        BaggageFormat.Instance.Inject(pairs, carrier, Setter);

        // Keys compare ordinally: "K" is another key.
        Assert.Equal("k=new,a=1,K=upper", carrier["baggage"]);
    }

    [Fact]
    public void Inject_KeyValuePairs_RepeatedKeyAfterNullValue_WritesEmptyOnce()
    {
        IDictionary<string, string> carrier = new Dictionary<string, string>();
        KeyValuePair<string, string?>[] pairs = [new("k", null), new("k", "old")];

        BaggageFormat.Instance.Inject(pairs, carrier, Setter);

        Assert.Equal("k=", carrier["baggage"]);
    }

    [Fact]
    public void Inject_KeyValuePairs_FirstValueOverByteLimit_LaterValueOfItsKeyNotWritten()
    {
        IDictionary<string, string> carrier = new Dictionary<string, string>();
        KeyValuePair<string, string?>[] pairs = [new("a", new string('x', 5000)), new("k", new string('y', 5000)), new("k", "old"), new("c", "1")];

        BaggageFormat.Instance.Inject(pairs, carrier, Setter);

        // The first value of k does not fit; its older value is not sent in its place.
        Assert.Equal("a=" + new string('x', 5000) + ",c=1", carrier["baggage"]);
    }

    [Fact]
    public void Inject_KeyValuePairs_KeysLeftOutForSizeOverflowTheirRoom_StopsWriting()
    {
        IDictionary<string, string> carrier = new Dictionary<string, string>();
        var big = new KeyValuePair<string, string?>("a", new string('x', 8000));
        var leftOut = Enumerable.Range(0, 100).Select(i => new KeyValuePair<string, string?>(new string('k', 97) + i.ToString("D3", CultureInfo.InvariantCulture), new string('y', 200)));
        KeyValuePair<string, string?>[] small = [new("c", "1")];

        BaggageFormat.Instance.Inject([big, .. leftOut.Take(10), .. small], carrier, Setter);
        var fewLeftOut = carrier["baggage"];
        BaggageFormat.Instance.Inject([big, .. leftOut, .. small], carrier, Setter);

        // 100 keys of 100 characters, each left out for its size, are more than can be remembered: writing stops,
        // so the member after them is not sent (it could have repeated one of them).
        Assert.Equal("a=" + new string('x', 8000) + ",c=1", fewLeftOut);
        Assert.Equal("a=" + new string('x', 8000), carrier["baggage"]);
    }

    [Fact]
    public void Inject_KeyValuePairs_RepeatedKeysDoNotCountTowardsTheMemberLimit()
    {
        IDictionary<string, string> carrier = new Dictionary<string, string>();
        var pairs = Enumerable.Range(0, 100).Select(i => new KeyValuePair<string, string?>("k" + (i % 10), "v"))
            .Concat(Enumerable.Range(10, 60).Select(i => new KeyValuePair<string, string?>("k" + i, "v")));

        BaggageFormat.Instance.Inject(pairs, carrier, Setter);

        Assert.Equal(string.Join(',', Enumerable.Range(0, 64).Select(i => $"k{i}=v")), carrier["baggage"]);
    }

    [Fact]
    public void Inject_OverLimits_DropsWholeMembers()
    {
        IDictionary<string, string> carrier = new Dictionary<string, string>();
        var members = Enumerable.Range(0, 70).Select(i => new BaggageMember($"k{i}", "v"));

        BaggageFormat.Instance.Inject(Baggage.Create(members), carrier, Setter);

        Assert.Equal(string.Join(',', Enumerable.Range(0, 64).Select(i => $"k{i}=v")), carrier["baggage"]);
    }

    [Fact]
    public void Inject_MemberOverByteLimit_IsDroppedAndLaterOnesKept()
    {
        IDictionary<string, string> carrier = new Dictionary<string, string>();
        var baggage = Baggage.Create([
            new BaggageMember("a", new string('x', 5000)),
            new BaggageMember("b", new string('y', 5000)),
            new BaggageMember("c", "1"),
        ]);

        BaggageFormat.Instance.Inject(baggage, carrier, Setter);

        Assert.Equal("a=" + new string('x', 5000) + ",c=1", carrier["baggage"]);
        Assert.True(carrier["baggage"].Length <= BaggageFormat.MaxLength);
    }

    [Fact]
    public void Inject_Empty_WritesNothing()
    {
        IDictionary<string, string> carrier = new Dictionary<string, string>();

        BaggageFormat.Instance.Inject(Baggage.Empty, carrier, Setter);
        BaggageFormat.Instance.Inject(Array.Empty<KeyValuePair<string, string?>>(), carrier, Setter);

        Assert.Empty(carrier);
    }

    [Fact]
    public void Inject_NullArguments_Throw()
    {
        IDictionary<string, string> carrier = new Dictionary<string, string>();

        Assert.Throws<ArgumentNullException>(() => BaggageFormat.Instance.Inject((Baggage)null!, carrier, Setter));
        Assert.Throws<ArgumentNullException>(() => BaggageFormat.Instance.Inject(Baggage.Empty, carrier, null!));
        Assert.Throws<ArgumentNullException>(() => BaggageFormat.Instance.Inject(Baggage.Empty, (IDictionary<string, string>)null!, Setter));
    }

    [Fact]
    public void InjectThenExtract_SpecialCharacters_RoundTrip()
    {
        IDictionary<string, string> carrier = new Dictionary<string, string>();
        var baggage = Baggage.Create([new BaggageMember("k", "a,b;c=d %25 é \t\r\n\0")]);

        BaggageFormat.Instance.Inject(baggage, carrier, Setter);
        var issues = PropagationIssues.None;
        BaggageFormat.Instance.TryExtract(carrier, Getter, out var extracted, ref issues);

        Assert.Equal(PropagationIssues.None, issues);
        Assert.Equal(baggage[0], extracted[0]);
    }

    [Fact]
    public void Inject_Baggage_AllocatesOnlyTheHeaderString()
    {
        // Arrange
        var baggage = Baggage.Create([new BaggageMember("userId", "alice"), new BaggageMember("serverNode", "DF 28"), new BaggageMember("isProduction", "false")]);
        // A reference-type carrier: a struct carrier is boxed by the null check in unoptimized (Debug) code.
        var carrier = new List<string>(1) { string.Empty };
        HeaderSetter<List<string>> setter = static (c, _, value) => c[0] = value;
        for (var i = 0; i < 100; i++)
        {
            BaggageFormat.Instance.Inject(baggage, carrier, setter);
        }

        // Act
        const int Iterations = 1000;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Iterations; i++)
        {
            BaggageFormat.Instance.Inject(baggage, carrier, setter);
        }

        var perCall = (GC.GetAllocatedBytesForCurrentThread() - before) / Iterations;

        // Assert: one string of the header's length (object header, length and characters, rounded up to 8).
        var written = carrier[0];
        Assert.Equal("userId=alice,serverNode=DF%2028,isProduction=false", written);
        var stringSize = (22 + (2 * written.Length) + 7) / 8 * 8;
        Assert.InRange(perCall, 1, stringSize);
    }

    [Theory]
    [InlineData("k{0}=vvvvvvvvvvvvvvvvvvvv;;", "an empty property")]
    [InlineData("k{0}=vvvvvvvvvvvvvvvvvvvv;=x", "a property without a key")]
    [InlineData("k{0}=vvvvvvvvvvvvvvvvvvvv;p=\"", "a property value outside baggage-octet")]
    [InlineData("k{0}=%E2%82%AC%E2%82%AC;;", "a percent-encoded value with an empty property")]
    public void TryExtract_ManyMembersWithInvalidProperties_AllocatesNothing(string memberFormat, string reason)
    {
        // Arrange: 1000 members that are invalid only because of their properties (within the input bound,
        // so every one is parsed). An attacker sends them for free; rejecting them must not cost garbage.
        var header = string.Join(',', Enumerable.Range(0, 1000).Select(i => string.Format(CultureInfo.InvariantCulture, memberFormat, i)));
        IDictionary<string, string> carrier = new Dictionary<string, string> { ["baggage"] = header };
        var (warm, warmIssues) = Extract(header);
        Assert.True(warm.IsEmpty, reason);
        Assert.Equal(PropagationIssues.BaggageInvalid, warmIssues);

        // Act
        const int Iterations = 10;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Iterations; i++)
        {
            var issues = PropagationIssues.None;
            BaggageFormat.Instance.TryExtract(carrier, Getter, out _, ref issues);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // Assert
        Assert.True(allocated == 0, $"{reason}: {allocated / Iterations} bytes per extract");
    }

    [Fact]
    public void TryExtract_SameHeaderTwice_ReturnsEqualMembers()
    {
        var (first, _) = Extract("k=v;p");
        var (second, _) = Extract("k=v;p");

        Assert.Equal(first[0], second[0]);
        Assert.Equal(first[0].GetHashCode(), second[0].GetHashCode());
    }

    private static (Baggage Baggage, PropagationIssues Issues) Extract(string value)
    {
        IDictionary<string, string> carrier = new Dictionary<string, string> { ["baggage"] = value };
        var issues = PropagationIssues.None;
        BaggageFormat.Instance.TryExtract(carrier, Getter, out var baggage, ref issues);
        return (baggage, issues);
    }
}
