using System.Collections;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Propagation.Middleware.Internal;

/// <summary>
/// The server side of <c>UseTracing()</c>: one server span per request (hosting's, enriched, or
/// ours), response echo, log scope, health, exception and slow-request recording.
/// </summary>
internal sealed class TracingMiddleware
{
    /// <summary>The category of hosting's request diagnostics, whose logger decides whether hosting opens its request scope.</summary>
    private const string HostingDiagnosticsCategory = "Microsoft.AspNetCore.Hosting.Diagnostics";

    /// <summary>Kestrel's assembly: its requests (HTTP/1.1, 2 and 3) run their completion callbacks after every request.</summary>
    private const string KestrelAssembly = "Microsoft.AspNetCore.Server.Kestrel.Core";

    /// <summary>IIS in-process hosting's assembly: it runs the completion callbacks in a <c>finally</c> after every request.</summary>
    private const string IisAssembly = "Microsoft.AspNetCore.Server.IIS";

    private readonly RequestDelegate _next;
    private readonly TracingService _service;
    private readonly bool _scope;
    private readonly ActivityTrackingOptions _scopeIds;
    private readonly ILogger _hostingLogger;
    private readonly bool _echo;
    private readonly Func<object, Task> _writeEcho;
    private ServerKind? _lastServer;

    public TracingMiddleware(RequestDelegate next, TracingService service, IOptions<LoggerFactoryOptions>? loggerOptions = null, ILoggerFactory? loggerFactory = null)
    {
        _next = next;
        _service = service;
        _echo = service.Options.EchoResponseHeaders;
        const ActivityTrackingOptions Ids = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId;
        // The ids the logger factory's activity tracking does not add already: each id appears once on a line.
        var tracked = loggerOptions is null ? ActivityTrackingOptions.None : loggerOptions.Value.ActivityTrackingOptions & Ids;
        _scopeIds = service.Options.IncludeLogScope ? Ids & ~tracked : ActivityTrackingOptions.None;
        _scope = _scopeIds != ActivityTrackingOptions.None;

        // The scope is for the app's logs: skipped only when logging is off, not because the app turned this library's
        // own categories to None. Hosting's request scope is opened when its diagnostics category is enabled.
        _hostingLogger = loggerFactory?.CreateLogger(HostingDiagnosticsCategory) ?? service.Logger;
        _writeEcho = WriteEcho;
    }

    public Task Invoke(HttpContext context)
    {
        var features = context.Features;
        if (features[typeof(TracedRequest)] is not null)
        {
            // The request went through UseTracing already: an exception handler or a status-code page re-executing the
            // pipeline behind it, or UseTracing registered twice. It has its server span, echo and span log line.
            return _next(context);
        }

        features[typeof(TracedRequest)] = TracedRequest.Instance;
        var span = _service.StartOrEnrichServerSpan(context);
        if (_echo && span.Current is { } current)
        {
            if (context.Response.HasStarted)
            {
                // A middleware ahead of this one already sent the headers: OnStarting would throw and fail the request.
                Log.ResponseHeadersNotWritten(_service.Logger);
            }
            else
            {
                // Written when the response starts, so a handler that clears the headers (an exception handler) keeps
                // them. The usual span is hosting's: the request itself is the callback state, nothing is allocated.
                object state = span.FromHosting && !span.Restarted ? context : new EchoState(context, current, span.Restarted);
                context.Response.OnStarting(_writeEcho, state);
            }
        }

        var activity = span.Recorded;
        if (activity is null && !_scope && _service.SlowThreshold is null && !_service.Options.LogSpans)
        {
            return _next(context);
        }

        return InvokeTraced(context, activity, span.StartedByUs, span.Current);
    }

    private Task InvokeTraced(HttpContext context, Activity? activity, bool startedByUs, Activity? current)
    {
        if (_scope && current is not null)
        {
            // A provider that keeps its own scopes (no ISupportExternalScope) sees only those of enabled categories.
            var logger = _service.Logger.IsEnabled(LogLevel.Critical) ? _service.Logger
                : _hostingLogger.IsEnabled(LogLevel.Critical) ? _hostingLogger
                : null;
            if (logger is not null)
            {
                return InvokeScoped(logger, context, activity, startedByUs, current);
            }
        }

        return RunNext(context, activity, startedByUs, current);
    }

    private Task RunNext(HttpContext context, Activity? activity, bool startedByUs, Activity? current)
    {
        // No async state machine when the rest of the pipeline completes synchronously.
        Task next;
        var failed = false;
        try
        {
            next = _next(context);
        }
        catch (Exception ex) when (Fail(activity, ex, ref failed))
        {
            // Never reached: the filter records and returns false, so the exception propagates untouched.
            throw;
        }
        catch
        {
            Complete(context, activity, startedByUs, current, failed);
            throw;
        }

        if (next.IsCompletedSuccessfully)
        {
            Complete(context, activity, startedByUs, current, failed: false);
            return Task.CompletedTask;
        }

        return AwaitNext(next, context, activity, startedByUs, current);
    }

