using System.Collections;
using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Propagation.Middleware.Internal;

/// <summary>
/// The server side of <c>UseTracing()</c>: one server span per request (hosting's, enriched, or
/// ours), response echo, log scope, health, exception and slow-request recording.
/// </summary>
internal sealed class TracingMiddleware
{
    private static readonly Func<object, Task> OnStartingCallback = static state =>
    {
        ((TracingRequestFeature)state).WriteResponseHeaders();
        return Task.CompletedTask;
    };

    private readonly RequestDelegate _next;
    private readonly TracingService _service;
    private readonly bool _scope;
    private readonly bool _echo;

    public TracingMiddleware(RequestDelegate next, TracingService service, IOptions<LoggerFactoryOptions>? loggerOptions = null)
    {
        _next = next;
        _service = service;
        _echo = service.Options.EchoResponseHeaders;
        const ActivityTrackingOptions Ids = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId;
        var tracked = loggerOptions is not null && (loggerOptions.Value.ActivityTrackingOptions & Ids) == Ids;
        _scope = service.Options.IncludeLogScope && !tracked;
    }

    public Task Invoke(HttpContext context)
    {
        var feature = _service.GetOrExtract(context);
        _service.RecordIssues(feature.Extracted);
        var activity = _service.StartOrEnrichServerSpan(feature);
        if (_echo && feature.Activity is not null)
        {
            context.Response.OnStarting(OnStartingCallback, feature);
        }

        if (activity is null && !feature.StartedByUs && !_scope && _service.SlowThreshold is null && !_service.Options.LogSpans)
        {
            return _next(context);
        }

        return InvokeTraced(context, feature, activity);
    }

    private async Task InvokeTraced(HttpContext context, TracingRequestFeature feature, Activity? activity)
    {
        using var scope = _scope && feature.Activity is { } current && _service.Logger.IsEnabled(LogLevel.Critical)
            ? _service.Logger.BeginScope(new TraceLogScope(current))
            : null;
        var failed = false;
        try
        {
            await _next(context);
        }
        catch (Exception ex) when (Fail(activity, ex, ref failed))
        {
            // Never reached: the filter records and returns false, so the exception propagates untouched.
            throw;
        }
        finally
        {
            if (activity is not null)
            {
                _service.CompleteServerSpan(feature, activity, failed);
                if (feature.StartedByUs)
                {
                    activity.Stop();
                }
            }
        }
    }

    private static bool Fail(Activity? activity, Exception exception, ref bool failed)
    {
        failed = true;
        TracingService.RecordException(activity, exception);
        return false;
    }

    /// <summary>The request's log scope: <c>TraceId</c> and <c>SpanId</c> of the server span.</summary>
    private sealed class TraceLogScope : IReadOnlyList<KeyValuePair<string, object?>>
    {
        private readonly Activity _activity;

        public TraceLogScope(Activity activity) => _activity = activity;

        public int Count => 2;

        public KeyValuePair<string, object?> this[int index] => index switch
        {
            0 => new KeyValuePair<string, object?>("TraceId", _activity.TraceId.ToHexString()),
            1 => new KeyValuePair<string, object?>("SpanId", _activity.SpanId.ToHexString()),
            _ => throw new ArgumentOutOfRangeException(nameof(index)),
        };

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
        {
            yield return this[0];
            yield return this[1];
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => $"TraceId:{_activity.TraceId.ToHexString()} SpanId:{_activity.SpanId.ToHexString()}";
    }
}
