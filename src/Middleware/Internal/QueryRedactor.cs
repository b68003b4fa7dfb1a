using System.Buffers;
using System.Collections.Frozen;

namespace Propagation.Middleware.Internal;

/// <summary>
/// Redacts query values for <c>url.query</c> and <c>url.full</c>: every value (the default) or the
/// values of listed parameter names (compared case-insensitively, as written and percent-decoded).
/// Names are kept. A part without <c>=</c> is kept too (a flag such as <c>debug</c> or <c>v2</c>) unless it looks like a
/// credential (<see cref="LooksLikeCredential"/>), which is redacted whole in either mode; so is such a part followed by
/// base64 padding alone (<c>=</c> or <c>==</c>). Input and output are bounded.
/// </summary>
internal sealed class QueryRedactor
{
    /// <summary>Only this many characters of a query are examined; the rest is dropped.</summary>
    public const int MaxQueryLength = 2048;

    /// <summary>A part without <c>=</c> this long or longer, of <see cref="TokenCharacters"/> only, is taken for a credential.</summary>
    public const int MinBareTokenLength = 24;

    // What bearer tokens, JWTs (three base64url segments joined by '.'), API keys and hex ids are written with, plus '%'
    // for a percent-encoded '+', '/' or '=' of standard base64.
    private static readonly SearchValues<char> TokenCharacters =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~+/%");

    private readonly bool _all;
    private readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> _names;

    public QueryRedactor(bool redactAll, IEnumerable<string> names)
    {
        _all = redactAll;
        _names = names.ToFrozenSet(StringComparer.OrdinalIgnoreCase).GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Redacts a query (with or without its leading <c>?</c>).</summary>
    /// <returns>
    /// The redacted query without <c>?</c>, of whole pairs and at most <see cref="MaxQueryLength"/> characters (the pairs
    /// that would take it further are dropped); <see langword="null"/> when empty.
    /// </returns>
    public string? Redact(ReadOnlySpan<char> query)
    {
        if (!query.IsEmpty && query[0] == '?')
        {
            query = query[1..];
        }

        if (query.IsEmpty)
        {
            return null;
        }

        if (query.Length > MaxQueryLength)
        {
            query = query[..MaxQueryLength];
        }

        // The output is bounded as the input is, and holds whole pairs only: a pair that would take it past the bound ends
        // it (a redacted value is longer than many a value it replaces).
        var rented = ArrayPool<char>.Shared.Rent(MaxQueryLength);
        try
        {
            var written = 0;
            var rest = query;
            while (!rest.IsEmpty)
            {
                var end = rest.IndexOf('&');
                var pair = end < 0 ? rest : rest[..end];
                rest = end < 0 ? default : rest[(end + 1)..];
                var equals = pair.IndexOf('=');
                if ((equals < 0 || IsPadding(pair[equals..])) && LooksLikeCredential(equals < 0 ? pair : pair[..equals]))
                {
                    // A bare token; standard base64 ends in one or two '=' of padding, which Uri leaves unescaped, and
                    // which must not make the token a parameter name that is kept.
                    pair = HeaderRules.Redacted;
                    equals = -1;
                }

                var value = equals < 0 ? default : _all || IsListed(pair[..equals]) ? HeaderRules.Redacted : pair[(equals + 1)..];
                var separator = written > 0 ? 1 : 0;
                var length = equals < 0 ? pair.Length : equals + 1 + value.Length;
                if (written + separator + length > MaxQueryLength)
                {
                    break;
                }

                if (separator > 0)
                {
                    rented[written++] = '&';
                }

                if (equals < 0)
                {
                    Append(rented, ref written, pair);
                }
                else
                {
                    Append(rented, ref written, pair[..(equals + 1)]);
                    Append(rented, ref written, value);
                }
            }

            return written == 0 ? null : new string(rented, 0, written);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// Whether a part without <c>=</c> is a bare credential (<c>?eyJhbGciOi...</c>, a token appended as the whole query)
    /// rather than a flag: at least <see cref="MinBareTokenLength"/> characters, all of them <see cref="TokenCharacters"/>.
    /// Short flags (<c>debug</c>, <c>v2</c>) and text with other characters stay readable.
    /// </summary>
    private static bool LooksLikeCredential(ReadOnlySpan<char> part) =>
        part.Length >= MinBareTokenLength && !part.ContainsAnyExcept(TokenCharacters);

    /// <summary>Whether the rest of a part from its first <c>=</c> is base64 padding only: <c>=</c> or <c>==</c>.</summary>
    private static bool IsPadding(ReadOnlySpan<char> rest) => rest is "=" or "==";

    /// <summary>Whether a name is listed, as written or percent-decoded (<c>api%5Fkey</c> is <c>api_key</c> to the app).</summary>
    private bool IsListed(ReadOnlySpan<char> name)
    {
        if (_names.Contains(name))
        {
            return true;
        }

        if (!name.Contains('%'))
        {
            return false;
        }

        // A name is at most MaxQueryLength characters, and decoding only shortens it.
        Span<char> decoded = stackalloc char[name.Length];
        return Uri.TryUnescapeDataString(name, decoded, out var length) && _names.Contains(decoded[..length]);
    }

    private static void Append(char[] buffer, ref int written, ReadOnlySpan<char> text)
    {
        text.CopyTo(buffer.AsSpan(written));
        written += text.Length;
    }
}
