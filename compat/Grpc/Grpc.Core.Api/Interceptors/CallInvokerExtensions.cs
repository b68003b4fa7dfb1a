using Grpc.Core.Interceptors.Internal;

namespace Grpc.Core.Interceptors;

/// <summary>
/// Adds interceptors to a <see cref="CallInvoker"/>.
/// </summary>
/// <remarks>
/// <c>invoker.Intercept(a, b, c)</c> runs <c>a</c>, then <c>b</c>, then <c>c</c>, then the invoker.
/// Chained calls wrap: in <c>invoker.Intercept(c).Intercept(b).Intercept(a)</c> the interceptor
/// added last (<c>a</c>) takes control first.
/// </remarks>
public static class CallInvokerExtensions
{
    /// <summary>
    /// Returns an invoker that runs <paramref name="interceptor"/> before <paramref name="invoker"/>.
    /// </summary>
    /// <param name="invoker">The invoker.</param>
    /// <param name="interceptor">The interceptor.</param>
    /// <returns>The intercepted invoker.</returns>
    public static CallInvoker Intercept(this CallInvoker invoker, Interceptor interceptor)
    {
        return new InterceptingCallInvoker(invoker, interceptor);
    }

    /// <summary>
    /// Returns an invoker that runs the interceptors in the given order, then <paramref name="invoker"/>.
    /// </summary>
    /// <param name="invoker">The invoker.</param>
    /// <param name="interceptors">The interceptors; the first one takes control first.</param>
    /// <returns>The intercepted invoker.</returns>
    public static CallInvoker Intercept(this CallInvoker invoker, params Interceptor[] interceptors)
    {
        ArgumentNullException.ThrowIfNull(invoker);
        ArgumentNullException.ThrowIfNull(interceptors);
        for (var i = interceptors.Length - 1; i >= 0; i--)
        {
            invoker = Intercept(invoker, interceptors[i]);
        }

        return invoker;
    }

    /// <summary>
    /// Returns an invoker that replaces each call's request headers with what <paramref name="interceptor"/> returns.
    /// </summary>
    /// <param name="invoker">The invoker.</param>
    /// <param name="interceptor">Receives the call's headers (empty metadata when there are none) and returns the headers to send.</param>
    /// <returns>The intercepted invoker.</returns>
    public static CallInvoker Intercept(this CallInvoker invoker, Func<Metadata, Metadata> interceptor)
    {
        return new InterceptingCallInvoker(invoker, new MetadataInterceptor(interceptor));
    }
}