    private async Task AwaitNext(Task next, HttpContext context, Activity? activity, bool startedByUs, Activity? current)
    {
        var failed = false;
        try
        {
            await next;
        }
        catch (Exception ex) when (Fail(activity, ex, ref failed))
        {
            // Never reached: the filter records and returns false, so the exception propagates untouched.
            throw;
        }
        finally
        {
            Complete(context, activity, startedByUs, current, failed);
        }
    }

    private async Task InvokeScoped(ILogger logger, HttpContext context, Activity? activity, bool startedByUs, Activity current)
    {
        using var scope = logger.BeginScope(new TraceLogScope(current, _scopeIds));
        await RunNext(context, activity, startedByUs, current);
    }

    private void Complete(HttpContext context, Activity? activity, bool startedByUs, Activity? current, bool failed)
    {
        if (activity is not null)
        {
            _service.CompleteServerSpan(context, activity, failed);
            if (startedByUs)
            {
                // Stopped when the response completes where the server runs completion callbacks after every request, as
                // hosting stops its activity: middleware ahead of this one is part of the request and sees the span
                // open and current after next(), and a failed request's span gets the status the client got.
                if (!activity.IsAllDataRequested || !StopWhenCompleted(context, activity))
                {
                    activity.Stop();
                }
            }
            else if (failed && activity.IsAllDataRequested && !context.Response.HasStarted)
            {
                // The status is not known yet: the server (500) or an outer exception handler answers after this
                // middleware. Hosting stops its activity after the response completed, so it is recorded then.
                try
                {
                    context.Response.OnCompleted(RecordStatusSent, context);
                }
                catch (Exception ex) when (ex is InvalidOperationException or NotSupportedException)
                {
                    // A server without completion callbacks: the span keeps no status code, the app's exception goes on.
                }
            }
        }
        else if (current is not null)
        {
            // Nothing records the request, and its ids are hosting's placeholder activity's: the slow-request warning
            // and the span log line are still written, as for a request with no activity of hosting's.
            _service.ReportUnrecorded(context, current, failed);
        }
    }

