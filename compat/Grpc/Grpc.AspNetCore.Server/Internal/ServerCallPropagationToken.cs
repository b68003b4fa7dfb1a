using Grpc.Core;
using Grpc.Core.Internal;

namespace Grpc.AspNetCore.Server.Internal;

/// <summary>
/// The deadline and cancellation of a server call, for a child call made with
/// <see cref="CallOptions.WithPropagationToken(ContextPropagationToken)"/>; the client reads it through
/// <see cref="IPropagatedCallContext"/>.
/// </summary>
internal sealed class ServerCallPropagationToken : ContextPropagationToken, IPropagatedCallContext
{
    public ServerCallPropagationToken(DateTime deadline, ContextPropagationOptions options, CancellationToken cancellationToken)
    {
        Deadline = deadline;
        CancellationToken = cancellationToken;
        Options = options;
    }

    /// <summary>Gets the parent call's deadline (<see cref="DateTime.MaxValue"/> when it has none).</summary>
    public DateTime Deadline { get; }

    /// <summary>Gets the parent call's cancellation token.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>Gets which of the two the child call takes.</summary>
    public ContextPropagationOptions Options { get; }
}
