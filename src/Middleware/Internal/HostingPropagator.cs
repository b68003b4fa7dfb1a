using System.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace Propagation.Middleware.Internal;

/// <summary>
/// The app's <see cref="DistributedContextPropagator"/> (registered in DI in place of
/// <see cref="DistributedContextPropagator.Current"/>, which is never changed): ASP.NET Core hosting
/// calls it to parent its request activity, so hosting follows our formats and the per-request trust
/// policy.
/// </summary>
/// <remarks>
/// Hosting passes the request's <see cref="IHeaderDictionary"/> as the carrier. When it is the
/// headers of the current request (<see cref="TracingService.ContextAccessor"/>: there is one when the app
/// registered an <see cref="IHttpContextAccessor"/> or the trust decision depends on the request), the trust
/// decision and the extraction are made once and kept in the request's features for the middleware. Any other
/// carrier is read with the hosting getter under the policy for unknown callers, which is the app's only policy
/// when trust does not depend on the request; the middleware then extracts again under the same policy.
/// </remarks>
internal sealed class HostingPropagator : DistributedContextPropagator
{
    private readonly TracingService _service;
    private readonly IHttpContextAccessor? _accessor;

    public HostingPropagator(TracingService service, IHttpContextAccessor? accessor = null)
    {
        _service = service;
        _accessor = accessor ?? service.ContextAccessor;
    }

    public override IReadOnlyCollection<string> Fields => _service.Propagator.Fields;

    public override void Inject(Activity? activity, object? carrier, PropagatorSetterCallback? setter)
    {
        if (activity is null || carrier is null || setter is null)
        {
            return;
        }

        _service.Propagator.Inject(activity, new CallbackCarrier(carrier, setter), CallbackCarrier.Setter);
    }

    public override void ExtractTraceIdAndState(object? carrier, PropagatorGetterCallback? getter, out string? traceId, out string? traceState)
    {
        traceId = null;
        traceState = null;
        if (carrier is null || getter is null)
        {
            return;
        }

        var extracted = Extract(carrier, getter, out var headers);
        if (!extracted.HasParent)
        {
            return;
        }

        var parent = extracted.Parent;
        traceId = TryReuse(parent, headers) ?? TraceParent.Format(
            parent.TraceId,
            parent.SpanId.IsEmpty ? ExtractedContext.CreateSyntheticParentSpanId(parent.TraceId) : parent.SpanId,
            parent.Flags);
        traceState = parent.TraceState;
    }

    public override IEnumerable<KeyValuePair<string, string?>>? ExtractBaggage(object? carrier, PropagatorGetterCallback? getter)
    {
        if (carrier is null || getter is null)
        {
            return null;
        }

        var baggage = ExtractBaggageOnly(carrier, getter);
        if (baggage.IsEmpty)
        {
            return null;
        }

        // Contract: items come in reverse order, because Activity.AddBaggage prepends.
        var result = new KeyValuePair<string, string?>[baggage.Count];
        for (var i = 0; i < result.Length; i++)
        {
            var member = baggage[baggage.Count - 1 - i];
            result[i] = new KeyValuePair<string, string?>(member.Key, member.Value);
        }

        return result;
    }

    private ExtractedContext Extract(object carrier, PropagatorGetterCallback getter, out IHeaderDictionary? headers)
    {
        var context = _accessor?.HttpContext;
        if (context is not null && ReferenceEquals(context.Request.Headers, carrier))
        {
            headers = context.Request.Headers;
            return _service.GetOrExtract(context).Extracted;
        }

        var policy = _service.Trust.Decide(null);
        headers = carrier as IHeaderDictionary;
        if (headers is null)
        {
            return _service.Propagator.Extract(new CallbackCarrier(carrier, getter), CallbackCarrier.Getter, policy);
        }

        // Hosting's carrier is the request's header dictionary: read it as the middleware does (every line of a
        // header), reuse its raw traceparent, and hand the result to the middleware instead of reading it again.
        var extracted = _service.Propagator.Extract(headers, AspNetCoreCarriers.Getter, policy);
        _service.Handoff.Store(headers, extracted);
        return extracted;
    }

    /// <summary>Baggage only: hosting asks for it right after the trace id, and only baggage is left to read.</summary>
    private Baggage ExtractBaggageOnly(object carrier, PropagatorGetterCallback getter)
    {
        var context = _accessor?.HttpContext;
        if (context is not null && ReferenceEquals(context.Request.Headers, carrier))
        {
            return _service.GetOrExtract(context).Extracted.Baggage;
        }

        // The propagator applies a full extraction's rule: baggage is read only when continuing a trace.
        var policy = _service.Trust.Decide(null);
        var issues = PropagationIssues.None;
        var propagator = _service.Propagator;
        var baggage = carrier is IHeaderDictionary headers
            ? propagator.ExtractBaggageOnly(headers, AspNetCoreCarriers.Getter, policy, ref issues)
            : propagator.ExtractBaggageOnly(new CallbackCarrier(carrier, getter), CallbackCarrier.Getter, policy, ref issues);
        return baggage ?? Baggage.Empty;
    }

    /// <summary>
    /// Returns the inbound <c>traceparent</c> itself when it is exactly what we would format (version
    /// 00, no surrounding whitespace, same flags): the codec already validated every character.
    /// </summary>
    private static string? TryReuse(in PropagatedContext parent, IHeaderDictionary? headers)
    {
        if (headers is null || parent.Format != PropagationFormat.TraceContext || parent.SpanId.IsEmpty)
        {
            return null;
        }

        var values = headers[TraceParent.HeaderName];
        if (values.Count != 1 || values[0] is not { Length: TraceParent.Length } raw || !raw.StartsWith("00-", StringComparison.Ordinal))
        {
            return null;
        }

        var flags = (int)(parent.Flags & TraceParent.KnownFlags);
        return raw[53] == HexDigit(flags >> 4) && raw[54] == HexDigit(flags & 0xF) ? raw : null;
    }

    private static char HexDigit(int value) => (char)(value < 10 ? '0' + value : 'a' + value - 10);

    /// <summary>Adapts the BCL callbacks to our static getter/setter delegates without a closure.</summary>
    private readonly struct CallbackCarrier
    {
        public static readonly HeaderGetter<CallbackCarrier> Getter = static (c, name) =>
        {
            c._getter!(c._carrier, name, out var value, out var values);
            if (values is null)
            {
                return new HeaderValues(value);
            }

            var lines = new List<string?>();
            foreach (var line in values)
            {
                lines.Add(line);
            }

            return new HeaderValues([.. lines]);
        };

        public static readonly HeaderSetter<CallbackCarrier> Setter = static (c, name, value) => c._setter!(c._carrier, name, value);

        private readonly object _carrier;
        private readonly PropagatorGetterCallback? _getter;
        private readonly PropagatorSetterCallback? _setter;

        public CallbackCarrier(object carrier, PropagatorGetterCallback getter)
        {
            _carrier = carrier;
            _getter = getter;
            _setter = null;
        }

        public CallbackCarrier(object carrier, PropagatorSetterCallback setter)
        {
            _carrier = carrier;
            _getter = null;
            _setter = setter;
        }
    }
}
