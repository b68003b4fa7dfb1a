using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Grpc.Core;
using Microsoft.AspNetCore.Mvc;
using Polly.Timeout;
using Propagation.Interceptors;
using Samples.Ai;
using Samples.Kernel;

namespace Samples.Backend;

/// <summary>
/// The Backend: the public HTTP API. <c>GET /api/ask</c> asks the AI service over gRPC
/// (server streaming; the AI service calls back into <see cref="KnowledgeService"/>) and the
/// Kernel over HTTP through an <c>IHttpClientFactory</c> client with a Polly retry pipeline and
/// <c>AddTraceHeaders()</c>.
/// </summary>
public static class BackendApp
{
    /// <summary>The service name reported on every span.</summary>
    public const string ServiceName = "backend";

    /// <summary>The name of the HttpClient that calls the Kernel.</summary>
    public const string KernelHttpClient = "kernel";

    /// <summary>The AI service's service name (as it reports it), recorded as <c>peer.service</c> on the calls to it.</summary>
    private const string AiServiceName = "ai";

    /// <summary>The Kernel's service name (as it reports it), recorded as <c>peer.service</c> on the calls to it.</summary>
    private const string KernelServiceName = "kernel";

    /// <summary>How long the AI service (and everything it calls, which inherits the deadline) may take to answer.</summary>
    public static readonly TimeSpan AiDeadline = TimeSpan.FromSeconds(10);

    /// <summary>The event recorded on the current span for each answer chunk received from the AI service.</summary>
    public const string ChunkEvent = "backend.chunk";

    /// <summary>The event attribute carrying the chunk's index.</summary>
    public const string ChunkIndexAttribute = "chunk.index";

    /// <summary>Registers the Backend's services; addresses come from <c>Services:Ai</c>, <c>Services:KernelGrpc</c> and <c>Services:KernelHttp</c>.</summary>
    public static void ConfigureServices(WebApplicationBuilder builder)
    {
        var services = builder.Services;

        // Read and checked here, so a missing or malformed address stops the service at start-up with a clear
        // message instead of failing every request later.
        var aiAddress = RequiredUri(builder.Configuration, "Services:Ai");
        var kernelGrpcAddress = RequiredUri(builder.Configuration, "Services:KernelGrpc");
        var kernelHttpAddress = RequiredUri(builder.Configuration, "Services:KernelHttp");

        // AddTracing plus the two gRPC interceptors as singletons.
        services.AddGrpcTracing(options => options.ServiceName = ServiceName);
        services.AddGrpc(o => o.Interceptors.Add<TracingInterceptor>());

        // gRPC clients: the interceptor makes the one client span per call and writes the metadata;
        // AddTraceHeaders on the channel's HttpClient then starts no span of its own, applies the
        // outbound destination policy, turns off HttpClient's System.Net.Http activity and adds the
        // channel's address and PeerService (the callee's service name) to the call's span, so this
        // service's own store can tell /api/tracing/dependencies whom it calls.
        services.AddGrpcClient<Assistant.AssistantClient>(o => o.Address = aiAddress)
            .AddInterceptor<TracingClientInterceptor>()
            .AddTraceHeaders(o => o.PeerService = AiServiceName);
        services.AddGrpcClient<Compute.ComputeClient>(o => o.Address = kernelGrpcAddress)
            .AddInterceptor<TracingClientInterceptor>()
            .AddTraceHeaders(o => o.PeerService = KernelServiceName);

        services.AddSingleton(KernelRetryHandler.CreatePipeline());
        services.AddTransient<KernelRetryHandler>();
        services.AddHttpClient(KernelHttpClient, client => client.BaseAddress = kernelHttpAddress)
            .AddHttpMessageHandler<KernelRetryHandler>() // outer: retries
            .AddTraceHeaders(o => o.PeerService = KernelServiceName); // inner: a span and fresh headers per attempt
    }

    /// <summary>Maps the Backend's endpoints.</summary>
    public static void Configure(WebApplication app)
    {
        app.UseTracing();
        app.MapGrpcService<KnowledgeService>();
        app.MapGet("/api/ask", AskAsync);
        app.MapTracingApi();
        app.MapTraceViewer();
    }

