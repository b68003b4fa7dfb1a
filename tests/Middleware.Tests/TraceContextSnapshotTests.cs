using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Trace;
using Propagation.Middleware.Tests.Infrastructure;

namespace Propagation.Middleware.Tests;

[Collection(SerialCollection.Name)]
public sealed class TraceContextSnapshotTests
{
    [Fact]
    public async Task StartActivity_Child_ParentedToCapturedSpanWithItsBaggage()
    {
        // Arrange
        using var source = new ActivitySource("Tests." + Guid.NewGuid().ToString("N"));
        using var listener = new TestListener("/none", source.Name);
        TraceContextSnapshot snapshot;
        ActivityContext captured;
        using (var request = source.StartActivity("request"))
        {
            request!.AddBaggage("b", "2");
            request.AddBaggage("a", "1");
            captured = request.Context;
            snapshot = TraceContextSnapshot.Capture();
        }

        // Act
        var work = await Task.Run(() =>
        {
            using var activity = snapshot.StartActivity(source, "work", TraceRelationship.Child);
            return activity;
        });

        // Assert
        Assert.NotNull(work);
        Assert.Equal(captured.TraceId, work.TraceId);
        Assert.Equal(captured.SpanId, work.ParentSpanId);
        Assert.Equal(["a", "b"], work.Baggage.Select(b => b.Key));
        Assert.Empty(work.Links);
    }

    [Theory]
    [InlineData("00")]
    [InlineData("02")]
    public async Task StartActivity_ChildOfUnsampledSpan_SamplerDropsIt_WorksCallsCarryTheTraceUnsampled(string flags)
    {
        // Arrange: OpenTelemetry's default sampler (ParentBased(AlwaysOn)), which drops a local child of an unsampled span
        // (ActivitySamplingResult.None), over a request span continuing a caller's unsampled trace.
        using var source = new ActivitySource("Tests." + Guid.NewGuid().ToString("N"));
        using var tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource(source.Name)
            .SetSampler(new ParentBasedSampler(new AlwaysOnSampler()))
            .Build();
        var recorder = new RecordingHandler();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddTracing();
        services.AddHttpClient("work").ConfigurePrimaryHttpMessageHandler(() => recorder).AddTraceHeaders();
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("work");
        Activity.Current = null;
        Assert.True(ActivityContext.TryParse($"00-{ActivityTraceId.CreateRandom().ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-{flags}", null, isRemote: true, out var caller));
        TraceContextSnapshot snapshot;
        ActivitySpanId requestSpanId;
        using (var request = source.StartActivity("request", ActivityKind.Server, caller)!)
        {
            request.AddBaggage("tenant", "acme");
            requestSpanId = request.SpanId;
            snapshot = TraceContextSnapshot.Capture();
        }

        // Act: queued work, on a flow of its own (nothing current), calls another service.
        var (recorded, parentSpanId) = await Task.Run(async () =>
        {
            Activity.Current = null;
            using var work = snapshot.StartActivity(source, "work", TraceRelationship.Child);
            using var response = await client.GetAsync(new Uri("http://downstream.test/"));
            return (work?.Recorded, work?.ParentSpanId);
        });

        // Assert: the work is unrecorded and its call goes on in the caller's trace with its flags (never a new, sampled
        // trace) and the request's baggage.
        var sent = Assert.Single(recorder.Sent);
        var traceParent = Assert.Single(sent["traceparent"]);
        Assert.StartsWith($"00-{caller.TraceId.ToHexString()}-", traceParent, StringComparison.Ordinal);
        Assert.EndsWith("-" + flags, traceParent, StringComparison.Ordinal);
        Assert.Equal("tenant=acme", Assert.Single(sent["baggage"]));
        Assert.False(recorded);
        Assert.Equal(requestSpanId, parentSpanId);
    }

    [Fact]
    public void Capture_ChildOverridesParentBaggage_KeepsEachKeyOnceWithTheValueTheChildSees()
    {
        // Arrange
        using var source = new ActivitySource("Tests." + Guid.NewGuid().ToString("N"));
        using var listener = new TestListener("/none", source.Name);
        using var parent = source.StartActivity("parent")!;
        parent.AddBaggage("tenant", "acme");
        parent.AddBaggage("k", "old");
        parent.AddBaggage("gone", "x");
        using var request = source.StartActivity("request")!;
        request.AddBaggage("k", "new");
        request.AddBaggage("gone", null);
        var headers = new Dictionary<string, string>();

        // Act
        var snapshot = TraceContextSnapshot.Capture();
        using var work = snapshot.StartActivity(source, "work", TraceRelationship.Child)!;
        new TracePropagator().Inject(work, (IDictionary<string, string>)headers, Carriers.DictionarySetter);

        // Assert: what the request's span saw, once per key; the work's outbound baggage is the same.
        Assert.Equal([new("gone", null), new("k", "new"), new("tenant", "acme")], snapshot.Baggage);
        Assert.Equal(snapshot.Baggage, work.Baggage);
        Assert.Equal("gone=,k=new,tenant=acme", headers["baggage"]);
    }

