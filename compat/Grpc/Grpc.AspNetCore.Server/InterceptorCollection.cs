using System.Collections.ObjectModel;
using System.Diagnostics.CodeAnalysis;
using Grpc.Core.Interceptors;

namespace Grpc.AspNetCore.Server;

/// <summary>
/// The interceptors run for a gRPC call, in order: the first added is the outermost.
/// </summary>
public class InterceptorCollection : Collection<InterceptorRegistration>
{
    /// <summary>Adds an interceptor to the end of the pipeline.</summary>
    /// <typeparam name="TInterceptor">The interceptor type.</typeparam>
    /// <param name="args">Arguments passed to the interceptor's constructor when it is created for a call.</param>
    public void Add<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TInterceptor>(params object[] args)
        where TInterceptor : Interceptor
    {
        Add(typeof(TInterceptor), args);
    }

    /// <summary>Adds an interceptor to the end of the pipeline.</summary>
    /// <param name="interceptorType">The interceptor type; it must derive from <see cref="Interceptor"/>.</param>
    /// <param name="args">Arguments passed to the interceptor's constructor when it is created for a call.</param>
    /// <exception cref="ArgumentException"><paramref name="interceptorType"/> does not derive from <see cref="Interceptor"/>.</exception>
    public void Add(
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] Type interceptorType,
        params object[] args)
    {
        ArgumentNullException.ThrowIfNull(interceptorType);
        ArgumentNullException.ThrowIfNull(args);
        if (!interceptorType.IsSubclassOf(typeof(Interceptor)))
        {
            throw new ArgumentException(
                $"Type '{interceptorType.FullName}' must derive from {typeof(Interceptor).FullName} to be added as a gRPC interceptor.",
                nameof(interceptorType));
        }

        Add(new InterceptorRegistration(interceptorType, args));
    }

    internal void AddRange(IEnumerable<InterceptorRegistration> registrations)
    {
        foreach (var registration in registrations)
        {
            Add(registration);
        }
    }
}
