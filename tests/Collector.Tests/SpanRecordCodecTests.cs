using System.Diagnostics;
using FsCheck;
using FsCheck.Fluent;
using Propagation.Collector;
using Propagation.Collector.Internal;

namespace Propagation.Collector.Tests;

public sealed class SpanRecordCodecTests
{
    private const string TraceId = "4bf92f3577b34da6a3ce929d0e0e4736";

    [Fact]
    public void Read_EveryFieldSet_RoundTripsEveryField()
    {
        var span = new StoredSpan
        {
            TraceId = TraceId,
            SpanId = "00f067aa0ba902b7",
            ParentSpanId = "53995c3f42cd8ad8",
            HasRemoteParent = true,
            Name = "GET /orders/{id}",
            Kind = ActivityKind.Server,
            ServiceName = "backend",
            SourceName = "Propagation.Tests.Source",
            StartTime = new DateTimeOffset(2026, 3, 4, 5, 6, 7, 891, TimeSpan.FromHours(5.75)).AddTicks(1234),
            Duration = TimeSpan.FromTicks(123_456_789),
            Status = ActivityStatusCode.Error,
            StatusDescription = "boom",
            Attributes =
            [
                new("http.request.method", "GET"),
                new("http.response.status_code", 500L),
                new("ratio", 0.25),
                new("cached", true),
                new("retried", false),
            ],
            Events =
            [
                new SpanEvent("exception", new DateTimeOffset(2026, 3, 4, 5, 6, 8, TimeSpan.FromHours(-3)), [new("exception.type", "System.InvalidOperationException"), new("attempt", 2L)]),
                new SpanEvent("retry", new DateTimeOffset(2026, 3, 4, 0, 0, 0, TimeSpan.Zero), []),
            ],
            Links =
            [
                new SpanLink("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", [new("link.kind", "follows"), new("weight", 1.5)]),
                new SpanLink("other-trace", "other-span", []),
            ],
        };

        var read = RoundTrip(span);

        StoredSpanAssert.Equal(span, read);
    }

    [Fact]
    public void Read_OptionalFieldsNull_StayNullAndDistinctFromEmpty()
    {
        var nulls = Span(s => s.ParentSpanId = null, s => s.StatusDescription = null);
        var empties = Span(s => s.ParentSpanId = string.Empty, s => s.StatusDescription = string.Empty);

        var readNulls = RoundTrip(nulls);
        var readEmpties = RoundTrip(empties);

        Assert.Null(readNulls.ParentSpanId);
        Assert.Null(readNulls.StatusDescription);
        Assert.Equal(string.Empty, readEmpties.ParentSpanId);
        Assert.Equal(string.Empty, readEmpties.StatusDescription);
    }

    [Fact]
    public void Read_EmptyLists_StayEmpty()
    {
        var span = Span();

        var read = RoundTrip(span);

        Assert.Empty(read.Attributes);
        Assert.Empty(read.Events);
        Assert.Empty(read.Links);
    }

    [Fact]
    public void Read_NullListsAndNullElements_StayNull()
    {
        var span = new StoredSpan
        {
            TraceId = TraceId,
            SpanId = "a",
            Name = null!,
            ServiceName = null!,
            SourceName = null!,
            StartTime = TestSpans.Origin,
            Duration = TimeSpan.Zero,
            Attributes = null!,
            Events = [null!, new SpanEvent(null!, TestSpans.Origin, null!)],
            Links = [new SpanLink(null!, null!, [new(null!, "v")]), null!],
        };

        var read = RoundTrip(span);

        StoredSpanAssert.Equal(span, read);
        Assert.Null(read.Attributes);
        Assert.Null(read.Events[0]);
        Assert.Null(read.Links[1]);
    }

    public static TheoryData<object?> StoredValues() => new()
    {
        "text",
        string.Empty,
        0L,
        -1L,
        long.MinValue,
        long.MaxValue,
        0.0,
        -0.0,
        double.NaN,
        double.PositiveInfinity,
        double.NegativeInfinity,
        double.Epsilon,
        double.MaxValue,
        true,
        false,
        null,
    };

