using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;

namespace Grpc.Compat.Tests.Interop;

/// <summary>
/// Runs python_interop_server.py with Debian's python3-grpcio (/usr/bin/python3): start, wait for
/// the port it prints, watch its EVENT lines, and stop it. Missing python or grpc fails loudly.
/// </summary>
public sealed class PythonGrpcServer : IAsyncLifetime
{
    private const string Python = "/usr/bin/python3";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly List<string> _stderr = [];
    private Process? _process;

    public int Port { get; private set; }

    public Uri Address => new(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{Port}"));

    public async Task InitializeAsync()
    {
        if (!File.Exists(Python))
        {
            throw new InvalidOperationException($"{Python} is missing: install Debian's python3 and python3-grpcio (apt-get install python3-grpcio python3-protobuf).");
        }

        var script = Path.Combine(AppContext.BaseDirectory, "Interop", "python_interop_server.py");
        var start = new ProcessStartInfo(Python)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-u");
        start.ArgumentList.Add(script);
        _process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {Python}.");
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                _lines.Writer.TryWrite(e.Data);
            }
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_stderr)
                {
                    _stderr.Add(e.Data);
                }
            }
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        string line;
        try
        {
            line = await WaitForLineAsync(l => l.StartsWith("PORT ", StringComparison.Ordinal), StartTimeout);
        }
        catch (TimeoutException)
        {
            throw new InvalidOperationException($"The python gRPC server did not start (is python3-grpcio installed?). stderr:\n{StandardError}");
        }

        Port = int.Parse(line.AsSpan(5), CultureInfo.InvariantCulture);
    }

    public string StandardError
    {
        get
        {
            lock (_stderr)
            {
                return string.Join('\n', _stderr);
            }
        }
    }

    /// <summary>Waits for the next output line that matches, skipping others; throws <see cref="TimeoutException"/> after <paramref name="timeout"/>.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                var line = await _lines.Reader.ReadAsync(cts.Token);
                if (match(line))
                {
                    return line;
                }
            }
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            throw new TimeoutException($"No matching line from the python gRPC server within {timeout}.");
        }
        catch (ChannelClosedException)
        {
            throw new TimeoutException("The python gRPC server exited.");
        }
    }

    public async Task DisposeAsync()
    {
        if (_process is null)
        {
            return;
        }

        try
        {
            _process.StandardInput.Close();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
        }
        finally
        {
            _lines.Writer.TryComplete();
            _process.Dispose();
        }
    }
}
