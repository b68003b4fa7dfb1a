namespace Propagation.Tests;

/// <summary>
/// A case-insensitive multi-line header carrier for tests (what HTTP and gRPC carriers look like).
/// A value containing <see cref="LineSeparator"/> is stored as several lines.
/// </summary>
internal sealed class TestHeaders
{
    /// <summary>Separates lines in test data (a value with it becomes several header lines).</summary>
    public const char LineSeparator = '\u001E';

    private readonly Dictionary<string, string?[]> _lines = new(StringComparer.OrdinalIgnoreCase);

    public static HeaderGetter<TestHeaders> Getter { get; } = static (carrier, name) =>
        !carrier._lines.TryGetValue(name, out var lines) ? default : lines.Length == 1 ? new HeaderValues(lines[0]) : new HeaderValues(lines);

    public static HeaderSetter<TestHeaders> Setter { get; } = static (carrier, name, value) =>
    {
        carrier._lines[name] = [value];
        carrier.SetCount++;
    };

    public int SetCount { get; private set; }

    public IReadOnlyCollection<string> Names => _lines.Keys;

    public string? this[string name]
    {
        get => _lines.TryGetValue(name, out var lines) ? string.Join(LineSeparator, lines) : null;
        set
        {
            if (value is null)
            {
                _lines.Remove(name);
            }
            else
            {
                _lines[name] = value.Split(LineSeparator);
            }
        }
    }

    public static TestHeaders Of(params (string Name, string? Value)[] headers)
    {
        var result = new TestHeaders();
        foreach (var (name, value) in headers)
        {
            result[name] = value;
        }

        return result;
    }

    public string[] GetLines(string name) => _lines.TryGetValue(name, out var lines) ? Array.ConvertAll(lines, static line => line ?? "<null>") : [];

    /// <summary>A copy of every header and line, to check a carrier was not changed.</summary>
    public Dictionary<string, string?[]> Snapshot()
    {
        var copy = new Dictionary<string, string?[]>(StringComparer.OrdinalIgnoreCase);
        foreach (var pair in _lines)
        {
            copy[pair.Key] = (string?[])pair.Value.Clone();
        }

        return copy;
    }

    public bool Matches(Dictionary<string, string?[]> snapshot)
    {
        if (snapshot.Count != _lines.Count)
        {
            return false;
        }

        foreach (var pair in snapshot)
        {
            if (!_lines.TryGetValue(pair.Key, out var lines) || !lines.AsSpan().SequenceEqual(pair.Value))
            {
                return false;
            }
        }

        return true;
    }
}
