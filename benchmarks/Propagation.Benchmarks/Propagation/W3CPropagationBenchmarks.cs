using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using OTelBaggage = OpenTelemetry.Baggage;
using OTelBaggagePropagator = OpenTelemetry.Context.Propagation.BaggagePropagator;
using OTelPropagationContext = OpenTelemetry.Context.Propagation.PropagationContext;
using OTelTraceContextPropagator = OpenTelemetry.Context.Propagation.TraceContextPropagator;

namespace Propagation.Benchmarks;

/// <summary>
/// W3C Trace Context and Baggage, extract and inject, in one run: ours against OpenTelemetry.Api 1.20.1
/// (<c>TraceContextPropagator</c>, <c>BaggagePropagator</c>) and the BCL's
/// <c>DistributedContextPropagator.CreateDefaultPropagator()</c>, with a hand-written minimal parse as the floor.
/// </summary>
/// <remarks>
/// Run: <c>dotnet run -c Release --project benchmarks/Propagation.Benchmarks -- --filter '*W3CPropagationBenchmarks*'</c>.
/// Each category has its own baseline (see the Ratio column). Targets: "Extract traceparent" ours at most 1.5x the
/// floor with 0 B; "Extract traceparent+tracestate" ours at most 0.5x OpenTelemetry with 0 B; inject allocates only
/// the header strings. Every carrier is a case-insensitive <see cref="Dictionary{TKey, TValue}"/>; OpenTelemetry's
/// carrier holds <c>string[]</c> values so its getter returns them without allocating.
/// </remarks>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class W3CPropagationBenchmarks
{
    private const string TraceParentValue = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    private const string TraceStateValue = "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE,fw529a3039@dt=W2ZvbyxiYXJd";
    private const string BaggageValue = "userId=alice,serverNode=DF%2028,isProduction=false";

    private static readonly HeaderGetter<IDictionary<string, string>> OurGetter = Carriers.DictionaryGetter;
    private static readonly HeaderSetter<IDictionary<string, string>> OurSetter = Carriers.DictionarySetter;

    private static readonly Func<Dictionary<string, string[]>, string, IEnumerable<string>?> OTelGetter =
        static (carrier, name) => carrier.TryGetValue(name, out var values) ? values : null;

    private static readonly Action<Dictionary<string, string>, string, string> OTelSetter =
        static (carrier, name, value) => carrier[name] = value;

    private static readonly DistributedContextPropagator.PropagatorGetterCallback BclGetter = static (object? carrier, string name, out string? value, out IEnumerable<string>? values) =>
    {
        values = null;
        value = ((Dictionary<string, string>)carrier!).TryGetValue(name, out var found) ? found : null;
    };

    private static readonly DistributedContextPropagator.PropagatorSetterCallback BclSetter = static (carrier, name, value) =>
        ((Dictionary<string, string>)carrier!)[name] = value;

    private readonly OTelTraceContextPropagator _otelTraceContext = new();
    private readonly OTelBaggagePropagator _otelBaggage = new();
    private readonly DistributedContextPropagator _bcl = DistributedContextPropagator.CreateDefaultPropagator();

    private Dictionary<string, string> _traceParentOnly = null!;
    private Dictionary<string, string> _withTraceState = null!;
    private Dictionary<string, string> _withBaggage = null!;
    private Dictionary<string, string[]> _otelTraceParentOnly = null!;
    private Dictionary<string, string[]> _otelWithTraceState = null!;
    private Dictionary<string, string[]> _otelWithBaggage = null!;
    private Dictionary<string, string> _output = null!;

    private Activity _plainActivity = null!;
    private Activity _stateActivity = null!;
    private Activity _baggageActivity = null!;
    private Baggage _ourBaggage = null!;
    private OTelBaggage _otelBaggageValue;

    [GlobalSetup]
    public void Setup()
    {
        _traceParentOnly = Carrier(("traceparent", TraceParentValue));
        _withTraceState = Carrier(("traceparent", TraceParentValue), ("tracestate", TraceStateValue));
        _withBaggage = Carrier(("traceparent", TraceParentValue), ("tracestate", TraceStateValue), ("baggage", BaggageValue));
        _otelTraceParentOnly = OTelCarrier(_traceParentOnly);
        _otelWithTraceState = OTelCarrier(_withTraceState);
        _otelWithBaggage = OTelCarrier(_withBaggage);
        _output = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

        _plainActivity = NewActivity(null);
        _stateActivity = NewActivity(TraceStateValue);
        _baggageActivity = NewActivity(TraceStateValue);
        _baggageActivity.AddBaggage("isProduction", "false");
        _baggageActivity.AddBaggage("serverNode", "DF 28");
        _baggageActivity.AddBaggage("userId", "alice");

        _ourBaggage = Baggage.Create(_baggageActivity.Baggage);
        _otelBaggageValue = OTelBaggage.Create(new Dictionary<string, string>
        {
            ["userId"] = "alice",
            ["serverNode"] = "DF 28",
            ["isProduction"] = "false",
        });

        // Prime every inject path so the output dictionary has its entries and never grows.
        InjectBaggage_Ours();
        InjectBaggage_OpenTelemetry();
        InjectBaggage_Bcl();
    }

    // ---- Extract: traceparent alone ----

    /// <summary>The floor: look the header up, slice, hex-parse the ids into ulongs; no validation beyond hex.</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Extract traceparent")]
    public ulong ExtractTraceParent_Floor()
    {
        if (!_traceParentOnly.TryGetValue("traceparent", out var value) || value.Length < 55)
        {
            return 0;
        }

        return FloorParse(value);
    }

    [Benchmark]
    [BenchmarkCategory("Extract traceparent")]
    public ulong ExtractTraceParent_Ours()
    {
        var issues = PropagationIssues.None;
        TraceContextFormat.Instance.TryExtract<IDictionary<string, string>>(_traceParentOnly, OurGetter, out var context, ref issues);
        return context.SpanId.Value;
    }

    [Benchmark]
    [BenchmarkCategory("Extract traceparent")]
    public ActivityContext ExtractTraceParent_OpenTelemetry() =>
        _otelTraceContext.Extract(default, _otelTraceParentOnly, OTelGetter).ActivityContext;

    [Benchmark]
    [BenchmarkCategory("Extract traceparent")]
    public string? ExtractTraceParent_Bcl()
    {
        _bcl.ExtractTraceIdAndState(_traceParentOnly, BclGetter, out var traceId, out _);
        return traceId;
    }

    // ---- Parse only, no carrier ----

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Parse traceparent (no carrier)")]
    public ulong ParseTraceParent_Floor() => FloorParse(TraceParentValue);

    [Benchmark]
    [BenchmarkCategory("Parse traceparent (no carrier)")]
    public ulong ParseTraceParent_Ours()
    {
        TraceParent.TryParse(TraceParentValue, out var traceId, out var parentId, out _);
        return traceId.High ^ traceId.Low ^ parentId.Value;
    }

    // ---- Extract: traceparent + 3-member tracestate ----

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Extract traceparent+tracestate")]
    public ActivityContext ExtractTraceState_OpenTelemetry() =>
        _otelTraceContext.Extract(default, _otelWithTraceState, OTelGetter).ActivityContext;

    [Benchmark]
    [BenchmarkCategory("Extract traceparent+tracestate")]
    public string? ExtractTraceState_Ours()
    {
        var issues = PropagationIssues.None;
        TraceContextFormat.Instance.TryExtract<IDictionary<string, string>>(_withTraceState, OurGetter, out var context, ref issues);
        return context.TraceState;
    }

    [Benchmark]
    [BenchmarkCategory("Extract traceparent+tracestate")]
    public string? ExtractTraceState_Bcl()
    {
        _bcl.ExtractTraceIdAndState(_withTraceState, BclGetter, out _, out var traceState);
        return traceState;
    }

    // ---- Extract: traceparent + tracestate + 3-member baggage ----

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Extract with baggage")]
    public int ExtractBaggage_OpenTelemetry()
    {
        var context = _otelTraceContext.Extract(default, _otelWithBaggage, OTelGetter);
        context = _otelBaggage.Extract(context, _otelWithBaggage, OTelGetter);
        return context.Baggage.Count;
    }

    [Benchmark]
    [BenchmarkCategory("Extract with baggage")]
    public int ExtractBaggage_Ours()
    {
        var issues = PropagationIssues.None;
        TraceContextFormat.Instance.TryExtract<IDictionary<string, string>>(_withBaggage, OurGetter, out _, ref issues);
        BaggageFormat.Instance.TryExtract<IDictionary<string, string>>(_withBaggage, OurGetter, out var baggage, ref issues);
        return baggage.Count;
    }

    [Benchmark]
    [BenchmarkCategory("Extract with baggage")]
    public int ExtractBaggage_Bcl()
    {
        _bcl.ExtractTraceIdAndState(_withBaggage, BclGetter, out _, out _);
        var count = 0;
        foreach (var unused in _bcl.ExtractBaggage(_withBaggage, BclGetter) ?? [])
        {
            count++;
        }

        return count;
    }

    // ---- Inject: traceparent alone ----

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Inject traceparent")]
    public void InjectTraceParent_OpenTelemetry() =>
        _otelTraceContext.Inject(new OTelPropagationContext(_plainActivity.Context, default), _output, OTelSetter);

    [Benchmark]
    [BenchmarkCategory("Inject traceparent")]
    public void InjectTraceParent_Ours() =>
        TraceContextFormat.Instance.Inject<IDictionary<string, string>>(PropagatedContext.FromActivity(_plainActivity), _output, OurSetter);

    [Benchmark]
    [BenchmarkCategory("Inject traceparent")]
    public void InjectTraceParent_Bcl() => _bcl.Inject(_plainActivity, _output, BclSetter);

    // ---- Inject: traceparent + tracestate ----

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Inject traceparent+tracestate")]
    public void InjectTraceState_OpenTelemetry() =>
        _otelTraceContext.Inject(new OTelPropagationContext(_stateActivity.Context, default), _output, OTelSetter);

    [Benchmark]
    [BenchmarkCategory("Inject traceparent+tracestate")]
    public void InjectTraceState_Ours() =>
        TraceContextFormat.Instance.Inject<IDictionary<string, string>>(PropagatedContext.FromActivity(_stateActivity), _output, OurSetter);

    [Benchmark]
    [BenchmarkCategory("Inject traceparent+tracestate")]
    public void InjectTraceState_Bcl() => _bcl.Inject(_stateActivity, _output, BclSetter);

    // ---- Inject: traceparent + tracestate + 3-member baggage ----

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Inject with baggage")]
    public void InjectBaggage_OpenTelemetry()
    {
        var context = new OTelPropagationContext(_baggageActivity.Context, _otelBaggageValue);
        _otelTraceContext.Inject(context, _output, OTelSetter);
        _otelBaggage.Inject(context, _output, OTelSetter);
    }

    [Benchmark]
    [BenchmarkCategory("Inject with baggage")]
    public void InjectBaggage_Ours()
    {
        TraceContextFormat.Instance.Inject<IDictionary<string, string>>(PropagatedContext.FromActivity(_baggageActivity), _output, OurSetter);
        BaggageFormat.Instance.Inject<IDictionary<string, string>>(_ourBaggage, _output, OurSetter);
    }

    [Benchmark]
    [BenchmarkCategory("Inject with baggage")]
    public void InjectBaggage_OursFromActivityBaggage()
    {
        TraceContextFormat.Instance.Inject<IDictionary<string, string>>(PropagatedContext.FromActivity(_baggageActivity), _output, OurSetter);
        BaggageFormat.Instance.Inject<IDictionary<string, string>>(_baggageActivity.Baggage, _output, OurSetter);
    }

    [Benchmark]
    [BenchmarkCategory("Inject with baggage")]
    public void InjectBaggage_Bcl() => _bcl.Inject(_baggageActivity, _output, BclSetter);

    [GlobalCleanup]
    public void Cleanup()
    {
        _plainActivity.Dispose();
        _stateActivity.Dispose();
        _baggageActivity.Dispose();
    }

    private static ulong FloorParse(string value)
    {
        var span = value.AsSpan();
        ulong.TryParse(span.Slice(3, 16), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var high);
        ulong.TryParse(span.Slice(19, 16), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var low);
        ulong.TryParse(span.Slice(36, 16), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var parent);
        return high ^ low ^ parent;
    }

    private static Dictionary<string, string> Carrier(params (string Name, string Value)[] headers)
    {
        var carrier = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in headers)
        {
            carrier[name] = value;
        }

        return carrier;
    }

    private static Dictionary<string, string[]> OTelCarrier(Dictionary<string, string> source)
    {
        var carrier = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in source)
        {
            carrier[name] = [value];
        }

        return carrier;
    }

    private static Activity NewActivity(string? traceState)
    {
        var activity = new Activity("W3CPropagationBenchmarks");
        activity.SetIdFormat(ActivityIdFormat.W3C);
        activity.ActivityTraceFlags = ActivityTraceFlags.Recorded;
        activity.TraceStateString = traceState;
        activity.Start();
        activity.Stop();
        return activity;
    }
}
