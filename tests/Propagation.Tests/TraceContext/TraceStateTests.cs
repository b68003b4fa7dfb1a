using FsCheck;
using FsCheck.Fluent;

namespace Propagation.Tests.W3C;

public sealed class TraceStateTests
{
    [Theory]
    [InlineData("rojo")]
    [InlineData("congo")]
    [InlineData("a")]
    [InlineData("a0_-*/")]
    [InlineData("fw529a3039@dt")]
    [InlineData("0tenant@vendor")]
    [InlineData("t@s")]
    public void IsValidKey_GrammarKeys_ReturnsTrue(string key)
    {
        Assert.True(TraceState.IsValidKey(key));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("Rojo", "uppercase")]
    [InlineData("0abc", "simple key starting with a digit")]
    [InlineData("_abc", "starting with underscore")]
    [InlineData("a b", "space")]
    [InlineData("a.b", "dot")]
    [InlineData("a=b", "equals")]
    [InlineData("@vendor", "empty tenant")]
    [InlineData("tenant@", "empty system")]
    [InlineData("tenant@0vendor", "system starting with a digit")]
    [InlineData("_t@vendor", "tenant starting with underscore")]
    [InlineData("t@vendor@x", "two @")]
    [InlineData("t@abcdefghijklmno", "system of 15 characters")]
    [InlineData("é", "non-ASCII")]
    public void IsValidKey_BadKeys_ReturnsFalse(string key, string reason)
    {
        Assert.False(TraceState.IsValidKey(key), reason);
    }

    [Fact]
    public void IsValidKey_LengthLimits_AreEnforced()
    {
        Assert.True(TraceState.IsValidKey("a" + new string('b', 255)));
        Assert.False(TraceState.IsValidKey("a" + new string('b', 256)));
        Assert.True(TraceState.IsValidKey(new string('t', 241) + "@" + new string('s', 14)));
        Assert.False(TraceState.IsValidKey(new string('t', 242) + "@" + "s"));
        Assert.False(TraceState.IsValidKey("t@" + new string('s', 15)));
    }

    [Theory]
    [InlineData("00f067aa0ba902b7", true)]
    [InlineData("t61rcWkgMzE", true)]
    [InlineData("a b", true)]
    [InlineData(" leading", true)]
    [InlineData("!\"#$%&'()*+-./:;<>?@[\\]^_`{|}~", true)]
    [InlineData("", false)]
    [InlineData("trailing ", false)]
    [InlineData("a,b", false)]
    [InlineData("a=b", false)]
    [InlineData("tab\there", false)]
    [InlineData("\u007f", false)]
    [InlineData("é", false)]
    public void IsValidValue_Grammar_IsApplied(string value, bool expected)
    {
        Assert.Equal(expected, TraceState.IsValidValue(value));
    }

    [Fact]
    public void IsValidValue_LengthLimit_Is256()
    {
        Assert.True(TraceState.IsValidValue(new string('v', 256)));
        Assert.False(TraceState.IsValidValue(new string('v', 257)));
    }

    [Fact]
    public void Combine_SpecExample_ReturnsSameInstance()
    {
        // W3C Trace Context §3.3.1.4 example.
        var issues = PropagationIssues.None;
        var value = "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE";

        var result = TraceState.Combine(value, ref issues);

        Assert.Same(value, result);
        Assert.Equal(PropagationIssues.None, issues);
    }

    [Fact]
    public void Combine_MultiTenantSpecExample_IsValid()
    {
        var issues = PropagationIssues.None;
        var value = "fw529a3039@dt=W2ZvbyxiYXJd,rojo=00f067aa0ba902b7";

        var result = TraceState.Combine(value, ref issues);

        Assert.Same(value, result);
        Assert.Equal(PropagationIssues.None, issues);
    }

    [Fact]
    public void Combine_TwoLines_AreJoinedWithComma()
    {
        // §3.3.1.2: multiple tracestate headers are combined.
        var issues = PropagationIssues.None;

        var result = TraceState.Combine(new HeaderValues(["rojo=00f067aa0ba902b7", "congo=t61rcWkgMzE"]), ref issues);

        Assert.Equal("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE", result);
        Assert.Equal(PropagationIssues.None, issues);
    }

    [Fact]
    public void Combine_DuplicateKeyAcrossLines_IsInvalid()
    {
        var issues = PropagationIssues.None;

        var result = TraceState.Combine(new HeaderValues(["rojo=1", "rojo=2"]), ref issues);

        Assert.Null(result);
        Assert.Equal(PropagationIssues.TraceStateInvalid, issues);
    }

