using System.Buffers;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using OpenTelemetry.Exporter;
using OpenTelemetry.Trace;

namespace Propagation.Collector.Internal;

/// <summary>The pipeline's effective settings: <see cref="TracingPipelineOptions"/> merged with the <c>OTEL_*</c>
/// configuration keys and the defaults, validated once.</summary>
/// <remarks>Precedence: a value set in code, then configuration, then the default. Cold path (start-up only).</remarks>
internal sealed class PipelineSettings
{
    public const string UnknownServiceName = "unknown_service";
    public const string AspNetCoreSource = "Microsoft.AspNetCore";
    public const string HttpClientSource = "System.Net.Http";
    private const string GrpcDefaultEndpoint = "http://localhost:4317";
    private const string HttpDefaultEndpoint = "http://localhost:4318/v1/traces";
    private const string TracesPath = "v1/traces";
    private const int MaxNameLength = 64;

    /// <summary>The largest accepted queue size: bounds what a burst of queued spans can hold in memory.</summary>
    public const int MaxQueueSizeLimit = 1_000_000;

    /// <summary>The largest accepted batch size: one export call (and one OTLP request) stays a bounded amount of work.</summary>
    public const int MaxExportBatchSizeLimit = 100_000;

    /// <summary>RFC 9110 section 5.6.2 tchar: what an HTTP header name is made of.</summary>
    private static readonly SearchValues<char> HeaderNameChars =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

    /// <summary>RFC 9110 section 5.5: a field value has no control character but horizontal tab (CR, LF and NUL
    /// above all).</summary>
    private static readonly SearchValues<char> HeaderValueForbiddenChars = SearchValues.Create(HeaderValueForbidden());

    private static readonly string[] BuiltInExporters =
        [TracingExporterNames.Otlp, TracingExporterNames.Console, TracingExporterNames.Json, TracingExporterNames.Store];

    /// <summary>Gets the configuration values not applied as given, each as its key and what was done instead (no
    /// credential, no raw value that may hold one); the hosted service logs each once at start-up.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Warnings { get; private init; } = [];

    public bool Enabled { get; private init; }

    public string ServiceName { get; private init; } = UnknownServiceName;

    public IReadOnlyList<KeyValuePair<string, object>> ResourceAttributes { get; private init; } = [];

    public IReadOnlyList<string> Sources { get; private init; } = [];

    public Sampler Sampler { get; private init; } = null!;

    public string SamplerDescription { get; private init; } = string.Empty;

    /// <summary>Gets the selected exporter names, normalized (lowercase built-ins, custom names as registered), in order.</summary>
    public IReadOnlyList<string> Exporters { get; private init; } = [];

    public int MaxQueueSize { get; private init; }

    public int MaxExportBatchSize { get; private init; }

    public TimeSpan ScheduleDelay { get; private init; }

    public TimeSpan ExportTimeout { get; private init; }

    public TimeSpan LocalScheduleDelay { get; private init; }

    public TimeSpan ShutdownTimeout { get; private init; }

    public bool ExportUnownedSpans { get; private init; }

    public Uri OtlpEndpoint { get; private init; } = null!;

    public OtlpExportProtocol OtlpProtocol { get; private init; }

    public string? OtlpHeaders { get; private init; }

    public int OtlpTimeoutMilliseconds { get; private init; }

    public OtlpExportCompression OtlpCompression { get; private init; }

