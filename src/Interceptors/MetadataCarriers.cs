using Grpc.Core;

namespace Propagation.Interceptors;

/// <summary>
/// Cached <see cref="HeaderGetter{TCarrier}"/> and <see cref="HeaderSetter{TCarrier}"/> for gRPC
/// <see cref="Metadata"/>, so the codecs of <c>Propagation</c> read and write call metadata.
/// </summary>
/// <remarks>
/// <para>Keys are matched case-insensitively and written lowercase (gRPC metadata keys are lowercase).</para>
/// <para>Binary entries (keys ending in <c>-bin</c>) are never read as trace headers and never written.</para>
/// <para>The setter replaces every entry with the same key: it never appends a duplicate.</para>
/// </remarks>
public static class MetadataCarriers
{
    /// <summary>Gets a getter that reads every ASCII entry with a key, in order; binary entries are skipped.</summary>
    public static HeaderGetter<Metadata> Getter { get; } = static (carrier, name) => Get(carrier, name);

    /// <summary>Gets a setter that replaces every entry with the (lowercased) key by one ASCII entry.</summary>
    public static HeaderSetter<Metadata> Setter { get; } = static (carrier, name, value) => Set(carrier, name, value);

    internal static HeaderValues Get(Metadata? carrier, string name)
    {
        if (carrier is null || string.IsNullOrEmpty(name) || MetadataKeys.IsBinary(name))
        {
            return default;
        }

        string? first = null;
        var matches = 0;
        var count = carrier.Count;
        for (var i = 0; i < count; i++)
        {
            var entry = carrier[i];
            if (entry.IsBinary || !MetadataKeys.KeyEquals(entry.Key, name))
            {
                continue;
            }

            if (matches++ == 0)
            {
                first = entry.Value;
            }
        }

        return matches switch
        {
            0 => default,
            1 => new HeaderValues(first),
            _ => new HeaderValues(CollectAll(carrier, name, matches)),
        };
    }

    internal static void Set(Metadata carrier, string name, string value)
    {
        ArgumentNullException.ThrowIfNull(carrier);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(value);
        if (MetadataKeys.IsBinary(name))
        {
            return;
        }

        Remove(carrier, name);
        carrier.Add(MetadataKeys.ToLowercase(name), value);
    }

    private static void Remove(Metadata carrier, string name)
    {
        for (var i = carrier.Count - 1; i >= 0; i--)
        {
            if (MetadataKeys.KeyEquals(carrier[i].Key, name))
            {
                carrier.RemoveAt(i);
            }
        }
    }

    private static string?[] CollectAll(Metadata carrier, string name, int matches)
    {
        var result = new string?[matches];
        var n = 0;
        var count = carrier.Count;
        for (var i = 0; i < count && n < matches; i++)
        {
            var entry = carrier[i];
            if (!entry.IsBinary && MetadataKeys.KeyEquals(entry.Key, name))
            {
                result[n++] = entry.Value;
            }
        }

        return result;
    }
}
