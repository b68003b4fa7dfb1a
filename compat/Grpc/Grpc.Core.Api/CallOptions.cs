namespace Grpc.Core;

/// <summary>
/// Options for one client call: headers, deadline, cancellation and write options.
/// </summary>
#pragma warning disable CA1815 // grpc-dotnet's CallOptions defines no equality.
public struct CallOptions
#pragma warning restore CA1815
{
    private Metadata? _headers;
    private DateTime? _deadline;
    private CancellationToken _cancellationToken;
    private WriteOptions? _writeOptions;
    private ContextPropagationToken? _propagationToken;
    private CallCredentials? _credentials;
    private bool _waitForReady;

    /// <summary>
    /// Creates call options.
    /// </summary>
    /// <param name="headers">Request headers.</param>
    /// <param name="deadline">The deadline (UTC); <see langword="null"/> for none.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <param name="writeOptions">Write options.</param>
    /// <param name="propagationToken">A token from a server call whose deadline and cancellation apply.</param>
    /// <param name="credentials">Call credentials (not supported by this implementation).</param>
#pragma warning disable CA1068 // Parameter order is grpc-dotnet's.
    public CallOptions(Metadata? headers = null, DateTime? deadline = null, CancellationToken cancellationToken = default, WriteOptions? writeOptions = null, ContextPropagationToken? propagationToken = null, CallCredentials? credentials = null)
    {
        _headers = headers;
        _deadline = deadline;
        _cancellationToken = cancellationToken;
        _writeOptions = writeOptions;
        _propagationToken = propagationToken;
        _credentials = credentials;
        _waitForReady = false;
    }
#pragma warning restore CA1068

    /// <summary>Gets the request headers.</summary>
    public readonly Metadata? Headers => _headers;

    /// <summary>Gets the deadline; <see langword="null"/> for none.</summary>
    public readonly DateTime? Deadline => _deadline;

    /// <summary>Gets the token that cancels the call.</summary>
    public readonly CancellationToken CancellationToken => _cancellationToken;

    /// <summary>Gets the write options.</summary>
    public readonly WriteOptions? WriteOptions => _writeOptions;

    /// <summary>Gets the context propagation token.</summary>
    public readonly ContextPropagationToken? PropagationToken => _propagationToken;

    /// <summary>Gets the call credentials.</summary>
    public readonly CallCredentials? Credentials => _credentials;

    /// <summary>Gets a value indicating whether the call waits for the channel to be ready instead of failing fast.</summary>
    public readonly bool IsWaitForReady => _waitForReady;

    /// <summary>Returns a copy with the given headers.</summary>
    /// <param name="headers">The headers.</param>
    /// <returns>The new options.</returns>
    public CallOptions WithHeaders(Metadata headers)
    {
        var copy = this;
        copy._headers = headers;
        return copy;
    }

    /// <summary>Returns a copy with the given deadline.</summary>
    /// <param name="deadline">The deadline.</param>
    /// <returns>The new options.</returns>
    public CallOptions WithDeadline(DateTime deadline)
    {
        var copy = this;
        copy._deadline = deadline;
        return copy;
    }

    /// <summary>Returns a copy with the given cancellation token.</summary>
    /// <param name="cancellationToken">The token.</param>
    /// <returns>The new options.</returns>
    public CallOptions WithCancellationToken(CancellationToken cancellationToken)
    {
        var copy = this;
        copy._cancellationToken = cancellationToken;
        return copy;
    }

    /// <summary>Returns a copy with the given write options.</summary>
    /// <param name="writeOptions">The write options.</param>
    /// <returns>The new options.</returns>
    public CallOptions WithWriteOptions(WriteOptions writeOptions)
    {
        var copy = this;
        copy._writeOptions = writeOptions;
        return copy;
    }

    /// <summary>Returns a copy with the given propagation token.</summary>
    /// <param name="propagationToken">The token.</param>
    /// <returns>The new options.</returns>
    public CallOptions WithPropagationToken(ContextPropagationToken propagationToken)
    {
        var copy = this;
        copy._propagationToken = propagationToken;
        return copy;
    }

    /// <summary>Returns a copy with the given credentials.</summary>
    /// <param name="credentials">The credentials.</param>
    /// <returns>The new options.</returns>
    public CallOptions WithCredentials(CallCredentials credentials)
    {
        var copy = this;
        copy._credentials = credentials;
        return copy;
    }

    /// <summary>Returns a copy with wait-for-ready on or off.</summary>
    /// <param name="waitForReady">Whether to wait for ready.</param>
    /// <returns>The new options.</returns>
    public CallOptions WithWaitForReady(bool waitForReady = true)
    {
        var copy = this;
        copy._waitForReady = waitForReady;
        return copy;
    }
}
