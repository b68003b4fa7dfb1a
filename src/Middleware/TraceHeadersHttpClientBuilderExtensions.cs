using System.Diagnostics;
using System.Net.Http;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Propagation.Middleware;
using Propagation.Middleware.Internal;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds trace headers and client spans to an <see cref="HttpClient"/> registered with <c>AddHttpClient</c>.</summary>
public static class TraceHeadersHttpClientBuilderExtensions
{
    // One delegate instance each, so a client's options can tell whether an earlier AddTraceHeaders call added it.
    private static readonly Action<HttpMessageHandlerBuilder> AddHandlerAction = AddHandler;

    private static readonly Action<HttpMessageHandlerBuilder> DisableDiagnosticsAction = DisableDiagnostics;

    /// <summary>Adds the tracing handler with the app's <see cref="TracingOptions"/>.</summary>
    /// <param name="builder">The client builder.</param>
    /// <returns><paramref name="builder"/>.</returns>
    /// <inheritdoc cref="AddTraceHeaders(IHttpClientBuilder, Action{TraceHeadersOptions})" path="/remarks"/>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    public static IHttpClientBuilder AddTraceHeaders(this IHttpClientBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return Register(builder);
    }

    /// <summary>Adds the tracing handler with per-client overrides.</summary>
    /// <param name="builder">The client builder.</param>
    /// <param name="configure">Configures this client's overrides.</param>
    /// <returns><paramref name="builder"/>.</returns>
    /// <remarks>
    /// <para>
    /// <b>One client span per attempt</b> (source <c>Propagation.Http</c>, kind Client), a child of
    /// <see cref="Activity.Current"/>, or a new root when there is none; no <c>HttpContext</c> is needed, so
    /// the client works in hosted and background services. Attributes: <c>http.request.method</c>,
    /// <c>server.address</c>, <c>server.port</c>, <c>url.full</c> (query values redacted, user info never
    /// included), <c>peer.service</c> (when <see cref="TraceHeadersOptions.PeerService"/> is set; like the method and
    /// server attributes, given at creation so a sampler sees it), <c>http.response.status_code</c>, <c>error.type</c>
    /// and, on resends of the same request (a retry strategy above this handler), <c>http.request.resend_count</c>.
    /// </para>
    /// <para>
    /// <b>gRPC.</b> On the HttpClient of a gRPC client whose call has the gRPC client interceptor's span current, the
    /// handler starts no span and injects nothing for the call's own request (its path is the span's
    /// <c>/package.Service/Method</c>, under the channel address's path base if any): the call's span and metadata
    /// stand, and only the destination policy is applied. Any other request sent while that span is current (a token
    /// fetch in <c>CallCredentials</c>, an auth handler calling another service) is traced as usual, its span a child
    /// of the call's. When that span is recorded the handler adds what only the channel knows: <c>server.address</c> and
    /// <c>server.port</c> from the request's URI (the scheme's default port when the address names none), unless the
    /// span already has an address (from a host the call named), and <c>peer.service</c> when it is set.
    /// </para>
    /// <para>
    /// <b>Headers per attempt.</b> Each attempt gets fresh headers from its own span; headers this handler
    /// injected on an earlier attempt (tracked in <see cref="HttpRequestMessage.Options"/>) are removed first,
    /// so a value is never stale or duplicated. A trace header with ids the caller set is kept, and then no other
    /// trace format is added beside it; one without ids (<c>tracestate</c>, a B3 sampling decision alone) is kept and
    /// ours are added under the other names; caller-set <c>baggage</c> is kept. <c>OverwriteCallerHeaders</c> replaces
    /// them all with ours. The outbound destination
    /// policy decides per host what is sent; the client span is recorded either way.
    /// </para>
    /// <para>
    /// <b>HttpClient's own activity.</b> The primary handler's <c>System.Net.Http</c> diagnostics (which would
    /// start a second client span and inject headers through <see cref="DistributedContextPropagator.Current"/>)
    /// are turned off for this client: <see cref="SocketsHttpHandler.ActivityHeadersPropagator"/> is set to
    /// <see langword="null"/> on a <see cref="SocketsHttpHandler"/> primary handler, or on the one inside an
    /// <see cref="HttpClientHandler"/>. Other primary handlers do not start that activity. A primary handler
    /// that cannot be adjusted is logged as a warning.
    /// </para>
    /// <para>
    /// <b>Redirects.</b> A primary handler that follows redirects resends the message, with the headers injected for
    /// the first host, to the redirect's host. When this client's scope depends on the host (host rules in
    /// <c>OutboundDestinations</c> and no per-client <see cref="TraceHeadersOptions.Scope"/>), the primary handler's
    /// propagator is instead a guard that, on each hop, removes what that hop's host may not receive (nothing is added
    /// for a host allowed more). HttpClient then starts its own activity per hop; the guard marks it not recorded, so
    /// a tracer provider still sees one client span.
    /// </para>
    /// <para>
    /// <b>Once per client.</b> Called more than once for a client (<c>AddTraceHeaders()</c> in
    /// <c>ConfigureHttpClientDefaults</c> and <c>AddTraceHeaders(o => ...)</c> on the client, say), the client still gets one
    /// handler, at the place of the first call among its handlers; every <paramref name="configure"/> delegate applies. Those
    /// given in <c>ConfigureHttpClientDefaults</c> run first whatever the order of the calls, so a client's own options win.
    /// </para>
    /// <para><c>services.AddTracing()</c> must be called too; without it creating the client throws an <see cref="InvalidOperationException"/>.</para>
    /// <para>
    /// This client's options are validated when the host starts, or without a host when the client is first created:
    /// an invalid <see cref="TraceHeadersOptions.PeerService"/> throws an <c>OptionsValidationException</c> naming the client.
    /// They are read once, when the client is first created: the handlers built again at each <c>HandlerLifetime</c> keep
    /// them, also after a reload of a configuration section they are bound to.
    /// </para>
    /// </remarks>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static IHttpClientBuilder AddTraceHeaders(this IHttpClientBuilder builder, Action<TraceHeadersOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        if (builder.Name is null)
        {
            ConfigureDefaults(builder.Services, configure);
        }
        else
        {
            builder.Services.Configure(builder.Name, configure);
        }

        return Register(builder);
    }

    /// <summary>
    /// Registers the delegate of a <c>ConfigureHttpClientDefaults</c> builder (which has no name) for every client, ahead of
    /// the delegates of named clients whatever the order of the calls, as <c>IHttpClientFactory</c> orders the defaults of
    /// its own options: a client's own options are applied over the defaults', never the other way round. Defaults keep
    /// their order among themselves.
    /// </summary>
    private static void ConfigureDefaults(IServiceCollection services, Action<TraceHeadersOptions> configure)
    {
        services.AddOptions();
        var descriptor = ServiceDescriptor.Singleton<IConfigureOptions<TraceHeadersOptions>>(new ConfigureNamedOptions<TraceHeadersOptions>(null, configure));
        for (var i = 0; i < services.Count; i++)
        {
            var existing = services[i];
            if (existing.ServiceType == typeof(IConfigureOptions<TraceHeadersOptions>) && !existing.IsKeyedService
                && existing.ImplementationInstance is not ConfigureNamedOptions<TraceHeadersOptions> { Name: null })
            {
                services.Insert(i, descriptor);
                return;
            }
        }

        services.Add(descriptor);
    }

    private static IHttpClientBuilder Register(IHttpClientBuilder builder)
    {
        var name = builder.Name;
        builder.Services.AddOptions<TraceHeadersOptions>(name).ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TraceHeadersOptions>, TraceHeadersOptionsValidator>());
        builder.Services.TryAddSingleton<TraceHeadersOptionsCache>();

        // What AddHttpMessageHandler does (the handler goes where this call is among the client's handlers), but once per
        // client: AddTraceHeaders() in ConfigureHttpClientDefaults and AddTraceHeaders(o => ...) on a client (or two calls
        // on one builder) configure the same client's options, and the action is added only the first time, so the client
        // gets one handler, at the first call's place, with the options of the client being built (b.Name: a defaults
        // builder has no name of its own). Two handlers would make two client spans per attempt.
        builder.Services.Configure<HttpClientFactoryOptions>(name, options => AddOnce(options, AddHandlerAction));

        // Runs after every Configure of this client, so it sees the final primary handler; once per client too, so a
        // handler that cannot be adjusted is reported once.
        builder.Services.PostConfigure<HttpClientFactoryOptions>(name, options => AddOnce(options, DisableDiagnosticsAction));
        return builder;
    }

    private static void AddOnce(HttpClientFactoryOptions options, Action<HttpMessageHandlerBuilder> action)
    {
        if (!options.HttpMessageHandlerBuilderActions.Contains(action))
        {
            options.HttpMessageHandlerBuilderActions.Add(action);
        }
    }

    private static void AddHandler(HttpMessageHandlerBuilder builder)
    {
        var services = builder.Services;
        var service = services.GetService<TracingService>() ?? throw new InvalidOperationException(
            $"AddTraceHeaders() on HttpClient '{builder.Name}' needs the tracing services: call services.AddTracing() (builder.Services.AddTracing()) when configuring services.");
        builder.AdditionalHandlers.Add(new TraceHeadersHandler(service, services.GetRequiredService<TraceHeadersOptionsCache>().Get(builder.Name)));
    }

    private static void DisableDiagnostics(HttpMessageHandlerBuilder builder)
    {
        var services = builder.Services;
        var service = services.GetService<TracingService>();
        var guard = service is null
            ? null
            : RedirectScopePropagator.For(service, services.GetRequiredService<TraceHeadersOptionsCache>().Get(builder.Name).Scope);
        PrimaryHandlerDiagnostics.Disable(builder, builder.Name ?? string.Empty, services.GetService<ILoggerFactory>(), guard, service);
    }
}
