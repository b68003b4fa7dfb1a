namespace Grpc.Net.ClientFactory;

/// <summary>
/// Creates gRPC clients registered with <c>AddGrpcClient</c>.
/// </summary>
public abstract class GrpcClientFactory
{
    /// <summary>
    /// Creates the client registered under <paramref name="name"/>.
    /// </summary>
    /// <typeparam name="TClient">The client type.</typeparam>
    /// <param name="name">The registration name.</param>
    /// <returns>The client.</returns>
    public abstract TClient CreateClient<TClient>(string name)
        where TClient : class;
}