    /// <summary>Resolves and validates; every problem is added to <paramref name="errors"/>.</summary>
    /// <returns>The settings, or <see langword="null"/> when <paramref name="errors"/> got at least one entry.</returns>
    public static PipelineSettings? Resolve(TracingPipelineOptions options, IConfiguration configuration, string? applicationName, List<string> errors)
    {
        var before = errors.Count;
        var warnings = new List<KeyValuePair<string, string>>();
        var sdkDisabled = ReadBool(configuration, PipelineConfigurationKeys.SdkDisabled, warnings);
        var enabled = options.Enabled && !sdkDisabled;

        var resourceAttributes = ParseResourceAttributes(Read(configuration, PipelineConfigurationKeys.ResourceAttributes), warnings, out var resourceServiceName);
        var serviceName = FirstNonBlank(options.ServiceName, Read(configuration, PipelineConfigurationKeys.ServiceName), resourceServiceName, applicationName) ?? UnknownServiceName;

        var sources = new List<string>();
        AddSources(sources, options.PropagationSources, nameof(options.PropagationSources), errors);
        if (options.ListenToAspNetCore)
        {
            sources.Add(AspNetCoreSource);
        }

        if (options.ListenToHttpClient)
        {
            sources.Add(HttpClientSource);
        }

        AddSources(sources, options.Sources, nameof(options.Sources), errors);

        // A blank value in code (an empty configuration entry bound to the options) is no choice, as for ServiceName.
        var samplerName = FirstNonBlank(options.Sampler) ?? Read(configuration, PipelineConfigurationKeys.Sampler);
        var samplerArgument = FirstNonBlank(options.SamplerArgument) ?? Read(configuration, PipelineConfigurationKeys.SamplerArgument);
        if (!PipelineSamplerParser.TryParse(samplerName, samplerArgument, out var sampler, out var samplerDescription, out var samplerError))
        {
            errors.Add(samplerError!);
        }

        IReadOnlyList<string> exporters;
        if (options.Exporters is not null)
        {
            exporters = ParseExporters(options.Exporters, nameof(TracingPipelineOptions.Exporters), options, errors);
        }
        else if (Read(configuration, PipelineConfigurationKeys.Exporters) is { } configured)
        {
            exporters = ParseExporters(configured.Split(','), PipelineConfigurationKeys.Exporters, options, errors);
        }
        else
        {
            exporters = [TracingExporterNames.Store];
        }

        var maxQueueSize = options.MaxQueueSize ?? ReadInt(configuration, PipelineConfigurationKeys.MaxQueueSize, errors) ?? TracingPipelineOptions.DefaultMaxQueueSize;
        // A batch size set nowhere follows a queue set smaller than the default batch (as OpenTelemetry Go does), instead
        // of stopping the start-up over a value the user never chose; one that is set must fit the queue.
        var maxBatchSize = options.MaxExportBatchSize ?? ReadInt(configuration, PipelineConfigurationKeys.MaxExportBatchSize, errors)
            ?? (maxQueueSize > 0 ? Math.Min(maxQueueSize, TracingPipelineOptions.DefaultMaxExportBatchSize) : TracingPipelineOptions.DefaultMaxExportBatchSize);
        var scheduleDelay = options.ScheduleDelay ?? ReadMilliseconds(configuration, PipelineConfigurationKeys.ScheduleDelay, errors) ?? TimeSpan.FromMilliseconds(TracingPipelineOptions.DefaultScheduleDelayMilliseconds);
        var exportTimeout = options.ExportTimeout ?? ReadMilliseconds(configuration, PipelineConfigurationKeys.ExportTimeout, errors) ?? TimeSpan.FromMilliseconds(TracingPipelineOptions.DefaultExportTimeoutMilliseconds);
        RequirePositive(maxQueueSize, nameof(options.MaxQueueSize), PipelineConfigurationKeys.MaxQueueSize, errors);
        RequirePositive(maxBatchSize, nameof(options.MaxExportBatchSize), PipelineConfigurationKeys.MaxExportBatchSize, errors);
        RequireAtMost(maxQueueSize, MaxQueueSizeLimit, nameof(options.MaxQueueSize), PipelineConfigurationKeys.MaxQueueSize, errors);
        RequireAtMost(maxBatchSize, MaxExportBatchSizeLimit, nameof(options.MaxExportBatchSize), PipelineConfigurationKeys.MaxExportBatchSize, errors);
        if (maxQueueSize > 0 && maxBatchSize > maxQueueSize)
        {
            errors.Add($"{nameof(options.MaxExportBatchSize)} ({maxBatchSize}) must not exceed {nameof(options.MaxQueueSize)} ({maxQueueSize}); see {PipelineConfigurationKeys.MaxExportBatchSize} and {PipelineConfigurationKeys.MaxQueueSize}.");
        }

        RequirePositive(scheduleDelay, nameof(options.ScheduleDelay), PipelineConfigurationKeys.ScheduleDelay, errors);
        RequirePositive(exportTimeout, nameof(options.ExportTimeout), PipelineConfigurationKeys.ExportTimeout, errors);
        RequirePositive(options.ShutdownTimeout, nameof(options.ShutdownTimeout), null, errors);
        RequirePositive(options.LocalScheduleDelay, nameof(options.LocalScheduleDelay), null, errors);

        // OTLP settings are validated only when OTLP is selected: a stale endpoint variable must not stop an app
        // that exports elsewhere.
        Uri? otlpEndpoint = null;
        var otlpProtocol = OtlpExportProtocol.Grpc;
        string? otlpHeaders = null;
        var otlpTimeout = TracingPipelineOptions.DefaultOtlpTimeoutMilliseconds;
        var otlpCompression = OtlpExportCompression.None;
        if (Contains(exporters, TracingExporterNames.Otlp) && !options.CustomExporters.ContainsKey(TracingExporterNames.Otlp))
        {
            otlpProtocol = ParseProtocol(configuration, errors);
            otlpEndpoint = ResolveEndpoint(configuration, otlpProtocol, errors);
            otlpHeaders = ReadHeaders(configuration, errors);
            // As the other OTLP settings: the _TRACES_ variable, when set, is the only one read, and errors name it.
            var timeoutKey = Read(configuration, PipelineConfigurationKeys.OtlpTracesTimeout) is null
                ? PipelineConfigurationKeys.OtlpTimeout
                : PipelineConfigurationKeys.OtlpTracesTimeout;
            otlpTimeout = ReadInt(configuration, timeoutKey, errors) ?? TracingPipelineOptions.DefaultOtlpTimeoutMilliseconds;
            RequirePositive(otlpTimeout, "OTLP timeout", timeoutKey, errors);
            otlpCompression = ParseCompression(configuration, errors);
        }

        if (errors.Count > before)
        {
            return null;
        }

        return new PipelineSettings
        {
            Warnings = warnings,
            Enabled = enabled,
            ServiceName = serviceName,
            ResourceAttributes = resourceAttributes,
            Sources = sources,
            Sampler = sampler,
            SamplerDescription = samplerDescription,
            Exporters = exporters,
            MaxQueueSize = maxQueueSize,
            MaxExportBatchSize = maxBatchSize,
            ScheduleDelay = scheduleDelay,
            ExportTimeout = exportTimeout,
            LocalScheduleDelay = options.LocalScheduleDelay < scheduleDelay ? options.LocalScheduleDelay : scheduleDelay,
            ShutdownTimeout = options.ShutdownTimeout,
            ExportUnownedSpans = options.ExportUnownedSpans,
            OtlpEndpoint = otlpEndpoint ?? new Uri(GrpcDefaultEndpoint),
            OtlpProtocol = otlpProtocol,
            OtlpHeaders = otlpHeaders,
            OtlpTimeoutMilliseconds = otlpTimeout,
            OtlpCompression = otlpCompression,
        };
    }

