using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;

namespace Propagation.Tests.Adapters;

/// <summary>
/// End-to-end: HttpClient's own handler (<see cref="SocketsHttpHandler.ActivityHeadersPropagator"/>)
/// writes our formats when given <see cref="PropagationDistributedContextPropagator"/>.
/// </summary>
public class HttpClientPropagationTests
{
    [Fact]
    public async Task SendAsync_WithAdapterAsActivityHeadersPropagator_SendsConfiguredFormats()
    {
        using var rig = new SampledHttpClient(nameof(SendAsync_WithAdapterAsActivityHeadersPropagator_SendsConfiguredFormats), new TracePropagator(new PropagationOptions
        {
            InjectFormats = [PropagationFormat.TraceContext, PropagationFormat.Baggage, PropagationFormat.Legacy, PropagationFormat.B3Single],
            LegacyIdFormat = LegacyIdFormat.Uuid,
        }));
        using var server = new OneShotHttpServer();
        using var activity = rig.Source.StartActivity("caller")!;
        activity.AddBaggage("tenant", "acme");

        using var response = await rig.Client.GetAsync(server.Uri);
        var headers = await server.ReceivedHeaders;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var traceId = activity.TraceId.ToHexString();
        Assert.StartsWith($"00-{traceId}-", headers["traceparent"], StringComparison.Ordinal);
        Assert.Equal(traceId[..8] + "-" + traceId[8..12] + "-" + traceId[12..16] + "-" + traceId[16..20] + "-" + traceId[20..], headers["x-trace-id"]);
        Assert.StartsWith(traceId + "-", headers["b3"], StringComparison.Ordinal);
        Assert.Equal("tenant=acme", headers["baggage"]);
    }

    [Fact]
    public async Task SendAsync_ChildOverridesParentBaggage_SendsTheKeyOnceWithTheChildsValue()
    {
        using var rig = new SampledHttpClient(nameof(SendAsync_ChildOverridesParentBaggage_SendsTheKeyOnceWithTheChildsValue), new TracePropagator());
        using var server = new OneShotHttpServer();
        using var parent = rig.Source.StartActivity("parent")!;
        parent.AddBaggage("k", "old");
        using var child = rig.Source.StartActivity("child")!;
        child.AddBaggage("k", "new");

        using var response = await rig.Client.GetAsync(server.Uri);
        var headers = await server.ReceivedHeaders;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("k=new", headers["baggage"]);
    }

    [Fact]
    public async Task SendAsync_CallerSetTraceHeader_HttpClientSetterKeepsIt()
    {
        using var rig = new SampledHttpClient(nameof(SendAsync_CallerSetTraceHeader_HttpClientSetterKeepsIt), new TracePropagator());
        using var server = new OneShotHttpServer();
        using var activity = rig.Source.StartActivity("caller")!;
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Uri);
        request.Headers.TryAddWithoutValidation("X-Trace-ID", "caller-chosen");

        using var response = await rig.Client.SendAsync(request);
        var headers = await server.ReceivedHeaders;

        Assert.Equal("caller-chosen", headers["X-Trace-ID"]);
        Assert.StartsWith($"00-{activity.TraceId.ToHexString()}-", headers["traceparent"], StringComparison.Ordinal);
    }

    [Fact]
    public void Inject_RetryOnSameRequest_ReplacesHeadersWithFreshValues()
    {
        var propagator = new TracePropagator();
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://127.0.0.1/");
        var traceId = new TraceId(1, 2);
        HttpHeaders headers = request.Headers;

        propagator.Inject(new PropagatedContext(traceId, new SpanId(0xa), TraceFlags.Sampled, null, PropagationFormat.None), null, headers, Carriers.HttpHeadersSetter);
        propagator.Inject(new PropagatedContext(traceId, new SpanId(0xb), TraceFlags.Sampled, null, PropagationFormat.None), null, headers, Carriers.HttpHeadersSetter);

        Assert.Equal(["00-00000000000000010000000000000002-000000000000000b-01"], request.Headers.GetValues("traceparent"));
        Assert.Equal(["000000000000000b"], request.Headers.GetValues("X-Span-ID"));
    }

    /// <summary>
    /// An <see cref="HttpClient"/> whose <see cref="SocketsHttpHandler"/> injects with <see cref="PropagationDistributedContextPropagator"/>
    /// over a given propagator, and a test-owned <see cref="ActivitySource"/> whose activities are sampled.
    /// </summary>
    private sealed class SampledHttpClient : IDisposable
    {
        private readonly ActivityListener _listener;
        private readonly SocketsHttpHandler _handler;

        public SampledHttpClient(string testName, TracePropagator propagator)
        {
            Source = new ActivitySource(testName + Guid.NewGuid());
            var source = Source;
            _listener = new ActivityListener
            {
                ShouldListenTo = s => ReferenceEquals(s, source),
                Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            };
            ActivitySource.AddActivityListener(_listener);
            _handler = new SocketsHttpHandler
            {
                ActivityHeadersPropagator = new PropagationDistributedContextPropagator(propagator),
                UseProxy = false,
            };
            Client = new HttpClient(_handler) { Timeout = TimeSpan.FromSeconds(20) };
        }

        public ActivitySource Source { get; }

        public HttpClient Client { get; }

        public void Dispose()
        {
            Client.Dispose();
            _handler.Dispose();
            _listener.Dispose();
            Source.Dispose();
        }
    }

    /// <summary>A loopback HTTP/1.1 server (127.0.0.1, OS-picked port) that answers one request and records its headers.</summary>
    private sealed class OneShotHttpServer : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(20));

        public OneShotHttpServer()
        {
            _listener.Start();
            Uri = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
            ReceivedHeaders = ServeOneAsync();
        }

        public Uri Uri { get; }

        public Task<Dictionary<string, string>> ReceivedHeaders { get; }

        public void Dispose()
        {
            _listener.Stop();
            _timeout.Dispose();
        }

        private async Task<Dictionary<string, string>> ServeOneAsync()
        {
            using var socket = await _listener.AcceptSocketAsync(_timeout.Token);
            var buffer = new byte[16 * 1024];
            var length = 0;
            while (length < buffer.Length)
            {
                var read = await socket.ReceiveAsync(buffer.AsMemory(length), SocketFlags.None, _timeout.Token);
                if (read == 0)
                {
                    break;
                }

                length += read;
                if (Encoding.ASCII.GetString(buffer, 0, length).Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    break;
                }
            }

            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            var lines = Encoding.ASCII.GetString(buffer, 0, length).Split("\r\n");
            foreach (var line in lines.Skip(1))
            {
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon > 0)
                {
                    headers[line[..colon]] = line[(colon + 1)..].Trim();
                }
            }

            await socket.SendAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"), SocketFlags.None, _timeout.Token);
            return headers;
        }
    }
}
