using Grpc.Core.Interceptors;
using Microsoft.Extensions.DependencyInjection;

namespace Grpc.AspNetCore.Server.Internal;

/// <summary>
/// The interceptor instances of one call, outermost first. An interceptor registered in dependency injection
/// (and added without constructor arguments) is taken from the container and left alone; any other is created
/// for the call with <see cref="ActivatorUtilities"/> and disposed when the call ends.
/// </summary>
internal sealed class InterceptorScope : IAsyncDisposable
{
    private readonly Interceptor[] _instances;
    private readonly bool[] _created;

    public InterceptorScope(IServiceProvider services, InterceptorRegistration[] registrations)
    {
        _instances = new Interceptor[registrations.Length];
        _created = new bool[registrations.Length];
        try
        {
            for (var i = 0; i < registrations.Length; i++)
            {
                var registration = registrations[i];
                if (registration.ArgumentArray.Length == 0 && services.GetService(registration.Type) is Interceptor registered)
                {
                    _instances[i] = registered;
                    continue;
                }

                _instances[i] = (Interceptor)registration.GetFactory()(services, registration.ArgumentArray);
                _created[i] = true;
            }
        }
        catch
        {
            // A later interceptor could not be created: release the ones already created for this call.
            for (var i = 0; i < _instances.Length; i++)
            {
                if (_created[i])
                {
                    (_instances[i] as IDisposable)?.Dispose();
                }
            }

            throw;
        }
    }

    public Interceptor[] Instances => _instances;

    public async ValueTask DisposeAsync()
    {
        for (var i = _instances.Length - 1; i >= 0; i--)
        {
            if (_created[i] && _instances[i] is { } instance)
            {
                await Disposal.DisposeAsync(instance).ConfigureAwait(false);
            }
        }
    }
}