    private static async Task<IResult> AskAsync(
        [FromQuery] string? q,
        [FromQuery] string? mode,
        Assistant.AssistantClient assistant,
        IHttpClientFactory httpClientFactory,
        CancellationToken cancellationToken)
    {
        var question = string.IsNullOrWhiteSpace(q) ? "what is a trace" : q;
        if (question.Length > 200)
        {
            return Results.Problem("The question is longer than 200 characters.", statusCode: StatusCodes.Status400BadRequest);
        }

        var kernelMode = NormalizeMode(mode);
        var traceId = Activity.Current?.TraceId.ToHexString();
        try
        {
            var answer = new StringBuilder();
            var chunks = 0;
            using (var call = assistant.Answer(new AnswerRequest { Question = question, KernelMode = kernelMode }, deadline: DateTime.UtcNow + AiDeadline, cancellationToken: cancellationToken))
            {
                await foreach (var chunk in call.ResponseStream.ReadAllAsync(cancellationToken))
                {
                    // Still this request's server span for every message of the stream.
                    Activity.Current?.AddEvent(new ActivityEvent(ChunkEvent, tags: new ActivityTagsCollection { [ChunkIndexAttribute] = chunk.Index }));
                    answer.Append(chunk.Text);
                    chunks++;
                }
            }

            var kernel = httpClientFactory.CreateClient(KernelHttpClient);
            using var response = await kernel.GetAsync($"/work?n=12&mode={kernelMode}", cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return Results.Problem($"The kernel answered {(int)response.StatusCode}.", statusCode: StatusCodes.Status502BadGateway);
            }

            var work = await response.Content.ReadFromJsonAsync<KernelWork>(cancellationToken);
            return Results.Ok(new AskResult(traceId, answer.ToString(), chunks, work));
        }
        catch (Exception ex) when (cancellationToken.IsCancellationRequested && ex is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
        {
            // The caller went away (RequestAborted): no one reads this answer, and no upstream failed; 499, not 502/500.
            return Results.StatusCode(StatusCodes.Status499ClientClosedRequest);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.DeadlineExceeded)
        {
            // The call's deadline (AiDeadline, inherited by every later hop) ran out here or upstream: a gateway timeout.
            return Results.Problem("The AI service did not answer in time.", statusCode: StatusCodes.Status504GatewayTimeout);
        }
        catch (RpcException ex)
        {
            return Results.Problem($"The AI service answered {ex.StatusCode}.", statusCode: StatusCodes.Status502BadGateway);
        }
        catch (HttpRequestException)
        {
            // The Kernel could not be reached (after the retries): a bad gateway, answered like the other upstream
            // failures (an unhandled exception would be a bare 500 without the trace headers).
            return Results.Problem("The kernel could not be reached.", statusCode: StatusCodes.Status502BadGateway);
        }
        catch (Exception ex) when (ex is TimeoutRejectedException || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // Every attempt ran past the retry pipeline's attempt timeout, or HttpClient's own timeout expired.
            return Results.Problem("The kernel did not answer in time.", statusCode: StatusCodes.Status504GatewayTimeout);
        }
        catch (JsonException)
        {
            return Results.Problem("The kernel's answer could not be read.", statusCode: StatusCodes.Status502BadGateway);
        }
    }

    /// <summary>The Kernel behaviours a caller may ask for; anything else is <c>ok</c>.</summary>
    private static string NormalizeMode(string? mode) => mode?.ToLowerInvariant() switch
    {
        "transient" => "transient",
        "fail" => "fail",
        "slow" => "slow",
        _ => "ok",
    };

    private static Uri RequiredUri(IConfiguration configuration, string key) =>
        Uri.TryCreate(configuration[key], UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri
            : throw new InvalidOperationException($"Configuration '{key}' must be an absolute http or https URI (for example http://127.0.0.1:5102).");
}

/// <summary>What <c>GET /api/ask</c> answers.</summary>
public sealed record AskResult(string? TraceId, string Answer, int Chunks, KernelWork? Kernel);

/// <summary>The Kernel's answer to <c>GET /work</c>, as the Backend reads it.</summary>
public sealed record KernelWork(int Count, long SumOfSquares);
