using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Propagation.Collector.Internal;

/// <summary>Encodes a <see cref="StoredSpan"/> as one self-contained, reference-free record (so the store keeps one
/// byte array per trace instead of a graph of objects per span for the GC to trace and promote) and decodes it
/// back.</summary>
/// <remarks>
/// <para>Every field is kept losslessly except the trace id, which is the key of the record's trace bucket and is
/// given back on decode. Layout, little-endian throughout (<c>varint</c>: unsigned LEB128; <c>zigzag</c>: a signed
/// value as zigzag then varint; <c>time</c>: int64 clock ticks then int16 offset minutes):</para>
/// <code>
/// record      = span-id:str parent-id:str name:str kind:varint service:str source:str start:time
///               duration:zigzag status:varint status-description:str attributes:tags events links
/// kind        = the kind as uint32, shifted left by one, with bit 0 set when the parent is remote
/// str         = varint(header) then the code units: header 1 means null, else header = length &lt;&lt; 1 | wide;
///               ASCII strings (wide = 0) take 1 byte per code unit, any other (wide = 1) 2 bytes, as UTF-16
/// tags        = varint(count + 1) then count tag; 0 means a null list
/// tag         = key:str type:byte value    (type: 0 null, 1 string:str, 2 long:zigzag, 3 double:8 bytes, 4 false, 5 true)
/// events      = varint(count + 1) then count (0:byte | 1:byte name:str timestamp:time attributes:tags)
/// links       = varint(count + 1) then count (0:byte | 1:byte trace-id:str span-id:str attributes:tags)
/// </code>
/// <para>Code units are copied as they are (ASCII narrowed to one byte, anything else as UTF-16), so any string,
/// lone surrogates included, round-trips; the one-byte form halves the ASCII keys, names, ids and values that make
/// up nearly every span, and is found while writing (the header's low bit is set afterwards if the string turns
/// out not to be ASCII), so a string is read once. Ids are arbitrary strings: nothing assumes hex.</para>
/// <para>Attribute values other than <see cref="string"/>, <see cref="long"/>, <see cref="double"/> and
/// <see cref="bool"/> (possible only through <see cref="SpanStore.Add(StoredSpan)"/>) are first normalized by
/// <see cref="SpanConverter.NormalizeValue"/>'s type rules (integers to <see cref="long"/>, floating point to
/// <see cref="double"/>, arrays and other values to their invariant string); like string values given through
/// that method they are neither redacted nor truncated. A null value, a null list and a null element of the event
/// or link list are kept as null.</para>
/// <para><see cref="TryWrite"/> stops (returning <see langword="false"/>) rather than write past its destination;
/// <see cref="Measure"/> gives the exact size to retry with. Records are internal data: <see cref="Read"/> trusts
/// them and only asserts their shape in debug builds.</para>
/// </remarks>
internal static class SpanRecordCodec
{
    private const byte NullValue = 0;
    private const byte StringValue = 1;
    private const byte LongValue = 2;
    private const byte DoubleValue = 3;
    private const byte FalseValue = 4;
    private const byte TrueValue = 5;

    private const byte Absent = 0;
    private const byte Present = 1;

    // An empty string is always narrow (header 0), so the "wide empty string" header stands for null.
    private const ulong NullString = 1;

    // Date, ticks and offset.
    private const int TimeLength = sizeof(long) + sizeof(short);

    private static readonly object BoxedTrue = true;
    private static readonly object BoxedFalse = false;

    /// <summary>Gets the size of <paramref name="span"/>'s record in bytes (a <see cref="long"/>: a span with
    /// enormous strings may not fit in one array at all).</summary>
    public static long Measure(StoredSpan span)
    {
        var size = MeasureString(span.SpanId)
            + MeasureString(span.ParentSpanId)
            + MeasureString(span.Name)
            + VarintLength(KindField(span))
            + MeasureString(span.ServiceName)
            + MeasureString(span.SourceName)
            + TimeLength
            + VarintLength(ZigZag(span.Duration.Ticks))
            + VarintLength((uint)span.Status)
            + MeasureString(span.StatusDescription)
            + MeasureTags(span.Attributes);

        size += MeasureList(span.Events, static e => MeasureString(e.Name) + TimeLength + MeasureTags(e.Attributes));
        size += MeasureList(span.Links, static l => MeasureString(l.TraceId) + MeasureString(l.SpanId) + MeasureTags(l.Attributes));
        return size;
    }