    [Fact]
    public async Task Baggage_CallerCastsItToAWritableList_CannotChangeTheSnapshotItsCopiesOrConcurrentWorkers()
    {
        // Arrange: one snapshot handed to several concurrent workers (each holds a copy of the struct).
        using var source = new ActivitySource("Tests." + Guid.NewGuid().ToString("N"));
        using var listener = new TestListener("/none", source.Name);
        TraceContextSnapshot snapshot;
        using (var request = source.StartActivity("request")!)
        {
            request.AddBaggage("tenant", "acme");
            snapshot = TraceContextSnapshot.Capture();
        }

        var copy = snapshot;

        // Act: a caller writes through the list Baggage returns, as an array or an IList<T>.
        var written = 0;
        if (snapshot.Baggage is KeyValuePair<string, string?>[] array)
        {
            array[0] = new("tenant", "evil");
            written++;
        }

        if (snapshot.Baggage is IList<KeyValuePair<string, string?>> list)
        {
            Assert.True(list.IsReadOnly);
            Assert.Throws<NotSupportedException>(() => list[0] = new("tenant", "evil"));
        }

        var workers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            using var work = copy.StartActivity(source, "work", TraceRelationship.Child)!;
            return work.GetBaggageItem("tenant");
        })));

        // Assert
        Assert.Equal(0, written);
        Assert.Equal([new("tenant", "acme")], snapshot.Baggage);
        Assert.All(workers, value => Assert.Equal("acme", value));
    }

    [Fact]
    public void StartActivity_NewRootLinked_NewTraceLinkedToCapturedSpan()
    {
        // Arrange
        using var source = new ActivitySource("Tests." + Guid.NewGuid().ToString("N"));
        using var listener = new TestListener("/none", source.Name);
        using var request = source.StartActivity("request")!;
        request.AddBaggage("tenant", "acme");
        var snapshot = TraceContextSnapshot.Capture();

        // Act
        using var work = snapshot.StartActivity(source, "work", TraceRelationship.NewRootLinked, ActivityKind.Consumer);

        // Assert
        Assert.NotNull(work);
        Assert.NotEqual(request.TraceId, work.TraceId);
        Assert.Equal(default, work.ParentSpanId);
        Assert.Equal(ActivityKind.Consumer, work.Kind);
        var link = Assert.Single(work.Links);
        Assert.Equal(request.Context.SpanId, link.Context.SpanId);
        Assert.Contains(link.Tags!, t => t.Key == PropagationAttributes.LinkReason && (string?)t.Value == TraceContextSnapshot.BackgroundWorkLinkReason);
        Assert.Equal("acme", work.GetBaggageItem("tenant"));
    }

    [Fact]
    public void StartActivity_Detached_RootWithoutLinkOrBaggageEvenUnderCurrentActivity()
    {
        // Arrange
        using var source = new ActivitySource("Tests." + Guid.NewGuid().ToString("N"));
        using var listener = new TestListener("/none", source.Name);
        using var request = source.StartActivity("request")!;
        request.AddBaggage("tenant", "acme");
        var snapshot = TraceContextSnapshot.Capture();

        // Act
        using var work = snapshot.StartActivity(source, "work", TraceRelationship.Detached);

        // Assert
        Assert.NotNull(work);
        Assert.NotEqual(request.TraceId, work.TraceId);
        Assert.Null(work.Parent);
        Assert.Empty(work.Links);
        Assert.Null(work.GetBaggageItem("tenant"));
    }

    [Fact]
    public void Capture_NothingCurrent_EmptySnapshotStartsRoot()
    {
        // Arrange
        using var source = new ActivitySource("Tests." + Guid.NewGuid().ToString("N"));
        using var listener = new TestListener("/none", source.Name);
        Activity.Current = null;

        // Act
        var snapshot = TraceContextSnapshot.Capture();
        using var work = snapshot.StartActivity(source, "work", TraceRelationship.Child);

        // Assert
        Assert.True(snapshot.IsEmpty);
        Assert.NotNull(work);
        Assert.Equal(default, work.ParentSpanId);
    }

    [Theory]
    [InlineData(TraceRelationship.Child)]
    [InlineData(TraceRelationship.NewRootLinked)]
    [InlineData(TraceRelationship.Detached)]
    public void Capture_SampledHierarchicalActivity_EmptySnapshotWithBaggageStartsValidRoot(TraceRelationship relationship)
    {
        // Arrange: an app that forces hierarchical ids; a sampled activity has the Recorded flag but no W3C ids.
        using var source = new ActivitySource("Tests." + Guid.NewGuid().ToString("N"));
        using var listener = new TestListener("/none", source.Name);
        Activity.Current = null;
        TraceContextSnapshot snapshot;
        using (var request = new Activity("request").SetIdFormat(ActivityIdFormat.Hierarchical))
        {
            request.ActivityTraceFlags = ActivityTraceFlags.Recorded;
            request.Start();
            request.AddBaggage("tenant", "acme");

            // Act
            snapshot = TraceContextSnapshot.Capture();
        }

        using var work = snapshot.StartActivity(source, "work", relationship);

        // Assert: nothing to parent or link to (no all-zero trace id, no link to an invalid context); baggage as documented.
        Assert.True(snapshot.IsEmpty);
        Assert.Equal(default, snapshot.Context);
        Assert.Equal([new("tenant", "acme")], snapshot.Baggage);
        Assert.NotNull(work);
        Assert.NotEqual(default, work.TraceId);
        Assert.Equal(default, work.ParentSpanId);
        Assert.Empty(work.Links);
        Assert.Equal(relationship == TraceRelationship.Detached ? null : "acme", work.GetBaggageItem("tenant"));
    }

    [Theory]
    [InlineData(TraceRelationship.Child)]
    [InlineData(TraceRelationship.NewRootLinked)]
    [InlineData(TraceRelationship.Detached)]
    public void StartActivity_NothingListens_ReturnsNullAndLeavesCurrentActivity(TraceRelationship relationship)
    {
        // Arrange: a source nobody listens to, under an activity of the calling flow.
        using var unheard = new ActivitySource("Unheard." + Guid.NewGuid().ToString("N"));
        using var outer = new Activity("outer").Start();
        var snapshot = TraceContextSnapshot.Capture();

        // Act
        var work = snapshot.StartActivity(unheard, "work", relationship);

        // Assert
        Assert.Null(work);
        Assert.Same(outer, Activity.Current);
    }

    [Theory]
    [InlineData(TraceRelationship.NewRootLinked, false)]
    [InlineData(TraceRelationship.Detached, false)]
    [InlineData(TraceRelationship.NewRootLinked, true)]
    [InlineData(TraceRelationship.Detached, true)]
    public async Task StartActivity_FireAndForgetAfterTheRequestEnded_NothingStarts_LeavesTheEndedRequestCurrent(TraceRelationship relationship, bool samplerDrops)
    {
        // Arrange: work started with Task.Run during a request runs on after the request's span stopped, which stays
        // current on the work's flow; the work's source is heard by no listener, or by one whose sampler drops it.
        using var source = new ActivitySource("Tests." + Guid.NewGuid().ToString("N"));
        using var dropping = samplerDrops ? new DroppingListener(source.Name) : null;
        Activity.Current = null;
        var requestEnded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<(Activity? Before, Activity? Work, Activity? After)> running;
        Activity request;
        using (request = new Activity("request").SetIdFormat(ActivityIdFormat.W3C).Start())
        {
            var snapshot = TraceContextSnapshot.Capture();
            running = Task.Run(async () =>
            {
                await requestEnded.Task.WaitAsync(TimeSpan.FromSeconds(10));
                var before = Activity.Current;

                // Act
                var work = snapshot.StartActivity(source, "work", relationship);
                return (before, work, Activity.Current);
            });
        }

        requestEnded.SetResult();
        var (before, work, after) = await running.WaitAsync(TimeSpan.FromSeconds(10));

        // Assert: as documented, null and Activity.Current as it was.
        Assert.True(request.IsStopped);
        Assert.Same(request, before);
        Assert.Null(work);
        Assert.Same(request, after);
    }

    [Theory]
    [InlineData(TraceRelationship.Child, true)]
    [InlineData(TraceRelationship.NewRootLinked, false)]
    [InlineData(TraceRelationship.Detached, false)]
    public void StartActivity_UnderFlowActivity_CurrentAfterStopAsDocumented(TraceRelationship relationship, bool flowActivityBack)
    {
        // Arrange: a captured span that has ended, and another activity current on the worker's flow.
        using var source = new ActivitySource("Tests." + Guid.NewGuid().ToString("N"));
        using var listener = new TestListener("/none", source.Name);
        Activity.Current = null;
        TraceContextSnapshot snapshot;
        ActivitySpanId captured;
        using (var request = source.StartActivity("request")!)
        {
            captured = request.SpanId;
            snapshot = TraceContextSnapshot.Capture();
        }

        using var flow = source.StartActivity("flow")!;

        // Act
        var work = snapshot.StartActivity(source, "work", relationship)!;
        var parentSpanId = work.ParentSpanId;
        work.Stop();

        // Assert: the flow's activity is never the parent; after a child it is current again, after a root nothing is.
        Assert.NotEqual(flow.SpanId, parentSpanId);
        Assert.Equal(relationship == TraceRelationship.Child ? captured : default, parentSpanId);
        Assert.Same(flowActivityBack ? flow : null, Activity.Current);
    }

    [Fact]
    public void StartActivity_UndefinedRelationship_Throws()
    {
        // Arrange
        using var source = new ActivitySource("Tests." + Guid.NewGuid().ToString("N"));

        // Act
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => default(TraceContextSnapshot).StartActivity(source, "work", (TraceRelationship)7));

        // Assert
        Assert.Equal("relationship", error.ParamName);
    }

    /// <summary>Listens to one source and drops every span of it (ActivitySamplingResult.None).</summary>
    private sealed class DroppingListener : IDisposable
    {
        private readonly ActivityListener _listener;

        public DroppingListener(string sourceName)
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = source => source.Name == sourceName,
                Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.None,
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public void Dispose() => _listener.Dispose();
    }
}
