namespace Propagation.Collector.Internal;

/// <summary>
/// The one rule for names whose values are credentials: the header redaction of <c>AddTracing</c> (the Middleware's
/// <c>HeaderRules</c>, with the app's extra names) and the attribute redaction of the span store and the
/// <c>json</c> exporter (<see cref="SpanConverter.IsCredentialKey"/>, applied to a key's last dot-separated segment).
/// </summary>
internal static class CredentialNames
{
    /// <summary>Names that are credentials themselves (compared without case).</summary>
    public static readonly string[] BuiltIn = ["Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie"];

    /// <summary>
    /// A name containing one of these (without case) is a credential, unless a letter follows it: <c>x-auth-token</c>,
    /// <c>XAuthToken</c>, <c>access_token</c>, <c>client_secret</c> and <c>x-api-key</c> are; <c>input_tokens</c> (a
    /// count), <c>tokenizer</c> and <c>secretary</c> are not.
    /// </summary>
    public static readonly string[] Fragments = ["api-key", "apikey", "api_key", "token", "secret", "password"];

    /// <summary>Whether the name contains a credential fragment (<see cref="Fragments"/>) that no letter follows.</summary>
    public static bool ContainsFragment(ReadOnlySpan<char> name)
    {
        foreach (var fragment in Fragments)
        {
            var rest = name;
            int at;
            while ((at = rest.IndexOf(fragment, StringComparison.OrdinalIgnoreCase)) >= 0)
            {
                var end = at + fragment.Length;
                if (end == rest.Length || !char.IsAsciiLetter(rest[end]))
                {
                    return true;
                }

                rest = rest[(at + 1)..];
            }
        }

        return false;
    }

    /// <summary>Whether the name is a built-in credential name, '-' and '_' alike (<c>set_cookie</c>), or contains a
    /// credential fragment.</summary>
    public static bool IsCredential(ReadOnlySpan<char> name)
    {
        foreach (var builtIn in BuiltIn)
        {
            if (EqualsIgnoringCaseAndSeparator(name, builtIn))
            {
                return true;
            }
        }

        return ContainsFragment(name);
    }

    private static bool EqualsIgnoringCaseAndSeparator(ReadOnlySpan<char> name, string builtIn)
    {
        if (name.Length != builtIn.Length)
        {
            return false;
        }

        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i] == '_' ? '-' : name[i];
            if (char.ToLowerInvariant(c) != char.ToLowerInvariant(builtIn[i]))
            {
                return false;
            }
        }

        return true;
    }
}
