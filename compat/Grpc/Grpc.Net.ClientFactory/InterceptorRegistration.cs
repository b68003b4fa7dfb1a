using Grpc.Core.Interceptors;

namespace Grpc.Net.ClientFactory;

/// <summary>
/// One interceptor in a gRPC client's pipeline: its scope and how to create it.
/// </summary>
public class InterceptorRegistration
{
    /// <summary>
    /// Creates a registration.
    /// </summary>
    /// <param name="scope">The scope.</param>
    /// <param name="creator">Creates the interceptor from the service provider.</param>
    public InterceptorRegistration(InterceptorScope scope, Func<IServiceProvider, Interceptor> creator)
    {
        ArgumentNullException.ThrowIfNull(creator);
        Scope = scope;
        Creator = creator;
    }

    /// <summary>Gets the scope.</summary>
    public InterceptorScope Scope { get; }

    /// <summary>Gets the delegate that creates the interceptor.</summary>
    public Func<IServiceProvider, Interceptor> Creator { get; }
}
