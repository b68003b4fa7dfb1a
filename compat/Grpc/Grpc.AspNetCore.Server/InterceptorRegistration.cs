using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;

namespace Grpc.AspNetCore.Server;

/// <summary>
/// One interceptor in the server pipeline: its type and the constructor arguments used when it is activated.
/// </summary>
/// <remarks>
/// When the registration has no arguments and the interceptor type is registered in dependency injection,
/// the registered instance is used (and not disposed by gRPC). Otherwise an instance is created for each call
/// with <see cref="ActivatorUtilities"/> and disposed when the call ends.
/// </remarks>
public class InterceptorRegistration
{
    private readonly object[] _arguments;
    private ObjectFactory? _factory;

    internal InterceptorRegistration(
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] Type type,
        object[] arguments)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(arguments);
        for (var i = 0; i < arguments.Length; i++)
        {
            if (arguments[i] is null)
            {
                throw new ArgumentException("Interceptor arguments must not contain null values.", nameof(arguments));
            }
        }

        Type = type;
        _arguments = arguments;
    }

    /// <summary>Gets the interceptor type.</summary>
    [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)]
    public Type Type { get; }

    /// <summary>Gets the arguments passed to the interceptor's constructor when it is activated.</summary>
    public IReadOnlyList<object> Arguments => _arguments;

    internal object[] ArgumentArray => _arguments;

    /// <summary>Gets the cached factory that creates the interceptor; races only create it twice.</summary>
    internal ObjectFactory GetFactory()
    {
        if (_factory is null)
        {
            var types = new Type[_arguments.Length];
            for (var i = 0; i < types.Length; i++)
            {
                types[i] = _arguments[i].GetType();
            }

            _factory = ActivatorUtilities.CreateFactory(Type, types);
        }

        return _factory;
    }
}
