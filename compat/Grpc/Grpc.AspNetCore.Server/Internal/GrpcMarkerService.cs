using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Routing;

namespace Grpc.AspNetCore.Server.Internal;

/// <summary>
/// Registered by <c>AddGrpc</c> so <c>MapGrpcService</c> can tell it was called; also remembers the route
/// builders that already carry the catch-all "unknown service" endpoint.
/// </summary>
internal sealed class GrpcMarkerService
{
    private readonly ConditionalWeakTable<IEndpointRouteBuilder, object> _unknownServiceMapped = new();

    /// <summary>Returns <see langword="true"/> the first time it is called for <paramref name="builder"/>.</summary>
    public bool TryMarkUnknownServiceMapped(IEndpointRouteBuilder builder) => _unknownServiceMapped.TryAdd(builder, this);
}
