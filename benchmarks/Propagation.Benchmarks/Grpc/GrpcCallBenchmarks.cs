using System.Net;
using BenchmarkDotNet.Attributes;
using Google.Protobuf;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Propagation.Benchmarks.GrpcCalls.Protos;

namespace Propagation.Benchmarks.GrpcCalls;

/// <summary>
/// gRPC calls per second through compat/Grpc end to end: our GrpcChannel client calling our
/// ASP.NET Core server on Kestrel, cleartext HTTP/2 on 127.0.0.1 (one process, loopback).
/// <list type="bullet">
/// <item><c>Unary</c>: one call at a time; the time per call is its latency, 1/time its rate.</item>
/// <item><c>UnaryConcurrent</c>: 64 calls in flight; the time is per call (OperationsPerInvoke).</item>
/// <item><c>ServerStreaming</c>: one call streaming 100 replies; the time is per reply.</item>
/// </list>
/// Targets (2-core box, nothing else running), for 16-byte payloads: <c>Unary</c> under 150 µs and under
/// 8 KB allocated per call (client and server together); <c>UnaryConcurrent</c> under 50 µs per call (over
/// 20,000 calls/s); <c>ServerStreaming</c> under 10 µs and 512 B per reply (over 100,000 replies/s). A short
/// run on the shared, busy box allocated 7.1-7.3 KB per unary call and 456 B per streamed reply; its
/// times (110-1,800 µs per unary call) were dominated by other builds and say nothing yet.
/// Run: <c>dotnet run -c Release --project benchmarks/Propagation.Benchmarks -- --filter '*GrpcCallBenchmarks*'</c>
/// (add <c>--inProcess</c> where BenchmarkDotNet cannot build its out-of-process project).
/// </summary>
[MemoryDiagnoser]
public class GrpcCallBenchmarks
{
    private const int Concurrency = 64;
    private const int StreamLength = 100;

    private WebApplication? _app;
    private GrpcChannel? _channel;
    private BenchService.BenchServiceClient? _client;
    private BenchRequest _unaryRequest = new();
    private BenchRequest _streamRequest = new();

    /// <summary>Gets or sets the payload size of each request and reply, in bytes.</summary>
    [Params(16, 1024)]
    public int PayloadBytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        _app = builder.Build();
        _app.MapGrpcService<BenchServiceImpl>();
        _app.StartAsync().GetAwaiter().GetResult();

        var address = _app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        _channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true },
        });
        _client = new BenchService.BenchServiceClient(_channel);

        var payload = ByteString.CopyFrom(new byte[PayloadBytes]);
        _unaryRequest = new BenchRequest { Payload = payload };
        _streamRequest = new BenchRequest { Payload = payload, Count = StreamLength };

        // One warm call so connection set-up is not measured.
        _client.Unary(_unaryRequest);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _channel?.Dispose();
        if (_app is not null)
        {
            _app.StopAsync().GetAwaiter().GetResult();
            _app.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    [Benchmark]
    public async Task<BenchReply> Unary()
    {
        return await _client!.UnaryAsync(_unaryRequest);
    }

    [Benchmark(OperationsPerInvoke = Concurrency)]
    public async Task UnaryConcurrent()
    {
        var calls = new Task<BenchReply>[Concurrency];
        for (var i = 0; i < calls.Length; i++)
        {
            calls[i] = _client!.UnaryAsync(_unaryRequest).ResponseAsync;
        }

        await Task.WhenAll(calls);
    }

    [Benchmark(OperationsPerInvoke = StreamLength)]
    public async Task<int> ServerStreaming()
    {
        using var call = _client!.ServerStream(_streamRequest);
        var count = 0;
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
        {
            count++;
        }

        return count;
    }
}
