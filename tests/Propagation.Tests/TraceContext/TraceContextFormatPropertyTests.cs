using System.Text;
using FsCheck;
using FsCheck.Fluent;

namespace Propagation.Tests.W3C;

/// <summary>FsCheck properties of <see cref="TraceContextFormat"/>: round trips, and extraction that never throws or writes.</summary>
public sealed class TraceContextFormatPropertyTests
{
    private const string Valid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    private const string KeyTail = "abcdefghijklmnopqrstuvwxyz0123456789_-*/";
    private const string ValueChars = " !\"#$%&'()*+-./0123456789:;<>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~";

    private static readonly Config Config = Config.QuickThrowOnFailure.WithMaxTest(300);

    [Fact]
    public void InjectThenExtract_AnyIdsAndFlags_RoundTrip()
    {
        var gen =
            from high in UInt64()
            from low in UInt64()
            from span in UInt64()
            from flags in Gen.Choose(0, 255)
            where (high | low) != 0 && span != 0
            select new PropagatedContext(new TraceId(high, low), new SpanId(span), (TraceFlags)flags, null, PropagationFormat.TraceContext);

        var property = Prop.ForAll(gen.ToArbitrary(), context =>
        {
            IDictionary<string, string> carrier = new Dictionary<string, string>();
            TraceContextFormat.Instance.Inject(context, carrier, Carriers.DictionarySetter);
            var issues = PropagationIssues.None;
            var ok = TraceContextFormat.Instance.TryExtract(carrier, Carriers.DictionaryGetter, out var extracted, ref issues);
            return ok
                && issues == PropagationIssues.None
                && extracted.TraceId == context.TraceId
                && extracted.SpanId == context.SpanId
                && extracted.Flags == (context.Flags & TraceParent.KnownFlags);
        });

        Check.One(Config, property);
    }

    [Fact]
    public void InjectThenExtract_AnyValidTraceState_RoundTrips()
    {
        var gen =
            from count in Gen.Choose(1, TraceState.MaxMembers)
            from members in Gen.ArrayOf(Member(), count)
            select members;

        var property = Prop.ForAll(gen.ToArbitrary(), members =>
        {
            // Arrange: build the tracestate the way a service does, member by member.
            string? traceState = null;
            foreach (var (key, value) in members)
            {
                traceState = TraceState.SetMember(traceState, key, value);
            }

            var context = new PropagatedContext(new TraceId(1, 2), new SpanId(3), TraceFlags.Sampled, traceState, PropagationFormat.None);
            IDictionary<string, string> carrier = new Dictionary<string, string>();

            // Act
            TraceContextFormat.Instance.Inject(context, carrier, Carriers.DictionarySetter);
            var issues = PropagationIssues.None;
            TraceContextFormat.Instance.TryExtract(carrier, Carriers.DictionaryGetter, out var extracted, ref issues);

            // Assert: what was sent is valid, bounded, and read back unchanged.
            return traceState is not null
                && traceState.Length <= TraceState.MaxLength
                && TraceState.IsValid(traceState)
                && issues == PropagationIssues.None
                && extracted.TraceState == traceState
                && TraceState.TryGetValue(traceState, members[^1].Key, out var last)
                && last.SequenceEqual(members[^1].Value);
        });

        // Fewer cases: each one builds up to 32 members through SetMember.
        Check.One(Config.WithMaxTest(150), property);
    }

    [Fact]
    public void TryExtract_AnyStrings_NeverThrowsNorChangesTheCarrier()
    {
        var gen =
            from traceParent in Text()
            from traceState in Text()
            select (traceParent, traceState);

        Check.One(Config, Prop.ForAll(gen.ToArbitrary(), pair => ExtractIsSafe(pair.traceParent, pair.traceState)));
    }

    [Fact]
    public void TryExtract_MutatedValidValues_NeverThrowsNorChangesTheCarrier()
    {
        var gen =
            from position in Gen.Choose(0, Valid.Length - 1)
            from c in AnyChar()
            from traceState in Text()
            select (Valid[..position] + c + Valid[(position + 1)..], "rojo=1," + traceState);

        Check.One(Config, Prop.ForAll(gen.ToArbitrary(), pair => ExtractIsSafe(pair.Item1, pair.Item2)));
    }

