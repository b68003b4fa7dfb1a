using Grpc.Core;

namespace Grpc.AspNetCore.Server.Internal;

/// <summary>The <c>grpc-status</c> text of each status code, without allocating per call.</summary>
internal static class StatusCodeText
{
    private static readonly string[] Texts = CreateTexts();

    public static string Get(StatusCode code)
    {
        var index = (int)code;
        return (uint)index < (uint)Texts.Length ? Texts[index] : index.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string[] CreateTexts()
    {
        var texts = new string[17];
        for (var i = 0; i < texts.Length; i++)
        {
            texts[i] = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return texts;
    }
}
