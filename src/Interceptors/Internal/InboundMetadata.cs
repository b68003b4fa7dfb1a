using Grpc.Core;

namespace Propagation.Interceptors;

/// <summary>
/// A call's request metadata for extraction, scanned once: which known trace headers it holds. A format
/// asking for a known header that is absent gets its answer without another pass over the entries; a
/// present or unknown name is read by <see cref="MetadataCarriers"/> (same matching rules).
/// </summary>
internal readonly struct InboundMetadata
{
    /// <summary>A static getter (no closure per call).</summary>
    public static readonly HeaderGetter<InboundMetadata> Getter = static (carrier, name) => carrier.Get(name);

    private readonly Metadata? _headers;
    private readonly uint _present;

    // Bit n: an ASCII entry whose key has n characters (bit 63: 63 or more). A name of a length no key has
    // cannot match (case-insensitive equality keeps the length), so most absent names cost one test.
    private readonly ulong _lengths;

    public InboundMetadata(Metadata? headers)
    {
        _headers = headers;
        (_present, _lengths) = Scan(headers);
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

        // Present: read it under its lowercase name, which metadata keys match ordinally (same matches).
        return (_present & (1u << index)) == 0 ? default : MetadataCarriers.Get(_headers, MetadataKeys.LowercaseAt(index));
    }

    private static ulong LengthBit(int length) => 1UL << Math.Min(length, 63);

    /// <summary>One bit per known name present as an ASCII entry (bit 31 for any other ASCII entry), and the lengths of their keys.</summary>
    private static (uint Present, ulong Lengths) Scan(Metadata? headers)
    {
        if (headers is null)
        {
            return (0, 0);
        }

        var present = 0u;
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
            var index = MetadataKeys.IndexOf(key);
            present |= index >= 0 ? 1u << index : 1u << 31;
            lengths |= LengthBit(key.Length);
        }

        return (present, lengths);
    }
}
