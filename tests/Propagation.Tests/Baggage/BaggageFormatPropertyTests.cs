using System.Diagnostics;
using System.Text;
using FsCheck;
using FsCheck.Fluent;

namespace Propagation.Tests.W3C;

/// <summary>FsCheck properties of <see cref="BaggageFormat"/>: round trips, limits, and extraction that never throws or writes.</summary>
public sealed class BaggageFormatPropertyTests
{
    private const string TokenChars = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    private static readonly Config Config = Config.QuickThrowOnFailure.WithMaxTest(300);

    [Fact]
    public void InjectThenExtract_AnyMembers_RoundTrip()
    {
        var gen =
            from count in Gen.Choose(1, 20)
            from members in Gen.ArrayOf(Member(), count)
            select members;

        var property = Prop.ForAll(gen.ToArbitrary(), members =>
        {
            // Arrange
            var baggage = Baggage.Create(members);
            IDictionary<string, string> carrier = new Dictionary<string, string>();

            // Act
            BaggageFormat.Instance.Inject(baggage, carrier, Carriers.DictionarySetter);
            var issues = PropagationIssues.None;
            BaggageFormat.Instance.TryExtract(carrier, Carriers.DictionaryGetter, out var extracted, ref issues);

            // Assert: each key once, with its first member (what Baggage.TryGetValue reads), in order.
            var expected = baggage.DistinctBy(member => member.Key, StringComparer.Ordinal);
            return issues == PropagationIssues.None && extracted.SequenceEqual(expected);
        });

        Check.One(Config, property);
    }

    [Fact]
    public void Inject_AnyMembers_StaysWithinLimitsAndKeepsWholeMembers()
    {
        var gen =
            from count in Gen.Choose(1, 120)
            from members in Gen.ArrayOf(Member(maxValueLength: 600), count)
            select members;

        var property = Prop.ForAll(gen.ToArbitrary(), members =>
        {
            var baggage = Baggage.Create(members);
            IDictionary<string, string> carrier = new Dictionary<string, string>();

            BaggageFormat.Instance.Inject(baggage, carrier, Carriers.DictionarySetter);
            var issues = PropagationIssues.None;
            BaggageFormat.Instance.TryExtract(carrier, Carriers.DictionaryGetter, out var extracted, ref issues);

            // Every member read back is one that was sent, whole and in order.
            var sent = baggage.ToList();
            var position = 0;
            foreach (var member in extracted)
            {
                position = sent.IndexOf(member, position);
                if (position < 0)
                {
                    return false;
                }

                position++;
            }

            return carrier["baggage"].Length <= BaggageFormat.MaxLength
                && extracted.Count <= BaggageFormat.MaxMembers
                && issues == PropagationIssues.None;
        });

        // Fewer cases: each one generates up to 120 members of up to 600 characters.
        Check.One(Config.WithMaxTest(60), property);
    }

    [Fact]
    public void Inject_AnyActivityBaggage_SendsEachKeyOnceWithTheValueGetBaggageItemReturns()
    {
        // Baggage changes on a root, its child and a grandchild: AddBaggage or SetBaggage (a null value too)
        // on a few keys, some differing only in case.
        var operation =
            from level in Gen.Choose(0, 2)
            from set in Gen.Elements(false, true)
            from key in Gen.Elements("k", "K", "a", "tenant", "user-id")
            from value in Gen.Elements<string?>(null, string.Empty, "old", "new", "two words", "é")
            select (Level: level, Set: set, Key: key, Value: value);

        var property = Prop.ForAll(Gen.ListOf(operation).ToArbitrary(), operations =>
        {
            // Arrange
            using var root = new Activity("BaggageFormatPropertyTests.root").Start();
            using var parent = new Activity("BaggageFormatPropertyTests.parent").Start();
            using var child = new Activity("BaggageFormatPropertyTests.child").Start();
            Activity[] levels = [root, parent, child];
            foreach (var (level, set, key, value) in operations)
            {
                _ = set ? levels[level].SetBaggage(key, value) : levels[level].AddBaggage(key, value);
            }

            var fromCodec = new Dictionary<string, string>();
            var fromPropagator = new Dictionary<string, string>();

            // Act
            BaggageFormat.Instance.Inject(child.Baggage, (IDictionary<string, string>)fromCodec, Carriers.DictionarySetter);
            new TracePropagator().Inject(child, (IDictionary<string, string>)fromPropagator, Carriers.DictionarySetter);
            var issues = PropagationIssues.None;
            BaggageFormat.Instance.TryExtract((IDictionary<string, string>)fromCodec, Carriers.DictionaryGetter, out var sent, ref issues);

            // Assert: every key of the activity's baggage, once, in first-seen order, with the value the app sees
            // (a null value is written as empty).
            var keys = child.Baggage.Select(pair => pair.Key).Distinct(StringComparer.Ordinal).ToArray();
            return issues == PropagationIssues.None
                && sent.Select(member => member.Key).SequenceEqual(keys, StringComparer.Ordinal)
                && sent.All(member => member.Value == (child.GetBaggageItem(member.Key) ?? string.Empty))
                && fromCodec.GetValueOrDefault("baggage") == fromPropagator.GetValueOrDefault("baggage");
        });

        Check.One(Config, property);
    }

