namespace Grpc.Core;

/// <summary>
/// Thrown when a remote procedure call fails; also thrown by a server handler to end a call with a given status.
/// </summary>
public class RpcException : Exception
{
    private readonly Status _status;
    private readonly Metadata _trailers;

    /// <summary>
    /// Creates a new exception for the given status.
    /// </summary>
    /// <param name="status">The resulting status of the call.</param>
    public RpcException(Status status)
        : this(status, Metadata.Empty, status.ToString())
    {
    }

    /// <summary>
    /// Creates a new exception for the given status with a custom message.
    /// </summary>
    /// <param name="status">The resulting status of the call.</param>
    /// <param name="message">The exception message.</param>
    public RpcException(Status status, string message)
        : this(status, Metadata.Empty, message)
    {
    }

    /// <summary>
    /// Creates a new exception for the given status and trailers.
    /// </summary>
    /// <param name="status">The resulting status of the call.</param>
    /// <param name="trailers">The response trailers.</param>
    public RpcException(Status status, Metadata trailers)
        : this(status, trailers, status.ToString())
    {
    }

    /// <summary>
    /// Creates a new exception for the given status, trailers and message.
    /// </summary>
    /// <param name="status">The resulting status of the call.</param>
    /// <param name="trailers">The response trailers.</param>
    /// <param name="message">The exception message.</param>
    public RpcException(Status status, Metadata trailers, string message)
        : base(message)
    {
        ArgumentNullException.ThrowIfNull(trailers);
        _status = status;
        _trailers = trailers;
    }

    /// <summary>
    /// Gets the resulting status of the call.
    /// </summary>
    public Status Status => _status;

    /// <summary>
    /// Gets the status code of the call; shorthand for <c>Status.StatusCode</c>.
    /// </summary>
    public StatusCode StatusCode => _status.StatusCode;

    /// <summary>
    /// Gets the trailers sent by the server, or empty metadata when there were none.
    /// </summary>
    public Metadata Trailers => _trailers;
}