    [Fact]
    public void Combine_EmptyMembersAndWhitespace_AreTolerated()
    {
        var issues = PropagationIssues.None;
        var value = " rojo=1 ,, \tcongo=2\t,";

        var result = TraceState.Combine(value, ref issues);

        Assert.Same(value, result);
        Assert.Equal(PropagationIssues.None, issues);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData(",,,")]
    public void Combine_NoMembers_ReturnsNullWithoutIssue(string value)
    {
        var issues = PropagationIssues.None;

        var result = TraceState.Combine(value, ref issues);

        Assert.Null(result);
        Assert.Equal(PropagationIssues.None, issues);
    }

    [Fact]
    public void Combine_33Members_DiscardsTheWholeValue()
    {
        // §3.3.1.3: list = list-member 0*31( OWS "," OWS list-member ): a 33rd member breaks the grammar,
        // so the tracestate is invalid as a whole (not cut to 32).
        var issues = PropagationIssues.None;
        var value = string.Join(',', Enumerable.Range(0, 33).Select(i => $"k{i}=v"));

        var result = TraceState.Combine(value, ref issues);

        Assert.Null(result);
        Assert.Equal(PropagationIssues.TraceStateInvalid, issues);
    }

    [Fact]
    public void Combine_33MembersSplitAcrossLines_DiscardsTheWholeValue()
    {
        // The W3C test suite's test_tracestate_member_count_limit: bar01..bar33 on four lines.
        var issues = PropagationIssues.None;
        var members = Enumerable.Range(1, 33).Select(i => $"bar{i:D2}={i:D2}").ToArray();
        string[] lines = [string.Join(',', members[..10]), string.Join(',', members[10..20]), string.Join(',', members[20..30]), string.Join(',', members[30..])];

        var result = TraceState.Combine(new HeaderValues(lines), ref issues);

        Assert.Null(result);
        Assert.Equal(PropagationIssues.TraceStateInvalid, issues);
    }

    [Fact]
    public void Combine_RepeatedKeyAfter33Members_IsInvalidWhicheverKeyRepeats()
    {
        // A repeated key and a 33rd member are both invalid: the outcome must not depend on whether the
        // repeated key is one of the first 32 members or the 33rd.
        var members = string.Join(',', Enumerable.Range(0, 33).Select(i => $"k{i}=v"));
        for (var repeated = 0; repeated < 33; repeated++)
        {
            var issues = PropagationIssues.None;

            var result = TraceState.Combine($"{members},k{repeated}=w", ref issues);

            Assert.True(result is null, $"a repeat of k{repeated} was accepted: {result}");
            Assert.Equal(PropagationIssues.TraceStateInvalid, issues);
        }
    }

    [Fact]
    public void Combine_EmptyMembersOnSeveralLines_DoNotCountTowardsTheLimit()
    {
        // Empty list-members are allowed and ignored (§3.3.1.3): 32 members with empty ones around them are
        // kept, and 33 are discarded however they are split into lines.
        var members = Enumerable.Range(0, 33).Select(i => $"k{i}=v").ToArray();
        string[] Lines(int count) => [string.Join(',', members[..16]) + ",,", " , ", "", "," + string.Join(", ,", members[16..count])];
        var issues32 = PropagationIssues.None;
        var issues33 = PropagationIssues.None;

        var result32 = TraceState.Combine(new HeaderValues(Lines(32)), ref issues32);
        var result33 = TraceState.Combine(new HeaderValues(Lines(33)), ref issues33);

        Assert.Equal(string.Join(',', members[..32]), result32);
        Assert.Equal(PropagationIssues.None, issues32);
        Assert.Null(result33);
        Assert.Equal(PropagationIssues.TraceStateInvalid, issues33);
    }

    [Fact]
    public void Combine_32Members_AreAllKept()
    {
        var issues = PropagationIssues.None;
        var value = string.Join(',', Enumerable.Range(0, 32).Select(i => $"k{i}=v"));

        var result = TraceState.Combine(value, ref issues);

        Assert.Same(value, result);
        Assert.Equal(PropagationIssues.None, issues);
    }

