using System.Diagnostics;
using System.Globalization;
using Grpc.Compat.Tests.Server.Infrastructure;

namespace Grpc.Compat.Tests.Server.Interop;

/// <summary>
/// Debian's python3-grpcio as the client of our server on Kestrel (h2c, 127.0.0.1, OS-picked port).
/// Fails, never skips, when /usr/bin/python3 or its grpc module is missing.
/// </summary>
public sealed class PythonClientInteropTests
{
    private const string Python = "/usr/bin/python3";
    private static readonly TimeSpan ScriptLimit = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task PythonClient_AllChecksAgainstKestrel_EveryCheckPasses()
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync(kestrel: true, configureGrpc: o => o.MaxReceiveMessageSize = 64 * 1024);
        var script = Path.Combine(AppContext.BaseDirectory, "Server", "Interop", "python_interop_client.py");
        Assert.True(File.Exists(Python), $"{Python} is missing: install Debian's python3-grpcio and python3-protobuf.");
        Assert.True(File.Exists(script), $"{script} was not copied to the output directory.");

        // Act
        var (exitCode, output) = await RunAsync(script, host.Address.Port);

        // Assert
        Assert.True(exitCode == 0, $"python interop client exited {exitCode}:\n{output}");
        string[] checks =
        [
            "unary_with_metadata", "server_streaming", "client_streaming", "duplex_interleaved",
            "error_status_and_trailers", "unknown_error_hides_exception", "streaming_error_after_messages",
            "deadline_exceeded", "cancellation", "unimplemented_method", "unimplemented_service", "message_over_receive_limit",
            "compressed_request_unimplemented", "user_agent_is_request_metadata",
        ];
        foreach (var check in checks)
        {
            Assert.Contains("PASS " + check, output, StringComparison.Ordinal);
        }

        Assert.Contains($"DONE {checks.Length} 0", output, StringComparison.Ordinal);

        // The deadline and the cancellation both reached the service's CancellationToken.
        await WaitForAsync(() => host.Probe.Count("token-cancelled") >= 2);
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string script, int port)
    {
        var start = new ProcessStartInfo(Python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-u");
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(port.ToString(CultureInfo.InvariantCulture));
        start.Environment["PYTHONPATH"] = "/usr/lib/python3/dist-packages";
        start.Environment["PYTHONIOENCODING"] = "utf-8";

        using var process = Process.Start(start) ?? throw new InvalidOperationException("python3 did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(ScriptLimit);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            return (-1, $"timed out after {ScriptLimit}\n{await stdout}\n{await stderr}");
        }

        return (process.ExitCode, (await stdout) + (await stderr));
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (!condition())
        {
            await Task.Delay(20, limit.Token);
        }
    }
}