    /// <summary>Writes the echo headers; called from <c>Response.OnStarting</c>. Never throws.</summary>
    private Task WriteEcho(object state)
    {
        HttpContext context;
        Activity? span;
        var restarted = false;
        if (state is EchoState echo)
        {
            context = echo.Context;
            span = echo.Span;
            restarted = echo.Restarted;
        }
        else
        {
            context = (HttpContext)state;
            span = TracingService.GetHostingActivity(context);
        }

        if (span is not null)
        {
            try
            {
                _service.WriteEcho(span, restarted, context.Response.Headers, AspNetCoreCarriers.Setter);
            }
            catch (InvalidOperationException)
            {
                // Headers are read-only once the response has started.
                Log.ResponseHeadersNotWritten(_service.Logger);
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Records the status the client got on hosting's activity, for a request that failed before its response
    /// started; called from <c>Response.OnCompleted</c>. Never throws.
    /// </summary>
    /// <remarks>
    /// A request Kestrel rejected (a <c>BadHttpRequestException</c>: a body over the size limit, 413, or sent too slowly,
    /// 408) is answered with that status only after the request ended, so its response has not started yet here; a client
    /// that went away (<c>RequestAborted</c>) gets no response, and the span no status.
    /// </remarks>
    private static Task RecordStatusSent(object state)
    {
        var context = (HttpContext)state;
        if (TracingService.GetHostingActivity(context) is { IsStopped: false } activity)
        {
            RecordStatusSent(context, activity);
        }

        return Task.CompletedTask;
    }

    private static void RecordStatusSent(HttpContext context, Activity activity)
    {
        if (context.Response.HasStarted || !context.RequestAborted.IsCancellationRequested)
        {
            TracingService.SetStatusSent(activity, context.Response.StatusCode);
        }
    }

    /// <summary>
    /// For the middleware's own span: defers its <c>Stop</c> to <c>Response.OnCompleted</c>, as hosting stops its
    /// activity, so it stays open and current for middleware ahead of this one (an outer exception handler answering
    /// included), and a request that failed before its response started records the status the client got (the server's
    /// 500, an outer exception handler's answer, Kestrel's 413 or 408). Only on a server that runs its completion
    /// callbacks after every request, whatever the app threw (Kestrel, IIS in-process); elsewhere (TestServer runs none
    /// after an unhandled exception, another server may offer none) the span is stopped at once, so it is never left open.
    /// </summary>
    /// <returns><see langword="true"/> when the span will be stopped by the completion callback.</returns>
    private bool StopWhenCompleted(HttpContext context, Activity activity)
    {
        if (!RunsCompletionCallbacks(context.Features[typeof(IHttpResponseFeature)]?.GetType()))
        {
            return false;
        }

        try
        {
            context.Response.OnCompleted(StopOwnSpan, new OwnSpanState(context, activity));
            return true;
        }
        catch (Exception ex) when (ex is InvalidOperationException or NotSupportedException)
        {
            return false;
        }
    }

    /// <summary>Whether the server whose response feature is of type <paramref name="feature"/> runs its completion
    /// callbacks after every request (Kestrel, IIS in-process), by the type's assembly; the last answer is kept, so a
    /// request costs one reference compare.</summary>
    private bool RunsCompletionCallbacks(Type? feature)
    {
        if (feature is null)
        {
            return false;
        }

        var last = _lastServer;
        if (last is null || last.Feature != feature)
        {
            var assembly = feature.Assembly.GetName().Name;
            last = new ServerKind(feature, assembly is KestrelAssembly or IisAssembly);
            _lastServer = last;
        }

        return last.RunsCompletionCallbacks;
    }

    /// <summary>Records the status sent on the middleware's own span and stops it; called from <c>Response.OnCompleted</c>.</summary>
    private static Task StopOwnSpan(object state)
    {
        var own = (OwnSpanState)state;
        if (!own.Span.IsStopped)
        {
            RecordStatusSent(own.Context, own.Span);
            own.Span.Stop();
        }

        return Task.CompletedTask;
    }

    private static bool Fail(Activity? activity, Exception exception, ref bool failed)
    {
        failed = true;
        TracingService.RecordException(activity, exception);
        return false;
    }

    /// <summary>A response feature's type and whether its server runs completion callbacks after every request.</summary>
    private sealed record ServerKind(Type Feature, bool RunsCompletionCallbacks);

    /// <summary>The completion callback's state for the middleware's own span (<see cref="StopWhenCompleted"/>).</summary>
    private sealed class OwnSpanState
    {
        public OwnSpanState(HttpContext context, Activity span)
        {
            Context = context;
            Span = span;
        }

        public HttpContext Context { get; }

        public Activity Span { get; }
    }

    /// <summary>
    /// Whether a <see cref="TracingMiddleware"/> has handled <paramref name="context"/>: it then made the request's server
    /// span, and applied the inbound context to hosting's activity when that is the span.
    /// </summary>
    internal static bool HasTraced(HttpContext context) => context.Features[typeof(TracedRequest)] is not null;

    /// <summary>Marks a request that a <see cref="TracingMiddleware"/> has handled (one shared instance, nothing allocated).</summary>
    private sealed class TracedRequest
    {
        public static readonly TracedRequest Instance = new();
    }

    /// <summary>The echo's callback state when the server span is not hosting's activity, or the trace was restarted.</summary>
    private sealed class EchoState
    {
        public EchoState(HttpContext context, Activity span, bool restarted)
        {
            Context = context;
            Span = span;
            Restarted = restarted;
        }

        public HttpContext Context { get; }

        public Activity Span { get; }

        public bool Restarted { get; }
    }

    /// <summary>
    /// The request's log scope: <c>TraceId</c> and <c>SpanId</c> of the server span, or only the one of them that the
    /// logger factory's activity tracking does not add.
    /// </summary>
    private sealed class TraceLogScope : IReadOnlyList<KeyValuePair<string, object?>>
    {
        private readonly Activity _activity;
        private readonly bool _traceId;
        private readonly bool _spanId;

        public TraceLogScope(Activity activity, ActivityTrackingOptions ids)
        {
            _activity = activity;
            _traceId = (ids & ActivityTrackingOptions.TraceId) != 0;
            _spanId = (ids & ActivityTrackingOptions.SpanId) != 0;
        }

        public int Count => (_traceId ? 1 : 0) + (_spanId ? 1 : 0);

        public KeyValuePair<string, object?> this[int index] => index switch
        {
            0 when _traceId => new KeyValuePair<string, object?>("TraceId", _activity.TraceId.ToHexString()),
            0 when _spanId => new KeyValuePair<string, object?>("SpanId", _activity.SpanId.ToHexString()),
            1 when _traceId && _spanId => new KeyValuePair<string, object?>("SpanId", _activity.SpanId.ToHexString()),
            _ => throw new ArgumentOutOfRangeException(nameof(index)),
        };

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
        {
            for (var i = 0; i < Count; i++)
            {
                yield return this[i];
            }
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => (_traceId, _spanId) switch
        {
            (true, true) => $"TraceId:{_activity.TraceId.ToHexString()} SpanId:{_activity.SpanId.ToHexString()}",
            (true, false) => $"TraceId:{_activity.TraceId.ToHexString()}",
            _ => $"SpanId:{_activity.SpanId.ToHexString()}",
        };
    }
}
