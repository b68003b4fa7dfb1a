namespace Grpc.AspNetCore.Server;

/// <summary>
/// Options for one service type. Values set here override the global <see cref="GrpcServiceOptions"/>;
/// interceptors added here run after (inside) the global interceptors.
/// </summary>
/// <typeparam name="TService">The service type these options apply to.</typeparam>
public class GrpcServiceOptions<TService> : GrpcServiceOptions
    where TService : class
{
}
