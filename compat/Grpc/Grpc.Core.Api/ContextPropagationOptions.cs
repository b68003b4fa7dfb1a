namespace Grpc.Core;

/// <summary>
/// Options for <see cref="ContextPropagationToken"/>.
/// </summary>
public class ContextPropagationOptions
{
    /// <summary>
    /// The default options: propagate both deadline and cancellation.
    /// </summary>
    public static readonly ContextPropagationOptions Default = new();

    /// <summary>
    /// Creates propagation options.
    /// </summary>
    /// <param name="propagateDeadline">Whether the parent call's deadline applies to the child call.</param>
    /// <param name="propagateCancellation">Whether cancelling the parent call cancels the child call.</param>
    public ContextPropagationOptions(bool propagateDeadline = true, bool propagateCancellation = true)
    {
        IsPropagateDeadline = propagateDeadline;
        IsPropagateCancellation = propagateCancellation;
    }

    /// <summary>Gets a value indicating whether the deadline is propagated.</summary>
    public bool IsPropagateDeadline { get; }

    /// <summary>Gets a value indicating whether cancellation is propagated.</summary>
    public bool IsPropagateCancellation { get; }
}
