using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;

namespace Grpc.AspNetCore.Server.Internal;

/// <summary>
/// Creates the service instance for one call: the instance registered in dependency injection when there is
/// one (its lifetime belongs to the container), otherwise a new instance built with
/// <see cref="ActivatorUtilities"/> and disposed when the call ends.
/// </summary>
internal sealed class ServiceActivator<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TService>
    where TService : class
{
    private readonly ObjectFactory _factory = ActivatorUtilities.CreateFactory(typeof(TService), Type.EmptyTypes);

    public TService Create(IServiceProvider services, out bool created)
    {
        if (services.GetService(typeof(TService)) is TService registered)
        {
            created = false;
            return registered;
        }

        created = true;
        return (TService)_factory(services, null);
    }

    public static ValueTask ReleaseAsync(TService service, bool created) => created ? Disposal.DisposeAsync(service) : default;
}

/// <summary>Disposes instances gRPC created for a call, preferring <see cref="IAsyncDisposable"/>.</summary>
internal static class Disposal
{
    public static ValueTask DisposeAsync(object instance)
    {
        if (instance is IAsyncDisposable asyncDisposable)
        {
            return asyncDisposable.DisposeAsync();
        }

        (instance as IDisposable)?.Dispose();
        return default;
    }
}
