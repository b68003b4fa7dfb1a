using Grpc.Core;
using Propagation.Benchmarks.GrpcCalls.Protos;

namespace Propagation.Benchmarks.GrpcCalls;

/// <summary>Echoes the payload: once for unary, <c>count</c> times for server streaming.</summary>
public sealed class BenchServiceImpl : BenchService.BenchServiceBase
{
    public override Task<BenchReply> Unary(BenchRequest request, ServerCallContext context)
    {
        return Task.FromResult(new BenchReply { Payload = request.Payload });
    }

    public override async Task ServerStream(BenchRequest request, IServerStreamWriter<BenchReply> responseStream, ServerCallContext context)
    {
        for (var i = 0; i < request.Count; i++)
        {
            await responseStream.WriteAsync(new BenchReply { Payload = request.Payload, Index = i });
        }
    }
}
