using System.Text;
using FsCheck;
using FsCheck.Fluent;

namespace Propagation.Tests.W3C;

/// <summary>
/// <see cref="TraceStateFastPath"/> may only ever say "valid, propagate as received" for values the full
/// scanner accepts unchanged; these tests hold it to that, and check that it does engage for plain values.
/// </summary>
public sealed class TraceStateFastPathTests
{
    private const string KeyTail = "abcdefghijklmnopqrstuvwxyz0123456789_-*/";
    private const string ValueChars = " !\"#$%&'()*+-./0123456789:;<>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~";

    private static readonly Config Config = Config.QuickThrowOnFailure.WithMaxTest(1000);

    [Theory]
    [InlineData("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE,fw529a3039@dt=W2ZvbyxiYXJd")]
    [InlineData("rojo=00f067aa0ba902b7")]
    [InlineData("congo=t61rcWkgMzE,rojo=00f067aa0ba902b7")]
    [InlineData("33@nr=0-0-1234567-1234567890-00f067aa0ba902b7-4bf92f3577b34da6-1-0.5-1700000000000")]
    [InlineData("a=value with inner spaces,b=!\"#$%&'()*+-./:;<>?@[\\]^_`{|}~")]
    [InlineData("0tenant@sys=1,t_-*/@s_-*/9=2,abc=3")]
    public void IsValidAsIs_PlainValidValue_TrueAndCombineAndTruncateKeepTheInstance(string traceState)
    {
        // Act
        var fast = TraceStateFastPath.IsValidAsIs(traceState);
        var issues = PropagationIssues.None;
        var combined = TraceState.Combine(new HeaderValues(traceState), ref issues);

        // Assert
        Assert.True(fast);
        Assert.Same(traceState, combined);
        Assert.Equal(PropagationIssues.None, issues);
        Assert.Same(traceState, TraceState.Truncate(traceState));
    }

    [Theory]
    [InlineData("rojo=00f067aa0ba902b7,rojo=00f067aa0ba902b8", "repeated key")]
    [InlineData("a@b@c=00f067aa0ba902b7,x=1", "two @ in one key")]
    [InlineData("Rojo=00f067aa0ba902b7,x=1", "uppercase key")]
    [InlineData("9ojo=00f067aa0ba902b7,x=1", "simple key starting with a digit")]
    [InlineData("rojo=00f067aa0ba902b7=,x=1", "= inside a value")]
    [InlineData("rojo=00f067aa0ba902b7 ,x=1", "value ending with a space (OWS before the comma)")]
    [InlineData(" rojo=00f067aa0ba902b7,x=1", "leading whitespace")]
    [InlineData("rojo=00f067aa0ba902b7,,x=1", "empty member")]
    [InlineData("rojo=00f067aa0ba902b7,x=1,", "trailing comma")]
    [InlineData("rojo=00f067aa0ba902b7\t,x=1", "tab")]
    [InlineData("rojo=00f067aa0ba902b7,x=", "empty value")]
    [InlineData("rojo=00f067aa0ba902b7,=1", "empty key")]
    [InlineData("rojo=00f067aa0ba902b7,congo", "member without =")]
    [InlineData("rojo=00f067aa0ba902b7,@dt=1", "empty tenant")]
    [InlineData("rojo=00f067aa0ba902b7,t@=1", "empty system")]
    [InlineData("rojo=00f067aa0ba902b7,t@9=1", "system starting with a digit")]
    [InlineData("rojo=00f067aa0ba902b7,t@abcdefghijklmno=1", "system of 15 characters")]
    [InlineData("rojo=00f067aa0ba902b7,ke y=1", "space inside a key")]
    [InlineData("rojo=00f067aa0ba9\u00e902b7", "non-ASCII in a value")]
    [InlineData("rojo=00f067aa0ba9\u012c02b7", "a char whose low byte is a comma")]
    [InlineData("rojo=00f067aa0ba9\u013d02b7", "a char whose low byte is an equals sign")]
    [InlineData("ro\u0161o=00f067aa0ba902b7", "a char whose low byte is a key character")]
    [InlineData("r=1", "shorter than one vector: left to the scanner")]
    public void IsValidAsIs_AnythingButAPlainValidValue_False(string traceState, string reason)
    {
        // Act
        var fast = TraceStateFastPath.IsValidAsIs(traceState);

        // Assert
        Assert.False(fast, reason);
    }

    [Fact]
    public void IsValidAsIs_ThirtyThreeMembers_False()
    {
        // Arrange: 33 distinct valid members (the limit is 32).
        var traceState = string.Join(",", Enumerable.Range(0, 33).Select(i => $"k{i}=v"));

        // Act / Assert
        Assert.False(TraceStateFastPath.IsValidAsIs(traceState));
        Assert.True(TraceStateFastPath.IsValidAsIs(string.Join(",", Enumerable.Range(0, 32).Select(i => $"k{i}=v"))));
    }

