using System.ComponentModel;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Propagation.Collector.Internal;

namespace Propagation.Middleware.Internal;

/// <summary>
/// Applies <c>OTEL_SERVICE_NAME</c> (else <c>service.name</c> of <c>OTEL_RESOURCE_ATTRIBUTES</c>),
/// <c>OTEL_PROPAGATORS</c>, <c>OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS</c> and the <c>Tracing</c> section, in that order, before the <c>AddTracing</c>
/// delegates run; falls back to the host's application name.
/// </summary>
internal sealed class TracingOptionsSetup : IConfigureOptions<TracingOptions>, IPostConfigureOptions<TracingOptions>
{
    internal const string ServiceNameKey = "OTEL_SERVICE_NAME";
    internal const string PropagatorsKey = "OTEL_PROPAGATORS";
    internal const string ResourceAttributesKey = "OTEL_RESOURCE_ATTRIBUTES";
    internal const string KnownMethodsKey = "OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS";

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

        if (ConfiguredServiceName() is { } serviceName)
        {
            options.ServiceName = serviceName;
        }

        var propagators = _configuration[PropagatorsKey];
        if (!string.IsNullOrWhiteSpace(propagators))
        {
            ApplyPropagators(options, propagators);
        }

        var knownMethods = _configuration[KnownMethodsKey];
        if (!string.IsNullOrWhiteSpace(knownMethods))
        {
            ApplyKnownMethods(options, knownMethods);
        }

