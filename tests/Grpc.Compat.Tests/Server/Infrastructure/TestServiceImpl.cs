using Google.Protobuf;
using Grpc.Compat.Tests.Protos;
using Grpc.Core;

namespace Grpc.Compat.Tests.Server.Infrastructure;

/// <summary>
/// The test service. Behaviour is driven by the request: <c>delay_ms</c> waits on the call token,
/// <c>fail_with_status</c> throws an <see cref="RpcException"/>, text "throw" throws a plain exception,
/// text "http-context" / "context" reflect the call, and request headers named <c>echo-*</c> come back as trailers.
/// </summary>
public sealed class TestServiceImpl : TestService.TestServiceBase, IDisposable
{
    private readonly CallProbe _probe;
    private readonly IServiceProvider _services;

    public TestServiceImpl(CallProbe probe, IServiceProvider services)
    {
        _probe = probe;
        _services = services;
        _probe.Record("service-created");
    }

    public void Dispose() => _probe.Record("service-disposed");

    public override async Task<EchoReply> Unary(EchoRequest request, ServerCallContext context)
    {
        _probe.Record("service:Unary");
        await BeginAsync(request, context);
        return request.Text switch
        {
            "http-context" => new EchoReply { Text = context.GetHttpContext().Request.Path.Value },
            "context" => new EchoReply { Text = $"{context.Method}|{context.Host}|{context.Peer}|{context.Deadline != DateTime.MaxValue}" },
            "bad-trailer" => AddTrailers(context),
            "propagate" => await CallChildAsync(context),
            "user-state" => new EchoReply { Text = context.UserState.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            "metadata-keys" => new EchoReply { Text = string.Join(",", context.RequestHeaders.Select(e => e.Key)) },
            "user-state-items" => UserStateFromItems(context),
            _ => new EchoReply { Text = request.Text, Payload = request.Payload },
        };
    }

    private static EchoReply UserStateFromItems(ServerCallContext context)
    {
        // Middleware shares data with gRPC code through HttpContext.Items, which grpc-dotnet exposes as UserState.
        context.GetHttpContext().Items["from-http"] = "set by middleware";
        context.UserState["from-grpc"] = "set by an interceptor";
        return new EchoReply { Text = $"{context.UserState["from-http"]}|{context.GetHttpContext().Items["from-grpc"]}" };
    }

    public override async Task ServerStream(EchoRequest request, IServerStreamWriter<EchoReply> responseStream, ServerCallContext context)
    {
        _probe.Record("service:ServerStream");
        EchoHeaders(context);
        if (context.RequestHeaders.GetValue("send-headers") is not null)
        {
            await context.WriteResponseHeadersAsync(new Metadata { { "x-initial", "1" } });
        }

        if (request.Text == "ignore-deadline")
        {
            await IgnoreDeadlineAsync(request, responseStream);
            return;
        }

        for (var i = 0; i < request.Count; i++)
        {
            await responseStream.WriteAsync(new EchoReply { Text = request.Text, Index = i, Payload = request.Payload });
        }

        if (request.DelayMs > 0)
        {
            // After the messages: lets deadline and cancellation tests end a call that already streamed.
            await DelayAsync(request.DelayMs, context);
        }

        if (request.FailWithStatus != 0)
        {
            throw Failure(request);
        }

        if (request.Text == "throw")
        {
            throw new InvalidOperationException("secret-detail");
        }
    }

    public override async Task<EchoReply> ClientStream(IAsyncStreamReader<EchoRequest> requestStream, ServerCallContext context)
    {
        _probe.Record("service:ClientStream");
        EchoHeaders(context);
        var texts = new List<string>();
        await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
        {
            if (request.DelayMs > 0)
            {
                await DelayAsync(request.DelayMs, context);
            }

            if (request.FailWithStatus != 0)
            {
                throw Failure(request);
            }

            texts.Add(request.Text);
        }

        return new EchoReply { Text = string.Join(",", texts), Index = texts.Count };
    }

    public override async Task Duplex(IAsyncStreamReader<EchoRequest> requestStream, IServerStreamWriter<EchoReply> responseStream, ServerCallContext context)
    {
        _probe.Record("service:Duplex");
        EchoHeaders(context);
        var index = 0;
        while (await requestStream.MoveNext(context.CancellationToken))
        {
            var request = requestStream.Current;
            if (request.DelayMs > 0)
            {
                await DelayAsync(request.DelayMs, context);
            }

            if (request.FailWithStatus != 0)
            {
                throw Failure(request);
            }

            await responseStream.WriteAsync(new EchoReply { Text = request.Text, Index = index++, Payload = request.Payload });
        }
    }

    private async Task BeginAsync(EchoRequest request, ServerCallContext context)
    {
        EchoHeaders(context);
        if (context.RequestHeaders.GetValue("send-headers") is not null)
        {
            await context.WriteResponseHeadersAsync(new Metadata { { "x-initial", "1" }, { "x-initial-bin", new byte[] { 0, 255 } } });
        }

        if (request.DelayMs > 0)
        {
            await DelayAsync(request.DelayMs, context);
        }

        if (request.FailWithStatus != 0)
        {
            throw Failure(request);
        }

        if (request.Text == "throw")
        {
            throw new InvalidOperationException("secret-detail");
        }
    }

    private async Task IgnoreDeadlineAsync(EchoRequest request, IServerStreamWriter<EchoReply> responseStream)
    {
        // Deliberately ignores the call token, then tries to write after the deadline ended the call.
        _probe.HandlerStarted.TrySetResult();
        await Task.Delay(request.DelayMs);
        try
        {
            await responseStream.WriteAsync(new EchoReply { Text = "late" });
        }
        catch (InvalidOperationException ex)
        {
            _probe.WriteAfterDeadlineFailed.TrySetResult(ex);
            throw;
        }
    }

    private async Task DelayAsync(int delayMs, ServerCallContext context)
    {
        _probe.HandlerStarted.TrySetResult();
        try
        {
            await Task.Delay(delayMs, context.CancellationToken);
        }
        catch (OperationCanceledException)
        {
            _probe.Record("token-cancelled");
            if (context.Deadline != DateTime.MaxValue)
            {
                _probe.Record(DateTime.UtcNow >= context.Deadline ? "deadline-passed-at-cancel" : "deadline-ahead-at-cancel");
            }

            _probe.CancellationObserved.TrySetResult();
            throw;
        }
    }

    /// <summary>
    /// Calls this same service's Unary (delay_ms 30,000) through the <see cref="ChildClientHolder"/>'s client with
    /// a propagation token: the child call must inherit this call's deadline.
    /// </summary>
    private async Task<EchoReply> CallChildAsync(ServerCallContext context)
    {
        var holder = (ChildClientHolder?)_services.GetService(typeof(ChildClientHolder));
        var client = holder?.Client ?? throw new InvalidOperationException("no child client registered");
        try
        {
            await client.UnaryAsync(new EchoRequest { DelayMs = 30_000 }, new CallOptions().WithPropagationToken(context.CreatePropagationToken()));
            return new EchoReply { Text = "child finished" };
        }
        catch (RpcException ex)
        {
            _probe.Record("child:" + ex.StatusCode);
            throw;
        }
    }

    private static EchoReply AddTrailers(ServerCallContext context)
    {
        context.ResponseTrailers.Add("x-bad", "caf\u00e9\n");
        context.ResponseTrailers.Add("x-good", "1");
        return new EchoReply { Text = "trailers" };
    }

    private static RpcException Failure(EchoRequest request)
    {
        var trailers = new Metadata
        {
            { "error-code", "e42" },
            { "error-bin", new byte[] { 1, 2, 3 } },
        };
        return new RpcException(new Status((StatusCode)request.FailWithStatus, "failure: " + request.Text), trailers);
    }

    private static void EchoHeaders(ServerCallContext context)
    {
        foreach (var entry in context.RequestHeaders)
        {
            if (entry.Key.StartsWith("echo-", StringComparison.Ordinal))
            {
                context.ResponseTrailers.Add(entry);
            }
        }
    }
}

/// <summary>Per-host holder of the client a service uses for child calls (set once the host runs).</summary>
public sealed class ChildClientHolder
{
    public TestService.TestServiceClient? Client { get; set; }
}
