using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Propagation.Interceptors.Tests.Infrastructure;
using Propagation.Interceptors.Tests.Protos;

namespace Propagation.Interceptors.Tests.Interop;

/// <summary>
/// Both interceptors against an independent gRPC implementation (Debian's python3-grpcio), over
/// real HTTP/2 on 127.0.0.1: the trace id survives in both directions.
/// </summary>
public sealed class PythonInteropTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static readonly Method<byte[], byte[]> RawUnary = new(
        MethodType.Unary,
        "propagation.test.TraceTestService",
        "Unary",
        Marshallers.Create(static bytes => bytes, static bytes => bytes),
        Marshallers.Create(static bytes => bytes, static bytes => bytes));

    [Fact]
    public async Task TracingInterceptor_PythonClientSendsTraceparentAndXTraceId_ServerContinuesTraceAndEchoes()
    {
        // Arrange
        using var recorder = new SpanRecorder();
        await using var server = await TracingTestServer.StartAsync(TestInterceptors.Server(recorder), kestrel: true);
        var traceId = ActivityTraceId.CreateRandom();
        var parentId = ActivitySpanId.CreateRandom();
        var traceparent = $"00-{traceId.ToHexString()}-{parentId.ToHexString()}-01";

        // Act
        await using var peer = PythonPeer.Start("client", server.Address.Port.ToString(CultureInfo.InvariantCulture), traceparent, traceId.ToHexString());
        var result = JsonDocument.Parse(await peer.ReadLineAsync("RESULT ", Timeout)).RootElement;
        var spans = await recorder.WaitForStoppedAsync(1);

        // Assert
        Assert.Equal("OK", result.GetProperty("code").GetString());
        var span = Assert.Single(spans);
        Assert.Equal(ActivityKind.Server, span.Kind);
        Assert.Equal(traceId, span.TraceId);
        Assert.Equal(parentId, span.ParentSpanId);
        Assert.Equal("127.0.0.1", span.GetTagItem("server.address"));
        Assert.Equal(server.Address.Port, span.GetTagItem("server.port"));
        var headers = result.GetProperty("headers").EnumerateArray().ToDictionary(h => h[0].GetString()!, h => h[1].GetString());
        Assert.Equal(traceId.ToHexString(), headers["x-trace-id"]);
        Assert.Equal(span.SpanId.ToHexString(), headers["x-span-id"]);
        var reply = TraceReply.Parser.ParseFrom(Convert.FromHexString(result.GetProperty("reply").GetString()!));
        Assert.Equal(traceId.ToHexString(), reply.TraceId);
        Assert.Equal(traceparent, reply.Traceparent);
    }

    [Fact]
    public async Task TracingClientInterceptor_CallsPythonServer_ServerReceivesClientSpanContext()
    {
        // Arrange
        using var recorder = new SpanRecorder();
        await using var peer = PythonPeer.Start("server");
        var port = int.Parse(await peer.ReadLineAsync("PORT ", Timeout), CultureInfo.InvariantCulture);
        using var channel = GrpcChannel.ForAddress(new Uri($"http://127.0.0.1:{port}"));
        var invoker = channel.Intercept(TestInterceptors.Client(recorder));
        using var parent = TestInterceptors.StartParent(recorder);

        // Act
        var response = await invoker.AsyncUnaryCall(RawUnary, null, new CallOptions(deadline: DateTime.UtcNow.Add(Timeout)), []);
        var received = JsonDocument.Parse(Encoding.UTF8.GetString(response)).RootElement.GetProperty("metadata")
            .EnumerateArray().Select(m => (Key: m[0].GetString()!, Value: m[1].GetString()!)).ToList();

        // Assert
        var span = recorder.Single(ActivityKind.Client);
        Assert.Equal(parent.TraceId, span.TraceId);
        Assert.Equal(0, span.GetTagItem("rpc.grpc.status_code"));
        Assert.Equal($"00-{parent.TraceId.ToHexString()}-{span.SpanId.ToHexString()}-01", Assert.Single(received, m => m.Key == "traceparent").Value);
        Assert.Equal(parent.TraceId.ToHexString(), Assert.Single(received, m => m.Key == "x-trace-id").Value);
        Assert.Equal(span.SpanId.ToHexString(), Assert.Single(received, m => m.Key == "x-span-id").Value);
    }
}
