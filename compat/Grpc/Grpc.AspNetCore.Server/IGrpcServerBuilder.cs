using Microsoft.Extensions.DependencyInjection;

namespace Grpc.AspNetCore.Server;

/// <summary>
/// Returned by <c>AddGrpc</c> to configure gRPC services further.
/// </summary>
public interface IGrpcServerBuilder
{
    /// <summary>Gets the service collection gRPC was added to.</summary>
    IServiceCollection Services { get; }
}