    [Fact]
    public void TryExtract_RandomBytes_NeverThrowsNorChangesTheCarrier()
    {
        var gen =
            from a in Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b))
            from b in Gen.ArrayOf(Gen.Choose(0, 255).Select(x => (byte)x))
            select (Encoding.Latin1.GetString(a), Encoding.UTF8.GetString(b));

        Check.One(Config, Prop.ForAll(gen.ToArbitrary(), pair => ExtractIsSafe(pair.Item1, pair.Item2) && ExtractIsSafe(Valid, pair.Item2)));
    }

    [Fact]
    public void TryExtract_AnyLines_NeverThrowsNorChangesTheLines()
    {
        var gen =
            from parents in Gen.ArrayOf(Text().OrNull())
            from states in Gen.ArrayOf(Text().OrNull())
            select (parents, states);

        var property = Prop.ForAll(gen.ToArbitrary(), lines =>
        {
            var carrier = (Parents: lines.parents, States: lines.states);
            var before = string.Join('|', lines.parents) + "#" + string.Join('|', lines.states);
            var issues = PropagationIssues.None;
            var ok = TraceContextFormat.Instance.TryExtract(carrier, static (c, name) => name == "traceparent" ? new HeaderValues(c.Parents) : new HeaderValues(c.States), out var context, ref issues);
            var after = string.Join('|', lines.parents) + "#" + string.Join('|', lines.states);
            return before == after && ok == context.IsValid && (ok || context.TraceState is null);
        });

        Check.One(Config, property);
    }

    private static bool ExtractIsSafe(string traceParent, string traceState)
    {
        // Arrange
        IDictionary<string, string> carrier = new Dictionary<string, string>
        {
            ["traceparent"] = traceParent,
            ["tracestate"] = traceState,
        };
        var before = carrier.ToArray();
        var issues = PropagationIssues.None;

        // Act
        var ok = TraceContextFormat.Instance.TryExtract(carrier, Carriers.DictionaryGetter, out var context, ref issues);

        // Assert: the carrier is untouched (same entries, same instances), and the result is coherent.
        var unchanged = carrier.Count == before.Length && before.All(e => carrier.TryGetValue(e.Key, out var v) && ReferenceEquals(v, e.Value));
        var coherent = ok
            ? context.IsValid && !context.SpanId.IsEmpty && (context.TraceState is null || (TraceState.IsValid(context.TraceState) && context.TraceState.Length <= TraceState.MaxLength))
            : !context.IsValid && (issues & (PropagationIssues.TraceParentInvalid)) != 0;
        return unchanged && coherent;
    }

    private static Gen<ulong> UInt64() =>
        Gen.ArrayOf(Gen.Choose(0, 255), 8).Select(bytes => bytes.Aggregate(0UL, (acc, b) => (acc << 8) | (uint)b));

    private static Gen<char> AnyChar() => Gen.Frequency(
        (4, Gen.Elements("0123456789abcdef-".ToCharArray())),
        (2, Gen.Choose(0, 127).Select(i => (char)i)),
        (1, Gen.Choose(0, 0xFFFF).Select(i => (char)i)));

    private static Gen<string> Text() => Gen.Frequency(
        (3, Gen.ArrayOf(AnyChar()).Select(chars => new string(chars))),
        (1, Gen.Elements(Valid, " " + Valid + "\t", "cc" + Valid[2..] + "-x", "rojo=1,congo=2", "a=1,a=2", string.Empty)));

    private static Gen<(string Key, string Value)> Member()
    {
        var tail = Gen.ArrayOf(Gen.Elements(KeyTail.ToCharArray())).Select(c => new string(c));
        var simpleKey =
            from first in Gen.Choose('a', 'z')
            from rest in tail
            select ((char)first + rest)[..Math.Min(1 + rest.Length, 20)];
        var tenantKey =
            from tenant in simpleKey
            from system in simpleKey
            select tenant + "@" + system[..Math.Min(system.Length, 14)];
        var value =
            from chars in Gen.NonEmptyListOf(Gen.Elements(ValueChars.ToCharArray()))
            let text = new string([.. chars.Take(40)]).TrimEnd(' ')
            select text.Length == 0 ? "x" : text;
        return
            from key in Gen.Frequency((3, simpleKey), (1, tenantKey))
            from v in value
            select (key, v);
    }
}
