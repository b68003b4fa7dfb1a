using System.Diagnostics;
using Grpc.Core;

namespace Samples.Kernel;

/// <summary>
/// The Kernel's gRPC service: client streaming and duplex calls. Transient faults are an HTTP
/// concern here (the Backend retries HTTP calls); over gRPC only <c>fail</c> and <c>slow</c> apply.
/// Each message read records an event on <see cref="Activity.Current"/> (<see cref="NumberEvent"/>,
/// <see cref="WordEvent"/>): the server span of the call, for every message of the stream.
/// </summary>
public sealed class ComputeService : Compute.ComputeBase
{
    /// <summary>The event recorded on the current span for each number <c>Sum</c> reads.</summary>
    public const string NumberEvent = "kernel.number";

    /// <summary>The event recorded on the current span for each word <c>Transform</c> reads.</summary>
    public const string WordEvent = "kernel.word";

    /// <summary>The event attribute carrying the message's position in its stream (0-based).</summary>
    public const string IndexAttribute = "kernel.message.index";

    private readonly ILogger<ComputeService> _logger;

    /// <summary>Creates the service.</summary>
    public ComputeService(ILogger<ComputeService> logger) => _logger = logger;

    /// <inheritdoc/>
    public override async Task<Total> Sum(IAsyncStreamReader<Number> requestStream, ServerCallContext context)
    {
        long total = 0;
        var count = 0;
        var mode = KernelMode.Ok;
        await foreach (var number in requestStream.ReadAllAsync(context.CancellationToken))
        {
            RecordMessage(NumberEvent, count);
            mode = KernelModes.Parse(number.Mode);
            total += number.Value;
            count++;
        }

        await ApplyAsync(mode, context.CancellationToken);
        _logger.LogInformation("Summed {Count} numbers", count);
        return new Total { Value = total, Count = count };
    }

    /// <inheritdoc/>
    public override async Task Transform(IAsyncStreamReader<Word> requestStream, IServerStreamWriter<Word> responseStream, ServerCallContext context)
    {
        var index = 0;
        await foreach (var word in requestStream.ReadAllAsync(context.CancellationToken))
        {
            RecordMessage(WordEvent, index++);
            await responseStream.WriteAsync(new Word { Text = word.Text.ToUpperInvariant() });
        }
    }

    private static void RecordMessage(string name, int index) =>
        Activity.Current?.AddEvent(new ActivityEvent(name, tags: new ActivityTagsCollection { [IndexAttribute] = index }));

    private static async Task ApplyAsync(KernelMode mode, CancellationToken cancellationToken)
    {
        switch (mode)
        {
            case KernelMode.Fail:
                throw new RpcException(new Status(StatusCode.Internal, "The kernel failed (mode=fail)."));
            case KernelMode.Slow:
                await Task.Delay(KernelApp.SlowDelay, cancellationToken);
                break;
        }
    }
}
