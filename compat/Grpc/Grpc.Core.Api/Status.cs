using System.Diagnostics;

namespace Grpc.Core;

/// <summary>
/// The outcome of a call: a <see cref="Core.StatusCode"/> with an optional human-readable detail.
/// </summary>
[DebuggerDisplay("{ToString(),nq}")]
public struct Status
{
    /// <summary>
    /// The status of a call that completed successfully.
    /// </summary>
    public static readonly Status DefaultSuccess = new(StatusCode.OK, string.Empty);

    /// <summary>
    /// The status of a call that was cancelled.
    /// </summary>
    public static readonly Status DefaultCancelled = new(StatusCode.Cancelled, string.Empty);

    /// <summary>
    /// Creates a new status with the given code and detail.
    /// </summary>
    /// <param name="statusCode">The status code.</param>
    /// <param name="detail">The detail message.</param>
    public Status(StatusCode statusCode, string detail)
        : this(statusCode, detail, null)
    {
    }

    /// <summary>
    /// Creates a new status with the given code, detail and the exception that caused it.
    /// </summary>
    /// <param name="statusCode">The status code.</param>
    /// <param name="detail">The detail message.</param>
    /// <param name="debugException">
    /// The exception behind the status, for local debugging only: it is never sent over the wire.
    /// </param>
    public Status(StatusCode statusCode, string detail, Exception? debugException)
    {
        StatusCode = statusCode;
        Detail = detail;
        DebugException = debugException;
    }

    /// <summary>
    /// Gets the status code.
    /// </summary>
    public StatusCode StatusCode { get; }

    /// <summary>
    /// Gets the detail message.
    /// </summary>
    public string Detail { get; }

    /// <summary>
    /// Gets the exception behind this status, if any. Local only; never transmitted.
    /// </summary>
    public Exception? DebugException { get; }

    /// <summary>
    /// Returns a text form of the status, such as <c>Status(StatusCode="NotFound", Detail="no such key")</c>.
    /// </summary>
    /// <returns>The text form.</returns>
    public override string ToString()
    {
        if (DebugException is not null)
        {
            return $"Status(StatusCode=\"{StatusCode}\", Detail=\"{Detail}\", DebugException=\"{DebugException.GetType()}: {DebugException.Message}\")";
        }

        return $"Status(StatusCode=\"{StatusCode}\", Detail=\"{Detail}\")";
    }
}