    /// <summary>Writes <paramref name="span"/>'s record (all but its trace id) into <paramref name="destination"/>.</summary>
    /// <returns><see langword="false"/> when the record does not fit (<see cref="Measure"/> is the size it needs);
    /// <paramref name="written"/> and the destination's content are then meaningless.</returns>
    public static bool TryWrite(StoredSpan span, Span<byte> destination, out int written)
    {
        var writer = new RecordWriter(destination);
        writer.WriteString(span.SpanId);
        writer.WriteString(span.ParentSpanId);
        writer.WriteString(span.Name);
        writer.WriteVarint(KindField(span));
        writer.WriteString(span.ServiceName);
        writer.WriteString(span.SourceName);
        writer.WriteTime(span.StartTime);
        writer.WriteVarint(ZigZag(span.Duration.Ticks));
        writer.WriteVarint((uint)span.Status);
        writer.WriteString(span.StatusDescription);
        writer.WriteTags(span.Attributes);

        WriteList(ref writer, span.Events, static (ref RecordWriter w, SpanEvent e) =>
        {
            w.WriteString(e.Name);
            w.WriteTime(e.Timestamp);
            w.WriteTags(e.Attributes);
        });
        WriteList(ref writer, span.Links, static (ref RecordWriter w, SpanLink l) =>
        {
            w.WriteString(l.TraceId);
            w.WriteString(l.SpanId);
            w.WriteTags(l.Attributes);
        });

        written = writer.Position;
        return writer.Fits;
    }

    /// <summary>Decodes a record written by <see cref="TryWrite"/> into a new span of trace <paramref name="traceId"/>.</summary>
    public static StoredSpan Read(ReadOnlySpan<byte> record, string traceId)
    {
        // Object initializers run in order, so the fields after the kind are read in record order.
        var reader = new RecordReader(record);
        var spanId = reader.ReadString()!;
        var parentSpanId = reader.ReadString();
        var name = reader.ReadString()!;
        var kind = reader.ReadVarint();
        var span = new StoredSpan
        {
            TraceId = traceId,
            SpanId = spanId,
            ParentSpanId = parentSpanId,
            HasRemoteParent = IsRemoteParent(kind),
            Name = name,
            Kind = KindOf(kind),
            ServiceName = reader.ReadString()!,
            SourceName = reader.ReadString()!,
            StartTime = reader.ReadTime(),
            Duration = TimeSpan.FromTicks(UnZigZag(reader.ReadVarint())),
            Status = (ActivityStatusCode)(int)(uint)reader.ReadVarint(),
            StatusDescription = reader.ReadString(),
            Attributes = reader.ReadTags()!,
            Events = ReadEvents(ref reader)!,
            Links = ReadLinks(ref reader)!,
        };

        Debug.Assert(reader.IsAtEnd, "A span record is read to its last byte.");
        return span;
    }

    /// <summary>Reads the fields a search filters and sorts on in place: strings stay encoded and are compared as
    /// they are, attributes are walked only when asked for. Nothing is allocated.</summary>
    public static RecordFields View(ReadOnlySpan<byte> record, string traceId) => new(record, traceId);

    private static SpanEvent[]? ReadEvents(ref RecordReader reader) =>
        ReadList(ref reader, static (ref RecordReader r) => new SpanEvent(r.ReadString()!, r.ReadTime(), r.ReadTags()!));

    private static SpanLink[]? ReadLinks(ref RecordReader reader) =>
        ReadList(ref reader, static (ref RecordReader r) => new SpanLink(r.ReadString()!, r.ReadString()!, r.ReadTags()!));

    /// <summary>The size of a list written by <see cref="WriteList"/>.</summary>
    private static long MeasureList<T>(IReadOnlyList<T?>? items, Func<T, long> measureElement)
        where T : class
    {
        long size = VarintLength(ListHeader(items));
        if (items is not null)
        {
            for (var i = 0; i < items.Count; i++)
            {
                size++;
                if (items[i] is { } item)
                {
                    size += measureElement(item);
                }
            }
        }

        return size;
    }