    /// <summary>Maps the OTLP settings onto the SDK's options.</summary>
    /// <remarks>Every public setting the SDK would otherwise take from the process environment (endpoint, protocol,
    /// headers, timeout, compression) is set explicitly, so only the configuration decides those. OpenTelemetry
    /// 1.20.1 has no public setting for the rest, which it reads from the process environment and so applies to the
    /// OTLP exporter of every host in the process: the span limits (<c>OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT</c>,
    /// <c>OTEL_ATTRIBUTE_COUNT_LIMIT</c>, <c>OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT</c>,
    /// <c>OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT</c>, <c>OTEL_SPAN_EVENT_COUNT_LIMIT</c>, <c>OTEL_SPAN_LINK_COUNT_LIMIT</c>,
    /// <c>OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT</c>, <c>OTEL_LINK_ATTRIBUTE_COUNT_LIMIT</c>, read by
    /// <c>new OtlpTraceExporter(options)</c>), the retry variables (<c>OTEL_DOTNET_EXPERIMENTAL_OTLP_RETRY</c>,
    /// <c>OTEL_DOTNET_EXPERIMENTAL_OTLP_DISK_RETRY_DIRECTORY_PATH</c>, same) and the certificate variables
    /// (<c>OTEL_EXPORTER_OTLP_CERTIFICATE</c>, <c>OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE</c>,
    /// <c>OTEL_EXPORTER_OTLP_CLIENT_KEY</c>, read by <c>new OtlpExporterOptions()</c> and used only without an
    /// <c>HttpClientFactory</c>).</remarks>
    public void ApplyTo(OtlpExporterOptions options)
    {
        options.Protocol = OtlpProtocol;
        options.Endpoint = OtlpEndpoint;
        options.Headers = OtlpHeaders;
        options.TimeoutMilliseconds = OtlpTimeoutMilliseconds;
        options.Compression = OtlpCompression;
    }

