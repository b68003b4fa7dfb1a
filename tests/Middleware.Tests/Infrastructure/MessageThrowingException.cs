namespace Propagation.Middleware.Tests.Infrastructure;

/// <summary>An exception whose <see cref="Exception.Message"/> getter throws, as an app's own exception type with a bug might.</summary>
internal sealed class MessageThrowingException : Exception
{
    public override string Message => throw new InvalidOperationException("Message failed.");
}
