using System.Diagnostics;
using System.Net.Http.Headers;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Propagation.Interceptors.Tests.Infrastructure;
using Propagation.Interceptors.Tests.Protos;

namespace Propagation.Interceptors.Tests;

/// <summary>
/// <c>UseTracing</c>'s server span of a gRPC call that the runtime answered before <see cref="TracingInterceptor"/> ran
/// (an unknown service or method, an oversized request message): the final <c>grpc-status</c> is recorded from the
/// response, as the interceptor records it for the calls it handles. AddTracing's pipeline listens to ASP.NET Core
/// hosting's source process-wide, so these tests run alone.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class TracingMiddlewareGrpcStatusTests
{
    private const string Service = "propagation.test.TraceTestService";
    private const int MaxReceiveMessageSize = 64;

    private static readonly Marshaller<TraceRequest> RequestMarshaller = Marshallers.Create(static r => r.ToByteArray(), TraceRequest.Parser.ParseFrom);
    private static readonly Marshaller<TraceReply> ReplyMarshaller = Marshallers.Create(static r => r.ToByteArray(), TraceReply.Parser.ParseFrom);

    [Theory]
    [InlineData(Service, "Missing")]
    [InlineData("propagation.test.MissingService", "Unary")]
    public async Task UseTracing_UnknownServiceOrMethod_ServerSpanHasUnimplementedStatusAndError(string service, string method)
    {
        // Arrange
        using var recorder = Recorder();
        await using var server = await StartAsync();
        using var channel = GrpcChannel.ForAddress(server.Address, new GrpcChannelOptions { HttpHandler = server.Handler });
        var call = new Method<TraceRequest, TraceReply>(MethodType.Unary, service, method, RequestMarshaller, ReplyMarshaller);

        // Act
        var ex = await Assert.ThrowsAsync<RpcException>(async () => await channel.CreateCallInvoker()
            .AsyncUnaryCall(call, null, new CallOptions(TracingInterceptorTests.Traceparent(recorder.Parent.TraceId, recorder.Parent.SpanId)), new TraceRequest()));

        // Assert: the client got UNIMPLEMENTED (HTTP 200, trailers-only); the span says so, as gRPC, and is an error
        // named after the code (never the runtime's grpc-message); its name stays the route's, no method from the path.
        Assert.Equal(StatusCode.Unimplemented, ex.StatusCode);
        var span = await ServerSpanAsync(recorder);
        Assert.Equal("grpc", span.GetTagItem("rpc.system"));
        Assert.Equal(12, span.GetTagItem("rpc.grpc.status_code"));
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal("UNIMPLEMENTED", span.StatusDescription);
        Assert.Equal(200, span.GetTagItem("http.response.status_code"));
        Assert.Null(span.GetTagItem("rpc.service"));
        Assert.Null(span.GetTagItem("rpc.method"));
        Assert.DoesNotContain(method, span.DisplayName, StringComparison.Ordinal);
        Assert.Single(span.TagObjects, t => t.Key == "rpc.grpc.status_code");
    }

    [Fact]
    public async Task UseTracing_RequestMessageOverMaxReceiveMessageSize_ServerSpanHasResourceExhaustedNotError()
    {
        // Arrange: the runtime reads a unary request message before interceptors run, and refuses one over the limit.
        using var recorder = Recorder();
        await using var server = await StartAsync();
        var client = server.CreateClient();

        // Act
        var ex = await Assert.ThrowsAsync<RpcException>(async () => await client.UnaryAsync(
            new TraceRequest { Text = new string('x', MaxReceiveMessageSize * 4) },
            TracingInterceptorTests.Traceparent(recorder.Parent.TraceId, recorder.Parent.SpanId)));

        // Assert: RESOURCE_EXHAUSTED is not a server-side error code, as the interceptor records it.
        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        var span = await ServerSpanAsync(recorder);
        Assert.Equal("grpc", span.GetTagItem("rpc.system"));
        Assert.Equal(8, span.GetTagItem("rpc.grpc.status_code"));
        Assert.Equal(ActivityStatusCode.Unset, span.Status);
        Assert.Null(span.GetTagItem("rpc.method"));
    }

    [Fact]
    public async Task UseTracing_CallHandledByTheInterceptor_StatusAndEventRecordedOnceByTheInterceptor()
    {
        // Arrange: a status with an event (DEADLINE_EXCEEDED), so a second recording would show as a second event.
        using var recorder = Recorder();
        await using var server = await StartAsync();
        var client = server.CreateClient();

        // Act
        var ex = await Assert.ThrowsAsync<RpcException>(async () => await client.UnaryAsync(
            new TraceRequest { FailWithStatus = (int)StatusCode.DeadlineExceeded },
            TracingInterceptorTests.Traceparent(recorder.Parent.TraceId, recorder.Parent.SpanId)));

        // Assert
        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        var span = await ServerSpanAsync(recorder);
        Assert.Equal(Service + "/Unary", span.DisplayName);
        Assert.Equal("Unary", span.GetTagItem("rpc.method"));
        Assert.Equal(4, span.GetTagItem("rpc.grpc.status_code"));
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal("DEADLINE_EXCEEDED", span.StatusDescription);
        Assert.Single(span.TagObjects, t => t.Key == "rpc.grpc.status_code");
        Assert.Single(span.TagObjects, t => t.Key == "rpc.system");
        Assert.Single(span.Events, e => e.Name == GrpcTracingConventions.DeadlineExceededEvent);
    }

    [Theory]
    [InlineData("GET", "/", null)]
    [InlineData("POST", "/" + Service + "/Unary", "application/json")]
    [InlineData("POST", "/" + Service + "/Unary", "application/grpc-web")]
    public async Task UseTracing_NotAGrpcRequest_NoRpcAttributes(string method, string path, string? contentType)
    {
        // Arrange
        using var recorder = Recorder();
        await using var server = await StartAsync();
        using var http = new HttpClient(server.Handler!, disposeHandler: false) { BaseAddress = server.Address };
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        request.Headers.Add("traceparent", $"00-{recorder.Parent.TraceId.ToHexString()}-{recorder.Parent.SpanId.ToHexString()}-01");
        if (contentType is not null)
        {
            request.Content = new ByteArrayContent([0, 0, 0, 0, 0]);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        // Act
        using var response = await http.SendAsync(request);

        // Assert: whatever the runtime answered (its grpc-status included), the span is an HTTP one.
        var span = await ServerSpanAsync(recorder);
        Assert.Equal((int)response.StatusCode, span.GetTagItem("http.response.status_code"));
        Assert.Null(span.GetTagItem("rpc.system"));
        Assert.Null(span.GetTagItem("rpc.grpc.status_code"));
    }

    private static TraceRecorder Recorder() =>
        new(GrpcTracingConventions.ActivitySourceName, "Microsoft.AspNetCore", "Propagation.AspNetCore");

    private static Task<TracingTestServer> StartAsync() => TracingTestServer.StartAsync(
        interceptor: null,
        beforeEndpoints: static app => app.UseTracing(),
        configureServices: static services =>
        {
            services.AddGrpcTracing();
            services.Configure<Grpc.AspNetCore.Server.GrpcServiceOptions>(static o =>
            {
                o.Interceptors.Add<TracingInterceptor>();
                o.MaxReceiveMessageSize = MaxReceiveMessageSize;
            });
        });

    private static async Task<Activity> ServerSpanAsync(TraceRecorder recorder)
    {
        await recorder.WaitForStoppedAsync(static s => s.Kind == ActivityKind.Server);
        return Assert.Single(recorder.Stopped, static s => s.Kind == ActivityKind.Server);
    }
}