    /// <summary>Writes a list as a count header (0 for null, else count + 1) and, per element, a presence byte
    /// then the element; a null element is written as absent.</summary>
    private static void WriteList<T>(ref RecordWriter writer, IReadOnlyList<T?>? items, ElementWriter<T> writeElement)
        where T : class
    {
        writer.WriteVarint(ListHeader(items));
        if (items is null)
        {
            return;
        }

        for (var i = 0; i < items.Count; i++)
        {
            if (items[i] is { } item)
            {
                writer.WriteByte(Present);
                writeElement(ref writer, item);
            }
            else
            {
                writer.WriteByte(Absent);
            }
        }
    }

    /// <summary>Reads a list written as a count header (0 for null, else count + 1) and one presence byte per
    /// element; an absent (null) element stays null.</summary>
    private static T[]? ReadList<T>(ref RecordReader reader, ElementReader<T> readElement)
        where T : class
    {
        var count = reader.ReadListCount();
        if (count <= 0)
        {
            return count < 0 ? null : [];
        }

        var items = new T[count];
        for (var i = 0; i < items.Length; i++)
        {
            if (reader.ReadByte() == Present)
            {
                items[i] = readElement(ref reader);
            }
        }

        return items;
    }

    private static long MeasureString(string? value)
    {
        if (value is null)
        {
            return 1;
        }

        // The wide bit never changes the header's varint length (2n and 2n + 1 have the same highest bit).
        var header = VarintLength((ulong)value.Length << 1);
        return Ascii.IsValid(value) ? header + value.Length : header + (2L * value.Length);
    }

    private static long MeasureTags(IReadOnlyList<SpanTag>? tags)
    {
        long size = VarintLength(ListHeader(tags));
        if (tags is null)
        {
            return size;
        }

        for (var i = 0; i < tags.Count; i++)
        {
            var tag = tags[i];
            size += MeasureString(tag.Key) + 1 + MeasureValue(tag.Value);
        }

        return size;
    }

    private static long MeasureValue(object? value) => value switch
    {
        null or bool => 0,
        string s => MeasureString(s),
        long l => VarintLength(ZigZag(l)),
        double => sizeof(double),
        _ => MeasureValue(NormalizeOther(value)),
    };

    /// <summary>A value of a type other than the four stored ones (or null), by the converter's type rules.</summary>
    /// <remarks>Type normalization only: the empty key is never a credential name and no length bound applies,
    /// matching how the store keeps string values given through <see cref="SpanStore.Add(StoredSpan)"/>.</remarks>
    private static object? NormalizeOther(object value) => SpanConverter.NormalizeValue(string.Empty, value, int.MaxValue);

    /// <summary>The record's kind field: the kind's 32 bits shifted left by one (any value, not only the defined
    /// kinds, round-trips), bit 0 the remote-parent flag. The defined kinds still take one byte.</summary>
    private static ulong KindField(StoredSpan span) => ((ulong)(uint)span.Kind << 1) | (span.HasRemoteParent ? 1UL : 0UL);

    private static ActivityKind KindOf(ulong kindField) => (ActivityKind)(int)(uint)(kindField >> 1);

    private static bool IsRemoteParent(ulong kindField) => (kindField & 1) != 0;

    private static ulong ListHeader<T>(IReadOnlyList<T>? list) => list is null ? 0 : (ulong)list.Count + 1;

    private static ulong ZigZag(long value) => (ulong)((value << 1) ^ (value >> 63));

    private static long UnZigZag(ulong value) => (long)(value >> 1) ^ -(long)(value & 1);

    private static int VarintLength(ulong value)
    {
        var length = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            length++;
        }

