namespace Samples.Kernel;

/// <summary>How the Kernel behaves for one request, chosen by the caller.</summary>
public enum KernelMode
{
    /// <summary>Do the work and answer.</summary>
    Ok,

    /// <summary>Fail the first attempt of each trace, then succeed (shows retries).</summary>
    Transient,

    /// <summary>Always fail (shows the error path).</summary>
    Fail,

    /// <summary>Answer after a delay (shows the slow path).</summary>
    Slow,
}

/// <summary>Parses the <c>mode</c> parameter; anything unknown is <see cref="KernelMode.Ok"/>.</summary>
public static class KernelModes
{
    /// <summary>Parses a mode name (case-insensitive).</summary>
    public static KernelMode Parse(string? value) => value?.ToLowerInvariant() switch
    {
        "transient" => KernelMode.Transient,
        "fail" => KernelMode.Fail,
        "slow" => KernelMode.Slow,
        _ => KernelMode.Ok,
    };

    /// <summary>The lowercase name of a mode, as sent on the wire.</summary>
    public static string Name(KernelMode mode) => mode switch
    {
        KernelMode.Transient => "transient",
        KernelMode.Fail => "fail",
        KernelMode.Slow => "slow",
        _ => "ok",
    };
}
