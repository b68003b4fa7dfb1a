using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Propagation.Middleware.Internal;

/// <summary>
/// Applies <c>OTEL_SERVICE_NAME</c>, <c>OTEL_PROPAGATORS</c> and the <c>Tracing</c> section, in that
/// order, before the <c>AddTracing</c> delegates run; falls back to the host's application name.
/// </summary>
internal sealed class TracingOptionsSetup : IConfigureOptions<TracingOptions>, IPostConfigureOptions<TracingOptions>
{
    internal const string ServiceNameKey = "OTEL_SERVICE_NAME";
    internal const string PropagatorsKey = "OTEL_PROPAGATORS";

    private readonly IConfiguration? _configuration;
    private readonly IHostEnvironment? _environment;

    public TracingOptionsSetup(IConfiguration? configuration = null, IHostEnvironment? environment = null)
    {
        _configuration = configuration;
        _environment = environment;
    }

    public void Configure(TracingOptions options)
    {
        if (_configuration is null)
        {
            return;
        }

        // OpenTelemetry configuration spec (environment variables): an empty value is treated as unset.
        var serviceName = _configuration[ServiceNameKey];
        if (!string.IsNullOrWhiteSpace(serviceName))
        {
            options.ServiceName = serviceName.Trim();
        }

        var propagators = _configuration[PropagatorsKey];
        if (!string.IsNullOrWhiteSpace(propagators))
        {
            ApplyPropagators(options, propagators);
        }

        var section = _configuration.GetSection(TracingOptions.SectionName);
        if (section.Exists())
        {
            // The binder appends to non-empty lists: clear the ones the section sets so configuration replaces defaults.
            ClearIfSet(section, "Propagation:ExtractFormats", options.Propagation.ExtractFormats);
            ClearIfSet(section, "Propagation:InjectFormats", options.Propagation.InjectFormats);
            ClearIfSet(section, nameof(TracingOptions.RedactedQueryParameters), options.RedactedQueryParameters);
            ClearIfSet(section, nameof(TracingOptions.TrustedNetworks), options.TrustedNetworks);
            section.Bind(options);
        }
    }

    public void PostConfigure(string? name, TracingOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.ServiceName))
        {
            options.ServiceName = _environment?.ApplicationName is { Length: > 0 } app ? app : "unknown_service";
        }
    }

    /// <summary>
    /// Applies a non-blank <c>OTEL_PROPAGATORS</c> value: the listed formats are both extracted and injected,
    /// in order. A value that lists no name (<c>","</c>) is an error: only <c>none</c> turns propagation off.
    /// </summary>
    internal static void ApplyPropagators(TracingOptions options, string value)
    {
        var extract = new List<PropagationFormat>();
        var inject = new List<PropagationFormat>();
        var baggage = false;
        var none = false;
        var listed = false;
        foreach (var raw in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            listed = true;
            if (raw.Equals("none", StringComparison.OrdinalIgnoreCase))
            {
                none = true;
                continue;
            }

            PropagationFormat format;
            if (raw.Equals("xtrace", StringComparison.OrdinalIgnoreCase))
            {
                format = PropagationFormat.Legacy;
            }
            else if (!PropagationAttributes.TryParseFormatName(raw, out format))
            {
                options.ConfigurationErrors.Add(
                    $"{PropagatorsKey} names the unknown propagator '{HeaderRules.Printable(raw)}'; use tracecontext, baggage, b3, b3multi, xtrace (or legacy) or none.");
                continue;
            }

            if (!inject.Contains(format))
            {
                inject.Add(format);
            }

            if (format == PropagationFormat.Baggage)
            {
                baggage = true;
            }
            else if (!extract.Contains(format))
            {
                extract.Add(format);
            }
        }

        if (!listed)
        {
            options.ConfigurationErrors.Add($"{PropagatorsKey} lists no propagator; leave it empty for the defaults or use 'none' to turn propagation off.");
        }

        if (none && inject.Count > 0)
        {
            options.ConfigurationErrors.Add($"{PropagatorsKey} combines 'none' with other propagators; use 'none' alone.");
        }

        options.Propagation.ExtractFormats = extract;
        options.Propagation.InjectFormats = inject;
        options.Propagation.ExtractBaggage = baggage;
    }

    private static void ClearIfSet<T>(IConfigurationSection section, string key, IList<T> list)
    {
        if (section.GetSection(key).GetChildren().Any())
        {
            list.Clear();
        }
    }
}
