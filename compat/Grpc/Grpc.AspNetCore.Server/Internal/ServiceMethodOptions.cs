namespace Grpc.AspNetCore.Server.Internal;

/// <summary>
/// The effective options of one service: global options overridden by the service's own, interceptors in
/// run order (global first). Built once when the service is mapped.
/// </summary>
internal sealed class ServiceMethodOptions
{
    public ServiceMethodOptions(GrpcServiceOptions global, GrpcServiceOptions service)
    {
        MaxSendMessageSize = service.MaxSendMessageSizeSpecified ? service.MaxSendMessageSize : global.MaxSendMessageSize;
        MaxReceiveMessageSize = service.MaxReceiveMessageSizeSpecified ? service.MaxReceiveMessageSize : global.MaxReceiveMessageSize;
        EnableDetailedErrors = (service.EnableDetailedErrors ?? global.EnableDetailedErrors) == true;
        IgnoreUnknownServices = (service.IgnoreUnknownServices ?? global.IgnoreUnknownServices) == true;

        var interceptors = new InterceptorRegistration[global.Interceptors.Count + service.Interceptors.Count];
        global.Interceptors.CopyTo(interceptors, 0);
        service.Interceptors.CopyTo(interceptors, global.Interceptors.Count);
        Interceptors = interceptors;
    }

    public int? MaxSendMessageSize { get; }

    public int? MaxReceiveMessageSize { get; }

    public bool EnableDetailedErrors { get; }

    public bool IgnoreUnknownServices { get; }

    public InterceptorRegistration[] Interceptors { get; }
}
