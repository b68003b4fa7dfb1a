using Microsoft.AspNetCore.Mvc;
using Propagation;

namespace Samples.Kernel;

/// <summary>
/// The Kernel: a gRPC and HTTP server doing the work. It is the "older" service of the
/// chain: it speaks only the legacy <c>X-Trace-ID</c>/<c>X-Span-ID</c> pair.
/// </summary>
public static class KernelApp
{
    /// <summary>The service name reported on every span.</summary>
    public const string ServiceName = "kernel";

    /// <summary>How long <see cref="KernelMode.Slow"/> waits.</summary>
    public static readonly TimeSpan SlowDelay = TimeSpan.FromMilliseconds(300);

    /// <summary>Registers the Kernel's services.</summary>
    public static void ConfigureServices(WebApplicationBuilder builder)
    {
        builder.Services.AddGrpcTracing(options =>
        {
            options.ServiceName = ServiceName;
            // An older service: only the legacy pair, both ways.
            options.Propagation.ExtractFormats.Clear();
            options.Propagation.ExtractFormats.Add(PropagationFormat.Legacy);
            options.Propagation.InjectFormats.Clear();
            options.Propagation.InjectFormats.Add(PropagationFormat.Legacy);
            // ... and no W3C baggage either: it predates it.
            options.Propagation.ExtractBaggage = false;
        });
        builder.Services.AddGrpc(o => o.Interceptors.Add<Propagation.Interceptors.TracingInterceptor>());
        builder.Services.AddSingleton<TransientFaults>();
    }

    /// <summary>Maps the Kernel's endpoints.</summary>
    public static void Configure(WebApplication app)
    {
        app.UseTracing();
        app.MapGrpcService<ComputeService>();
        app.MapGet("/work", WorkAsync);
        app.MapTracingApi();
        app.MapTraceViewer();
    }

    private static async Task<IResult> WorkAsync([FromQuery] string? mode, [FromQuery] int? n, TransientFaults faults, CancellationToken cancellationToken)
    {
        switch (KernelModes.Parse(mode))
        {
            case KernelMode.Fail:
                return Results.Problem("The kernel failed (mode=fail).", statusCode: StatusCodes.Status500InternalServerError);
            case KernelMode.Transient when faults.ShouldFail(TransientFaults.CurrentKey() + "/http"):
                return Results.Problem("The kernel is busy (mode=transient).", statusCode: StatusCodes.Status503ServiceUnavailable);
            case KernelMode.Slow:
                await Task.Delay(SlowDelay, cancellationToken);
                break;
        }

        var count = Math.Clamp(n ?? 10, 0, 1000);
        long sum = 0;
        for (var i = 1; i <= count; i++)
        {
            sum += (long)i * i;
        }

        return Results.Ok(new WorkResult(count, sum));
    }
}

/// <summary>What <c>GET /work</c> answers.</summary>
public sealed record WorkResult(int Count, long SumOfSquares);
