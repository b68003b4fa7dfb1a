using Grpc.Core;

namespace Grpc.AspNetCore.Server.Internal;

/// <summary>Endpoint metadata naming the gRPC method an endpoint serves.</summary>
internal sealed class GrpcMethodEndpointMetadata(IMethod method)
{
    public IMethod Method { get; } = method;
}