    [Theory]
    [MemberData(nameof(StoredValues))]
    public void Read_AttributeOfStoredType_RoundTripsTypeAndBits(object? value)
    {
        var span = Span(s => s.Attributes = [new("key", value!)]);

        var read = RoundTrip(span);

        var attribute = Assert.Single(read.Attributes);
        Assert.Equal("key", attribute.Key);
        StoredSpanAssert.SameValue(value, attribute.Value);
    }

    public static TheoryData<object, object> OtherValues() => new()
    {
        { 42, 42L },
        { (short)-7, -7L },
        { (sbyte)-8, -8L },
        { (byte)200, 200L },
        { (ushort)65_535, 65_535L },
        { uint.MaxValue, (long)uint.MaxValue },
        { 5UL, 5L },
        { ulong.MaxValue, (double)ulong.MaxValue },
        { 1.5f, 1.5 },
        { 2.5m, 2.5 },
        { new[] { 1, 2, 3 }, "[1,2,3]" },
        { new[] { "a", "b" }, "[a,b]" },
        { new Version(1, 2), "1.2" },
        { 'x', "x" },
    };

    [Theory]
    [MemberData(nameof(OtherValues))]
    public void Read_AttributeOfOtherType_NormalizedLikeConverter(object value, object expected)
    {
        var span = Span(s => s.Attributes = [new("key", value)]);

        var read = RoundTrip(span);

        StoredSpanAssert.SameValue(expected, Assert.Single(read.Attributes).Value);
    }

    [Fact]
    public void Read_OtherTypeUnderCredentialKey_NotRedacted()
    {
        // Add(StoredSpan) stores what it is given (string values of credential keys too); only the type changes.
        var span = Span(s => s.Attributes = [new("http.request.header.authorization", 12345)]);

        var read = RoundTrip(span);

        Assert.Equal(12345L, Assert.Single(read.Attributes).Value);
    }

    [Fact]
    public void Read_LongStrings_RoundTrip()
    {
        var name = new string('n', 100_000);
        var value = string.Create(70_000, 0, static (chars, _) =>
        {
            for (var i = 0; i < chars.Length; i++)
            {
                chars[i] = (char)('a' + (i % 26));
            }
        });
        var span = Span(s => s.Name = name, s => s.Attributes = [new("big", value)]);

        var read = RoundTrip(span);

        Assert.Equal(name, read.Name);
        Assert.Equal(value, Assert.Single(read.Attributes).Value);
    }

    [Theory]
    [InlineData("héllo wörld")]
    [InlineData("日本語のスパン")]
    [InlineData("emoji 😀 pair")]
    [InlineData("lone high \uD800 surrogate")]
    [InlineData("\uDC00 lone low first")]
    [InlineData("ends with high \uD83D")]
    [InlineData("nul \0 inside")]
    [InlineData("\u00FF\u0100\uFFFF")]
    [InlineData("café \u00FF only Latin-1")]
    [InlineData("ASCII then é")]
    [InlineData("\u0100")]
    public void Read_UnicodeStrings_RoundTripCodeUnitForCodeUnit(string text)
    {
        var span = Span(
            s => s.Name = text,
            s => s.SpanId = text,
            s => s.Attributes = [new(text, text)],
            s => s.Events = [new SpanEvent(text, TestSpans.Origin, [new(text, text)])]);

        var read = RoundTrip(span);

        StoredSpanAssert.Equal(span, read);
        Assert.Equal(text.ToCharArray(), read.Name.ToCharArray());
    }

    [Theory]
    [InlineData('a', 1)]
    [InlineData('\0', 1)]
    [InlineData('\u007F', 1)]
    [InlineData('\u0080', 2)]
    [InlineData('\u00E9', 2)]
    [InlineData('\u0100', 2)]
    [InlineData('\uD800', 2)]
    public void Measure_StringOfOneCodeUnit_OneByteForAsciiElseTwo(char unit, int bytesPerUnit)
    {
        // Both lengths have a two-byte header, so the difference is the code units alone.
        var shorter = Span(s => s.Name = new string(unit, 100));
        var longer = Span(s => s.Name = new string(unit, 200));

        var growth = SpanRecordCodec.Measure(longer) - SpanRecordCodec.Measure(shorter);

        Assert.Equal(100 * bytesPerUnit, growth);
        Assert.Equal(longer.Name, RoundTrip(longer).Name);
    }

