using Propagation.Interceptors;
using Samples.Backend.Grpc;

namespace Samples.Ai;

/// <summary>The AI service: a gRPC server that calls back into the Backend over gRPC.</summary>
public static class AiServiceApp
{
    /// <summary>The service name reported on every span.</summary>
    public const string ServiceName = "ai";

    /// <summary>The Backend's service name (as it reports it), recorded as <c>peer.service</c> on the calls to it.</summary>
    private const string BackendServiceName = "backend";

    /// <summary>Registers the AI service's services; the Backend's address comes from <c>Services:Backend</c>.</summary>
    public static void ConfigureServices(WebApplicationBuilder builder)
    {
        // Read and checked here, so a missing or malformed address stops the service at start-up with a clear
        // message instead of failing every call later.
        var backendAddress = Uri.TryCreate(builder.Configuration["Services:Backend"], UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri
            : throw new InvalidOperationException("Configuration 'Services:Backend' must be an absolute http or https URI (for example http://127.0.0.1:5111).");

        builder.Services.AddGrpcTracing(options => options.ServiceName = ServiceName);
        builder.Services.AddGrpc(o => o.Interceptors.Add<TracingInterceptor>());
        builder.Services.AddGrpcClient<Knowledge.KnowledgeClient>(o => o.Address = backendAddress)
            .AddInterceptor<TracingClientInterceptor>()
            .AddTraceHeaders(o => o.PeerService = BackendServiceName); // one client span per call, the interceptor's (see BackendApp)
    }

    /// <summary>Maps the AI service's endpoints.</summary>
    public static void Configure(WebApplication app)
    {
        app.UseTracing();
        app.MapGrpcService<AssistantService>();
        app.MapTracingApi();
        app.MapTraceViewer();
    }
}
