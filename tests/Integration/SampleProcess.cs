using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Propagation.Integration.Tests;

/// <summary>
/// One of the built samples (<c>Demo</c>, <c>Backend</c>, <c>AiService</c>, <c>Kernel</c>) run as its own process, as
/// <c>dotnet run --project samples/X</c> would: its output is collected line by line, it can be interrupted like
/// Ctrl+C (SIGINT), and it is killed on dispose if it is still running.
/// </summary>
internal sealed class SampleProcess : IAsyncDisposable
{
    private const int SigInt = 2;
    private const int SigTerm = 15;

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly ConcurrentQueue<string> _outputLines = new();
    private readonly SemaphoreSlim _lineAdded = new(0);

    private SampleProcess(Process process)
    {
        _process = process;
    }

    /// <summary>Gets every line written so far, standard output and standard error interleaved.</summary>
    public IReadOnlyList<string> Lines => [.. _lines];

    /// <summary>Gets every line written so far to standard output alone.</summary>
    public IReadOnlyList<string> StandardOutputLines => [.. _outputLines];

    /// <summary>Gets the output so far as one text, for failure messages.</summary>
    public string Output => "Output:\n" + string.Join('\n', Lines);

    public bool HasExited => _process.HasExited;

    /// <summary>Starts the sample's built assembly with <paramref name="args"/>, from its output folder.</summary>
    public static SampleProcess Start(string sample, params string[] args) => Start(sample, new Dictionary<string, string>(), args);

    /// <summary>Starts the sample's built assembly with <paramref name="args"/> and <paramref name="environment"/> set, from its output folder.</summary>
    public static SampleProcess Start(string sample, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var assembly = FindAssembly(sample);
        var start = new ProcessStartInfo(DotnetHost())
        {
            WorkingDirectory = Path.GetDirectoryName(assembly)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(assembly);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // A clean tracing environment: nothing inherited decides exporters or propagators.
        foreach (var name in new[] { "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_TRACES_EXPORTER", "OTEL_PROPAGATORS", "OTEL_SERVICE_NAME", "ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT", "ASPNETCORE_URLS" })
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var process = new Process { StartInfo = start };
        var sampleProcess = new SampleProcess(process);
        process.OutputDataReceived += (_, e) => sampleProcess.Add(e.Data, standardOutput: true);
        process.ErrorDataReceived += (_, e) => sampleProcess.Add(e.Data, standardOutput: false);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return sampleProcess;
    }

    /// <summary>Waits until a line matches; fails when the process exits first or the time is up.</summary>
    public async Task WaitForLineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        var seen = 0;
        while (true)
        {
            var lines = Lines;
            for (; seen < lines.Count; seen++)
            {
                if (match(lines[seen]))
                {
                    return;
                }
            }

            if (_process.HasExited)
            {
                // Let the last output lines arrive, then look once more.
                await _process.WaitForExitAsync(CancellationToken.None);
                Assert.True(Lines.Skip(seen).Any(match), $"The process exited ({_process.ExitCode}) before the expected line. {Output}");
                return;
            }

            try
            {
                await _lineAdded.WaitAsync(TimeSpan.FromMilliseconds(200), cancel.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"No expected line within {timeout}. {Output}");
            }
        }
    }

    /// <summary>Waits for the process to exit on its own within <paramref name="timeout"/>; returns its exit code or fails.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"The process did not exit within {timeout}. {Output}");
        }

        return _process.ExitCode;
    }

    /// <summary>Sends SIGINT, what Ctrl+C in a terminal sends.</summary>
    public void Interrupt()
    {
        Assert.True(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS(), "Ctrl+C is sent as SIGINT, which needs a Unix system.");
        Assert.Equal(0, Kill(_process.Id, SigInt));
    }

    /// <summary>Sends SIGTERM, what a service manager or <c>docker stop</c> sends.</summary>
    public void Terminate()
    {
        Assert.True(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS(), "SIGTERM needs a Unix system.");
        Assert.Equal(0, Kill(_process.Id, SigTerm));
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        // Also waits for the end of the redirected output, so no line arrives after the dispose.
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _process.WaitForExitAsync(cancel.Token);

        _process.Dispose();
        _lineAdded.Dispose();
    }

    private static string FindAssembly(string sample)
    {
        // The samples build next to this test assembly: <artifacts>/bin/<project>/<configuration>/.
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Name;
        var path = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", sample, configuration, sample + ".dll"));
        Assert.True(File.Exists(path), $"The sample {sample} is not built at {path}.");
        return path;
    }

    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    private void Add(string? line, bool standardOutput)
    {
        if (line is not null)
        {
            if (standardOutput)
            {
                _outputLines.Enqueue(line);
            }

            _lines.Enqueue(line);
            _lineAdded.Release();
        }
    }
}