    [Fact]
    public void Read_ExtremeTimesAndEnums_RoundTrip()
    {
        var spans = new[]
        {
            Span(s => s.StartTime = DateTimeOffset.MinValue, s => s.Duration = TimeSpan.MinValue),
            Span(s => s.StartTime = DateTimeOffset.MaxValue, s => s.Duration = TimeSpan.MaxValue),
            Span(s => s.StartTime = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.FromHours(14)), s => s.Duration = TimeSpan.FromTicks(-1)),
            Span(s => s.StartTime = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.FromHours(-14)), s => s.Kind = (ActivityKind)99),
            Span(s => s.Status = (ActivityStatusCode)(-1), s => s.Kind = (ActivityKind)int.MinValue),
        };

        foreach (var span in spans)
        {
            StoredSpanAssert.Equal(span, RoundTrip(span));
        }
    }

    [Theory]
    [InlineData(ActivityKind.Internal, true)]
    [InlineData(ActivityKind.Server, true)]
    [InlineData(ActivityKind.Consumer, true)]
    [InlineData(ActivityKind.Server, false)]
    [InlineData((ActivityKind)99, true)]
    [InlineData((ActivityKind)(-1), true)]
    [InlineData((ActivityKind)int.MinValue, true)]
    [InlineData((ActivityKind)int.MaxValue, false)]
    public void Read_RemoteParentFlagWithAnyKind_RoundTripsBothAtTheMeasuredSize(ActivityKind kind, bool remote)
    {
        var span = Span(s => s.Kind = kind, s => s.ParentSpanId = "53995c3f42cd8ad8", s => s.HasRemoteParent = remote);

        var read = RoundTrip(span);

        Assert.Equal(kind, read.Kind);
        Assert.Equal(remote, read.HasRemoteParent);
        Assert.Equal(kind, SpanRecordCodec.View(Encode(span), span.TraceId).Kind);
    }

    [Fact]
    public void Read_AnyTraceId_EverySpanGetsThatInstance()
    {
        var traceId = new string('t', 5);

        var read = SpanRecordCodec.Read(Encode(Span()), traceId);

        Assert.Same(traceId, read.TraceId);
    }

    [Fact]
    public void TryWrite_DestinationShorterThanMeasure_ReturnsFalseWithoutWritingPast()
    {
        var span = Span(s => s.Attributes = [new("k", "value"), new("n", 1L)]);
        var length = (int)SpanRecordCodec.Measure(span);
        var buffer = new byte[length + 8];
        buffer.AsSpan(length - 1).Fill(0xEE);

        var fits = SpanRecordCodec.TryWrite(span, buffer.AsSpan(0, length - 1), out _);

        Assert.False(fits);
        Assert.All(buffer[(length - 1)..], b => Assert.Equal(0xEE, b));
    }

    [Fact]
    public void TryWrite_ExactMeasure_WritesMeasuredLength()
    {
        var span = Span(s => s.Attributes = [new("k", "value"), new("n", -300L), new("d", 2.0), new("i", 7)]);
        var length = (int)SpanRecordCodec.Measure(span);

        var fits = SpanRecordCodec.TryWrite(span, new byte[length], out var written);

        Assert.True(fits);
        Assert.Equal(length, written);
    }

    [Fact]
    public void Read_RandomSpans_RoundTrip()
    {
        var property = Prop.ForAll(Arb.From(RandomSpans.Span()), span =>
        {
            StoredSpanAssert.Equal(span, RoundTrip(span));
        });

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300), property);
    }

    private static StoredSpan Span(params Action<SpanBuilder>[] changes)
    {
        var builder = new SpanBuilder();
        foreach (var change in changes)
        {
            change(builder);
        }

        return builder.Build();
    }

    private static byte[] Encode(StoredSpan span)
    {
        var length = SpanRecordCodec.Measure(span);
        var buffer = new byte[length];
        Assert.True(SpanRecordCodec.TryWrite(span, buffer, out var written));
        Assert.Equal(length, written);
        return buffer;
    }

    private static StoredSpan RoundTrip(StoredSpan span) => SpanRecordCodec.Read(Encode(span), span.TraceId);

    /// <summary>Mutable defaults for one test span (StoredSpan itself is init-only).</summary>
    private sealed class SpanBuilder
    {
        public string SpanId { get; set; } = "00f067aa0ba902b7";

        public string? ParentSpanId { get; set; }

        public bool HasRemoteParent { get; set; }

        public string Name { get; set; } = "op";

        public ActivityKind Kind { get; set; } = ActivityKind.Client;

        public DateTimeOffset StartTime { get; set; } = TestSpans.Origin;

        public TimeSpan Duration { get; set; } = TimeSpan.FromMilliseconds(3);

        public ActivityStatusCode Status { get; set; }

        public string? StatusDescription { get; set; }

        public IReadOnlyList<SpanTag> Attributes { get; set; } = [];

        public IReadOnlyList<SpanEvent> Events { get; set; } = [];

        public StoredSpan Build() => new()
        {
            TraceId = TraceId,
            SpanId = SpanId,
            ParentSpanId = ParentSpanId,
            HasRemoteParent = HasRemoteParent,
            Name = Name,
            Kind = Kind,
            ServiceName = "svc",
            SourceName = "src",
            StartTime = StartTime,
            Duration = Duration,
            Status = Status,
            StatusDescription = StatusDescription,
            Attributes = Attributes,
            Events = Events,
        };
    }

    /// <summary>FsCheck generators of arbitrary spans: printable ASCII, ASCII with the odd U+0080, or any UTF-16
    /// code units (lone surrogates included), nulls where the model allows them, every stored value type with any
    /// bit pattern, any valid time and offset.</summary>
    internal static class RandomSpans
    {
        private static readonly long MinUtcTicks = TimeSpan.FromHours(14).Ticks;
        private static readonly long MaxUtcTicks = DateTime.MaxValue.Ticks - TimeSpan.FromHours(14).Ticks;

        public static Gen<StoredSpan> Span() =>
            from ids in Gen.Zip(Text(), Text().OrNull())
            from name in Text()
            from services in Gen.Zip(Text(), Text())
            from kinds in Gen.Zip(Gen.Choose(-2, 6), Gen.Choose(-1, 3))
            from remote in Gen.Elements(true, false)
            from start in Time()
            from duration in Int64()
            from description in Text().OrNull()
            from attributes in Tags()
            from events in Gen.ArrayOf(Event().OrNull())
            from links in Gen.ArrayOf(Link().OrNull())
            select new StoredSpan
            {
                TraceId = TraceId,
                SpanId = ids.Item1,
                ParentSpanId = ids.Item2,
                HasRemoteParent = remote,
                Name = name,
                ServiceName = services.Item1,
                SourceName = services.Item2,
                Kind = (ActivityKind)kinds.Item1,
                Status = (ActivityStatusCode)kinds.Item2,
                StartTime = start,
                Duration = TimeSpan.FromTicks(duration),
                StatusDescription = description,
                Attributes = attributes,
                Events = events!,
                Links = links!,
            };

        private static Gen<SpanEvent> Event() =>
            from name in Text()
            from time in Time()
            from tags in Tags()
            select new SpanEvent(name, time, tags);

        private static Gen<SpanLink> Link() =>
            from trace in Text()
            from span in Text()
            from tags in Tags()
            select new SpanLink(trace, span, tags);

        private static Gen<SpanTag[]> Tags() =>
            Gen.ArrayOf(Gen.Zip(Text(), Value(), static (key, value) => new SpanTag(key, value!)));

        private static Gen<object?> Value() => Gen.OneOf(
            Text().Select(static s => (object?)s),
            Int64().Select(static l => (object?)l),
            Int64().Select(static bits => (object?)BitConverter.Int64BitsToDouble(bits)),
            Gen.Elements<object?>(true, false, null));

        public static Gen<string> Text() => Gen.Frequency(
            (3, Gen.ArrayOf(Gen.Choose(0x20, 0x7E).Select(static c => (char)c)).Select(static chars => new string(chars))),
            (1, Gen.ArrayOf(Gen.Choose(0, 0x80).Select(static c => (char)c)).Select(static chars => new string(chars))),
            (2, Gen.ArrayOf(Gen.Choose(0, 0xFFFF).Select(static c => (char)c)).Select(static chars => new string(chars))));

        private static Gen<long> Int64() =>
            Gen.Zip(Gen.Choose(int.MinValue, int.MaxValue), Gen.Choose(int.MinValue, int.MaxValue), static (high, low) => ((long)high << 32) | (uint)low);

        private static Gen<DateTimeOffset> Time() =>
            from ticks in Int64()
            from minutes in Gen.Choose(-14 * 60, 14 * 60)
            select new DateTimeOffset(
                MinUtcTicks + (long)((ulong)ticks % (ulong)(MaxUtcTicks - MinUtcTicks)),
                TimeSpan.FromMinutes(minutes));
    }
}

