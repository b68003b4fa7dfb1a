using System.Diagnostics;
using System.IO.Compression;
using System.Xml.Linq;
using Grpc.Core;
using Propagation.Testing;

namespace Propagation.Interceptors.Tests;

/// <summary>
/// What <c>dotnet pack</c> makes of <c>src/Interceptors</c> in the gRPC implementation this assembly was built against
/// (the already built project is packed with <c>--no-build</c>, as a user would pack it): the package is for apps that
/// run grpc-dotnet, so it must depend on grpc-dotnet's packages, never on compat/Grpc, whose <c>Grpc.Core</c> types
/// clash with grpc-dotnet's (CS0433) in any app that references both.
/// </summary>
public sealed class InterceptorsPackageTests : IDisposable
{
    private static readonly TimeSpan PackTimeout = TimeSpan.FromMinutes(3);

    private readonly string _output = Directory.CreateTempSubdirectory("propagation-pack-").FullName;

    public void Dispose() => Directory.Delete(_output, recursive: true);

    [Fact]
    public async Task Pack_AgainstTheGrpcImplementationOfThisBuild_DependsOnGrpcDotnetOrStopsWithTheFix()
    {
        // Arrange
        var official = typeof(Metadata).Assembly.GetName().Name == "Grpc.Core.Api";

        // Act
        var (exitCode, log) = await PackAsync(official);

        // Assert
        var packages = Directory.GetFiles(_output, "*.nupkg");
        if (!official)
        {
            Assert.NotEqual(0, exitCode);
            Assert.Contains("-p:GrpcImplementation=Official", log, StringComparison.Ordinal);
            Assert.Contains("Propagation.Grpc.Compat", log, StringComparison.Ordinal);
            Assert.Empty(packages);
            return;
        }

        Assert.True(exitCode == 0, log);
        var package = Assert.Single(packages);
        var dependencies = ReadDependencies(package);
        Assert.DoesNotContain("Propagation.Grpc.Compat", dependencies.Keys);
        foreach (var grpcPackage in new[] { "Grpc.AspNetCore.Server", "Grpc.Net.Client", "Grpc.Net.ClientFactory" })
        {
            Assert.True(dependencies.TryGetValue(grpcPackage, out var version), grpcPackage + " missing: " + string.Join(", ", dependencies.Keys));
            Assert.Equal(FileVersionInfo.GetVersionInfo(typeof(Metadata).Assembly.Location).ProductVersion?.Split('+')[0], version);
        }
    }

    private async Task<(int ExitCode, string Log)> PackAsync(bool official)
    {
        // This assembly is built at <artifacts>/bin/<project>/<configuration>/, the project under test beside it.
        var binDirectory = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = binDirectory.Name.Equals("release", StringComparison.OrdinalIgnoreCase) ? "Release" : "Debug";
        var artifacts = binDirectory.Parent!.Parent!.Parent!.FullName;

        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _output,
        };
        foreach (var argument in new[]
        {
            "pack", Path.Combine(RepositoryRoot.Find(), "src", "Interceptors", "Propagation.Interceptors.csproj"),
            "--no-build", "--no-restore", "-c", configuration, "-o", _output, "-nologo",
        })
        {
            start.ArgumentList.Add(argument);
        }

        if (official)
        {
            start.ArgumentList.Add("-p:GrpcImplementation=Official");
        }

        start.Environment["PROPAGATION_ARTIFACTS"] = artifacts;
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";

        using var process = Process.Start(start)!;
        var standardOutput = process.StandardOutput.ReadToEndAsync();
        var standardError = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(PackTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("dotnet pack did not finish within " + PackTimeout);
        }

        return (process.ExitCode, await standardOutput + await standardError);
    }

    private static Dictionary<string, string> ReadDependencies(string package)
    {
        using var archive = ZipFile.OpenRead(package);
        var nuspec = archive.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal));
        using var stream = nuspec.Open();
        return XDocument.Load(stream).Descendants().Where(e => e.Name.LocalName == "dependency")
            .ToDictionary(e => (string)e.Attribute("id")!, e => (string)e.Attribute("version")!);
    }

    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
}
