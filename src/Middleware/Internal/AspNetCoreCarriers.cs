using Microsoft.AspNetCore.Http;

namespace Propagation.Middleware.Internal;

/// <summary>Cached getter and setter for <see cref="IHeaderDictionary"/>.</summary>
internal static class AspNetCoreCarriers
{
    /// <summary>Reads every line of a header.</summary>
    public static HeaderGetter<IHeaderDictionary> Getter { get; } = static (headers, name) =>
    {
        var values = headers[name];
        return values.Count switch
        {
            0 => default,
            1 => new HeaderValues(values[0]),
            _ => new HeaderValues(values.ToArray()),
        };
    };

    /// <summary>Writes a header, replacing existing lines.</summary>
    public static HeaderSetter<IHeaderDictionary> Setter { get; } = static (headers, name, value) => headers[name] = value;
}
