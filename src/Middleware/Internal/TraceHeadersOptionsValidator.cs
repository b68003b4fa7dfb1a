using System.Globalization;
using Microsoft.Extensions.Options;

namespace Propagation.Middleware.Internal;

/// <summary>Validates each client's <see cref="TraceHeadersOptions"/> once (at start-up, or when the client is first created) and lists every error together.</summary>
internal sealed class TraceHeadersOptionsValidator : IValidateOptions<TraceHeadersOptions>
{
    /// <summary>The longest <see cref="TraceHeadersOptions.PeerService"/> accepted: a service name, not a payload.</summary>
    public const int MaxPeerServiceLength = 256;

    public ValidateOptionsResult Validate(string? name, TraceHeadersOptions options)
    {
        var errors = Collect(name, options);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    internal static List<string> Collect(string? name, TraceHeadersOptions options)
    {
        var errors = new List<string>();
        if (options.Scope is { } scope && !Enum.IsDefined(scope))
        {
            errors.Add($"TraceHeadersOptions.Scope of HttpClient '{HeaderRules.Printable(name)}' has the undefined value {(int)scope}; use Full, TraceParentOnly or None, or leave it null.");
        }

        var peer = options.PeerService;
        if (peer is null)
        {
            return errors;
        }

        var property = $"TraceHeadersOptions.PeerService of HttpClient '{HeaderRules.Printable(name)}'";
        if (string.IsNullOrWhiteSpace(peer))
        {
            errors.Add($"{property} is blank; set the called service's name or leave it null.");
        }
        else if (peer.Length > MaxPeerServiceLength)
        {
            errors.Add($"{property} is {peer.Length} characters long; a service name has at most {MaxPeerServiceLength}.");
        }
        else if (HasControl(peer))
        {
            errors.Add($"{property} '{HeaderRules.Printable(peer)}' contains control characters; use the called service's name as it reports it.");
        }

        return errors;
    }

    /// <summary>C0/C1 controls, line and paragraph separators, and invisible format characters (bidirectional controls among them).</summary>
    private static bool HasControl(string value)
    {
        foreach (var c in value)
        {
            if (char.GetUnicodeCategory(c) is UnicodeCategory.Control or UnicodeCategory.Format
                or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)
            {
                return true;
            }
        }

        return false;
    }
}
