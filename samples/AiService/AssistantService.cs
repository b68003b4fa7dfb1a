using System.Diagnostics;
using Grpc.Core;
using Samples.Backend.Grpc;

namespace Samples.Ai;

/// <summary>
/// The AI service: answers by first calling back into the Backend over gRPC (unary
/// <c>Lookup</c>), then streaming the answer in parts.
/// </summary>
public sealed class AssistantService : Assistant.AssistantBase
{
    /// <summary>The event recorded on the current span for each chunk written.</summary>
    public const string ChunkEvent = "ai.chunk";

    /// <summary>The event attribute carrying the chunk's index.</summary>
    public const string ChunkIndexAttribute = "chunk.index";

    private readonly Knowledge.KnowledgeClient _backend;

    /// <summary>Creates the service.</summary>
    public AssistantService(Knowledge.KnowledgeClient backend) => _backend = backend;

    /// <inheritdoc/>
    public override async Task Answer(AnswerRequest request, IServerStreamWriter<AnswerChunk> responseStream, ServerCallContext context)
    {
        // The caller's deadline and cancellation carry on to the child call (DateTime.MaxValue: no deadline).
        var knowledge = await _backend.LookupAsync(
            new LookupRequest { Topic = request.Question, KernelMode = request.KernelMode },
            deadline: context.Deadline,
            cancellationToken: context.CancellationToken);

        var parts = new List<string> { $"Thinking about '{request.Question}'. " };
        foreach (var fact in knowledge.Facts)
        {
            parts.Add(fact + " ");
        }

        parts.Add($"(score {knowledge.Score})");
        for (var i = 0; i < parts.Count; i++)
        {
            // The server span of this call is current for every message written.
            Activity.Current?.AddEvent(new ActivityEvent(ChunkEvent, tags: new ActivityTagsCollection { [ChunkIndexAttribute] = i }));
            await responseStream.WriteAsync(new AnswerChunk { Index = i, Text = parts[i], Final = i == parts.Count - 1 });
        }
    }
}
