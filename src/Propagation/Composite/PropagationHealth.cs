using System.Diagnostics.Metrics;
using System.Numerics;

namespace Propagation;

/// <summary>
/// Thread-safe counts of every <see cref="PropagationIssues"/> reason seen on inbound requests,
/// optionally published as the <c>System.Diagnostics.Metrics</c> counter
/// <c>propagation.inbound.issues</c> (tag <c>reason</c>) and <c>propagation.inbound.requests</c>.
/// </summary>
/// <remarks>
/// Each instance has its own counters (no process-wide state), so several hosts with different
/// options can run in one process. Reason names are snake_case (<c>traceparent_invalid</c>,
/// <c>format_conflict</c>, ...); see <see cref="GetReasonName"/>.
/// </remarks>
public sealed class PropagationHealth
{
    /// <summary>The meter name used when the health creates its meter from an <see cref="IMeterFactory"/>.</summary>
    public const string MeterName = "Propagation";

    /// <summary>The name of the counter of issues, tagged with <see cref="ReasonTag"/>.</summary>
    public const string IssuesInstrumentName = "propagation.inbound.issues";

    /// <summary>The name of the counter of examined requests.</summary>
    public const string RequestsInstrumentName = "propagation.inbound.requests";

    /// <summary>The tag that carries the reason name on <see cref="IssuesInstrumentName"/>.</summary>
    public const string ReasonTag = "reason";

    private const int Bits = 32;

    private static readonly string[] ReasonNames = CreateReasonNames();

    private readonly long[] _counts = new long[Bits];
    private readonly Counter<long>? _issues;
    private readonly Counter<long>? _requests;
    private long _total;

    /// <summary>Creates a health that only counts (no metrics).</summary>
    public PropagationHealth()
    {
    }

    /// <summary>Creates a health that also publishes its counters on a meter named <see cref="MeterName"/> created by <paramref name="meterFactory"/>.</summary>
    /// <param name="meterFactory">The factory of the host's meters (it owns and disposes the meter).</param>
    public PropagationHealth(IMeterFactory meterFactory)
        : this(CreateMeter(meterFactory))
    {
    }

    /// <summary>Creates a health that also publishes its counters on <paramref name="meter"/>.</summary>
    /// <param name="meter">The meter to create the instruments on (owned by the caller).</param>
    public PropagationHealth(Meter meter)
    {
        ArgumentNullException.ThrowIfNull(meter);
        _issues = meter.CreateCounter<long>(IssuesInstrumentName, "{issue}", "Inbound trace context issues by reason: headers rejected, trimmed or overridden, contexts that arrived unsampled, trust decider failures.");
        _requests = meter.CreateCounter<long>(RequestsInstrumentName, "{request}", "Inbound requests whose trace headers were examined.");
    }

    /// <summary>Gets the number of requests recorded.</summary>
    public long TotalRequests => Interlocked.Read(ref _total);

    /// <summary>Gets the snake_case name of one reason (for example <c>traceparent_invalid</c>).</summary>
    /// <param name="reason">A single flag.</param>
    /// <returns>The name.</returns>
    /// <exception cref="ArgumentException"><paramref name="reason"/> is not exactly one flag.</exception>
    public static string GetReasonName(PropagationIssues reason) => ReasonNames[SingleBit(reason)];

    /// <summary>Records the issues of one examined request: the request count and one count per set flag.</summary>
    /// <param name="issues">The issues of the request (<see cref="PropagationIssues.None"/> counts the request only).</param>
    public void Record(PropagationIssues issues)
    {
        Interlocked.Increment(ref _total);
        _requests?.Add(1);
        RecordAdditional(issues);
    }

    /// <summary>Counts more issues of a request already recorded (the request is not counted again).</summary>
    internal void RecordAdditional(PropagationIssues issues)
    {
        var bits = (uint)issues;
        while (bits != 0)
        {
            var bit = BitOperations.TrailingZeroCount(bits);
            bits &= bits - 1;
            Interlocked.Increment(ref _counts[bit]);
            _issues?.Add(1, new KeyValuePair<string, object?>(ReasonTag, ReasonNames[bit]));
        }
    }

    /// <summary>Gets how many requests had one reason.</summary>
    /// <param name="reason">A single flag.</param>
    /// <returns>The count.</returns>
    /// <exception cref="ArgumentException"><paramref name="reason"/> is not exactly one flag.</exception>
    public long GetCount(PropagationIssues reason) => Interlocked.Read(ref _counts[SingleBit(reason)]);

    /// <summary>Takes a snapshot of every defined reason's count, keyed by its snake_case name.</summary>
    /// <returns>A new dictionary (zero counts included for every defined reason).</returns>
    public IReadOnlyDictionary<string, long> GetSnapshot()
    {
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        for (var bit = 0; bit < Bits; bit++)
        {
            var count = Interlocked.Read(ref _counts[bit]);
            if (count != 0 || Enum.IsDefined((PropagationIssues)(1 << bit)))
            {
                result[ReasonNames[bit]] = count;
            }
        }

        return result;
    }

    private static Meter CreateMeter(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        return meterFactory.Create(new MeterOptions(MeterName));
    }

    private static int SingleBit(PropagationIssues reason)
    {
        var bits = (uint)reason;
        if (bits == 0 || (bits & (bits - 1)) != 0)
        {
            throw new ArgumentException($"Pass exactly one PropagationIssues flag, not {reason}.", nameof(reason));
        }

        return BitOperations.TrailingZeroCount(bits);
    }

    private static string[] CreateReasonNames()
    {
        var names = new string[Bits];
        for (var bit = 0; bit < Bits; bit++)
        {
            var flag = (PropagationIssues)(1 << bit);
            names[bit] = Enum.IsDefined(flag) ? ToSnakeCase(flag.ToString()) : "bit_" + bit.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return names;
    }

    /// <summary>TraceParentInvalid → traceparent_invalid; B3Invalid → b3_invalid.</summary>
    private static string ToSnakeCase(string name)
    {
        // "TraceParent" and "TraceState" are single words on the wire.
        name = name.Replace("TraceParent", "Traceparent", StringComparison.Ordinal)
            .Replace("TraceState", "Tracestate", StringComparison.Ordinal);
        var builder = new System.Text.StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0)
                {
                    builder.Append('_');
                }

                builder.Append(char.ToLowerInvariant(c));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }
}
