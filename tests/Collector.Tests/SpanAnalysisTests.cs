using System.Diagnostics;
using Propagation.Collector;
using static Propagation.Collector.Tests.TestSpans;

namespace Propagation.Collector.Tests;

public sealed class SpanAnalysisTests
{
    // Trace 1, times in ms:            services   parent
    //   R  0 ──────────────── 100      a          -
    //   A  0 ── 30                     a          R
    //   B     20 ─────────── 90        b (error)  R
    //   C        40 ── 60              b          B
    //   D              65 ── 85        b          B
    //   O                       95 ── 105  c      (missing 99)
    private static StoredSpan[] KnownTrace() =>
    [
        Create(1, 1, name: "R", service: "a", startMs: 0, durationMs: 100),
        Create(1, 2, parent: 1, name: "A", service: "a", startMs: 0, durationMs: 30),
        Create(1, 3, parent: 1, name: "B", service: "b", startMs: 20, durationMs: 70, status: ActivityStatusCode.Error),
        Create(1, 4, parent: 3, name: "C", service: "b", startMs: 40, durationMs: 20),
        Create(1, 5, parent: 3, name: "D", service: "b", startMs: 65, durationMs: 20),
        Create(1, 6, parent: 99, name: "O", service: "c", startMs: 95, durationMs: 10),
    ];

    [Fact]
    public void SummarizeTrace_KnownTrace_ReportsShape()
    {
        var summary = SpanAnalysis.SummarizeTrace(KnownTrace());

        Assert.Equal(TraceIdOf(1), summary.TraceId);
        Assert.Equal(6, summary.SpanCount);
        Assert.Equal(Origin, summary.StartTime);
        Assert.Equal(TimeSpan.FromMilliseconds(105), summary.Duration);
        Assert.Equal(["a", "b", "c"], summary.Services);
        Assert.Equal("R", summary.Root!.Name);
        Assert.Equal(["R", "B", "C", "D"], summary.CriticalPath.Select(s => s.Name));
        Assert.Equal(["O"], summary.OrphanSpans.Select(s => s.Name));
        Assert.Equal(["B"], summary.ErrorSpans.Select(s => s.Name));
    }

    [Fact]
    public void SummarizeTrace_PerServiceTraceWithRemoteParent_OnlyLocalParentMissingIsOrphan()
    {
        // The kernel's own store: its server span's parent is the caller's client span, in the caller's store.
        StoredSpan[] spans =
        [
            Create(1, 1, parent: 77, name: "POST /kernel", service: "kernel", startMs: 0, durationMs: 100, kind: ActivityKind.Server, remoteParent: true),
            Create(1, 2, parent: 1, name: "invoke", service: "kernel", startMs: 10, durationMs: 80),
            Create(1, 3, parent: 88, name: "stray", service: "kernel", startMs: 20, durationMs: 10),
        ];

        var summary = SpanAnalysis.SummarizeTrace(spans);

        Assert.Equal(["stray"], summary.OrphanSpans.Select(s => s.Name));
        Assert.Equal("POST /kernel", summary.Root!.Name);
        Assert.Equal(["POST /kernel", "invoke"], summary.CriticalPath.Select(s => s.Name));
    }

    [Fact]
    public void SummarizeTrace_OrphanStartedFirst_RootIsTheEarliestRemoteParentSpanNotTheOrphan()
    {
        // Two entries from callers (a retried call, say) and a stray span that started before both.
        StoredSpan[] spans =
        [
            Create(1, 1, parent: 88, name: "stray", service: "kernel", startMs: 0, durationMs: 5),
            Create(1, 2, parent: 78, name: "second", service: "kernel", startMs: 30, durationMs: 10, kind: ActivityKind.Server, remoteParent: true),
            Create(1, 3, parent: 77, name: "first", service: "kernel", startMs: 10, durationMs: 10, kind: ActivityKind.Server, remoteParent: true),
            Create(1, 4, parent: 3, name: "child", service: "kernel", startMs: 12, durationMs: 5, remoteParent: false),
        ];

        var summary = SpanAnalysis.SummarizeTrace(spans);

        Assert.Equal("first", summary.Root!.Name);
    }

