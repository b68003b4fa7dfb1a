using System.Diagnostics.CodeAnalysis;
using Grpc.AspNetCore.Server.Internal;
using Microsoft.AspNetCore.Routing;

namespace Microsoft.AspNetCore.Builder;

/// <summary>
/// Maps gRPC services onto endpoint routing.
/// </summary>
public static class GrpcEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps every method of <typeparamref name="TService"/> to a <c>POST /{package.Service}/{Method}</c> endpoint.
    /// </summary>
    /// <remarks>
    /// The methods are discovered through the <c>BindServiceMethodAttribute</c> of the generated service base
    /// class. Each call gets its own service instance: the one registered in dependency injection when there is
    /// one, otherwise a new instance that is disposed when the call ends. Unknown methods of the service, and
    /// unknown services, are answered <c>UNIMPLEMENTED</c> unless <c>IgnoreUnknownServices</c> is set.
    /// </remarks>
    /// <typeparam name="TService">The service type: a class derived from a generated service base class.</typeparam>
    /// <param name="builder">The endpoint route builder.</param>
    /// <returns>A builder to add conventions (authorization, CORS, metadata) to the service's endpoints.</returns>
    /// <exception cref="InvalidOperationException"><c>AddGrpc</c> was not called, or the type is not a generated gRPC service.</exception>
    public static GrpcServiceEndpointConventionBuilder MapGrpcService<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors | DynamicallyAccessedMemberTypes.PublicMethods)] TService>(this IEndpointRouteBuilder builder)
        where TService : class
    {
        ArgumentNullException.ThrowIfNull(builder);

        return new GrpcServiceEndpointConventionBuilder(ServiceRouteBuilder.Build<TService>(builder));
    }
}