/// <summary>Field-by-field comparison of spans: ordinal strings, exact times (ticks and offset), value types and
/// bit-exact doubles.</summary>
internal static class StoredSpanAssert
{
    public static void Equal(StoredSpan expected, StoredSpan actual)
    {
        Assert.Equal(expected.TraceId, actual.TraceId);
        Assert.Equal(expected.SpanId, actual.SpanId);
        Assert.Equal(expected.ParentSpanId, actual.ParentSpanId);
        Assert.Equal(expected.HasRemoteParent, actual.HasRemoteParent);
        Assert.Equal(expected.Name, actual.Name);
        Assert.Equal(expected.Kind, actual.Kind);
        Assert.Equal(expected.ServiceName, actual.ServiceName);
        Assert.Equal(expected.SourceName, actual.SourceName);
        SameTime(expected.StartTime, actual.StartTime);
        Assert.Equal(expected.Duration, actual.Duration);
        Assert.Equal(expected.Status, actual.Status);
        Assert.Equal(expected.StatusDescription, actual.StatusDescription);
        SameTags(expected.Attributes, actual.Attributes);
        SameList(expected.Events, actual.Events, static (e, a) =>
        {
            Assert.Equal(e.Name, a.Name);
            SameTime(e.Timestamp, a.Timestamp);
            SameTags(e.Attributes, a.Attributes);
        });
        SameList(expected.Links, actual.Links, static (e, a) =>
        {
            Assert.Equal(e.TraceId, a.TraceId);
            Assert.Equal(e.SpanId, a.SpanId);
            SameTags(e.Attributes, a.Attributes);
        });
    }

