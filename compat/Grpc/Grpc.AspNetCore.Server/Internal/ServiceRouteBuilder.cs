using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Grpc.AspNetCore.Server.Internal;

/// <summary>
/// Maps one service type: finds the generated <c>BindService</c> method through
/// <see cref="BindServiceMethodAttribute"/>, maps an endpoint per method and the <c>UNIMPLEMENTED</c> catch-alls.
/// </summary>
internal static class ServiceRouteBuilder
{
    public static List<IEndpointConventionBuilder> Build<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors | DynamicallyAccessedMemberTypes.PublicMethods)] TService>(IEndpointRouteBuilder endpoints)
        where TService : class
    {
        var services = endpoints.ServiceProvider;
        var marker = services.GetService<GrpcMarkerService>() ?? throw new InvalidOperationException(
            "Unable to find the required services. Call 'services.AddGrpc()' when configuring the application's services before 'MapGrpcService'.");

        var global = services.GetRequiredService<IOptions<GrpcServiceOptions>>().Value;
        var own = services.GetRequiredService<IOptions<GrpcServiceOptions<TService>>>().Value;
        var options = new ServiceMethodOptions(global, own);
        var logger = services.GetService<ILoggerFactory>()?.CreateLogger("Grpc.AspNetCore.Server.ServerCallHandler") ?? NullLogger.Instance;

        var binder = new EndpointServiceBinder<TService>(endpoints, options, new ServiceActivator<TService>(), logger);
        InvokeBindService(binder);
        if (binder.Endpoints.Count == 0)
        {
            throw new InvalidOperationException($"No gRPC methods were found on service type '{typeof(TService).FullName}'.");
        }

        if (!options.IgnoreUnknownServices)
        {
            foreach (var serviceName in binder.ServiceNames)
            {
                binder.Endpoints.Add(UnimplementedEndpoints.MapUnknownMethod(endpoints, serviceName, logger));
            }
        }

        if (global.IgnoreUnknownServices != true && marker.TryMarkUnknownServiceMapped(endpoints))
        {
            UnimplementedEndpoints.MapUnknownService(endpoints, logger);
        }

        return binder.Endpoints;
    }

    private static void InvokeBindService<TService>(EndpointServiceBinder<TService> binder)
        where TService : class
    {
        var attribute = typeof(TService).GetCustomAttribute<BindServiceMethodAttribute>(inherit: true) ?? throw new InvalidOperationException(
            $"Could not find a {nameof(BindServiceMethodAttribute)} on '{typeof(TService).FullName}' or its base types. " +
            "A gRPC service must derive from the service base class generated from its .proto file.");

        MethodInfo? bindMethod = null;
        foreach (var candidate in attribute.BindType.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static))
        {
            if (candidate.Name != attribute.BindMethodName)
            {
                continue;
            }

            var parameters = candidate.GetParameters();
            if (parameters.Length == 2
                && parameters[0].ParameterType == typeof(ServiceBinderBase)
                && parameters[1].ParameterType.IsAssignableFrom(typeof(TService)))
            {
                bindMethod = candidate;
                break;
            }
        }

        if (bindMethod is null)
        {
            throw new InvalidOperationException(
                $"Could not find the static method '{attribute.BindMethodName}(ServiceBinderBase, ...)' on '{attribute.BindType.FullName}' to bind '{typeof(TService).FullName}'.");
        }

        try
        {
            // The generated method only reads the method descriptors when the service instance is null.
            bindMethod.Invoke(null, [binder, null]);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex.InnerException);
        }
    }
}