    [Fact]
    public void Combine_OverMaxLength_RemovesLargeEntriesFirst()
    {
        // §3.3.1.5: entries over 128 characters go first, then from the right.
        var issues = PropagationIssues.None;
        var large = "big=" + new string('x', 200);
        var small = Enumerable.Range(0, 20).Select(i => $"k{i:D2}=" + new string('v', 14)).ToArray(); // 18 chars each
        var value = string.Join(',', [small[0], large, .. small[1..]]);

        var result = TraceState.Combine(value, ref issues);

        Assert.Equal(string.Join(',', small), result);
        Assert.True(result!.Length <= TraceState.MaxLength);
        Assert.Equal(PropagationIssues.TraceStateTruncated, issues);
    }

    [Fact]
    public void Combine_OverMaxLengthWithoutLargeEntries_RemovesFromTheRight()
    {
        var issues = PropagationIssues.None;
        var members = Enumerable.Range(0, 30).Select(i => $"k{i:D2}=" + new string('v', 96)).ToArray(); // 100 chars each
        var value = string.Join(',', members);

        var result = TraceState.Combine(value, ref issues);

        Assert.Equal(string.Join(',', members[..5]), result);
        Assert.Equal(PropagationIssues.TraceStateTruncated, issues);
    }

    [Fact]
    public void Combine_AtLeast512CharactersArePropagated()
    {
        var issues = PropagationIssues.None;
        var members = Enumerable.Range(0, 8).Select(i => $"k{i}=" + new string('v', 60)).ToArray();
        var value = string.Join(',', members);

        var result = TraceState.Combine(value, ref issues);

        Assert.Equal(511, value.Length);
        Assert.Same(value, result);
    }

    [Fact]
    public void Combine_OverInputLimit_IsRejectedUnread()
    {
        var issues = PropagationIssues.None;

        var result = TraceState.Combine("a=" + new string('b', TraceState.MaxInputLength), ref issues);

        Assert.Null(result);
        Assert.Equal(PropagationIssues.HeaderTooLong | PropagationIssues.TraceStateInvalid, issues);
    }

    [Fact]
    public void Combine_ManyLinesOverInputLimit_IsRejected()
    {
        var issues = PropagationIssues.None;
        var lines = Enumerable.Range(0, 100).Select(i => $"k{i}=" + new string('v', 100)).ToArray<string?>();

        var result = TraceState.Combine(new HeaderValues(lines), ref issues);

        Assert.Null(result);
        Assert.Equal(PropagationIssues.HeaderTooLong | PropagationIssues.TraceStateInvalid, issues);
    }

    [Fact]
    public void Combine_OneInvalidMember_DiscardsTheWholeValue()
    {
        var issues = PropagationIssues.None;

        var result = TraceState.Combine("rojo=00f067aa0ba902b7,Congo=t61rcWkgMzE", ref issues);

        Assert.Null(result);
        Assert.Equal(PropagationIssues.TraceStateInvalid, issues);
    }

    [Fact]
    public void IsValid_SpecExamples_ReturnsTrue()
    {
        Assert.True(TraceState.IsValid("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"));
        Assert.True(TraceState.IsValid("congo=ucfJifl5GOE,rojo=00f067aa0ba902b7"));
        Assert.False(TraceState.IsValid("rojo=1,rojo=2"));
        Assert.False(TraceState.IsValid(string.Join(',', Enumerable.Range(0, 33).Select(i => $"k{i}=v"))));
    }

    [Fact]
    public void SetMember_NewKey_IsAddedOnTheLeft()
    {
        // §3.5 example: congo updates its entry, which moves to the left.
        var result = TraceState.SetMember("rojo=00f067aa0ba902b7", "congo", "t61rcWkgMzE");

        Assert.Equal("congo=t61rcWkgMzE,rojo=00f067aa0ba902b7", result);
    }

    [Fact]
    public void SetMember_ExistingKey_IsUpdatedAndMovedLeftWithoutDuplicate()
    {
        var result = TraceState.SetMember("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE", "congo", "ucfJifl5GOE");

        Assert.Equal("congo=ucfJifl5GOE,rojo=00f067aa0ba902b7", result);
    }

    [Fact]
    public void SetMember_NullTraceState_ReturnsSingleMember()
    {
        Assert.Equal("rojo=1", TraceState.SetMember(null, "rojo", "1"));
    }

    [Fact]
    public void SetMember_Full32Members_DropsTheRightmost()
    {
        var value = string.Join(',', Enumerable.Range(0, 32).Select(i => $"k{i}=v"));

        var result = TraceState.SetMember(value, "new", "1");

        Assert.Equal("new=1," + string.Join(',', Enumerable.Range(0, 31).Select(i => $"k{i}=v")), result);
    }

