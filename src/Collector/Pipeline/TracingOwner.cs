namespace Propagation.Collector;

/// <summary>Identifies one app (one host) in a process, so that its tracing pipeline exports only its own spans.</summary>
/// <remarks>
/// <c>AddTracingPipeline</c> registers one instance per service provider (a singleton). Identity is by reference:
/// two instances with the same <see cref="Name"/> are different owners. See <see cref="TracingOwnership"/>.
/// </remarks>
public sealed class TracingOwner
{
    /// <summary>Initializes a new instance of the <see cref="TracingOwner"/> class.</summary>
    /// <param name="name">A name for diagnostics, usually the application name.</param>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is <see langword="null"/>.</exception>
    public TracingOwner(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        Name = name;
    }

    /// <summary>Gets the name given at construction (diagnostics only; never compared).</summary>
    public string Name { get; }

    /// <inheritdoc />
    public override string ToString() => Name;
}
