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
        using var source = new ActivitySource(nameof(HttpClientPropagationTests) + Guid.NewGuid());
        using var activityListener = new ActivityListener
        {
            ShouldListenTo = s => ReferenceEquals(s, source),
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(activityListener);
        var options = new PropagationOptions
        {
            InjectFormats = [PropagationFormat.TraceContext, PropagationFormat.Baggage, PropagationFormat.Legacy, PropagationFormat.B3Single],
            LegacyIdFormat = LegacyIdFormat.Uuid,
        };
        using var handler = new SocketsHttpHandler
        {
            ActivityHeadersPropagator = new PropagationDistributedContextPropagator(new TracePropagator(options)),
            UseProxy = false,
        };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(20) };
        using var server = new OneShotHttpServer();
        using var activity = source.StartActivity("caller")!;
        activity.AddBaggage("tenant", "acme");

        using var response = await client.GetAsync(server.Uri);
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
        using var source = new ActivitySource(nameof(SendAsync_ChildOverridesParentBaggage_SendsTheKeyOnceWithTheChildsValue) + Guid.NewGuid());
        using var activityListener = new ActivityListener
        {
            ShouldListenTo = s => ReferenceEquals(s, source),
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(activityListener);
        using var handler = new SocketsHttpHandler
        {
            ActivityHeadersPropagator = new PropagationDistributedContextPropagator(new TracePropagator()),
            UseProxy = false,
        };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(20) };
        using var server = new OneShotHttpServer();
        using var parent = source.StartActivity("parent")!;
        parent.AddBaggage("k", "old");
        using var child = source.StartActivity("child")!;
        child.AddBaggage("k", "new");

        using var response = await client.GetAsync(server.Uri);
        var headers = await server.ReceivedHeaders;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("k=new", headers["baggage"]);
    }

    [Fact]
    public async Task SendAsync_CallerSetTraceHeader_HttpClientSetterKeepsIt()
    {
        using var source = new ActivitySource(nameof(SendAsync_CallerSetTraceHeader_HttpClientSetterKeepsIt) + Guid.NewGuid());
        using var activityListener = new ActivityListener
        {
            ShouldListenTo = s => ReferenceEquals(s, source),
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(activityListener);
        using var handler = new SocketsHttpHandler
        {
            ActivityHeadersPropagator = new PropagationDistributedContextPropagator(new TracePropagator()),
            UseProxy = false,
        };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(20) };
        using var server = new OneShotHttpServer();
        using var activity = source.StartActivity("caller")!;
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Uri);
        request.Headers.TryAddWithoutValidation("X-Trace-ID", "caller-chosen");

        using var response = await client.SendAsync(request);
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
