using System.Collections.Frozen;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Propagation.Collector;

namespace Propagation.Middleware.Internal;

/// <summary>
/// Validates <see cref="TracingOptions"/> once at start-up and lists every error together, those of the other options
/// <c>AddTracing</c> registers (<see cref="TracingPipelineOptions"/>, <see cref="SpanStoreOptions"/>) included when
/// these options fail.
/// </summary>
internal sealed class TracingOptionsValidator : IValidateOptions<TracingOptions>
{
    /// <summary>Response headers an echo header must not be named after (compared without case).</summary>
    private static readonly FrozenSet<string> ReservedResponseHeaders = new[]
    {
        // Framing and connection (RFC 9112 6, RFC 9110 7.6.1), content (RFC 9110 8), routing and state.
        "Content-Length", "Content-Type", "Content-Encoding", "Content-Range", "Transfer-Encoding", "Trailer", "TE",
        "Connection", "Keep-Alive", "Proxy-Connection", "Upgrade", "Host", "Location", "Date", "Set-Cookie",
        "WWW-Authenticate", "Proxy-Authenticate", "Vary", "Cache-Control",

        // The trace response the echo writes itself (EchoTraceResponse).
        "traceresponse",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    private readonly IServiceProvider? _services;

    // 1 while this validator builds the other options, which may read these options again (the pipeline's service name).
    private int _collectingOtherErrors;

    public TracingOptionsValidator(IServiceProvider? services = null) => _services = services;

    public ValidateOptionsResult Validate(string? name, TracingOptions options)
    {
        var errors = Collect(options);
        if (errors.Count == 0)
        {
            return ValidateOptionsResult.Success;
        }

        // The other options are validated when the host starts, but these options are needed earlier (hosting's
        // propagator is created with the hosted services; UseTracing), so their failure would otherwise be the only
        // one reported, and an OTEL_TRACES_EXPORTER typo beside an OTEL_PROPAGATORS typo would show only after a fix
        // and a restart. Building them reads these options again (AddTracing's service-name link, maybe the app's own
        // setup): that nested validation, on this thread, skips this step.
        if (_services is not null && Interlocked.Exchange(ref _collectingOtherErrors, 1) == 0)
        {
            try
            {
                AddErrorsOf<TracingPipelineOptions>(_services, errors);
                AddErrorsOf<SpanStoreOptions>(_services, errors);
            }
            finally
            {
                Volatile.Write(ref _collectingOtherErrors, 0);
            }
        }

        return ValidateOptionsResult.Fail(errors);
    }

    private static void AddErrorsOf<T>(IServiceProvider services, List<string> errors)
        where T : class
    {
        if (services.GetService<IOptionsFactory<T>>() is not { } factory)
        {
            return;
        }

        try
        {
            factory.Create(Options.DefaultName);
        }
        catch (OptionsValidationException ex) when (ex.OptionsType == typeof(T))
        {
            errors.AddRange(ex.Failures);
        }
        catch (Exception)
        {
            // The app's setup of those options failed on these invalid options: report these; the others are built
            // again (and any error of their own surfaces) once these are fixed.
        }
    }

    internal static List<string> Collect(TracingOptions options)
    {
        var errors = new List<string>(options.ConfigurationErrors);
        foreach (var error in options.Propagation.Validate())
        {
            errors.Add("TracingOptions.Propagation: " + error);
        }

        CheckPolicy(options.DefaultTrustPolicy, nameof(TracingOptions.DefaultTrustPolicy), errors);
        CheckPolicy(options.UntrustedPolicy, nameof(TracingOptions.UntrustedPolicy), errors);
        for (var i = 0; i < options.TrustedNetworks.Count; i++)
        {
            if (!TrustRules.TryParseNetwork(options.TrustedNetworks[i], out _))
            {
                errors.Add($"TracingOptions.TrustedNetworks[{i}] is not a network in CIDR notation (for example 10.0.0.0/8 or ::1/128).");
            }
        }

        if (options.ServiceName is not null && string.IsNullOrWhiteSpace(options.ServiceName))
        {
            errors.Add("TracingOptions.ServiceName is blank; set a name or leave it null to use OTEL_SERVICE_NAME or the application name.");
        }

        if (options.EchoResponseHeaders)
        {
            CheckEchoHeader(options.TraceIdResponseHeader, nameof(TracingOptions.TraceIdResponseHeader), errors);
            CheckEchoHeader(options.SpanIdResponseHeader, nameof(TracingOptions.SpanIdResponseHeader), errors);
            if (HeaderRules.IsToken(options.TraceIdResponseHeader)
                && string.Equals(options.TraceIdResponseHeader, options.SpanIdResponseHeader, StringComparison.OrdinalIgnoreCase))
            {
                errors.Add("TracingOptions.TraceIdResponseHeader and SpanIdResponseHeader name the same header; use two names.");
            }
        }

        CheckHeaders(options.CapturedRequestHeaders, nameof(TracingOptions.CapturedRequestHeaders), errors);
        CheckHeaders(options.RedactedHeaders, nameof(TracingOptions.RedactedHeaders), errors);
        for (var i = 0; i < options.RedactedQueryParameters.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(options.RedactedQueryParameters[i]))
            {
                errors.Add($"TracingOptions.RedactedQueryParameters[{i}] is empty; remove it.");
            }
        }

        CheckKnownMethods(options.KnownHttpMethods, errors);
        CheckDestinations(options.OutboundDestinations, errors);

        CheckScope(options.DefaultOutboundScope, nameof(TracingOptions.DefaultOutboundScope), errors);
        if (options.SlowRequestThreshold is { } threshold && threshold <= TimeSpan.Zero)
        {
            errors.Add("TracingOptions.SlowRequestThreshold must be positive; use null to turn the check off.");
        }

        return errors;
    }