    private static List<string> ParseExporters(IEnumerable<string> names, string origin, TracingPipelineOptions options, List<string> errors)
    {
        var result = new List<string>();
        var sawNone = false;
        var items = 0;
        var blank = 0;
        foreach (var raw in names)
        {
            items++;
            var name = raw?.Trim();
            if (string.IsNullOrEmpty(name))
            {
                blank++;
                continue;
            }

            if (string.Equals(name, TracingExporterNames.None, StringComparison.OrdinalIgnoreCase))
            {
                sawNone = true;
                continue;
            }

            string? normalized = null;
            foreach (var custom in options.CustomExporters.Keys)
            {
                if (string.Equals(custom, name, StringComparison.OrdinalIgnoreCase))
                {
                    normalized = custom;
                }
            }

            foreach (var builtIn in BuiltInExporters)
            {
                if (normalized is null && string.Equals(builtIn, name, StringComparison.OrdinalIgnoreCase))
                {
                    normalized = builtIn;
                }
            }

            if (normalized is null)
            {
                var known = string.Join(", ", BuiltInExporters.Concat(options.CustomExporters.Keys).Append(TracingExporterNames.None));
                errors.Add($"{origin}: exporter '{Shorten(name)}' is unknown; use a comma-separated list of: {known}.");
                continue;
            }

            if (!Contains(result, normalized))
            {
                result.Add(normalized);
            }
        }

        if (sawNone && result.Count > 0)
        {
            errors.Add($"{origin}: 'none' cannot be combined with other exporters.");
        }

        // As OTEL_PROPAGATORS: a list of separators only (" , ,") names nothing, nor does an empty list in code (an empty
        // or blank variable never gets here: it counts as unset); only 'none' turns exporting off.
        if (blank == items)
        {
            errors.Add($"{origin} lists no exporter; leave it unset for the default ('{TracingExporterNames.Store}') or use '{TracingExporterNames.None}' to export nothing.");
        }

        return result;
    }

    private static OtlpExportProtocol ParseProtocol(IConfiguration configuration, List<string> errors)
    {
        var value = ReadTracesOrGeneral(configuration, PipelineConfigurationKeys.OtlpTracesProtocol, PipelineConfigurationKeys.OtlpProtocol, out var key);

        switch (value?.Trim().ToLowerInvariant())
        {
            case null:
            case "grpc":
                return OtlpExportProtocol.Grpc;
            case "http/protobuf":
                return OtlpExportProtocol.HttpProtobuf;
            default:
                errors.Add($"{key} '{Shorten(value!)}' is not supported; use 'grpc' or 'http/protobuf'.");
                return OtlpExportProtocol.Grpc;
        }
    }

    private static OtlpExportCompression ParseCompression(IConfiguration configuration, List<string> errors)
    {
        var value = ReadTracesOrGeneral(configuration, PipelineConfigurationKeys.OtlpTracesCompression, PipelineConfigurationKeys.OtlpCompression, out var key);

        switch (value?.Trim().ToLowerInvariant())
        {
            case null:
            case "none":
                return OtlpExportCompression.None;
            case "gzip":
                return OtlpExportCompression.GZip;
            default:
                errors.Add($"{key} '{Shorten(value!)}' is not supported; use 'gzip' or 'none'.");
                return OtlpExportCompression.None;
        }
    }