    [Fact]
    public void SetMember_InvalidExistingMembers_AreLeftOut()
    {
        var result = TraceState.SetMember("rojo=1,BAD=2,, congo=3 ", "mine", "x");

        Assert.Equal("mine=x,rojo=1,congo=3", result);
    }

    [Theory]
    [InlineData("Bad", "v")]
    [InlineData("ok", "bad,value")]
    [InlineData("ok", "")]
    public void SetMember_InvalidKeyOrValue_Throws(string key, string value)
    {
        Assert.Throws<ArgumentException>(() => TraceState.SetMember(null, key, value));
    }

    [Fact]
    public void SetMember_NullKey_Throws()
    {
        Assert.Throws<ArgumentNullException>(() => TraceState.SetMember(null, null!, "v"));
    }

    [Fact]
    public void Truncate_ValidValue_ReturnsSameInstance()
    {
        var value = "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE";

        Assert.Same(value, TraceState.Truncate(value));
    }

    [Fact]
    public void Truncate_DuplicatesAndInvalidMembers_AreLeftOut()
    {
        Assert.Equal("a=1,c=3", TraceState.Truncate("a=1,a=2,B=2,c=3"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("BAD=1")]
    public void Truncate_NothingValid_ReturnsNull(string? value)
    {
        Assert.Null(TraceState.Truncate(value));
    }

    [Fact]
    public void Truncate_HugeValue_IsBoundedAndValid()
    {
        var value = string.Join(',', Enumerable.Range(0, 5000).Select(i => $"k{i}=v"));

        var result = TraceState.Truncate(value);

        Assert.NotNull(result);
        Assert.True(result.Length <= TraceState.MaxLength);
        Assert.True(TraceState.IsValid(result));
        Assert.StartsWith("k0=v,k1=v,", result, StringComparison.Ordinal);
    }

    [Fact]
    public void RemoveMember_ExistingKey_IsRemoved()
    {
        Assert.Equal("congo=2", TraceState.RemoveMember("rojo=1,congo=2", "rojo"));
        Assert.Null(TraceState.RemoveMember("rojo=1", "rojo"));
    }

    [Fact]
    public void TryGetValue_ExistingKey_ReturnsValue()
    {
        var ok = TraceState.TryGetValue("rojo=00f067aa0ba902b7, congo=t61rcWkgMzE ", "congo", out var value);

        Assert.True(ok);
        Assert.Equal("t61rcWkgMzE", value.ToString());
    }

    [Fact]
    public void TryGetValue_MissingKey_ReturnsFalse()
    {
        Assert.False(TraceState.TryGetValue("rojo=1", "congo", out _));
        Assert.False(TraceState.TryGetValue("rojo=1", "roj", out _));
    }

    [Fact]
    public void IsValid_AnySingleMember_AgreesWithKeyAndValueGrammar()
    {
        // The list scanner is a hand-written state machine; the key and value checks use SearchValues.
        // For any key and value (without the list delimiters), both must agree.
        var chars = Gen.Frequency(
            (6, Gen.Elements("abz09_-*/@ AZ!~\t.".ToCharArray())),
            (1, Gen.Choose(0, 0x2FF).Select(i => (char)i)));
        var text = Gen.ArrayOf(chars).Select(c => new string(c).Replace(",", string.Empty, StringComparison.Ordinal).Replace("=", string.Empty, StringComparison.Ordinal));
        var gen =
            from key in text
            from value in text
            select (key, value);

        var property = Prop.ForAll(gen.ToArbitrary(), pair =>
        {
            var member = pair.key + "=" + pair.value;
            var trimmedValue = pair.value.TrimEnd(' ', '\t');
            var expected = TraceState.IsValidKey(pair.key.TrimStart(' ', '\t')) && TraceState.IsValidValue(trimmedValue);
            return TraceState.IsValid(member) == expected;
        });

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(2000), property);
    }

    [Fact]
    public void IsValid_TabInsideAValueFollowedByTrailingTab_Invalid()
    {
        // Regression: only the last tab used to be checked, and a trailing tab is optional whitespace.
        Assert.False(TraceState.IsValid("b/=a0zN\t_*0\t"));
        Assert.False(TraceState.IsValid("k=a\tb \t"));
        Assert.True(TraceState.IsValid("k=ab \t"));
    }
}