    private static void CheckKnownMethods(IList<string> methods, List<string> errors)
    {
        if (methods.Count > HttpMethodNames.MaxKnownMethods)
        {
            errors.Add($"TracingOptions.KnownHttpMethods has {methods.Count} entries; at most {HttpMethodNames.MaxKnownMethods} are allowed.");
        }

        for (var i = 0; i < methods.Count; i++)
        {
            var method = methods[i];

            // RFC 9110 section 9.1: method = token.
            if (!HeaderRules.IsToken(method))
            {
                errors.Add($"TracingOptions.KnownHttpMethods[{i}] '{HeaderRules.Printable(method)}' is not an HTTP method (an RFC 9110 token of at most 256 characters).");
            }
            else if (string.Equals(method, HttpMethodNames.Other, StringComparison.Ordinal))
            {
                errors.Add($"TracingOptions.KnownHttpMethods[{i}] is {HttpMethodNames.Other}, the value recorded for unknown methods; remove it.");
            }
        }
    }

    private static void CheckDestinations(IDictionary<string, InjectionScope> destinations, List<string> errors)
    {
        // Patterns are compared in a normal form (DestinationPolicy): two keys with one form name the same host.
        var seen = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (host, scope) in destinations)
        {
            var property = $"OutboundDestinations['{HeaderRules.Printable(host)}']";
            if (!DestinationPolicy.TryNormalizePattern(host, out var normalized, out var problem))
            {
                errors.Add($"TracingOptions.{property} {problem}");
            }
            else if (!seen.TryAdd(normalized, host))
            {
                errors.Add($"TracingOptions.{property} names the same destination as '{HeaderRules.Printable(seen[normalized])}'; keep one of them.");
            }

            CheckScope(scope, property, errors);
        }
    }

    private static void CheckPolicy(TrustPolicy policy, string property, List<string> errors)
    {
        if (!Enum.IsDefined(policy))
        {
            errors.Add($"TracingOptions.{property} has the undefined value {(int)policy}; use Continue, ContinueIgnoreSampling, RestartAndLink or Ignore.");
        }
    }

    private static void CheckScope(InjectionScope scope, string property, List<string> errors)
    {
        if (!Enum.IsDefined(scope))
        {
            errors.Add($"TracingOptions.{property} has the undefined value {(int)scope}; use Full, TraceParentOnly or None.");
        }
    }

    private static void CheckHeader(string? header, string property, List<string> errors)
    {
        if (!HeaderRules.IsToken(header))
        {
            errors.Add($"TracingOptions.{property} '{HeaderRules.Printable(header)}' is not a valid header name (RFC 9110 token).");
        }
    }

    /// <summary>
    /// An echo header is written over whatever the response has under its name: it must be a name of its own, not one
    /// that frames or routes the response (RFC 9110/9112), sets a cookie, carries the trace response, or is gRPC's own.
    /// </summary>
    private static void CheckEchoHeader(string? header, string property, List<string> errors)
    {
        if (!HeaderRules.IsToken(header))
        {
            CheckHeader(header, property, errors);
            return;
        }

        if (ReservedResponseHeaders.Contains(header!) || header!.StartsWith("grpc-", StringComparison.OrdinalIgnoreCase))
        {
            errors.Add($"TracingOptions.{property} '{header}' is a header the response already uses, which the echo would overwrite; use a name of its own such as X-Trace-ID.");
        }
    }

    private static void CheckHeaders(IList<string> headers, string property, List<string> errors)
    {
        for (var i = 0; i < headers.Count; i++)
        {
            CheckHeader(headers[i], $"{property}[{i}]", errors);
        }
    }
}
