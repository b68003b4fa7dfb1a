using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Propagation.Collector.Tests.Viewer;

/// <summary>
/// Two real apps on Kestrel (127.0.0.1, OS-picked ports): <c>storefront</c> (tracing API and viewer mapped) calls
/// <c>inventory</c> twice through an <c>AddTraceHeaders</c> client; inventory does its work in a span of its own
/// source, and the second item fails with an exception event. Both pipelines export into one shared
/// <see cref="SpanStore"/>, so the viewer sees the whole trace.
/// </summary>
internal sealed class ViewerTestChain : IAsyncDisposable
{
    public const string Front = "storefront";
    public const string Back = "inventory";

    private readonly ActivitySource _source;

    private ViewerTestChain(WebApplication front, WebApplication back, SpanStore store, ActivitySource source, Uri frontAddress)
    {
        FrontApp = front;
        BackApp = back;
        Store = store;
        _source = source;
        FrontAddress = frontAddress;
    }

    public WebApplication FrontApp { get; }

    public WebApplication BackApp { get; }

    public SpanStore Store { get; }

    public Uri FrontAddress { get; }

    public static async Task<ViewerTestChain> StartAsync()
    {
        var store = new SpanStore(new SpanStoreOptions());
        var source = new ActivitySource("Propagation.Collector.Tests.Viewer." + Guid.NewGuid().ToString("N"));

        var back = Build(Back, store, source, backAddress: null);
        back.MapGet("/stock/{id:int}", (int id) =>
        {
            using var lookup = source.StartActivity("SELECT stock");
            lookup?.SetTag("db.system", "postgresql");
            lookup?.SetTag("db.query.text", "SELECT count FROM stock WHERE item = $1");
            lookup?.SetTag("item.id", id);
            if (id % 2 == 0)
            {
                lookup?.AddException(new TimeoutException("stock database did not answer in 50 ms"));
                lookup?.SetStatus(ActivityStatusCode.Error, "timeout");
                return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
            }

            return Results.Ok(new { id, count = 3 });
        });
        await back.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));

        var front = Build(Front, store, source, AddressOf(back));
        front.MapGet("/checkout", async (IHttpClientFactory clients, CancellationToken cancellationToken) =>
        {
            var client = clients.CreateClient(Back);
            using var first = await client.GetAsync(new Uri("/stock/1", UriKind.Relative), cancellationToken);
            using var second = await client.GetAsync(new Uri("/stock/2", UriKind.Relative), cancellationToken);
            return Results.Ok(new { first = (int)first.StatusCode, second = (int)second.StatusCode });
        });
        front.MapTracingApi();
        front.MapTraceViewer();
        await front.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));

        return new ViewerTestChain(front, back, store, source, AddressOf(front));
    }

    /// <summary>
    /// Runs one checkout through both apps and returns its trace id (echoed by the front's response), once the store
    /// holds the whole trace: hosting stops its server span after Kestrel sent the response, which the caller may read
    /// first, so the three server spans (the checkout's and the two stock requests') are waited for (bounded).
    /// </summary>
    public async Task<string> CheckoutAsync(HttpClient client)
    {
        using var response = await client.GetAsync(new Uri(FrontAddress, "/checkout")).WaitAsync(TimeSpan.FromSeconds(15));
        response.EnsureSuccessStatusCode();
        var traceId = Assert.Single(response.Headers.GetValues("X-Trace-ID"));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            Flush();
            var servers = Store.GetTrace(traceId)?.Count(static s => s.Kind == ActivityKind.Server) ?? 0;
            if (servers >= 3 || DateTime.UtcNow >= deadline)
            {
                break;
            }

            await Task.Delay(20);
        }

        return traceId;
    }

    /// <summary>Exports what both pipelines have seen finish so far.</summary>
    public void Flush()
    {
        Assert.True(BackApp.Services.ForceFlushTracing(TimeSpan.FromSeconds(10)), "The inventory pipeline did not flush in time.");
        Assert.True(FrontApp.Services.ForceFlushTracing(TimeSpan.FromSeconds(10)), "The storefront pipeline did not flush in time.");
    }

    public async ValueTask DisposeAsync()
    {
        await FrontApp.DisposeAsync();
        await BackApp.DisposeAsync();
        _source.Dispose();
    }

    private static WebApplication Build(string name, SpanStore store, ActivitySource source, Uri? backAddress)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            EnvironmentName = "Development",
            ApplicationName = typeof(ViewerTestChain).Assembly.GetName().Name,
        });
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();

        // Registered before AddTracing, whose AddSpanStore only adds a store when none is registered.
        builder.Services.AddSingleton(store);
        builder.Services.AddTracing(o => o.ServiceName = name);
        builder.Services.Configure<TracingPipelineOptions>(o =>
        {
            o.ServiceName = name;
            o.Sources.Add(source.Name);

            // Two hosts share this process: each exports only the spans of its own requests.
            o.ExportUnownedSpans = false;
        });
        if (backAddress is not null)
        {
            builder.Services.AddHttpClient(Back, c => c.BaseAddress = backAddress).AddTraceHeaders();
        }

        var app = builder.Build();
        app.UseTracing();
        return app;
    }

    private static Uri AddressOf(WebApplication app)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        return new Uri(Assert.Single(addresses));
    }
}
