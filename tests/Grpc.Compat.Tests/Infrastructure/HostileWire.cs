using System.Text;

namespace Grpc.Compat.Tests.Infrastructure;

/// <summary>
/// Hostile text and bytes for the seeded wire tests (random requests to the server, random responses to the client):
/// pieces that break parsers and headers, some with a marker that must never come back where it does not belong.
/// </summary>
internal static class HostileWire
{
    /// <summary>The text some values carry; the side under test must never repeat it in a header, a status or a log.</summary>
    public const string Marker = "zqmark";

    private static readonly string[] Pieces =
    [
        Marker, Marker + "\r\n" + Marker, "\r\n", "\u0000\u0007\u007f", "\u00e9\u4e2d\ud83d\ude00", "%zz%0A%E2%82",
        "%F0%9F%98%80 ok", "!!notbase64==", "plain",
    ];

    /// <summary>One to five hostile pieces; with <paramref name="allowLong"/>, a piece may also be a run of up to 8 KB.</summary>
    public static string Text(Random random, bool allowLong)
    {
        var text = new StringBuilder();
        for (var n = random.Next(1, 6); n > 0; n--)
        {
            text.Append(allowLong && random.Next(Pieces.Length + 1) == 0
                ? new string('A', random.Next(1, 8193))
                : Pieces[random.Next(Pieces.Length)]);
        }

        return text.ToString();
    }

    public static byte[] Bytes(Random random, int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>A message payload that is not protobuf: field 1 with the invalid wire type 7, then anything.</summary>
    public static byte[] NotProtobuf(Random random) => [0x0F, .. Bytes(random, random.Next(8))];

    public static bool IsVisibleAscii(string text) => text.All(c => c is >= ' ' and <= '~');
}