    [Fact]
    public void IsValidAsIs_KeyAndValueLengthLimits_Enforced()
    {
        // Arrange
        var longestKey = "k" + new string('a', TraceState.MaxKeyLength - 1);
        var longestValue = new string('v', TraceState.MaxValueLength);

        // Act / Assert: 256 is allowed, 257 is not.
        Assert.True(TraceStateFastPath.IsValidAsIs(longestKey + "=1"));
        Assert.False(TraceStateFastPath.IsValidAsIs(longestKey + "a=1"));
        Assert.True(TraceStateFastPath.IsValidAsIs("k=" + longestValue));
        Assert.False(TraceStateFastPath.IsValidAsIs("k=" + longestValue + "v"));
    }

    [Fact]
    public void IsValidAsIs_EveryLengthFrom16To520_AgreesWithTheScanner()
    {
        // Every length crosses the 16/32/64-character block edges and the 64-character words at another place.
        for (var length = 16; length <= 520; length++)
        {
            foreach (var traceState in new[] { Fill(length, "fw529a3039@dt="), Fill(length, "rojo="), Fill(length, "k=") })
            {
                var fast = TraceStateFastPath.IsValidAsIs(traceState);
                Assert.Equal(traceState.Length <= TraceState.MaxLength && TraceState.IsValid(traceState), fast);
            }
        }
    }

    [Fact]
    public void IsValidAsIs_RandomText_TrueOnlyWhenTheScannerKeepsItUnchanged()
    {
        var property = Prop.ForAll(Text().ToArbitrary(), text =>
        {
            if (!TraceStateFastPath.IsValidAsIs(text))
            {
                return true;
            }

            var issues = PropagationIssues.None;
            return TraceState.IsValid(text)
                && ReferenceEquals(text, TraceState.Combine(new HeaderValues(text), ref issues))
                && issues == PropagationIssues.None
                && ReferenceEquals(text, TraceState.Truncate(text));
        });

        Check.One(Config, property);
    }

    [Fact]
    public void IsValidAsIs_GeneratedPlainValues_AgreesWithTheScanner()
    {
        // Plain values (no whitespace around members, no empty members) are decided by the fast path alone,
        // so on them it must give exactly the scanner's answer, valid or not. (A value ending in a space is
        // read by the scanner as a shorter value plus optional whitespace: that one is left to the scanner.)
        var gen =
            from count in Gen.Choose(1, 34)
            from members in Gen.ArrayOf(Member(), count)
            select string.Join(",", members);

        var property = Prop.ForAll(gen.ToArbitrary(), traceState =>
        {
            var expected = traceState.Length is >= 16 and <= TraceState.MaxLength
                && TraceState.IsValid(traceState)
                && !traceState.Contains(" ,", StringComparison.Ordinal)
                && !traceState.EndsWith(' ');
            return TraceStateFastPath.IsValidAsIs(traceState) == expected;
        });

        Check.One(Config, property);
    }

    private static string Fill(int length, string firstKey)
    {
        // Members "<key>=vvv" joined with commas, the last one padded so the total is exactly `length`.
        var builder = new StringBuilder(firstKey);
        var index = 0;
        while (builder.Length < length)
        {
            var remaining = length - builder.Length;
            if (remaining > 24)
            {
                builder.Append("vvvvvvvvvvvv,m").Append(index++).Append('=');
            }
            else
            {
                builder.Append('v', remaining);
            }
        }

        return builder.ToString();
    }

    private static Gen<string> Text()
    {
        var pieces = Gen.Frequency(
            (6, Gen.Elements("rojo=00f067aa0ba902b7", "congo=t61rcWkgMzE", "fw529a3039@dt=W2ZvbyxiYXJd", "a=1", "x@y=z")),
            (4, Gen.Elements(",", "=", "@", " ", "\t", ",,", "A", "9", "\u00e9", "\u012c", "\u013d")),
            (2, Gen.Choose(0, 127).Select(i => ((char)i).ToString())),
            (1, Gen.Choose(0, 0xFFFF).Select(i => ((char)i).ToString())));
        return Gen.ListOf(pieces).Select(list => string.Concat(list));
    }

    private static Gen<string> Member()
    {
        var key = Gen.Frequency(
            (8, from first in Gen.Elements("abcdefghijklmnopqrstuvwxyz".ToCharArray())
                from rest in Gen.ArrayOf(Gen.Elements(KeyTail.ToCharArray()))
                select first + new string(rest)),
            (3, from tenant in Gen.ArrayOf(Gen.Elements(KeyTail.ToCharArray()))
                from system in Gen.ArrayOf(Gen.Elements(KeyTail.ToCharArray()))
                select new string(tenant) + "@" + new string(system)),
            (1, Gen.Elements("Ab", "9a", "k@@x", "a b", "dup", "dup")));
        var value = Gen.Frequency(
            (8, Gen.NonEmptyListOf(Gen.Elements(ValueChars.ToCharArray())).Select(chars => new string([.. chars]))),
            (1, Gen.Elements("v=w", string.Empty, "trailing ", new string('x', 300))));
        return from k in key from v in value select k + "=" + v;
    }
}
