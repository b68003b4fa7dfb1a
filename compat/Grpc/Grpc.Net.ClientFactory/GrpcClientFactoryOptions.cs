using Grpc.Core;
using Grpc.Net.Client;

namespace Grpc.Net.ClientFactory;

/// <summary>
/// Options of a gRPC client registered with <c>AddGrpcClient</c>.
/// </summary>
public class GrpcClientFactoryOptions
{
    /// <summary>
    /// Gets or sets the server address.
    /// </summary>
    /// <value>Required; default <see langword="null"/>.</value>
    public Uri? Address { get; set; }

    /// <summary>
    /// Gets the actions that configure the <see cref="GrpcChannelOptions"/> of the client's channel, applied in order.
    /// </summary>
    public IList<Action<GrpcChannelOptions>> ChannelOptionsActions { get; } = new List<Action<GrpcChannelOptions>>();

    /// <summary>
    /// Gets the interceptors of the client's pipeline. Within a scope, the first registered runs first;
    /// <see cref="InterceptorScope.Client"/> interceptors run before <see cref="InterceptorScope.Channel"/> ones.
    /// </summary>
    public IList<InterceptorRegistration> InterceptorRegistrations { get; } = new List<InterceptorRegistration>();

    /// <summary>
    /// Gets or sets a delegate that creates the client from its call invoker.
    /// </summary>
    /// <value>Default <see langword="null"/>: the client's constructor that takes a <see cref="CallInvoker"/> is used.</value>
    public Func<CallInvoker, object>? Creator { get; set; }
}