    private static Uri? ResolveEndpoint(IConfiguration configuration, OtlpExportProtocol protocol, List<string> errors)
    {
        // Spec: the signal-specific variable is used as is; the base one gets "v1/traces" appended for HTTP.
        if (Read(configuration, PipelineConfigurationKeys.OtlpTracesEndpoint) is { } traces)
        {
            return ParseEndpoint(traces, PipelineConfigurationKeys.OtlpTracesEndpoint, errors);
        }

        if (Read(configuration, PipelineConfigurationKeys.OtlpEndpoint) is { } baseEndpoint)
        {
            var uri = ParseEndpoint(baseEndpoint, PipelineConfigurationKeys.OtlpEndpoint, errors);
            if (uri is null || protocol == OtlpExportProtocol.Grpc)
            {
                return uri;
            }

            // Appended to the path: a query string (or fragment) stays after it.
            var path = uri.AbsolutePath;
            return new UriBuilder(uri) { Path = path.EndsWith('/') ? path + TracesPath : path + "/" + TracesPath }.Uri;
        }

        return new Uri(protocol == OtlpExportProtocol.Grpc ? GrpcDefaultEndpoint : HttpDefaultEndpoint);
    }

    private static Uri? ParseEndpoint(string value, string key, List<string> errors)
    {
        if (Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri)
            && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            && string.IsNullOrEmpty(uri.UserInfo))
        {
            return uri;
        }

