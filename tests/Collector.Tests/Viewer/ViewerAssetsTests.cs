using System.Text;
using System.Text.RegularExpressions;
using Propagation.Collector.Internal;
using Propagation.Collector.Internal.Api;

namespace Propagation.Collector.Tests.Viewer;

public sealed partial class ViewerAssetsTests
{
    [Fact]
    public void Shared_EmbedsScriptStyleAndIcon_PageKeptAsTemplate()
    {
        var assets = ViewerAssets.Shared;

        Assert.Equal(["icon.svg", "viewer.css", "viewer.js"], assets.Names.Order(StringComparer.Ordinal));
        Assert.False(assets.TryGet(ViewerAssets.PageName, out _));
        Assert.Contains("{{api}}", assets.PageTemplate, StringComparison.Ordinal);
        Assert.Contains("{{assets}}", assets.PageTemplate, StringComparison.Ordinal);
        Assert.Matches("^[0-9a-f]{16}$", assets.Version);
    }

    [Theory]
    [InlineData("innerHTML")]
    [InlineData("outerHTML")]
    [InlineData("insertAdjacentHTML")]
    [InlineData("document.write")]
    [InlineData("eval(")]
    [InlineData("new Function")]
    [InlineData("setTimeout('")]
    [InlineData("http://")]
    [InlineData("https://")]
    public void Script_NeverTurnsDataIntoMarkupOrCode_NorLoadsRemoteFiles(string forbidden)
    {
        Assert.True(ViewerAssets.Shared.TryGet("viewer.js", out var script));

        var text = Encoding.UTF8.GetString(script.Content);

        // The one namespace URI the script needs for SVG elements is not a fetch.
        Assert.DoesNotContain(forbidden, text.Replace("'http://www.w3.org/2000/svg'", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public void Script_NeverSetsStyleAttribute_SoCspAllowsIt()
    {
        Assert.True(ViewerAssets.Shared.TryGet("viewer.js", out var script));

        var text = Encoding.UTF8.GetString(script.Content);

        Assert.DoesNotContain("'style'", text, StringComparison.Ordinal);
        Assert.DoesNotContain("cssText", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Page_HasNoInlineScriptStyleOrHandler()
    {
        var html = ViewerAssets.Shared.PageTemplate;

        Assert.All(ScriptTag().Matches(html), m => Assert.Contains(" src=", m.Value, StringComparison.Ordinal));
        Assert.DoesNotContain("<style", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotMatch(InlineAttribute(), html);
    }

    [Fact]
    public void Page_OperationFilterInput_TakesAsManyCharactersAsTheApiAccepts()
    {
        // An operation name the API lists (the store keeps names up to its value bound) can be typed in whole.
        var input = OperationInput().Match(ViewerAssets.Shared.PageTemplate);

        Assert.True(input.Success);
        var maxLength = int.Parse(input.Groups["max"].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(QueryReader.MaxTextLengthOf(new SpanStoreOptions()), maxLength);
    }

    [Theory]
    [InlineData("a.html", "text/html; charset=utf-8")]
    [InlineData("a.css", "text/css; charset=utf-8")]
    [InlineData("a.js", "text/javascript; charset=utf-8")]
    [InlineData("a.svg", "image/svg+xml")]
    [InlineData("a.png", "image/png")]
    [InlineData("a.bin", "application/octet-stream")]
    [InlineData("noextension", "application/octet-stream")]
    public void ContentTypeOf_Extension_ReturnsType(string name, string expected)
    {
        Assert.Equal(expected, ViewerAssets.ContentTypeOf(name));
    }

    [Fact]
    public void ETagOf_QuotedStableAndContentDependent()
    {
        var a = ViewerAssets.ETagOf("a"u8);

        Assert.Matches("^\"[0-9a-f]{24}\"$", a);
        Assert.Equal(a, ViewerAssets.ETagOf("a"u8));
        Assert.NotEqual(a, ViewerAssets.ETagOf("b"u8));
    }

    [GeneratedRegex("<input id=\"filter-operation\"[^>]*\\smaxlength=\"(?<max>[0-9]+)\"")]
    private static partial Regex OperationInput();

    [GeneratedRegex("<script[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex ScriptTag();

    [GeneratedRegex("\\s(?:style|on[a-z]+)=", RegexOptions.IgnoreCase)]
    private static partial Regex InlineAttribute();
}
