namespace Grpc.Core;

/// <summary>
/// Carries the deadline and cancellation of a server call into the child calls it makes.
/// Created by <see cref="ServerCallContext.CreatePropagationToken(ContextPropagationOptions?)"/>.
/// </summary>
public abstract class ContextPropagationToken
{
    internal ContextPropagationToken()
    {
    }
}