        // Not echoed: an endpoint may carry credentials in its user-info part.
        errors.Add($"{key} is not an absolute http:// or https:// URL without user information (value not shown).");
        return null;
    }

    private static string? ReadHeaders(IConfiguration configuration, List<string> errors)
    {
        var value = ReadTracesOrGeneral(configuration, PipelineConfigurationKeys.OtlpTracesHeaders, PipelineConfigurationKeys.OtlpHeaders, out var key);

        if (value is null)
        {
            return null;
        }

        // Spec: a comma-separated list of key=value pairs, percent-encoded. OpenTelemetry 1.20.1 decodes the whole
        // list first, then splits it at every ',' and each item at its first '=', and trims name and value; every
        // item must have a '=' (an empty item fails the exporter's construction). The names and values it then
        // sends must be valid HTTP fields (RFC 9110 section 5.1 token, section 5.5 field-value) that HttpClient
        // sends (ASCII values only), or every export fails. Checked here the same way, so a bad list stops the start-up instead. Values are credentials: never
        // shown in an error, nor is the name (a mistyped list may put a secret there).
        var decoded = Uri.UnescapeDataString(value);
        var item = 0;
        foreach (var range in decoded.AsSpan().Split(','))
        {
            item++;
            var pair = decoded.AsSpan()[range];
            var equals = pair.IndexOf('=');
            if (equals < 0)
            {
                errors.Add($"{key}: item {item} is {(pair.Trim().IsEmpty ? "empty" : "not a key=value pair")} (after percent-decoding; values are not shown).");
                continue;
            }

            var name = pair[..equals].Trim();
            if (name.IsEmpty)
            {
                errors.Add($"{key}: item {item} has an empty name (values are not shown).");
            }
            else if (name.IndexOfAnyExcept(HeaderNameChars) is var badName and >= 0)
            {
                errors.Add($"{key}: item {item} has a name with a character not allowed in an HTTP header name ({Describe(name[badName])}; values are not shown).");
            }
            else if (!IsRequestHeaderName(name))
            {
                errors.Add($"{key}: item {item} names a content header (Content-Type, Content-Encoding, Expires, ...), which the exporter sets itself and HttpClient refuses among a request's headers (values are not shown).");
            }

            var headerValue = pair[(equals + 1)..].Trim();
            if (headerValue.IndexOfAny(HeaderValueForbiddenChars) is var badValue and >= 0)
            {
                errors.Add($"{key}: item {item} has a value with a character not allowed in an HTTP header value ({Describe(headerValue[badValue])} after percent-decoding; values are not shown).");
            }
            else if (headerValue.IndexOfAnyExceptInRange('\0', '\u007F') >= 0)
            {
                // RFC 9110 allows obs-text, but HttpClient (which the SDK sends with) refuses a request whose header
                // is not ASCII, so every export would fail. The character is not named: it is part of a credential.
                errors.Add($"{key}: item {item} has a value with a non-ASCII character after percent-decoding, which HttpClient does not send (values are not shown).");
            }
        }

        return value;
    }

    /// <summary>
    /// The <c>service.name</c> of an <c>OTEL_RESOURCE_ATTRIBUTES</c> value as the pipeline reads it (the first non-blank one wins), or
    /// <see langword="null"/> (none, or the whole value discarded for a malformed item or a bad percent-escape); the
    /// discarded value is left for the pipeline's start-up log to report.
    /// </summary>
    internal static string? ReadResourceServiceName(string? value)
    {
        ParseResourceAttributes(string.IsNullOrWhiteSpace(value) ? null : value, [], out var serviceName);
        return serviceName;
    }

    private static List<KeyValuePair<string, object>> ParseResourceAttributes(
        string? value, List<KeyValuePair<string, string>> warnings, out string? serviceName)
    {
        serviceName = null;
        var result = new List<KeyValuePair<string, object>>();
        if (value is null)
        {
            return result;
        }

        var item = 0;
        var badItem = 0;
        string? problem = null;
        foreach (var range in value.AsSpan().Split(','))
        {
            item++;
            var pair = value.AsSpan()[range].Trim();
            if (pair.IsEmpty || problem is not null)
            {
                continue;
            }

            // Resource SDK spec: on an invalid value the whole value of the variable is discarded and an error
            // reported (a start-up warning: the app runs without these attributes).
            var equals = pair.IndexOf('=');
            var key = equals > 0 ? pair[..equals].Trim().ToString() : string.Empty;
            if (key.Length == 0)
            {
                (badItem, problem) = (item, "is not a key=value pair");
                continue;
            }

            // Values are percent-encoded (W3C Baggage value).
            var encoded = pair[(equals + 1)..].Trim();
            if (!HasValidEscapes(encoded))
            {
                (badItem, problem) = (item, "has an invalid percent-escape ('%' not followed by two hex digits)");
                continue;
            }

            // A repeated key: the first non-blank value wins, for service.name as for the others, as in OpenTelemetry
            // .NET 1.20.1 (its Resource.Merge keeps a key's first value; its detector skips items with an empty value).
            var decoded = Uri.UnescapeDataString(encoded.ToString());
            if (string.IsNullOrWhiteSpace(decoded))
            {
                continue;
            }

            if (key == "service.name")
            {
                serviceName ??= decoded;
                continue;
            }

            if (IndexOfKey(result, key) < 0)
            {
                result.Add(new KeyValuePair<string, object>(key, decoded));
            }
        }

        if (problem is not null)
        {
            // Neither the value nor the item is shown: a mistyped list may hold a secret.
            warnings.Add(new(
                PipelineConfigurationKeys.ResourceAttributes,
                $"item {badItem.ToString(CultureInfo.InvariantCulture)} {problem}; the whole value is discarded (values are not shown)."));
            serviceName = null;
            result.Clear();
        }

        return result;
    }

    private static int IndexOfKey(List<KeyValuePair<string, object>> attributes, string key)
    {
        for (var i = 0; i < attributes.Count; i++)
        {
            if (string.Equals(attributes[i].Key, key, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Whether every '%' of a percent-encoded value starts a '%' HEXDIG HEXDIG triplet (RFC 3986 section 2.1).</summary>
    private static bool HasValidEscapes(ReadOnlySpan<char> value)
    {
        for (var i = value.IndexOf('%'); i >= 0; i = value.IndexOf('%'))
        {
            if (i + 2 >= value.Length || !char.IsAsciiHexDigit(value[i + 1]) || !char.IsAsciiHexDigit(value[i + 2]))
            {
                return false;
            }

            value = value[(i + 3)..];
        }

        return true;
    }

    private static void AddSources(List<string> sources, IList<string> names, string optionName, List<string> errors)
    {
        foreach (var name in names)
        {
            if (string.IsNullOrWhiteSpace(name))
            {
                errors.Add($"{optionName} contains an empty source name.");
                continue;
            }

            sources.Add(name.Trim());
        }
    }

    private static string? Read(IConfiguration configuration, string key)
    {
        // Spec: an empty value is treated as unset.
        var value = configuration[key];
        return string.IsNullOrWhiteSpace(value) ? null : value;
    }

    /// <summary>The traces-specific key's value, else the general key's (OTLP settings); <paramref name="key"/> names the one read.</summary>
    private static string? ReadTracesOrGeneral(IConfiguration configuration, string tracesKey, string generalKey, out string key)
    {
        key = tracesKey;
        var value = Read(configuration, key);
        if (value is null)
        {
            key = generalKey;
            value = Read(configuration, key);
        }

        return value;
    }

    private static bool ReadBool(IConfiguration configuration, string key, List<KeyValuePair<string, string>> warnings)
    {
        // SDK environment variables spec, Boolean: only the case-insensitive "true" is true; any other value, unset
        // and empty included, is false, and a value other than "true", "false" or empty SHOULD be warned about.
        var value = Read(configuration, key)?.Trim();
        if (value is null || string.Equals(value, "false", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        if (string.Equals(value, "true", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        warnings.Add(new(key, $"'{Shorten(value)}' is neither 'true' nor 'false'; treated as 'false'."));
        return false;
    }

    private static int? ReadInt(IConfiguration configuration, string key, List<string> errors)
    {
        var value = Read(configuration, key);
        if (value is null)
        {
            return null;
        }

        if (int.TryParse(value.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var number))
        {
            return number;
        }

        errors.Add($"{key} '{Shorten(value)}' is not an integer.");
        return null;
    }

    private static TimeSpan? ReadMilliseconds(IConfiguration configuration, string key, List<string> errors)
        => ReadInt(configuration, key, errors) is { } milliseconds ? TimeSpan.FromMilliseconds(milliseconds) : null;

    private static void RequirePositive(int value, string option, string? key, List<string> errors)
    {
        if (value <= 0)
        {
            errors.Add($"{option}{(key is null ? string.Empty : " (" + key + ")")} must be positive; got {value.ToString(CultureInfo.InvariantCulture)}.");
        }
    }

    private static void RequireAtMost(int value, int limit, string option, string key, List<string> errors)
    {
        if (value > limit)
        {
            errors.Add($"{option} ({key}) must be at most {limit.ToString(CultureInfo.InvariantCulture)}; got {value.ToString(CultureInfo.InvariantCulture)}.");
        }
    }

    private static void RequirePositive(TimeSpan value, string option, string? key, List<string> errors)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"{option}{(key is null ? string.Empty : " (" + key + ")")} must be positive; got {value.ToString("c", CultureInfo.InvariantCulture)}.");
        }
    }

    private static string? FirstNonBlank(params string?[] values)
    {
        foreach (var value in values)
        {
            if (!string.IsNullOrWhiteSpace(value))
            {
                return value.Trim();
            }
        }

        return null;
    }

    private static bool Contains(IReadOnlyList<string> names, string name)
    {
        foreach (var item in names)
        {
            if (string.Equals(item, name, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static string HeaderValueForbidden()
    {
        var chars = new List<char>();
        for (var c = '\0'; c < ' '; c++)
        {
            if (c != '\t')
            {
                chars.Add(c);
            }
        }

        chars.Add('\u007F');
        return new string([.. chars]);
    }

    /// <summary>Whether HttpClient accepts a (token) name among a request's headers, where the SDK adds every configured
    /// header: it refuses content headers there (<c>Content-Type</c>, <c>Expires</c>, ...), so every export would fail.</summary>
    private static bool IsRequestHeaderName(ReadOnlySpan<char> name)
    {
        using var probe = new HttpRequestMessage();
        return probe.Headers.TryAddWithoutValidation(name.ToString(), string.Empty);
    }

    private static string Describe(char c) => "U+" + ((int)c).ToString("X4", CultureInfo.InvariantCulture);

    private static string Shorten(string value) => value.Length <= MaxNameLength ? value : string.Concat(value.AsSpan(0, MaxNameLength), "...");
}
