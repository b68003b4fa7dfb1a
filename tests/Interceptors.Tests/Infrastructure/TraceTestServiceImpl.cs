using System.Diagnostics;
using Grpc.Core;
using Propagation.Interceptors.Tests.Protos;

namespace Propagation.Interceptors.Tests.Infrastructure;

/// <summary>The service under the server interceptor: each reply reports the Activity and metadata the handler saw.</summary>
public sealed class TraceTestServiceImpl : TraceTestService.TraceTestServiceBase
{
    public override async Task<TraceReply> Unary(TraceRequest request, ServerCallContext context)
    {
        await BehaveAsync(request, context);
        return Describe(request.Text, 0, 1, context);
    }

    public override async Task ServerStream(TraceRequest request, IServerStreamWriter<TraceReply> responseStream, ServerCallContext context)
    {
        if (request.WriteHeaders)
        {
            await context.WriteResponseHeadersAsync(new Metadata { { "x-handler", "1" } });
        }

        for (var i = 0; i < Math.Min(request.Count, 100); i++)
        {
            await responseStream.WriteAsync(Describe(request.Text, i, 1, context));
        }

        await BehaveAsync(request, context, writeHeaders: false);
    }

    public override async Task<TraceReply> ClientStream(IAsyncStreamReader<TraceRequest> requestStream, ServerCallContext context)
    {
        var received = 0;
        TraceRequest? last = null;
        while (received < 100 && await requestStream.MoveNext(context.CancellationToken))
        {
            received++;
            last = requestStream.Current;
        }

        await BehaveAsync(last ?? new TraceRequest(), context);
        return Describe(last?.Text ?? string.Empty, 0, received, context);
    }

    public override async Task Duplex(IAsyncStreamReader<TraceRequest> requestStream, IServerStreamWriter<TraceReply> responseStream, ServerCallContext context)
    {
        var received = 0;
        TraceRequest? last = null;
        while (received < 100 && await requestStream.MoveNext(context.CancellationToken))
        {
            received++;
            last = requestStream.Current;
            await responseStream.WriteAsync(Describe(last.Text, received - 1, received, context));
        }

        await BehaveAsync(last ?? new TraceRequest(), context, writeHeaders: false);
    }

    private static async Task BehaveAsync(TraceRequest request, ServerCallContext context, bool writeHeaders = true)
    {
        if (writeHeaders && request.WriteHeaders)
        {
            await context.WriteResponseHeadersAsync(new Metadata { { "x-handler", "1" } });
        }

        if (request.DelayMs > 0)
        {
            await Task.Delay(request.DelayMs, context.CancellationToken);
        }

        if (request.ThrowException)
        {
            throw new InvalidOperationException("handler failed");
        }

        if (request.ThrowCancellation)
        {
            throw new OperationCanceledException("handler timed out");
        }

        if (request.FailWithStatus != 0)
        {
            throw new RpcException(new Status((StatusCode)request.FailWithStatus, "failed by request"));
        }

        if (request.SetStatus != 0)
        {
            context.Status = new Status((StatusCode)request.SetStatus, "status set by handler");
        }
    }

    private static TraceReply Describe(string text, int index, int received, ServerCallContext context)
    {
        var activity = Activity.Current;
        var traceparents = context.RequestHeaders.GetAll("traceparent").ToList();
        return new TraceReply
        {
            Text = text,
            Index = index,
            Received = received,
            TraceId = activity?.TraceId.ToHexString() ?? string.Empty,
            SpanId = activity?.SpanId.ToHexString() ?? string.Empty,
            ParentSpanId = activity is null || activity.ParentSpanId == default ? string.Empty : activity.ParentSpanId.ToHexString(),
            Traceparent = traceparents.Count > 0 ? traceparents[^1].Value : string.Empty,
            TraceparentCount = traceparents.Count,
        };
    }
}
