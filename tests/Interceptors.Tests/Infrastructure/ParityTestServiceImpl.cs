using System.Globalization;
using Grpc.Core;
using Propagation.Interceptors.Tests.Protos;

namespace Propagation.Interceptors.Tests.Infrastructure;

/// <summary>
/// The handlers of <c>ParityTestService</c>. Scenarios: <c>wait</c> (waits for the call's token, then tries to write a
/// message and reports the outcome), <c>null-reply</c> (returns no message), <c>end-ok</c> (ends the call with OK at
/// once, without reading the rest of the request stream), <c>echo</c> (duplex: answers each request message until
/// the request stream ends), <c>null-headers</c> (calls <c>WriteResponseHeadersAsync(null)</c> and reports the outcome),
/// <c>deadline</c> (answers with the call's <c>Deadline</c> and whether its token fired); anything else answers with the
/// scenario's name.
/// </summary>
public sealed class ParityTestServiceImpl(ParityObservations observations) : ParityTestService.ParityTestServiceBase
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    public override async Task<ParityReply> Unary(ParityRequest request, ServerCallContext context)
    {
        if (request.Scenario == "deadline")
        {
            var deadline = context.Deadline.ToString("O", CultureInfo.InvariantCulture);
            return new ParityReply { Text = $"{deadline} {context.CancellationToken.IsCancellationRequested}" };
        }

        if (request.Scenario == "null-headers")
        {
            await WriteNullHeadersAsync(context);
        }

        await BehaveAsync(request, context, write: null);
        return request.Scenario == "null-reply" ? null! : new ParityReply { Text = request.Scenario };
    }

    public override async Task ServerStream(ParityRequest request, IServerStreamWriter<ParityReply> responseStream, ServerCallContext context)
    {
        await BehaveAsync(request, context, responseStream.WriteAsync);
        await responseStream.WriteAsync(new ParityReply { Text = request.Scenario });
    }

    public override async Task<ParityReply> ClientStream(IAsyncStreamReader<ParityRequest> requestStream, ServerCallContext context)
    {
        var request = await requestStream.MoveNext(context.CancellationToken) ? requestStream.Current : new ParityRequest();
        await BehaveAsync(request, context, write: null);
        return request.Scenario == "null-reply" ? null! : new ParityReply { Text = request.Scenario };
    }

    public override async Task Duplex(IAsyncStreamReader<ParityRequest> requestStream, IServerStreamWriter<ParityReply> responseStream, ServerCallContext context)
    {
        if (!await requestStream.MoveNext(context.CancellationToken))
        {
            return;
        }

        var request = requestStream.Current;
        if (request.Scenario == "end-ok")
        {
            return;
        }

        if (request.Scenario == "echo")
        {
            for (var i = 0; i < 100; i++)
            {
                await responseStream.WriteAsync(new ParityReply { Text = requestStream.Current.Scenario });
                if (!await requestStream.MoveNext(context.CancellationToken))
                {
                    return;
                }
            }

            return;
        }

        await BehaveAsync(request, context, responseStream.WriteAsync);
        await responseStream.WriteAsync(new ParityReply { Text = request.Scenario });
    }

    private async Task WriteNullHeadersAsync(ServerCallContext context)
    {
        try
        {
            await context.WriteResponseHeadersAsync(null!);
            observations.HeadersOutcome.TrySetResult(null);
        }
        catch (Exception ex)
        {
            observations.HeadersOutcome.TrySetResult(ex);
            throw;
        }
    }

    private async Task BehaveAsync(ParityRequest request, ServerCallContext context, Func<ParityReply, Task>? write)
    {
        if (request.Scenario != "wait")
        {
            return;
        }

        observations.Started.TrySetResult();
        try
        {
            await Task.Delay(Bound, context.CancellationToken);
        }
        catch (OperationCanceledException)
        {
            observations.TokenFired.TrySetResult();
        }

        if (write is null)
        {
            observations.WriteOutcome.TrySetResult(null);
            return;
        }

        try
        {
            await write(new ParityReply { Text = "after the token fired" });
            observations.WriteOutcome.TrySetResult(null);
        }
        catch (Exception ex)
        {
            observations.WriteOutcome.TrySetResult(ex);
            throw;
        }
    }
}

/// <summary>What <see cref="ParityTestServiceImpl"/> saw, for one test's host.</summary>
public sealed class ParityObservations
{
    public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource TokenFired { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The exception <c>WriteResponseHeadersAsync(null)</c> threw, or null when it did not throw.</summary>
    public TaskCompletionSource<Exception?> HeadersOutcome { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The exception a write after the token fired threw, or null when it did not throw (or was not tried).</summary>
    public TaskCompletionSource<Exception?> WriteOutcome { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
