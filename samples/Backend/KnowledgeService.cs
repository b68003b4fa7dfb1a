using Grpc.Core;
using Samples.Backend.Grpc;
using Samples.Kernel;

namespace Samples.Backend;

/// <summary>
/// The Backend's gRPC service, called back by the AI service. It asks the Kernel over gRPC:
/// a client-streaming <c>Sum</c> and a duplex <c>Transform</c>.
/// </summary>
public sealed class KnowledgeService : Knowledge.KnowledgeBase
{
    private readonly Compute.ComputeClient _kernel;

    /// <summary>Creates the service.</summary>
    public KnowledgeService(Compute.ComputeClient kernel) => _kernel = kernel;

    /// <inheritdoc/>
    public override async Task<LookupReply> Lookup(LookupRequest request, ServerCallContext context)
    {
        var reply = new LookupReply();

        // The caller's deadline and cancellation carry on to both child calls (DateTime.MaxValue: no deadline).
        var options = new CallOptions(deadline: context.Deadline, cancellationToken: context.CancellationToken);

        using (var sum = _kernel.Sum(options))
        {
            for (var i = 1; i <= 3; i++)
            {
                await sum.RequestStream.WriteAsync(new Number { Value = i * request.Topic.Length, Mode = request.KernelMode });
            }

            await sum.RequestStream.CompleteAsync();
            var total = await sum;
            reply.Score = total.Value;
        }

        using (var transform = _kernel.Transform(options))
        {
            foreach (var word in request.Topic.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                await transform.RequestStream.WriteAsync(new Word { Text = word });
            }

            await transform.RequestStream.CompleteAsync();
            await foreach (var word in transform.ResponseStream.ReadAllAsync(context.CancellationToken))
            {
                reply.Facts.Add(word.Text);
            }
        }

        return reply;
    }
}
