using System.Reflection;
using Microsoft.Extensions.DependencyInjection;

namespace Propagation.Middleware.Tests;

/// <summary>Approval test of the public surface of Propagation.Middleware: a change to it must update PublicApi.approved.txt.</summary>
public sealed class PublicApiTests
{
    [Fact]
    public void PublicSurface_ComparedToApprovedFile_Matches()
    {
        // Arrange
        var approved = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "PublicApi.approved.txt")).ReplaceLineEndings("\n").Trim();

        // Act
        var actual = Describe(typeof(TracingServiceCollectionExtensions).Assembly);
        if (Environment.GetEnvironmentVariable("PROPAGATION_PUBLIC_API_OUT") is { Length: > 0 } output)
        {
            // Regenerate: PROPAGATION_PUBLIC_API_OUT=/tmp/api.txt dotnet test --filter PublicApiTests, then review and copy.
            File.WriteAllText(output, actual + "\n");
        }

        // Assert
        Assert.Equal(approved, actual);
    }

    internal static string Describe(Assembly assembly)
    {
        var lines = new List<string>();
        foreach (var type in assembly.GetExportedTypes().OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            lines.Add(type.FullName!);
            var members = type.GetMembers(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
                .Where(m => m is not MethodInfo { IsSpecialName: true })
                .Select(m => "  " + m.ToString())
                .Order(StringComparer.Ordinal);
            lines.AddRange(members);
        }

        return string.Join("\n", lines);
    }
}
