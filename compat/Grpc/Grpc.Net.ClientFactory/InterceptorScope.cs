namespace Grpc.Net.ClientFactory;

/// <summary>
/// Where an interceptor sits in a client's pipeline.
/// </summary>
public enum InterceptorScope
{
    /// <summary>Around the channel's call invoker, shared by the clients of one channel.</summary>
    Channel,

    /// <summary>Around one client; runs before the channel-scoped interceptors.</summary>
    Client,
}