        return length;
    }

    private ref struct RecordWriter
    {
        private readonly Span<byte> _destination;

        public RecordWriter(Span<byte> destination)
        {
            _destination = destination;
            Position = 0;
            Fits = true;
        }

        public int Position { get; private set; }

        public bool Fits { get; private set; }

        public void WriteByte(byte value)
        {
            if (Reserve(1) is { IsEmpty: false } target)
            {
                target[0] = value;
            }
        }

        public void WriteVarint(ulong value)
        {
            // Most varints (string and list headers, kinds, statuses) are one byte.
            if (value < 0x80 && Fits && Position < _destination.Length)
            {
                _destination[Position++] = (byte)value;
                return;
            }

            var target = Reserve(VarintLength(value));
            var i = 0;
            while (!target.IsEmpty && value >= 0x80)
            {
                target[i++] = (byte)(value | 0x80);
                value >>= 7;
            }

            if (!target.IsEmpty)
            {
                target[i] = (byte)value;
            }
        }

        public void WriteTime(DateTimeOffset value)
        {
            var target = Reserve(TimeLength);
            if (!target.IsEmpty)
            {
                BinaryPrimitives.WriteInt64LittleEndian(target, value.Ticks);
                BinaryPrimitives.WriteInt16LittleEndian(target[sizeof(long)..], (short)value.TotalOffsetMinutes);
            }
        }

        public void WriteString(string? value)
        {
            if (value is null)
            {
                WriteVarint(NullString);
                return;
            }

            var headerAt = Position;
            WriteVarint((ulong)value.Length << 1);
            if (!Fits || value.Length == 0)
            {
                return;
            }

            var content = _destination[Position..];
            if (value.Length <= content.Length &&
                Ascii.FromUtf16(value, content, out var narrowed) == OperationStatus.Done)
            {
                Debug.Assert(narrowed == value.Length, "ASCII narrows one byte per code unit.");
                Position += value.Length;
                return;
            }

            if (2L * value.Length > content.Length)
            {
                Fits = false;
                return;
            }

            // Not ASCII: mark the string wide (bit 0 of the value is bit 0 of the varint's first byte) and write
            // its UTF-16 over whatever was narrowed.
            _destination[headerAt] |= 1;
            var target = content[..(value.Length * 2)];
            if (BitConverter.IsLittleEndian)
            {
                MemoryMarshal.AsBytes(value.AsSpan()).CopyTo(target);
            }
            else
            {
                for (var i = 0; i < value.Length; i++)
                {
                    BinaryPrimitives.WriteUInt16LittleEndian(target[(i * 2)..], value[i]);
                }
            }

            Position += target.Length;
        }

        public void WriteTags(IReadOnlyList<SpanTag>? tags)
        {
            WriteVarint(ListHeader(tags));
            if (tags is SpanTag[] array)
            {
                // What the converter and Read produce: no interface call per tag.
                foreach (var tag in array)
                {
                    WriteString(tag.Key);
                    WriteValue(tag.Value);
                }
            }
            else if (tags is not null)
            {
                for (var i = 0; i < tags.Count; i++)
                {
                    var tag = tags[i];
                    WriteString(tag.Key);
                    WriteValue(tag.Value);
                }
            }
        }

        private void WriteValue(object? value)
        {
            switch (value)
            {
                case string s:
                    WriteByte(StringValue);
                    WriteString(s);
                    break;
                case long l:
                    WriteByte(LongValue);
                    WriteVarint(ZigZag(l));
                    break;
                case double d:
                    WriteByte(DoubleValue);
                    if (Reserve(sizeof(double)) is { IsEmpty: false } target)
                    {
                        BinaryPrimitives.WriteDoubleLittleEndian(target, d);
                    }

                    break;
                case bool b:
                    WriteByte(b ? TrueValue : FalseValue);
                    break;
                case null:
                    WriteByte(NullValue);
                    break;
                default:
                    WriteValue(NormalizeOther(value));
                    break;
            }
        }

        /// <summary>The next <paramref name="length"/> bytes, or an empty span (and <see cref="Fits"/> false) when
        /// they are not there.</summary>
        private Span<byte> Reserve(int length)
        {
            if (!Fits || length > _destination.Length - Position)
            {
                Fits = false;
                return default;
            }

            var target = _destination.Slice(Position, length);
            Position += length;
            return target;
        }
    }

    private delegate T ElementReader<T>(ref RecordReader reader);

    private delegate void ElementWriter<in T>(ref RecordWriter writer, T item);

    private ref struct RecordReader
    {
        private readonly ReadOnlySpan<byte> _record;
        private int _position;

        public RecordReader(ReadOnlySpan<byte> record)
        {
            _record = record;
            _position = 0;
        }

        public readonly bool IsAtEnd => _position == _record.Length;

        public readonly int Position => _position;

        public byte ReadByte() => _record[_position++];

        public ulong ReadVarint()
        {
            ulong value = 0;
            var shift = 0;
            while (true)
            {
                var b = _record[_position++];
                value |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    return value;
                }

                shift += 7;
                Debug.Assert(shift < 64, "A varint has at most 10 bytes.");
            }
        }

        public DateTimeOffset ReadTime()
        {
            var ticks = BinaryPrimitives.ReadInt64LittleEndian(_record[_position..]);
            var minutes = BinaryPrimitives.ReadInt16LittleEndian(_record[(_position + sizeof(long))..]);
            _position += TimeLength;
            return new DateTimeOffset(ticks, TimeSpan.FromMinutes(minutes));
        }

        public string? ReadString() => ReadText().ToStringOrNull();

        /// <summary>Reads a string's header and steps over its code units, which stay encoded.</summary>
        public EncodedText ReadText()
        {
            var header = ReadVarint();
            if (header == NullString)
            {
                return EncodedText.Null;
            }

            var length = (int)(header >> 1);
            var wide = (header & 1) != 0;
            var bytes = _record.Slice(_position, wide ? length * 2 : length);
            _position += bytes.Length;
            return new EncodedText(bytes, wide);
        }

        /// <summary>Steps over a tag value of type <paramref name="type"/>.</summary>
        public void SkipValue(byte type)
        {
            switch (type)
            {
                case StringValue:
                    ReadText();
                    break;
                case LongValue:
                    ReadVarint();
                    break;
                case DoubleValue:
                    _position += sizeof(double);
                    break;
            }
        }

        public double ReadDouble()
        {
            var value = BinaryPrimitives.ReadDoubleLittleEndian(_record[_position..]);
            _position += sizeof(double);
            return value;
        }

        /// <summary>Reads a list's count header: -1 for a null list, else the element count.</summary>
        public int ReadListCount() => (int)(ReadVarint() - 1);

        public SpanTag[]? ReadTags()
        {
            var count = ReadListCount();
            if (count <= 0)
            {
                return count < 0 ? null : [];
            }

            var tags = new SpanTag[count];
            for (var i = 0; i < tags.Length; i++)
            {
                var key = ReadString()!;
                object? value;
                switch (ReadByte())
                {
                    case StringValue:
                        value = ReadString();
                        break;
                    case LongValue:
                        value = UnZigZag(ReadVarint());
                        break;
                    case DoubleValue:
                        value = ReadDouble();
                        break;
                    case FalseValue:
                        value = BoxedFalse;
                        break;
                    case TrueValue:
                        value = BoxedTrue;
                        break;
                    default:
                        value = null;
                        break;
                }

                tags[i] = new SpanTag(key, value!);
            }

            return tags;
        }
    }

    /// <summary>A string as a record holds it: one byte per code unit (ASCII) or two (UTF-16, little-endian), or null.</summary>
    internal readonly ref struct EncodedText
    {
        private readonly ReadOnlySpan<byte> _bytes;
        private readonly bool _wide;
        private readonly bool _isNull;

        public EncodedText(ReadOnlySpan<byte> bytes, bool wide)
        {
            _bytes = bytes;
            _wide = wide;
            _isNull = false;
        }

        private EncodedText(bool isNull)
        {
            _bytes = default;
            _wide = false;
            _isNull = isNull;
        }

        public static EncodedText Null => new(isNull: true);

        /// <summary>Gets the length in code units.</summary>
        public int Length => _wide ? _bytes.Length / 2 : _bytes.Length;

        /// <summary>Returns whether this is <paramref name="value"/> (ordinal; null equals only null).</summary>
        public bool Equals(string? value) =>
            value is null ? _isNull : !_isNull && Length == value.Length && PrefixEquals(value, value.Length);

        /// <summary>Returns whether this starts with <paramref name="prefix"/> (ordinal; a null string starts with nothing).</summary>
        public bool StartsWith(string prefix) => !_isNull && prefix.Length <= Length && PrefixEquals(prefix, prefix.Length);

        /// <summary>Compares with <paramref name="other"/> code unit by code unit, as <see cref="string.CompareOrdinal(string, string)"/>
        /// does (null first).</summary>
        public int CompareOrdinal(string? other)
        {
            if (_isNull || other is null)
            {
                return _isNull ? (other is null ? 0 : -1) : 1;
            }

            var length = Length;
            var common = Math.Min(length, other.Length);
            for (var i = 0; i < common; i++)
            {
                var difference = CodeUnit(i) - other[i];
                if (difference != 0)
                {
                    return difference;
                }
            }

            return length - other.Length;
        }

        public string? ToStringOrNull()
        {
            if (_isNull)
            {
                return null;
            }

            if (_bytes.IsEmpty)
            {
                return string.Empty;
            }

            if (!_wide)
            {
                // ASCII bytes: Latin-1 widening gives the same code units without validating them again.
                return Encoding.Latin1.GetString(_bytes);
            }

            if (BitConverter.IsLittleEndian)
            {
                return new string(MemoryMarshal.Cast<byte, char>(_bytes));
            }

            var chars = new char[Length];
            for (var i = 0; i < chars.Length; i++)
            {
                chars[i] = (char)BinaryPrimitives.ReadUInt16LittleEndian(_bytes[(i * 2)..]);
            }

            return new string(chars);
        }

        private int CodeUnit(int index) => _wide ? BinaryPrimitives.ReadUInt16LittleEndian(_bytes[(index * 2)..]) : _bytes[index];

        private bool PrefixEquals(string value, int count)
        {
            if (!_wide)
            {
                // Narrow bytes are ASCII, so a string with any other character differs (Ascii.Equals is then false).
                return Ascii.Equals(_bytes[..count], value.AsSpan(0, count));
            }

            if (BitConverter.IsLittleEndian)
            {
                return MemoryMarshal.Cast<byte, char>(_bytes)[..count].SequenceEqual(value.AsSpan(0, count));
            }

            for (var i = 0; i < count; i++)
            {
                if (CodeUnit(i) != value[i])
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>A record's searchable fields read in place (see <see cref="View"/>).</summary>
    internal readonly ref struct RecordFields : ISpanFields
    {
        private readonly string _traceId;
        private readonly EncodedText _spanId;
        private readonly EncodedText _name;
        private readonly EncodedText _serviceName;
        private readonly ReadOnlySpan<byte> _attributes;

        public RecordFields(ReadOnlySpan<byte> record, string traceId)
        {
            var reader = new RecordReader(record);
            _traceId = traceId;
            _spanId = reader.ReadText();
            reader.ReadText(); // parent span id
            _name = reader.ReadText();
            Kind = KindOf(reader.ReadVarint());
            _serviceName = reader.ReadText();
            reader.ReadText(); // source name
            StartTime = reader.ReadTime();
            Duration = TimeSpan.FromTicks(UnZigZag(reader.ReadVarint()));
            Status = (ActivityStatusCode)(int)(uint)reader.ReadVarint();
            reader.ReadText(); // status description
            _attributes = record[reader.Position..];
        }

        public ActivityKind Kind { get; }

        public ActivityStatusCode Status { get; }

        public DateTimeOffset StartTime { get; }

        public TimeSpan Duration { get; }

        public bool TraceIdEquals(string value) => string.Equals(_traceId, value, StringComparison.Ordinal);

        public bool ServiceNameEquals(string value) => _serviceName.Equals(value);

        public bool NameEquals(string value) => _name.Equals(value);

        public bool NameStartsWith(string prefix) => _name.StartsWith(prefix);

        public int CompareTraceId(string? other) => string.CompareOrdinal(_traceId, other);

        public int CompareSpanId(string? other) => _spanId.CompareOrdinal(other);

        public bool AnyAttributeMatches(in ExpectedAttribute expected)
        {
            var reader = new RecordReader(_attributes);
            var count = reader.ReadListCount();
            for (var i = 0; i < count; i++)
            {
                var key = reader.ReadText();
                var type = reader.ReadByte();
                if (!key.Equals(expected.Key))
                {
                    reader.SkipValue(type);
                    continue;
                }

                var matches = type switch
                {
                    StringValue => expected.MatchesText(reader.ReadText()),
                    LongValue => expected.MatchesLong(UnZigZag(reader.ReadVarint())),
                    DoubleValue => expected.MatchesDouble(reader.ReadDouble()),
                    FalseValue => expected.MatchesBoolean(false),
                    TrueValue => expected.MatchesBoolean(true),
                    _ => false,
                };
                if (matches)
                {
                    return true;
                }
            }

            return false;
        }
    }
}
