using Grpc.Core;

namespace Propagation.Interceptors;

/// <summary>
/// A call's request metadata for extraction, scanned once: which known trace headers it holds and where. A
/// format asking for a known header gets its answer without another pass over the entries (absent, or the
/// value of its one entry); a repeated or unknown name is read by <see cref="MetadataCarriers"/> (same
/// matching rules).
/// </summary>
internal readonly struct InboundMetadata
{
    /// <summary>A static getter (no closure per call).</summary>
    public static readonly HeaderGetter<InboundMetadata> Getter = static (carrier, name) => carrier.Get(name);

    private const int NoPosition = 15;

    private readonly Metadata? _headers;
    private readonly uint _present;

    // Known names on more than one ASCII entry (read by a full pass, which collects every line).
    private readonly uint _repeated;

    // 4 bits per known name: the position of its entry when that is below 15 (one entry, read directly).
    private readonly ulong _positions;

    // Bit n: an ASCII entry whose key has n characters (bit 63: 63 or more). A name of a length no key has
    // cannot match (case-insensitive equality keeps the length), so most absent names cost one test.
    private readonly ulong _lengths;

    public InboundMetadata(Metadata? headers)
    {
        _headers = headers;
        (_present, _repeated, _positions, _lengths) = Scan(headers);
    }

    public HeaderValues Get(string name)
    {
        if (string.IsNullOrEmpty(name) || (_lengths & LengthBit(name.Length)) == 0)
        {
            return default;
        }

        var index = MetadataKeys.IndexOf(name);
        if (index < 0)
        {
            return MetadataCarriers.Get(_headers, name);
        }

        var bit = 1u << index;
        if ((_present & bit) == 0)
        {
            return default;
        }

        // On one entry the scan saw: its value (what a pass over the entries would find).
        var position = (int)(_positions >> (index * 4)) & NoPosition;
        if ((_repeated & bit) == 0 && position != NoPosition)
        {
            return new HeaderValues(_headers![position].Value);
        }

        // Otherwise read it under its lowercase name, which metadata keys match ordinally (same matches).
        return MetadataCarriers.Get(_headers, MetadataKeys.LowercaseAt(index));
    }

    private static ulong LengthBit(int length) => 1UL << Math.Min(length, 63);

    /// <summary>
    /// One bit per known name present as an ASCII entry (bit 31 for any other ASCII entry), the known names on
    /// several entries, the entry position of each known name, and the lengths of the keys.
    /// </summary>
    private static (uint Present, uint Repeated, ulong Positions, ulong Lengths) Scan(Metadata? headers)
    {
        if (headers is null)
        {
            return (0, 0, 0, 0);
        }

        var present = 0u;
        var repeated = 0u;
        var positions = 0UL;
        var lengths = 0UL;
        var count = headers.Count;
        for (var i = 0; i < count; i++)
        {
            var entry = headers[i];
            if (entry.IsBinary)
            {
                continue;
            }

            var key = entry.Key;
            lengths |= LengthBit(key.Length);
            var index = MetadataKeys.IndexOf(key);
            if (index < 0)
            {
                present |= 1u << 31;
                continue;
            }

            var bit = 1u << index;
            repeated |= present & bit;
            present |= bit;
            positions |= (ulong)Math.Min(i, NoPosition) << (index * 4);
        }

        return (present, repeated, positions, lengths);
    }
}
