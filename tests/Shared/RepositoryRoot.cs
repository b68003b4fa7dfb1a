using System.Runtime.CompilerServices;

namespace Propagation.Testing;

/// <summary>Finds the repository's root (the folder holding <c>Propagation.sln</c>) from a test.</summary>
internal static class RepositoryRoot
{
    /// <summary>
    /// The root above the calling source file's path recorded at compile time first (build output may live outside the
    /// tree), then above the output directory and the current directory.
    /// </summary>
    public static string Find([CallerFilePath] string sourceFile = "")
    {
        foreach (var start in new[] { Path.GetDirectoryName(sourceFile), AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var directory = start is null ? null : new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "Propagation.sln")))
                {
                    return directory.FullName;
                }
            }
        }

        throw new InvalidOperationException("Propagation.sln not found above " + sourceFile + " or " + AppContext.BaseDirectory);
    }
}
