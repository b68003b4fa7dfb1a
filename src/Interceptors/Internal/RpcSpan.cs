using System.Diagnostics;
using Grpc.Core;
using Propagation.Middleware.Internal;

namespace Propagation.Interceptors;

/// <summary>What both interceptors write on a span: method attributes, the final status, exceptions.</summary>
internal static class RpcSpan
{
    private static readonly TimeSpan ClientDeadlineTolerance = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Adds a tag to a span this interceptor started (<paramref name="own"/>: each attribute is written once, so
    /// there is nothing to replace and no list walk) or sets it on a span someone else started.
    /// </summary>
    public static void Tag(Activity activity, string key, object? value, bool own)
    {
        if (own)
        {
            activity.AddTag(key, value);
        }
        else
        {
            activity.SetTag(key, value);
        }
    }

    /// <summary>Adds the method attributes to a span this interceptor just started (no existing tag to replace).</summary>
    public static void AddMethodTags(Activity activity, GrpcMethodNames names)
    {
        activity.AddTag(GrpcTracingConventions.RpcSystem, GrpcTracingConventions.RpcSystemValue);
        activity.AddTag(GrpcTracingConventions.RpcService, names.Service);
        activity.AddTag(GrpcTracingConventions.RpcMethod, names.Method);
    }

    /// <summary>Sets the method attributes on a span someone else started (replacing any already there).</summary>
    public static void SetMethodTags(Activity activity, GrpcMethodNames names)
    {
        activity.SetTag(GrpcTracingConventions.RpcSystem, GrpcTracingConventions.RpcSystemValue);
        activity.SetTag(GrpcTracingConventions.RpcService, names.Service);
        activity.SetTag(GrpcTracingConventions.RpcMethod, names.Method);
    }

    /// <summary>The server-side error codes of the OpenTelemetry RPC conventions.</summary>
    public static bool IsServerError(StatusCode code) => GrpcStatus.IsServerError((int)code);

    /// <summary>
    /// Records the final status: <c>rpc.grpc.status_code</c>, the span status, and the cancel/deadline event (the rule
    /// <c>UseTracing</c> also applies to a call the runtime answered before the server interceptor ran).
    /// </summary>
    public static void RecordStatus(Activity activity, StatusCode code, bool server, bool own = true) =>
        GrpcStatus.Record(activity, (int)code, server ? IsServerError(code) : code != StatusCode.OK, own);

    /// <summary>Records an exception as the standard <c>exception</c> event (type, message, stack trace) and <c>error.type</c>.</summary>
    /// <remarks>
    /// Never throws: it runs while the app's (or the transport's) exception is on its way out, before the span is stopped.
    /// An exception whose <see cref="Exception.Message"/> or <see cref="Exception.ToString"/> throws gets no event, and
    /// the span keeps its <c>error.type</c>; that exception goes on untouched and the span is still ended.
    /// </remarks>
    public static void RecordException(Activity activity, Exception exception)
    {
        try
        {
            activity.AddException(exception);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The exception's own code (Message, ToString) or a listener's ExceptionRecorder failed; only on an exception's path.
        }

        activity.SetTag(GrpcTracingConventions.ErrorType, exception.GetType().FullName);
    }

    /// <summary>
    /// The final status a client call's exception stands for, when the call's own status is not at hand: an
    /// <see cref="RpcException"/>'s code; an <see cref="OperationCanceledException"/> (what a channel with
    /// <c>ThrowOperationCanceledOnCancellation</c> throws for a cancellation and for a deadline alike) is CANCELLED when
    /// the call's token was cancelled, DEADLINE_EXCEEDED when the call's deadline has passed, else CANCELLED; any other
    /// exception is UNKNOWN.
    /// </summary>
    public static StatusCode GetClientStatusCode(Exception exception, DateTime? deadline, CancellationToken cancellationToken) => exception switch
    {
        RpcException rpc => rpc.StatusCode,
        OperationCanceledException when !cancellationToken.IsCancellationRequested && DeadlinePassed(deadline) => StatusCode.DeadlineExceeded,
        OperationCanceledException => StatusCode.Cancelled,
        _ => StatusCode.Unknown,
    };

    /// <summary>
    /// Whether a client call's deadline has passed. <see cref="ClientDeadlineTolerance"/> covers a deadline timer that
    /// fires a little before the wall clock reaches the deadline (timers count coarser ticks than <see cref="DateTime.UtcNow"/>).
    /// </summary>
    public static bool DeadlinePassed(DateTime? deadline) =>
        deadline is { } value && value != DateTime.MaxValue && DateTime.UtcNow + ClientDeadlineTolerance >= value.ToUniversalTime();

    /// <summary>Stops a span without changing the caller's <see cref="Activity.Current"/> unless it was this span.</summary>
    public static void Stop(Activity activity)
    {
        var current = Activity.Current;
        activity.Stop();
        if (current != activity)
        {
            Activity.Current = current;
        }
    }
}
