namespace Grpc.Core.Interceptors;

/// <summary>
/// Adds interceptors to the call invoker of a <see cref="ChannelBase"/>.
/// </summary>
/// <remarks>Ordering is as for <see cref="CallInvokerExtensions"/>.</remarks>
public static class ChannelExtensions
{
    /// <summary>
    /// Returns an invoker on <paramref name="channel"/> that runs <paramref name="interceptor"/> first.
    /// </summary>
    /// <param name="channel">The channel.</param>
    /// <param name="interceptor">The interceptor.</param>
    /// <returns>The intercepted invoker.</returns>
    public static CallInvoker Intercept(this ChannelBase channel, Interceptor interceptor)
    {
        ArgumentNullException.ThrowIfNull(channel);
        return channel.CreateCallInvoker().Intercept(interceptor);
    }

    /// <summary>
    /// Returns an invoker on <paramref name="channel"/> that runs the interceptors in the given order.
    /// </summary>
    /// <param name="channel">The channel.</param>
    /// <param name="interceptors">The interceptors; the first one takes control first.</param>
    /// <returns>The intercepted invoker.</returns>
    public static CallInvoker Intercept(this ChannelBase channel, params Interceptor[] interceptors)
    {
        ArgumentNullException.ThrowIfNull(channel);
        return channel.CreateCallInvoker().Intercept(interceptors);
    }

    /// <summary>
    /// Returns an invoker on <paramref name="channel"/> that replaces each call's request headers.
    /// </summary>
    /// <param name="channel">The channel.</param>
    /// <param name="interceptor">Receives the call's headers and returns the headers to send.</param>
    /// <returns>The intercepted invoker.</returns>
    public static CallInvoker Intercept(this ChannelBase channel, Func<Metadata, Metadata> interceptor)
    {
        ArgumentNullException.ThrowIfNull(channel);
        return channel.CreateCallInvoker().Intercept(interceptor);
    }
}
