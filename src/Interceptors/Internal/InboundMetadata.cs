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

    public InboundMetadata(Metadata? headers)
    {
        _headers = headers;
        _present = Scan(headers);
    }

    public HeaderValues Get(string name)
    {
        if (_present == 0 || string.IsNullOrEmpty(name))
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

    /// <summary>One bit per known name present as an ASCII entry; bit 31 when any other ASCII entry is present.</summary>
    private static uint Scan(Metadata? headers)
    {
        if (headers is null)
        {
            return 0;
        }

        var present = 0u;
        var count = headers.Count;
        for (var i = 0; i < count; i++)
        {
            var entry = headers[i];
            if (entry.IsBinary)
            {
                continue;
            }

            var index = MetadataKeys.IndexOf(entry.Key);
            present |= index >= 0 ? 1u << index : 1u << 31;
        }

        return present;
    }
}
