using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text;

namespace Propagation.Collector.Internal;

/// <summary>The trace viewer's files, read once from the resources embedded in this assembly
/// (<c>src/Collector/Viewer/</c>, logical names <c>Propagation.Collector.Viewer.{file}</c>).</summary>
internal sealed class ViewerAssets
{
    public const string PageName = "index.html";

    private const string ResourcePrefix = "Propagation.Collector.Viewer.";

    private static readonly Lazy<ViewerAssets> LazyShared = new(static () => Load(typeof(ViewerAssets).Assembly), LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly FrozenDictionary<string, ViewerAsset> _assets;

    private ViewerAssets(string pageTemplate, FrozenDictionary<string, ViewerAsset> assets, string version)
    {
        PageTemplate = pageTemplate;
        _assets = assets;
        Version = version;
    }

    /// <summary>Gets the files of this assembly.</summary>
    public static ViewerAssets Shared => LazyShared.Value;

    /// <summary>Gets the page's HTML with its <c>{{…}}</c> placeholders (see <see cref="ViewerPage"/>).</summary>
    public string PageTemplate { get; }

    /// <summary>Gets a hash over every file: the page links its assets with <c>?v={Version}</c>.</summary>
    public string Version { get; }

    /// <summary>Gets the names of the assets (every file except the page).</summary>
    public IEnumerable<string> Names => _assets.Keys;

    public bool TryGet(string name, out ViewerAsset asset) => _assets.TryGetValue(name, out asset!);

    public static string ContentTypeOf(string name)
    {
        var extension = Path.GetExtension(name);
        return extension.ToUpperInvariant() switch
        {
            ".HTML" => "text/html; charset=utf-8",
            ".CSS" => "text/css; charset=utf-8",
            ".JS" => "text/javascript; charset=utf-8",
            ".SVG" => "image/svg+xml",
            ".PNG" => "image/png",
            _ => "application/octet-stream",
        };
    }

    public static string ETagOf(ReadOnlySpan<byte> content)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(content, hash);
        return "\"" + Convert.ToHexStringLower(hash[..12]) + "\"";
    }

    private static ViewerAssets Load(System.Reflection.Assembly assembly)
    {
        string? template = null;
        var assets = new Dictionary<string, ViewerAsset>(StringComparer.Ordinal);
        using var all = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var resources = assembly.GetManifestResourceNames();
        Array.Sort(resources, StringComparer.Ordinal);
        foreach (var resource in resources)
        {
            if (!resource.StartsWith(ResourcePrefix, StringComparison.Ordinal))
            {
                continue;
            }

            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var content = buffer.ToArray();
            all.AppendData(content);
            var name = resource[ResourcePrefix.Length..];
            if (string.Equals(name, PageName, StringComparison.Ordinal))
            {
                template = Encoding.UTF8.GetString(content);
                continue;
            }

            assets[name] = new ViewerAsset(name, content, ContentTypeOf(name), ETagOf(content));
        }

        if (template is null)
        {
            throw new InvalidOperationException($"The trace viewer page ({ResourcePrefix}{PageName}) is not embedded in {assembly.GetName().Name}.");
        }

        var version = Convert.ToHexStringLower(all.GetHashAndReset().AsSpan(0, 8));
        return new ViewerAssets(template, assets.ToFrozenDictionary(StringComparer.Ordinal), version);
    }
}
