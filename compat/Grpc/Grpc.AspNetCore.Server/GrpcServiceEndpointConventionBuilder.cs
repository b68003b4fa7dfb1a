using Microsoft.AspNetCore.Http;

namespace Microsoft.AspNetCore.Builder;

/// <summary>
/// Applies endpoint conventions to every endpoint of a mapped gRPC service.
/// </summary>
public sealed class GrpcServiceEndpointConventionBuilder : IEndpointConventionBuilder
{
    private readonly IEndpointConventionBuilder[] _builders;

    internal GrpcServiceEndpointConventionBuilder(IEnumerable<IEndpointConventionBuilder> builders)
    {
        _builders = [.. builders];
    }

    /// <summary>Adds a convention applied to each endpoint of the service.</summary>
    /// <param name="convention">The convention.</param>
    public void Add(Action<EndpointBuilder> convention)
    {
        ArgumentNullException.ThrowIfNull(convention);
        foreach (var builder in _builders)
        {
            builder.Add(convention);
        }
    }
}
