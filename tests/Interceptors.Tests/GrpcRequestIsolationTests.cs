using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Propagation.Collector;
using Propagation.Interceptors.Tests.Infrastructure;
using Propagation.Testing;
using Propagation.Interceptors.Tests.Protos;
using Propagation.Middleware;

namespace Propagation.Interceptors.Tests;

/// <summary>
/// Under concurrency no gRPC call gets another call's context: concurrent unary and server-streaming calls multiplexed
/// over one HTTP/2 connection to Kestrel (which reuses its streams), behind <c>UseTracing</c> and without it, each call
/// relaying to a second app through <see cref="TracingClientInterceptor"/>.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class GrpcRequestIsolationTests
{
    /// <summary>The source of <c>UseTracing</c>'s own server span.</summary>
    private const string UseTracingSourceName = "Propagation.AspNetCore";

    private const int Callers = 8;
    private const int CallsPerCaller = 100;
    private static readonly TimeSpan TimeLimit = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(true, true, false)]
    [InlineData(false, true, false)]
    [InlineData(true, false, false)]
    [InlineData(false, false, false)]
    [InlineData(true, true, true)]
    [InlineData(false, true, true)]
    [InlineData(false, false, true)]
    [InlineData(true, null, false)]
    [InlineData(false, null, false)]
    [InlineData(false, null, true)]
    public async Task Calls_Concurrent_EachContinuesOnlyItsOwnContext(bool useTracing, bool? hostingListened, bool trustDecider)
    {
        // Arrange: the second app reports the traceparent it received (TraceTestServiceImpl).
        await using var back = await TracingTestServer.StartAsync(interceptor: null);
        var total = Callers * CallsPerCaller;
        using var front = new HostBuilder().ConfigureWebHost(web => web
            .UseKestrel(o => o.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2))
            .ConfigureServices(s =>
            {
                s.AddRouting();
                s.AddGrpcTracing(o =>
                {
                    if (trustDecider)
                    {
                        o.TrustDecider = static c => c.Request.Headers["x-trust"] == "1" ? TrustPolicy.Continue : TrustPolicy.RestartAndLink;
                    }
                });
                s.AddGrpc(o => o.Interceptors.Add<TracingInterceptor>());
                s.Configure<TracingPipelineOptions>(o => o.Enabled = false);
                s.AddSingleton(sp => new TraceTestService.TraceTestServiceClient(
                    GrpcChannel.ForAddress(back.Address, new GrpcChannelOptions { HttpHandler = back.Handler, DisposeHttpClient = true })
                        .Intercept(sp.GetRequiredService<TracingClientInterceptor>())));
            })
            .Configure(app =>
            {
                if (useTracing)
                {
                    app.UseTracing();
                }

                app.UseRouting();
                app.UseEndpoints(e => e.MapGrpcService<RelayService>());
            })).Build();
        var serverSpans = new ConcurrentQueue<Activity>();
        // Every third call also carries another context in a later format: its span links that one (and only it).
        var sent = new (ActivityTraceId TraceId, ActivitySpanId SpanId, bool Trusted, ActivityTraceId Conflict)[total];
        for (var n = 0; n < total; n++)
        {
            sent[n] = (ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), !trustDecider || n % 2 == 1, n % 3 == 0 ? ActivityTraceId.CreateRandom() : default);
        }

        // The library's own server spans are listened to in every setup: with hosting's listened, there must be none.
        // hostingListened null: hosting's activity sampled for half the calls (by the inbound trace id's last digit).
        using var hostingListener = hostingListened != false ? HostingSourceSampler.Listen(front.Services.GetRequiredService<ActivitySource>(), half: hostingListened is null, serverSpans) : null;
        using var ownListener = ListenToOwnSpans(new HashSet<ActivityTraceId>(sent.Select(static s => s.TraceId)), serverSpans);
        await front.StartAsync();
        var health = front.Services.GetRequiredService<PropagationHealth>();
        var address = new Uri(front.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        using var channel = GrpcChannel.ForAddress(address);
        var client = new TraceTestService.TraceTestServiceClient(channel);
        // Act: Callers concurrent callers over one connection, alternating unary and server-streaming calls.
        var got = new TraceReply[total];
        using var timeout = new CancellationTokenSource(TimeLimit);
        var callers = new Task[Callers];
        for (var c = 0; c < Callers; c++)
        {
            var caller = c;
            callers[c] = Task.Run(async () =>
            {
                for (var i = 0; i < CallsPerCaller; i++)
                {
                    var n = (caller * CallsPerCaller) + i;
                    var metadata = new Metadata
                    {
                        { "traceparent", $"00-{sent[n].TraceId.ToHexString()}-{sent[n].SpanId.ToHexString()}-01" },
                        { "baggage", "req=r" + n.ToString(CultureInfo.InvariantCulture) },
                        { "x-trust", sent[n].Trusted ? "1" : "0" },
                    };
                    if (sent[n].Conflict != default)
                    {
                        metadata.Add("x-trace-id", sent[n].Conflict.ToHexString());
                        metadata.Add("x-span-id", ActivitySpanId.CreateRandom().ToHexString());
                    }

                    var request = new TraceRequest { Text = n.ToString(CultureInfo.InvariantCulture), Count = 2 };
                    var options = new CallOptions(metadata, cancellationToken: timeout.Token);
                    if (n % 2 == 0)
                    {
                        got[n] = await client.UnaryAsync(request, options);
                    }
                    else
                    {
                        using var call = client.ServerStream(request, options);
                        var replies = new List<TraceReply>();
                        while (replies.Count < 10 && await call.ResponseStream.MoveNext(timeout.Token))
                        {
                            replies.Add(call.ResponseStream.Current);
                        }

                        Assert.Equal(2, replies.Count);
                        Assert.True(replies[0].Equals(replies[1]), $"call {n}'s two stream messages differ: {replies[0]} / {replies[1]}");
                        got[n] = replies[0];
                    }
                }
            });
        }

        await Task.WhenAll(callers).WaitAsync(TimeLimit);

        // Assert
        var handlerSpans = new HashSet<string>(StringComparer.Ordinal);
        var restarted = 0;
        for (var n = 0; n < total; n++)
        {
            var reply = got[n];
            var text = reply.Text.Split('|');
            var baggage = text[1];
            Assert.True(text[0] == n.ToString(CultureInfo.InvariantCulture), $"call {n} got the reply of call {text[0]}");
            Assert.True(handlerSpans.Add(reply.SpanId), $"call {n}'s server span {reply.SpanId} served another call too");
            if (sent[n].Trusted)
            {
                Assert.True(
                    reply.TraceId == sent[n].TraceId.ToHexString() && reply.ParentSpanId == sent[n].SpanId.ToHexString(),
                    $"call {n} sent {sent[n].TraceId}/{sent[n].SpanId}, its server span continued {reply.TraceId}/{reply.ParentSpanId}");
                Assert.True(baggage == "r" + n.ToString(CultureInfo.InvariantCulture), $"call {n} sent baggage req=r{n}, its server span has req={baggage}");
            }
            else
            {
                restarted++;
                Assert.True(reply.TraceId != sent[n].TraceId.ToHexString(), $"call {n} was to be restarted, its server span continued {reply.TraceId}");
                Assert.True(baggage.Length == 0, $"call {n} was restarted, its server span has baggage req={baggage}");
            }

            Assert.True(
                reply.Traceparent.Contains(reply.TraceId, StringComparison.Ordinal),
                $"call {n}'s server span is in trace {reply.TraceId}, its downstream call carried traceparent {reply.Traceparent}");
        }

        // Assert: exactly one server span per call, the one its handler saw.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (serverSpans.Count < total && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        var spans = serverSpans.ToDictionary(static s => s.SpanId.ToHexString(), StringComparer.Ordinal);
        var own = spans.Values.Count(static s => s.Source.Name != "Microsoft.AspNetCore");
        Assert.True(spans.Count == total, $"{total} calls, {spans.Count} server spans ({own} of the library's own sources)");
        Assert.True(hostingListened switch { true => own == 0, false => own == total, null => own > 0 && own < total }, $"{own} of {total} server spans of the library's own sources with hosting's activity listened: {hostingListened?.ToString() ?? "half"}");
        var conflicts = 0;
        for (var n = 0; n < total; n++)
        {
            Assert.True(spans.TryGetValue(got[n].SpanId, out var span), $"call {n}: the span its handler saw, {got[n].SpanId}, is not a recorded server span");
            foreach (var link in span.Links)
            {
                Assert.True(
                    link.Context.TraceId == sent[n].TraceId || link.Context.TraceId == sent[n].Conflict,
                    $"call {n} sent {sent[n].TraceId} (and {sent[n].Conflict}), its server span links {link.Context.TraceId}");
            }

            if (sent[n].Conflict != default)
            {
                conflicts++;
                Assert.True(span.Links.Any(l => l.Context.TraceId == sent[n].Conflict), $"call {n} also sent {sent[n].Conflict} in another format, its server span does not link it");
            }
        }

        Assert.Equal(conflicts, health.GetCount(PropagationIssues.FormatConflict));

        Assert.Equal(total, health.TotalRequests);
        Assert.Equal(restarted, health.GetCount(PropagationIssues.RestartedByPolicy));
        await front.StopAsync();
    }

    /// <summary>
    /// Samples this test's spans of the library's own sources (a span whose parent or link is in a trace of the test,
    /// whose trace then is too) and records the server spans.
    /// </summary>
    private static ActivityListener ListenToOwnSpans(HashSet<ActivityTraceId> sent, ConcurrentQueue<Activity> stopped)
    {
        var traces = new ConcurrentDictionary<ActivityTraceId, bool>();
        foreach (var traceId in sent)
        {
            traces[traceId] = true;
        }

        var listener = new ActivityListener
        {
            ShouldListenTo = static s => s.Name is UseTracingSourceName or GrpcTracingConventions.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> options) =>
            {
                var ours = options.Parent != default && traces.ContainsKey(options.Parent.TraceId);
                if (!ours && options.Links is not null)
                {
                    foreach (var link in options.Links)
                    {
                        ours |= traces.ContainsKey(link.Context.TraceId);
                    }
                }

                if (!ours)
                {
                    return ActivitySamplingResult.None;
                }

                traces[options.TraceId] = true;
                return ActivitySamplingResult.AllDataAndRecorded;
            },
            ActivityStopped = activity =>
            {
                if (activity.Kind == ActivityKind.Server && traces.ContainsKey(activity.TraceId))
                {
                    stopped.Enqueue(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }

    /// <summary>Reports the server span (and its baggage, after the call's number in the text) the handler saw and the traceparent the second app received from its relayed call.</summary>
    private sealed class RelayService : TraceTestService.TraceTestServiceBase
    {
        private readonly TraceTestService.TraceTestServiceClient _back;

        public RelayService(TraceTestService.TraceTestServiceClient back) => _back = back;

        public override Task<TraceReply> Unary(TraceRequest request, ServerCallContext context) => RelayAsync(request, context);

        public override async Task ServerStream(TraceRequest request, IServerStreamWriter<TraceReply> responseStream, ServerCallContext context)
        {
            var reply = await RelayAsync(request, context);
            for (var i = 0; i < Math.Min(request.Count, 10); i++)
            {
                await responseStream.WriteAsync(reply);
            }
        }

        private async Task<TraceReply> RelayAsync(TraceRequest request, ServerCallContext context)
        {
            var current = Activity.Current;
            if (current is not { Kind: ActivityKind.Server })
            {
                throw new InvalidOperationException($"call {request.Text}: the handler's current activity is {current?.OperationName} ({current?.Kind}), not a server span");
            }

            var downstream = await _back.UnaryAsync(new TraceRequest { Text = request.Text }, cancellationToken: context.CancellationToken);
            return new TraceReply
            {
                Text = request.Text + "|" + (current.GetBaggageItem("req") ?? string.Empty),
                TraceId = current.TraceId.ToHexString(),
                SpanId = current.SpanId.ToHexString(),
                ParentSpanId = current.ParentSpanId.ToHexString(),
                Traceparent = downstream.Traceparent,
            };
        }
    }
}
