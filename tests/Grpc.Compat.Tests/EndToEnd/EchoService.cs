using Grpc.Compat.Tests.Protos;
using Grpc.Core;

namespace Grpc.Compat.Tests.EndToEnd;

/// <summary>
/// The test service implemented on the compat server: echoes text, payload and custom request
/// headers, streams <c>Count</c> replies, waits <c>DelayMs</c> (observing the call's token) and fails
/// with <c>FailWithStatus</c> when set.
/// </summary>
internal sealed class EchoService(EchoServiceProbe probe) : TestService.TestServiceBase
{
    public override async Task<EchoReply> Unary(EchoRequest request, ServerCallContext context)
    {
        if (request.DelayMs > 0)
        {
            probe.DeadlineSeen.TrySetResult(context.Deadline);
        }

        if (request.Text == "child")
        {
            probe.ChildDeadline.TrySetResult(context.Deadline);
        }

        if (request.Text == "parent" && probe.ChildClient is { } childClient)
        {
            // A child call carrying this call's deadline and cancellation.
            var child = await childClient.UnaryAsync(new EchoRequest { Text = "child" }, new CallOptions(propagationToken: context.CreatePropagationToken()));
            return new EchoReply { Text = "parent of " + child.Text };
        }

        await EchoHeadersAsync(context);
        await DelayAsync(request, context);
        Fail(request, context);
        context.ResponseTrailers.Add("x-trailer", "unary");
        return new EchoReply { Text = request.Text, Payload = request.Payload };
    }

    public override async Task ServerStream(EchoRequest request, IServerStreamWriter<EchoReply> responseStream, ServerCallContext context)
    {
        await EchoHeadersAsync(context);
        for (var i = 0; i < Math.Min(request.Count, 1000); i++)
        {
            await DelayAsync(request, context);
            await responseStream.WriteAsync(new EchoReply { Text = request.Text, Index = i });
        }

        Fail(request, context);
    }

    public override async Task<EchoReply> ClientStream(IAsyncStreamReader<EchoRequest> requestStream, ServerCallContext context)
    {
        var texts = new List<string>();
        await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
        {
            texts.Add(request.Text);
        }

        return new EchoReply { Text = string.Join(",", texts), Index = texts.Count };
    }

    public override async Task Duplex(IAsyncStreamReader<EchoRequest> requestStream, IServerStreamWriter<EchoReply> responseStream, ServerCallContext context)
    {
        var index = 0;
        await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
        {
            Fail(request, context);
            await responseStream.WriteAsync(new EchoReply { Text = request.Text, Index = index++ });
        }
    }

    private static Task EchoHeadersAsync(ServerCallContext context)
    {
        var echoed = new Metadata();
        foreach (var entry in context.RequestHeaders)
        {
            if (entry.Key.StartsWith("x-", StringComparison.Ordinal))
            {
                echoed.Add(entry.IsBinary ? new Metadata.Entry("echo-" + entry.Key, entry.ValueBytes) : new Metadata.Entry("echo-" + entry.Key, entry.Value));
            }
        }

        return context.WriteResponseHeadersAsync(echoed);
    }

    private async Task DelayAsync(EchoRequest request, ServerCallContext context)
    {
        if (request.DelayMs <= 0)
        {
            return;
        }

        try
        {
            await Task.Delay(request.DelayMs, context.CancellationToken);
        }
        catch (OperationCanceledException)
        {
            probe.CallEnded.TrySetResult();
            throw;
        }
    }

    private static void Fail(EchoRequest request, ServerCallContext context)
    {
        if (request.FailWithStatus != 0)
        {
            context.ResponseTrailers.Add("x-failure", "yes");
            throw new RpcException(new Status((StatusCode)request.FailWithStatus, "failed: " + request.Text));
        }
    }
}

/// <summary>
/// Lets a test observe what the service saw.
/// </summary>
internal sealed class EchoServiceProbe
{
    /// <summary>Completes when a delayed call's token fires (its deadline passed or the client cancelled).</summary>
    public TaskCompletionSource CallEnded { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Gets or sets the client a "parent" call uses for its child call.</summary>
    public TestService.TestServiceClient? ChildClient { get; set; }

    /// <summary>Completes with the deadline the child call saw.</summary>
    public TaskCompletionSource<DateTime> ChildDeadline { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes with the deadline a delayed unary call saw.</summary>
    public TaskCompletionSource<DateTime> DeadlineSeen { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