    [Fact]
    public void TryExtract_AnyStrings_NeverThrowsNorChangesTheCarrier()
    {
        Check.One(Config, Prop.ForAll(Text().ToArbitrary(), ExtractIsSafe));
    }

    [Fact]
    public void TryExtract_RandomBytes_NeverThrowsNorChangesTheCarrier()
    {
        var gen = Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b));

        Check.One(Config, Prop.ForAll(gen.ToArbitrary(), bytes => ExtractIsSafe(Encoding.Latin1.GetString(bytes)) && ExtractIsSafe(Encoding.UTF8.GetString(bytes))));
    }

    [Fact]
    public void TryExtract_AnyLines_NeverThrowsAndKeepsWithinLimits()
    {
        var gen = Gen.ArrayOf(Gen.Frequency((4, Text()), (1, Gen.Constant(string.Join(',', Enumerable.Range(0, 50).Select(i => $"k{i}=v"))))).OrNull());

        var property = Prop.ForAll(gen.ToArbitrary(), lines =>
        {
            var before = string.Join('|', lines);
            var issues = PropagationIssues.None;
            var ok = BaggageFormat.Instance.TryExtract(lines, static (l, _) => new HeaderValues(l), out var baggage, ref issues);
            return before == string.Join('|', lines)
                && ok == !baggage.IsEmpty
                && baggage.Count <= BaggageFormat.MaxMembers
                && baggage.Sum(m => m.ToString().Length + 1) <= BaggageFormat.MaxLength + 1;
        });

        Check.One(Config, property);
    }

    private static bool ExtractIsSafe(string value)
    {
        IDictionary<string, string> carrier = new Dictionary<string, string> { ["baggage"] = value };
        var before = carrier.ToArray();
        var issues = PropagationIssues.None;

        var ok = BaggageFormat.Instance.TryExtract(carrier, Carriers.DictionaryGetter, out var baggage, ref issues);

        var unchanged = carrier.Count == before.Length && before.All(e => carrier.TryGetValue(e.Key, out var v) && ReferenceEquals(v, e.Value));
        return unchanged && ok == !baggage.IsEmpty && baggage.All(m => BaggageMember.IsValidKey(m.Key));
    }

    private static Gen<char> AnyChar() => Gen.Frequency(
        (4, Gen.Elements("k=v,;% \t\"\\09aZ".ToCharArray())),
        (2, Gen.Choose(0, 127).Select(i => (char)i)),
        (1, Gen.Choose(0, 0xFFFF).Select(i => (char)i)));

    private static Gen<string> Text() => Gen.Frequency(
        (3, Gen.ArrayOf(AnyChar()).Select(chars => new string(chars))),
        (1, Gen.Elements("userId=alice,serverNode=DF%2028,isProduction=false", "k=%", "k=%C3", "k=1;p;q=2", string.Empty)));

    private static Gen<BaggageMember> Member(int maxValueLength = 30)
    {
        // Now and then one of a few short keys, so that keys repeat.
        var key = Gen.Frequency(
            (4, Gen.NonEmptyListOf(Gen.Elements(TokenChars.ToCharArray())).Select(c => new string([.. c.Take(20)]))),
            (1, Gen.Elements("k", "K", "a")));

        // Any text without lone surrogates (those are written as U+FFFD, so they cannot round-trip).
        var valueChar = Gen.Frequency(
            (3, Gen.Choose(0x20, 0x7E).Select(i => (char)i)),
            (1, Gen.Choose(0, 0xD7FF).Select(i => (char)i)));
        var value =
            from length in Gen.Choose(0, maxValueLength)
            from chars in Gen.ArrayOf(valueChar, length)
            select new string(chars);
        var properties = Gen.Elements<string?>(null, null, "p", "p1;p2=x", "flag; k = v");
        return
            from k in key
            from v in value
            from p in properties
            select new BaggageMember(k, v, p);
    }
}
