using BenchmarkDotNet.Attributes;

namespace Propagation.Benchmarks.Propagation;

/// <summary>
/// Legacy, B3 and composite extract/inject. Targets: every extract allocates 0 bytes when there
/// is no conflict and no baggage; inject allocates only the header strings it writes.
/// Run: <c>dotnet run -c Release --project benchmarks/Propagation.Benchmarks -- --filter '*CompositeBenchmarks*'</c>.
/// </summary>
[MemoryDiagnoser]
public class CompositeBenchmarks
{
    private const string Trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    private const string Span = "00f067aa0ba902b7";

    private static readonly HeaderGetter<IDictionary<string, string>> Getter = Carriers.DictionaryGetter;
    private static readonly HeaderSetter<IDictionary<string, string>> Setter = Carriers.DictionarySetter;

    private readonly LegacyFormat _legacy = new();
    private readonly LegacyFormat _legacyUuid = new(LegacyIdFormat.Uuid, sampled: true);
    private readonly B3Format _b3 = new();
    private readonly B3SingleFormat _b3Single = new();
    private readonly TracePropagator _composite = new();
    private readonly TracePropagator _compositeWithHealth = new(new PropagationOptions(), new PropagationHealth());

    private readonly IDictionary<string, string> _legacyHex = Headers(("X-Trace-ID", Trace), ("X-Span-ID", Span));
    private readonly IDictionary<string, string> _legacyUuidHeaders = Headers(("X-Trace-ID", "4bf92f35-77b3-4da6-a3ce-929d0e0e4736"), ("X-Span-ID", Span));
    private readonly IDictionary<string, string> _b3Multi = Headers(("X-B3-TraceId", Trace), ("X-B3-SpanId", Span), ("X-B3-Sampled", "1"));
    private readonly IDictionary<string, string> _b3SingleHeaders = Headers(("b3", Trace + "-" + Span + "-1"));
    private readonly IDictionary<string, string> _traceParent = Headers(("traceparent", "00-" + Trace + "-" + Span + "-01"));
    private readonly IDictionary<string, string> _agreeing = Headers(("traceparent", "00-" + Trace + "-" + Span + "-01"), ("X-Trace-ID", Trace), ("X-Span-ID", Span));
    private readonly IDictionary<string, string> _conflict = Headers(("traceparent", "00-" + Trace + "-" + Span + "-01"), ("X-Trace-ID", "80f198ee56343ba864fe8b2a57d3eff7"), ("X-Span-ID", Span));
    private readonly IDictionary<string, string> _output = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
    private readonly PropagatedContext _context = new(new TraceId(0x4bf92f3577b34da6, 0xa3ce929d0e0e4736), new SpanId(0x00f067aa0ba902b7), TraceFlags.Sampled, null, PropagationFormat.None);

    [Benchmark]
    public bool Legacy_Extract_Hex()
    {
        var issues = PropagationIssues.None;
        return _legacy.TryExtract(_legacyHex, Getter, out _, ref issues);
    }

    [Benchmark]
    public bool Legacy_Extract_Uuid()
    {
        var issues = PropagationIssues.None;
        return _legacy.TryExtract(_legacyUuidHeaders, Getter, out _, ref issues);
    }

    [Benchmark]
    public bool B3_Extract()
    {
        var issues = PropagationIssues.None;
        return _b3.TryExtract(_b3Multi, Getter, out _, ref issues);
    }

    [Benchmark]
    public bool B3Single_Extract()
    {
        var issues = PropagationIssues.None;
        return _b3Single.TryExtract(_b3SingleHeaders, Getter, out _, ref issues);
    }

    [Benchmark]
    public PropagationIssues Composite_Extract_TraceParent() => _composite.Extract(_traceParent, Getter).Issues;

    [Benchmark]
    public PropagationIssues Composite_Extract_LegacyOnly() => _composite.Extract(_legacyHex, Getter).Issues;

    [Benchmark]
    public PropagationIssues Composite_Extract_Agreeing() => _composite.Extract(_agreeing, Getter).Issues;

    [Benchmark]
    public PropagationIssues Composite_Extract_TraceParent_WithHealth() => _compositeWithHealth.Extract(_traceParent, Getter).Issues;

    [Benchmark]
    public int Composite_Extract_Conflict() => _composite.Extract(_conflict, Getter).Links.Count;

    [Benchmark]
    public void Legacy_Inject_Hex() => _legacy.Inject(_context, _output, Setter);

    [Benchmark]
    public void Legacy_Inject_Uuid() => _legacyUuid.Inject(_context, _output, Setter);

    [Benchmark]
    public void B3_Inject() => _b3.Inject(_context, _output, Setter);

    [Benchmark]
    public void B3Single_Inject() => _b3Single.Inject(_context, _output, Setter);

    [Benchmark]
    public void Composite_Inject_Default() => _composite.Inject(_context, null, _output, Setter);

    private static Dictionary<string, string> Headers(params (string Name, string Value)[] headers)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in headers)
        {
            result[name] = value;
        }

        return result;
    }
}