        var section = _configuration.GetSection(TracingOptions.SectionName);
        if (section.Exists())
        {
            // The binder throws at the first value it cannot convert, hiding every other error, and silently drops a
            // list or dictionary entry it cannot convert: each such value is listed here and the others are bound.
            var readable = WithoutUnreadableValues(section, options.ConfigurationErrors);

            // The binder appends to non-empty lists: clear the ones the section sets (to nothing too) so configuration
            // replaces defaults.
            ClearIfSet(readable, "Propagation:ExtractFormats", options.Propagation.ExtractFormats);
            ClearIfSet(readable, "Propagation:InjectFormats", options.Propagation.InjectFormats);
            ClearIfSet(readable, nameof(TracingOptions.RedactedQueryParameters), options.RedactedQueryParameters);
            ClearIfSet(readable, nameof(TracingOptions.TrustedNetworks), options.TrustedNetworks);
            ClearIfSet(readable, nameof(TracingOptions.KnownHttpMethods), options.KnownHttpMethods);
            try
            {
                readable.Bind(options);
            }
            catch (InvalidOperationException ex)
            {
                // A binder error the check above does not foresee is still listed with the others, not thrown alone.
                options.ConfigurationErrors.Add($"{section.Path}: {ex.Message}");
            }
        }
    }

    public void PostConfigure(string? name, TracingOptions options)
    {
        // A null or blank name means unset, as an empty OTEL_SERVICE_NAME does ("ServiceName": null or "" in the
        // section, binding over what Configure took from OTEL_SERVICE_NAME, or set so in code): the whole fallback
        // chain applies again, so OTEL_SERVICE_NAME is not skipped for the application name.
        if (string.IsNullOrWhiteSpace(options.ServiceName))
        {
            options.ServiceName = ConfiguredServiceName()
                ?? (_environment?.ApplicationName is { Length: > 0 } app ? app : "unknown_service");
        }
    }

    /// <summary>
    /// <c>OTEL_SERVICE_NAME</c>, else <c>service.name</c> in <c>OTEL_RESOURCE_ATTRIBUTES</c>, trimmed; <see langword="null"/>
    /// when neither names one.
    /// </summary>
    private string? ConfiguredServiceName()
    {
        // OpenTelemetry configuration spec (environment variables): an empty value is treated as unset.
        // The OpenTelemetry resource spec: OTEL_SERVICE_NAME, else service.name in OTEL_RESOURCE_ATTRIBUTES (the
        // pipeline resolves its resource the same way, and follows this name).
        var serviceName = _configuration?[ServiceNameKey];
        if (string.IsNullOrWhiteSpace(serviceName))
        {
            serviceName = ResourceServiceName(_configuration?[ResourceAttributesKey]);
        }

        return string.IsNullOrWhiteSpace(serviceName) ? null : serviceName.Trim();
    }

    /// <summary>The <c>service.name</c> of an <c>OTEL_RESOURCE_ATTRIBUTES</c> value, read by the pipeline's own parser.</summary>
    internal static string? ResourceServiceName(string? attributes) => PipelineSettings.ReadResourceServiceName(attributes);

    /// <summary>
    /// Applies a non-blank <c>OTEL_PROPAGATORS</c> value: the listed formats are both extracted and injected,
    /// in order, except that <c>b3</c> and <c>b3multi</c> each extract both B3 encodings (single header first).
    /// A value that lists no name (<c>","</c>) is an error: only <c>none</c> turns propagation off.
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

            AddOnce(inject, format);

            if (format == PropagationFormat.Baggage)
            {
                baggage = true;
            }
            else if (format is PropagationFormat.B3Single or PropagationFormat.B3)
            {
                // OpenTelemetry propagators spec, B3 Extract: a B3 propagator MUST extract both encodings, the single
                // header taking precedence; b3 and b3multi differ only in what they inject.
                AddOnce(extract, PropagationFormat.B3Single);
                AddOnce(extract, PropagationFormat.B3);
            }
            else
            {
                AddOnce(extract, format);
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

    /// <summary>
    /// Applies a non-blank <c>OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS</c> value: the listed methods, trimmed and with
    /// their case kept (the conventions' list is case-sensitive), replace the default list. Each is validated with the
    /// option; a value that lists none (<c>","</c>) is an error.
    /// </summary>
    internal static void ApplyKnownMethods(TracingOptions options, string value)
    {
        options.KnownHttpMethods.Clear();
        foreach (var method in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            options.KnownHttpMethods.Add(method);
        }

        if (options.KnownHttpMethods.Count == 0)
        {
            options.ConfigurationErrors.Add($"{KnownMethodsKey} lists no method; leave it empty for the default list.");
        }
    }

    private static void AddOnce(List<PropagationFormat> formats, PropagationFormat format)
    {
        if (!formats.Contains(format))
        {
            formats.Add(format);
        }
    }

    /// <summary>
    /// Lists every value of the section that cannot be converted to the option it sets, named by its configuration
    /// path (in key order), and returns the section without those values (the section itself when every value is readable).
    /// </summary>
    private static IConfiguration WithoutUnreadableValues(IConfigurationSection section, List<string> errors)
    {
        HashSet<string>? unreadable = null;
        foreach (var (key, value) in section.AsEnumerable(makePathsRelative: true).OrderBy(static p => p.Key, StringComparer.OrdinalIgnoreCase))
        {
            if (value is null || key.Length == 0)
            {
                continue;
            }

            var path = ConfigurationPath.Combine(section.Path, key);
            string? problem;
            if (ValueOptionAbove(key) is { } above)
            {
                // The binder ignores it, or (below a dictionary entry) adds the entry with the default value: the JSON key
                // "api.partner.com:8443": "None" would give api.partner.com the full context.
                problem = $"{path} is below {ConfigurationPath.Combine(section.Path, above)}, which takes one value: remove the key below it (a configuration key cannot contain ':').";
            }
            else if (TargetType(key) is not { } type)
            {
                continue;
            }
            else
            {
                problem = ConversionProblem(path, value, type);
            }

            if (problem is not null)
            {
                errors.Add(problem);
                (unreadable ??= new HashSet<string>(StringComparer.OrdinalIgnoreCase)).Add(key);
            }
        }

        if (unreadable is null)
        {
            return section;
        }

        var readable = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in section.AsEnumerable(makePathsRelative: true))
        {
            if (value is not null && key.Length > 0 && !unreadable.Contains(key))
            {
                readable[ConfigurationPath.Combine(section.Path, key)] = value;
            }
        }

        return new ConfigurationBuilder().AddInMemoryCollection(readable).Build().GetSection(section.Path);
    }

    /// <summary>
    /// The type of what a key of the section sets, found as the binder finds it (properties by name without case,
    /// an index or key below a list or dictionary); <see langword="null"/> when the key names no option.
    /// </summary>
    private static Type? TargetType(string relativeKey)
    {
        var type = typeof(TracingOptions);
        foreach (var segment in relativeKey.Split(ConfigurationPath.KeyDelimiter))
        {
            if (typeof(Delegate).IsAssignableFrom(type))
            {
                return type; // a key below a delegate: the binder would try to construct one
            }

            if (ElementType(type) is { } element)
            {
                type = element;
                continue;
            }

            var property = type.GetProperty(segment, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            if (property is null)
            {
                return null;
            }

            type = property.PropertyType;
        }

        return type;
    }

    /// <summary>
    /// The relative path of the option that takes one value (a string, number, enum, duration...) and that a key is below
    /// (<c>OutboundDestinations:api.partner.com</c> for <c>OutboundDestinations:api.partner.com:8443</c>), else <see langword="null"/>.
    /// </summary>
    private static string? ValueOptionAbove(string relativeKey)
    {
        var segments = relativeKey.Split(ConfigurationPath.KeyDelimiter);
        for (var depth = 1; depth < segments.Length; depth++)
        {
            var prefix = string.Join(ConfigurationPath.KeyDelimiter, segments[..depth]);
            if (TargetType(prefix) is { } type
                && !typeof(Delegate).IsAssignableFrom(type)
                && TypeDescriptor.GetConverter(Nullable.GetUnderlyingType(type) ?? type).CanConvertFrom(typeof(string)))
            {
                return prefix;
            }
        }

        return null;
    }

    /// <summary>The value type of a dictionary or the element type of a list or array, else <see langword="null"/>.</summary>
    private static Type? ElementType(Type type)
    {
        if (type.IsArray)
        {
            return type.GetElementType();
        }

        if (type == typeof(string))
        {
            return null;
        }

        Type? element = null;
        foreach (var candidate in type.IsInterface ? [type, .. type.GetInterfaces()] : type.GetInterfaces())
        {
            if (!candidate.IsGenericType)
            {
                continue;
            }

            var definition = candidate.GetGenericTypeDefinition();
            if (definition == typeof(IDictionary<,>))
            {
                return candidate.GetGenericArguments()[1];
            }

            if (definition == typeof(IEnumerable<>))
            {
                element = candidate.GetGenericArguments()[0];
            }
        }

        return element;
    }

    /// <summary>Why a configuration value cannot set an option of the given type, or <see langword="null"/> when it can.</summary>
    private static string? ConversionProblem(string path, string value, Type type)
    {
        if (typeof(Delegate).IsAssignableFrom(type))
        {
            return $"{path} cannot be set from configuration; set it in code (services.AddTracing(o => ...)).";
        }

        if (Nullable.GetUnderlyingType(type) is { } underlying)
        {
            if (value.Length == 0)
            {
                return null; // the binder sets null
            }

            type = underlying;
        }

        // The binder converts with the type's TypeConverter; types without one from string are read from child keys,
        // and a value of their own is ignored without a word ("TrustedNetworks": "10.0.0.0/8" would leave no rule). An
        // empty value is an empty JSON array or object. The value is not repeated: it may be a whole list.
        var converter = TypeDescriptor.GetConverter(type);
        if (!converter.CanConvertFrom(typeof(string)))
        {
            return value.Length == 0 ? null : ValueOfAGroupProblem(path, type);
        }

        try
        {
            converter.ConvertFromInvariantString(value);

            // The enum converter reads "A, B" as A | B: for an enum that is not a set of flags, another value, or none.
            if (!type.IsEnum || type.IsDefined(typeof(FlagsAttribute), inherit: false) || !value.Contains(',', StringComparison.Ordinal))
            {
                return null;
            }
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or NotSupportedException or OverflowException)
        {
            // Listed below.
        }

        var shown = $"{path} has the value '{HeaderRules.Printable(value)}'";
        return type switch
        {
            { IsEnum: true } => $"{shown}, which is not {Article(type.Name)} {type.Name}; use {JoinNames(Enum.GetNames(type))}.",
            _ when type == typeof(TimeSpan) => $"{shown}, which is not a duration; use [d.]hh:mm:ss[.fff], for example 00:00:02.",
            _ when type == typeof(bool) => $"{shown}, which is not a boolean; use true or false.",
            _ => $"{shown}, which cannot be read as {type.Name}.",
        };
    }

    /// <summary>Why a list, a map or a group of options cannot be set by one value, and how to set it.</summary>
    private static string ValueOfAGroupProblem(string path, Type type)
    {
        if (IsDictionary(type))
        {
            return $"{path} has one value, but it is a map: set one key per host ({path}:<host>).";
        }

        return ElementType(type) is null
            ? $"{path} has one value, but it is a group of options: set its keys ({path}:<option>)."
            : $"{path} has one value, but it is a list: give its entries as a JSON array or as the keys {path}:0, {path}:1 and so on.";
    }

    private static bool IsDictionary(Type type)
    {
        foreach (var candidate in type.IsInterface ? [type, .. type.GetInterfaces()] : type.GetInterfaces())
        {
            if (candidate.IsGenericType && candidate.GetGenericTypeDefinition() == typeof(IDictionary<,>))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>"an" before a name that starts with a vowel (an InjectionScope), else "a" (a TrustPolicy).</summary>
    private static string Article(string name) => name.Length > 0 && "AEIOU".Contains(name[0], StringComparison.Ordinal) ? "an" : "a";

    private static string JoinNames(string[] names) =>
        names.Length < 2 ? string.Join(", ", names) : string.Join(", ", names[..^1]) + " or " + names[^1];

    private static void ClearIfSet<T>(IConfiguration section, string key, IList<T> list)
    {
        // An empty JSON array ([]) reaches configuration as the key with an empty value and no children: a list set
        // to nothing, which the binder alone would leave at its defaults.
        var set = section.GetSection(key);
        if (set.Value is { Length: 0 } || set.GetChildren().Any())
        {
            list.Clear();
        }
    }
}
