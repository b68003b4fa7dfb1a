namespace Grpc.Core.Internal;

/// <summary>
/// Implemented by a <see cref="ContextPropagationToken"/> that carries a server call's deadline and
/// cancellation; the client applies them to a child call made with that token.
/// </summary>
internal interface IPropagatedCallContext
{
    /// <summary>Gets the parent call's deadline (<see cref="DateTime.MaxValue"/> when it has none).</summary>
    DateTime Deadline { get; }

    /// <summary>Gets the parent call's cancellation token.</summary>
    CancellationToken CancellationToken { get; }

    /// <summary>Gets which of the two the child call takes.</summary>
    ContextPropagationOptions Options { get; }
}