    public static void SameValue(object? expected, object? actual)
    {
        if (expected is double d)
        {
            var read = Assert.IsType<double>(actual);
            Assert.Equal(BitConverter.DoubleToInt64Bits(d), BitConverter.DoubleToInt64Bits(read));
            return;
        }

        Assert.Equal(expected?.GetType(), actual?.GetType());
        Assert.Equal(expected, actual);
    }

    private static void SameTime(DateTimeOffset expected, DateTimeOffset actual) =>
        Assert.True(expected.EqualsExact(actual), $"Expected {expected:O}, read {actual:O}.");

    private static void SameTags(IReadOnlyList<SpanTag>? expected, IReadOnlyList<SpanTag>? actual)
    {
        if (expected is null)
        {
            Assert.Null(actual);
            return;
        }

        Assert.NotNull(actual);
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Key, actual[i].Key);
            SameValue(expected[i].Value, actual[i].Value);
        }
    }

    private static void SameList<T>(IReadOnlyList<T>? expected, IReadOnlyList<T>? actual, Action<T, T> same)
        where T : class?
    {
        if (expected is null)
        {
            Assert.Null(actual);
            return;
        }

        Assert.NotNull(actual);
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            if (expected[i] is null)
            {
                Assert.Null(actual[i]);
            }
            else
            {
                Assert.NotNull(actual[i]);
                same(expected[i], actual[i]);
            }
        }
    }
}