    [Fact]
    public void SummarizeTrace_SpanWithoutParentAndEarlierRemoteParentSpan_RootIsTheSpanWithoutParent()
    {
        StoredSpan[] spans =
        [
            Create(1, 1, parent: 77, name: "continued", service: "a", startMs: 0, durationMs: 50, kind: ActivityKind.Server, remoteParent: true),
            Create(1, 2, parent: null, name: "root", service: "a", startMs: 10, durationMs: 10),
        ];

        var summary = SpanAnalysis.SummarizeTrace(spans);

        Assert.Equal("root", summary.Root!.Name);
    }

    [Fact]
    public void SummarizeTrace_OnlyOrphansAndASelfParent_NoRoot()
    {
        StoredSpan[] spans =
        [
            Create(1, 1, parent: 88, name: "stray", service: "a", startMs: 0, durationMs: 5),
            Create(1, 2, parent: 2, name: "self", service: "a", startMs: 1, durationMs: 5, remoteParent: true),
        ];

        var summary = SpanAnalysis.SummarizeTrace(spans);

        Assert.Null(summary.Root);
    }

    [Fact]
    public void SummarizeTrace_ActivitiesUnderRemoteAndLocalParentContexts_OnlyTheLocalOneIsOrphan()
    {
        // Arrange: real activities, converted and stored as the exporter does.
        using var source = new SampledActivitySource("Propagation.Collector.Tests.Analysis");
        var store = NewStore();
        var traceId = ActivityTraceId.CreateRandom();
        var caller = new ActivityContext(traceId, ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded, isRemote: true);
        var unrecorded = new ActivityContext(traceId, ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded, isRemote: false);
        using (var server = source.Source.StartActivity("POST /kernel", ActivityKind.Server, caller)!)
        {
            using var child = source.Source.StartActivity("invoke")!;
            child.Stop();
            store.Add(child, "kernel");
            server.Stop();
            store.Add(server, "kernel");
        }

        using (var stray = source.Source.StartActivity("stray", ActivityKind.Internal, unrecorded)!)
        {
            stray.Stop();
            store.Add(StoredSpan.FromActivity(stray, "kernel"));
        }

        // Act
        var summary = SpanAnalysis.SummarizeTrace(store.GetTrace(traceId.ToHexString())!);

        // Assert
        Assert.Equal(3, summary.SpanCount);
        Assert.Equal(["stray"], summary.OrphanSpans.Select(s => s.Name));
        Assert.Equal("POST /kernel", summary.CriticalPath[0].Name);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SummarizeTrace_SpanIsItsOwnParent_IsOrphan(bool remoteParent)
    {
        StoredSpan[] spans =
        [
            Create(1, 1, name: "root", startMs: 0, durationMs: 100),
            Create(1, 2, parent: 2, name: "self", startMs: 10, durationMs: 10, remoteParent: remoteParent),
        ];

        var summary = SpanAnalysis.SummarizeTrace(spans);

        Assert.Equal(["self"], summary.OrphanSpans.Select(s => s.Name));
    }

    [Fact]
    public void SummarizeTrace_Empty_Throws()
    {
        Assert.Throws<ArgumentException>(() => SpanAnalysis.SummarizeTrace([]));
    }

    [Fact]
    public void GetCriticalPath_SequentialChildren_AllOnPath()
    {
        StoredSpan[] spans =
        [
            Create(1, 1, name: "root", startMs: 0, durationMs: 100),
            Create(1, 2, parent: 1, name: "first", startMs: 0, durationMs: 40),
            Create(1, 3, parent: 1, name: "second", startMs: 40, durationMs: 60),
        ];

        Assert.Equal(["root", "first", "second"], SpanAnalysis.GetCriticalPath(spans).Select(s => s.Name));
    }

    [Fact]
    public void GetCriticalPath_ParallelChildren_OnlyLastFinishingOnPath()
    {
        StoredSpan[] spans =
        [
            Create(1, 1, name: "root", startMs: 0, durationMs: 100),
            Create(1, 2, parent: 1, name: "fast", startMs: 5, durationMs: 20),
            Create(1, 3, parent: 1, name: "slow", startMs: 5, durationMs: 90),
        ];

        Assert.Equal(["root", "slow"], SpanAnalysis.GetCriticalPath(spans).Select(s => s.Name));
    }

    [Fact]
    public void GetCriticalPath_NoRoot_StartsAtEarliestOrphan()
    {
        StoredSpan[] spans =
        [
            Create(1, 2, parent: 50, name: "late", startMs: 30, durationMs: 10),
            Create(1, 3, parent: 50, name: "early", startMs: 0, durationMs: 20),
            Create(1, 4, parent: 3, name: "child", startMs: 5, durationMs: 10),
        ];

        Assert.Equal(["early", "child"], SpanAnalysis.GetCriticalPath(spans).Select(s => s.Name));
    }

    [Fact]
    public void GetCriticalPath_ParentCycle_Terminates()
    {
        StoredSpan[] spans =
        [
            Create(1, 1, name: "root", startMs: 0, durationMs: 100),
            Create(1, 2, parent: 3, name: "x", startMs: 10, durationMs: 10),
            Create(1, 3, parent: 2, name: "y", startMs: 20, durationMs: 10),
        ];

        Assert.Equal(["root"], SpanAnalysis.GetCriticalPath(spans).Select(s => s.Name));
    }

    [Fact]
    public void GetCriticalPath_ChainDeeperThanTenThousand_WholeChainWithoutStackOverflow()
    {
        // Each span covers its parent's whole interval, so every level is on the path.
        const int Depth = 50_000;
        var spans = new StoredSpan[Depth];
        for (var i = 0; i < Depth; i++)
        {
            spans[i] = Create(1, i + 1, parent: i == 0 ? null : i, name: "level", startMs: 0, durationMs: 10);
        }

        var path = SpanAnalysis.GetCriticalPath(spans);

        Assert.Equal(Depth, path.Count);
        Assert.Equal(SpanIdOf(Depth), path[^1].SpanId);
    }

    [Fact]
    public void GetCriticalPath_ChildStartingAfterParentEnded_NotOnPath()
    {
        // A fire-and-forget child that started once the root had already answered took no part in its latency.
        StoredSpan[] spans =
        [
            Create(1, 1, name: "root", startMs: 0, durationMs: 100),
            Create(1, 2, parent: 1, name: "work", startMs: 10, durationMs: 80),
            Create(1, 3, parent: 1, name: "background", startMs: 150, durationMs: 50),
        ];

        Assert.Equal(["root", "work"], SpanAnalysis.GetCriticalPath(spans).Select(s => s.Name));
    }

    [Fact]
    public void SummarizeTrace_OrphanStartedBeforeEntry_CriticalPathStartsAtTheRoot()
    {
        // A per-service store: the entry span's parent is remote; a stray span (local parent lost) started first.
        StoredSpan[] spans =
        [
            Create(1, 1, parent: 88, name: "stray", service: "kernel", startMs: 0, durationMs: 5),
            Create(1, 3, parent: 77, name: "entry", service: "kernel", startMs: 10, durationMs: 10, kind: ActivityKind.Server, remoteParent: true),
            Create(1, 4, parent: 3, name: "child", service: "kernel", startMs: 12, durationMs: 8),
        ];

        var summary = SpanAnalysis.SummarizeTrace(spans);

        Assert.Equal("entry", summary.Root!.Name);
        Assert.Equal(["entry", "child"], summary.CriticalPath.Select(s => s.Name));
        Assert.Equal(["entry", "child"], SpanAnalysis.GetCriticalPath(spans).Select(s => s.Name));
    }

    [Fact]
    public void GetOperationStatistics_OneToHundredMs_KnownPercentiles()
    {
        var spans = Enumerable.Range(1, 100)
            .Select(i => Create(i, i, name: "GET /x", service: "api", durationMs: i, kind: ActivityKind.Server,
                status: i % 10 == 0 ? ActivityStatusCode.Error : ActivityStatusCode.Unset))
            .Reverse()
            .ToList();

        var stats = Assert.Single(SpanAnalysis.GetOperationStatistics(spans));

        Assert.Equal("api", stats.ServiceName);
        Assert.Equal("GET /x", stats.Name);
        Assert.Equal(OperationClass.Http, stats.OperationClass);
        Assert.Equal(100, stats.Count);
        Assert.Equal(10, stats.ErrorCount);
        Assert.Equal(0.1, stats.ErrorRate, 10);
        Assert.Equal(TimeSpan.FromMilliseconds(50.5), stats.Mean);
        Assert.Equal(TimeSpan.FromMilliseconds(50), stats.P50);
        Assert.Equal(TimeSpan.FromMilliseconds(95), stats.P95);
        Assert.Equal(TimeSpan.FromMilliseconds(99), stats.P99);
        Assert.Equal(TimeSpan.FromMilliseconds(100), stats.Max);
        Assert.Equal(TimeSpan.FromMilliseconds(5050), stats.TotalDuration);
        Assert.Equal(PerformanceGrade.A, stats.Grade);
    }

    [Fact]
    public void GetOperationStatistics_DurationsSummingPastTimeSpanMaxValue_TotalSaturatesAndMeanIsExact()
    {
        // Possible through SpanStore.Add(StoredSpan), which takes any duration.
        var huge = TimeSpan.MaxValue - TimeSpan.FromTicks(1);
        StoredSpan[] spans =
        [
            new() { TraceId = TraceIdOf(1), SpanId = SpanIdOf(1), Name = "op", ServiceName = "svc", StartTime = Origin, Duration = huge },
            new() { TraceId = TraceIdOf(2), SpanId = SpanIdOf(2), Name = "op", ServiceName = "svc", StartTime = Origin, Duration = huge },
        ];

        var stats = Assert.Single(SpanAnalysis.GetOperationStatistics(spans));

        Assert.Equal(TimeSpan.MaxValue, stats.TotalDuration);
        Assert.Equal(huge, stats.Mean);
        Assert.Equal(huge, stats.Max);
    }

    [Fact]
    public void GetOperationStatistics_SameNameTwoServices_TwoOperationsSorted()
    {
        StoredSpan[] spans = [Create(1, 1, name: "op", service: "z"), Create(1, 2, name: "op", service: "a"), Create(1, 3, name: "b", service: "a")];

        var stats = SpanAnalysis.GetOperationStatistics(spans);

        Assert.Equal(["a/b", "a/op", "z/op"], stats.Select(s => s.ServiceName + "/" + s.Name));
    }

    [Fact]
    public void GetOperationStatistics_DatabaseP95At300Ms_GradesC()
    {
        var spans = Enumerable.Range(1, 20)
            .Select(i => Create(1, i, name: "SELECT", durationMs: 300, attributes: [new("db.system", "postgresql")]));

        var stats = Assert.Single(SpanAnalysis.GetOperationStatistics(spans));

        Assert.Equal(OperationClass.Database, stats.OperationClass);
        Assert.Equal(PerformanceGrade.C, stats.Grade);
    }

    [Fact]
    public void GetOperationStatistics_CustomThresholds_Used()
    {
        var grading = new PerformanceGradingOptions();
        grading.Other.A = TimeSpan.FromMilliseconds(1);
        grading.Other.B = TimeSpan.FromMilliseconds(2);
        grading.Other.C = TimeSpan.FromMilliseconds(3);
        grading.Other.D = TimeSpan.FromMilliseconds(4);

        var stats = Assert.Single(SpanAnalysis.GetOperationStatistics([Create(1, 1, durationMs: 10)], grading));

        Assert.Equal(PerformanceGrade.F, stats.Grade);
    }

    [Theory]
    [InlineData(OperationClass.Cache, 49.999, PerformanceGrade.A)]
    [InlineData(OperationClass.Cache, 50, PerformanceGrade.B)]
    [InlineData(OperationClass.Cache, 100, PerformanceGrade.C)]
    [InlineData(OperationClass.Cache, 200, PerformanceGrade.D)]
    [InlineData(OperationClass.Cache, 499.999, PerformanceGrade.D)]
    [InlineData(OperationClass.Cache, 500, PerformanceGrade.F)]
    [InlineData(OperationClass.Database, 99.999, PerformanceGrade.A)]
    [InlineData(OperationClass.Database, 100, PerformanceGrade.B)]
    [InlineData(OperationClass.Database, 250, PerformanceGrade.C)]
    [InlineData(OperationClass.Database, 500, PerformanceGrade.D)]
    [InlineData(OperationClass.Database, 1_000, PerformanceGrade.F)]
    [InlineData(OperationClass.AI, 1_999, PerformanceGrade.A)]
    [InlineData(OperationClass.AI, 2_000, PerformanceGrade.B)]
    [InlineData(OperationClass.AI, 5_000, PerformanceGrade.C)]
    [InlineData(OperationClass.AI, 10_000, PerformanceGrade.D)]
    [InlineData(OperationClass.AI, 20_000, PerformanceGrade.F)]
    [InlineData(OperationClass.Http, 199, PerformanceGrade.A)]
    [InlineData(OperationClass.Http, 200, PerformanceGrade.B)]
    [InlineData(OperationClass.Http, 500, PerformanceGrade.C)]
    [InlineData(OperationClass.Http, 1_000, PerformanceGrade.D)]
    [InlineData(OperationClass.Http, 1_999, PerformanceGrade.D)]
    [InlineData(OperationClass.Http, 2_000, PerformanceGrade.F)]
    [InlineData(OperationClass.Other, 2_000, PerformanceGrade.F)]
    [InlineData(OperationClass.Other, 0, PerformanceGrade.A)]
    public void Grade_DefaultThresholds_BoundariesExclusive(OperationClass operationClass, double milliseconds, PerformanceGrade expected)
    {
        var grading = new PerformanceGradingOptions();

        Assert.Equal(expected, grading.Grade(operationClass, TimeSpan.FromMilliseconds(milliseconds)));
    }

    public static TheoryData<string, ActivityKind, SpanTag[], OperationClass> ClassifyCases() => new()
    {
        { "chat gpt-4o", ActivityKind.Client, [], OperationClass.AI },
        { "complete", ActivityKind.Client, [new("gen_ai.system", "openai")], OperationClass.AI },
        { "GET", ActivityKind.Client, [new("db.system", "redis")], OperationClass.Cache },
        { "lookup", ActivityKind.Internal, [new("cache.hit", true)], OperationClass.Cache },
        { "MemoryStore.Get", ActivityKind.Internal, [], OperationClass.Cache },
        { "UserCache.Load", ActivityKind.Internal, [], OperationClass.Cache },
        { "SELECT users", ActivityKind.Client, [new("db.system", "postgresql")], OperationClass.Database },
        { "query", ActivityKind.Internal, [new("db.query.text", "SELECT 1")], OperationClass.Database },
        { "query", ActivityKind.Internal, [new(null!, "no key"), new("db.query.text", "SELECT 1")], OperationClass.Database },
        { "GET /orders", ActivityKind.Server, [new("http.request.method", "GET")], OperationClass.Http },
        { "Kernel/Run", ActivityKind.Internal, [new("rpc.system", "grpc")], OperationClass.Http },
        { "outbound", ActivityKind.Client, [], OperationClass.Http },
        { "compute", ActivityKind.Internal, [], OperationClass.Other },
    };

    [Theory]
    [MemberData(nameof(ClassifyCases))]
    public void Classify_Attributes_SelectsClass(string name, ActivityKind kind, SpanTag[] attributes, OperationClass expected)
    {
        Assert.Equal(expected, SpanAnalysis.Classify(Create(1, 1, name: name, kind: kind, attributes: attributes)));
    }

    [Fact]
    public void GetSlowOperations_Threshold_ReturnsOnlyAtOrAboveSlowestFirst()
    {
        var spans = new[]
        {
            Create(1, 1, name: "fast", durationMs: 10),
            Create(1, 2, name: "edge", durationMs: 100),
            Create(1, 3, name: "slow", durationMs: 300),
        };
        var operations = SpanAnalysis.GetOperationStatistics(spans);

        var slow = SpanAnalysis.GetSlowOperations(operations, TimeSpan.FromMilliseconds(100));

        Assert.Equal(["slow", "edge"], slow.Select(o => o.Name));
    }

    [Fact]
    public void GetSlowOperations_SameNameAndP95InManyServices_OrderedByService()
    {
        // Enough ties for List.Sort to leave insertion sort: only a total order keeps the answer the same every time.
        var spans = Enumerable.Range(0, 64)
            .Select(i => Create(1, i + 1, name: "GET /", service: $"s{i:00}", durationMs: 100))
            .ToArray();
        var operations = SpanAnalysis.GetOperationStatistics(spans);

        var slow = SpanAnalysis.GetSlowOperations(operations, TimeSpan.FromMilliseconds(50));

        Assert.Equal(operations.Select(o => o.ServiceName), slow.Select(o => o.ServiceName));
    }

    [Fact]
    public void GetSlowSpans_ThresholdAndLimit_SlowestFirst()
    {
        var spans = new[]
        {
            Create(1, 1, durationMs: 10),
            Create(1, 2, durationMs: 200),
            Create(1, 3, durationMs: 150),
            Create(1, 4, durationMs: 100),
        };

        var slow = SpanAnalysis.GetSlowSpans(spans, TimeSpan.FromMilliseconds(100), limit: 2);

        Assert.Equal([SpanIdOf(2), SpanIdOf(3)], slow.Select(s => s.SpanId));
    }

    [Fact]
    public void GetErrorSpans_StatusOrExceptionEvent_IncludedWithExceptions()
    {
        var exceptionEvent = new SpanEvent("exception", Origin, [
            new("exception.type", "System.TimeoutException"),
            new("exception.message", "took too long"),
            new("exception.stacktrace", "at X"),
        ]);
        var spans = new[]
        {
            Create(1, 1, name: "ok"),
            Create(1, 2, name: "failed", status: ActivityStatusCode.Error),
            Create(1, 3, name: "threw", events: [exceptionEvent, new SpanEvent("retry", Origin, [])]),
        };

        var errors = SpanAnalysis.GetErrorSpans(spans);

        Assert.Equal(["failed", "threw"], errors.Select(e => e.Span.Name));
        Assert.Empty(errors[0].Exceptions);
        var exception = Assert.Single(errors[1].Exceptions);
        Assert.Equal("System.TimeoutException", exception.Type);
        Assert.Equal("took too long", exception.Message);
        Assert.Equal("at X", exception.StackTrace);
        Assert.Equal(Origin, exception.Timestamp);
    }

    [Fact]
    public void GetBottlenecks_KnownOperations_RankedByImpactWithEvidence()
    {
        var spans = new List<StoredSpan>();
        var id = 1;
        for (var i = 0; i < 10; i++)
        {
            spans.Add(Create(1, id++, name: "X", durationMs: 100));
            spans.Add(Create(1, id++, name: "Y", durationMs: 50, status: i < 5 ? ActivityStatusCode.Error : ActivityStatusCode.Unset));
        }

        spans.Add(Create(1, id, name: "Z", durationMs: 900));
        var operations = SpanAnalysis.GetOperationStatistics(spans);

        var bottlenecks = SpanAnalysis.GetBottlenecks(operations, limit: 10);

        Assert.Equal(["Y", "X", "Z"], bottlenecks.Select(b => b.Operation.Name));
        var y = bottlenecks[0];
        Assert.Equal(50, y.DurationFactor, 6);
        Assert.Equal(10, y.FrequencyFactor, 6);
        Assert.Equal(1 + (SpanAnalysis.ErrorWeight * 0.5), y.ErrorFactor, 6);
        Assert.Equal(50 * 10 * (1 + (SpanAnalysis.ErrorWeight * 0.5)), y.ImpactScore, 6);
        Assert.Contains(y.Reasons, r => r.Contains("5 errors", StringComparison.Ordinal));
        Assert.Equal(1000, bottlenecks[1].ImpactScore, 6);
        Assert.Equal(900, bottlenecks[2].ImpactScore, 6);
        Assert.Equal(["Y"], SpanAnalysis.GetBottlenecks(operations, limit: 1).Select(b => b.Operation.Name));
    }

    [Fact]
    public void GetDependencies_ParentChildAcrossServicesAndPeers_BuildsEdges()
    {
        var spans = new[]
        {
            // Trace 1: frontend → backend → postgres (peer only).
            Create(1, 1, name: "GET /", service: "frontend", kind: ActivityKind.Server, durationMs: 100),
            Create(1, 2, parent: 1, name: "GET backend", service: "frontend", kind: ActivityKind.Client, durationMs: 50),
            Create(1, 3, parent: 2, name: "GET /api", service: "backend", kind: ActivityKind.Server, durationMs: 10),
            Create(1, 4, parent: 3, name: "SELECT", service: "backend", kind: ActivityKind.Client, durationMs: 5,
                attributes: [new("peer.service", "postgres")]),

            // Trace 2: frontend → backend, failing.
            Create(2, 1, name: "GET /", service: "frontend", kind: ActivityKind.Server, durationMs: 100),
            Create(2, 2, parent: 1, name: "GET backend", service: "frontend", kind: ActivityKind.Client, durationMs: 50),
            Create(2, 3, parent: 2, name: "GET /api", service: "backend", kind: ActivityKind.Server, durationMs: 30,
                status: ActivityStatusCode.Error),
        };

        var edges = SpanAnalysis.GetDependencies(spans);

        Assert.Equal(2, edges.Count);
        Assert.Equal(new DependencyEdge("backend", "postgres", 1, 0, 0, TimeSpan.FromMilliseconds(5)), edges[0]);
        Assert.Equal(new DependencyEdge("frontend", "backend", 2, 1, 0.5, TimeSpan.FromMilliseconds(30)), edges[1]);
    }

    [Fact]
    public void GetDependencies_ClientWithRemoteChild_NotCountedAgainAsPeer()
    {
        var spans = new[]
        {
            Create(1, 1, service: "a", kind: ActivityKind.Client, attributes: [new("server.address", "b.local")]),
            Create(1, 2, parent: 1, service: "b", kind: ActivityKind.Server),
        };

        var edge = Assert.Single(SpanAnalysis.GetDependencies(spans));

        Assert.Equal(("a", "b", 1), (edge.Caller, edge.Callee, edge.CallCount));
    }

    [Fact]
    public void GetDependencies_SelfCallThroughItsAddress_NoEdgeToTheAddress()
    {
        // Service a calls its own endpoint: the server span is stored, so the callee is a itself, not "localhost".
        var spans = new[]
        {
            Create(1, 1, service: "a", kind: ActivityKind.Client, attributes: [new("server.address", "localhost")]),
            Create(1, 2, parent: 1, service: "a", kind: ActivityKind.Server),
        };

        Assert.Empty(SpanAnalysis.GetDependencies(spans));
    }

    [Theory]
    [InlineData(7, 100, 7)]
    [InlineData(7, 300, 21)]
    [InlineData(50, 2, 1)]
    [InlineData(99, 2, 2)]
    [InlineData(99, 1, 1)]
    [InlineData(1, 100, 1)]
    public void Percentile_RankIsAWholeNumber_NoRoundingUpToTheNextRank(double percentile, int count, int expectedMs)
    {
        var sorted = Enumerable.Range(1, count).Select(i => TimeSpan.FromMilliseconds(i)).ToArray();

        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), SpanAnalysis.Percentile(sorted, percentile));
    }

    [Theory]
    [InlineData(50, 5)]
    [InlineData(95, 10)]
    [InlineData(0, 1)]
    [InlineData(100, 10)]
    public void Percentile_NearestRank_KnownValues(double percentile, int expectedMs)
    {
        var sorted = Enumerable.Range(1, 10).Select(i => TimeSpan.FromMilliseconds(i)).ToArray();

        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), SpanAnalysis.Percentile(sorted, percentile));
    }
}
