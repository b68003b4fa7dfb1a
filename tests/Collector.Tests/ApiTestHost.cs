using System.Security.Claims;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Propagation.Collector.Tests;

/// <summary>A TestServer host with the span store, a header-driven test authentication scheme and log capture.</summary>
internal sealed class ApiTestHost : IAsyncDisposable
{
    public const string UserHeader = "X-Test-User";
    public const string RoleHeader = "X-Test-Role";
    public const string Policy = "tracing-readers";

    private readonly IHost _host;

    private ApiTestHost(IHost host, RecordingLoggerProvider logs)
    {
        _host = host;
        Logs = logs;
        Client = host.GetTestClient();
    }

    public HttpClient Client { get; }

    public RecordingLoggerProvider Logs { get; }

    public SpanStore Store => _host.Services.GetRequiredService<SpanStore>();

    public static async Task<ApiTestHost> StartAsync(
        Action<IEndpointRouteBuilder>? map = null,
        string environment = "Development",
        Action<IServiceCollection>? services = null)
    {
        var logs = new RecordingLoggerProvider();
        var host = new HostBuilder()
            .UseEnvironment(environment)
            .ConfigureLogging(b => b.AddProvider(logs))
            .ConfigureWebHost(web => web
                .UseTestServer()
                .ConfigureServices(s =>
                {
                    s.AddRouting();
                    s.AddSpanStore();
                    s.AddAuthentication(TestAuthHandler.SchemeName).AddScheme<AuthenticationSchemeOptions, TestAuthHandler>(TestAuthHandler.SchemeName, null);
                    s.AddAuthorization(o => o.AddPolicy(Policy, p => p.RequireRole("reader")));
                    services?.Invoke(s);
                })
                .Configure(app =>
                {
                    app.UseRouting();
                    app.UseAuthentication();
                    app.UseAuthorization();
                    app.UseEndpoints(e => (map ?? (static e => e.MapTracingApi()))(e));
                }))
            .Build();
        await host.StartAsync();
        return new ApiTestHost(host, logs);
    }

    public async Task<(int Status, JsonElement Body)> GetJsonAsync(string path)
    {
        using var response = await Client.GetAsync(new Uri(path, UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        var body = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        return ((int)response.StatusCode, body);
    }

    /// <summary>Sends a GET the way a server that reports the raw request target (Kestrel) hands it to the app, which
    /// TestServer does not do: the path decoded except <c>%2F</c>, and <see cref="IHttpRequestFeature.RawTarget"/> as
    /// sent. <paramref name="path"/>, when given, is the path the app sees instead (as after a rewrite).</summary>
    public async Task<(int Status, JsonElement Body)> GetJsonWithRawTargetAsync(string rawTarget, string? path = null)
    {
        var queryAt = rawTarget.IndexOf('?', StringComparison.Ordinal);
        var context = await _host.GetTestServer().SendAsync(c =>
        {
            c.Request.Method = HttpMethods.Get;
            c.Request.Path = PathString.FromUriComponent(path ?? (queryAt < 0 ? rawTarget : rawTarget[..queryAt]));
            c.Request.QueryString = queryAt < 0 ? QueryString.Empty : new QueryString(rawTarget[queryAt..]);
            c.Features.Get<IHttpRequestFeature>()!.RawTarget = rawTarget;
        });
        using var reader = new StreamReader(context.Response.Body);
        var text = await reader.ReadToEndAsync();
        var body = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        return (context.Response.StatusCode, body);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _host.StopAsync();
        _host.Dispose();
    }

    private sealed class TestAuthHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        public const string SchemeName = "Test";

        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            if (!Request.Headers.TryGetValue(UserHeader, out var user))
            {
                return Task.FromResult(AuthenticateResult.NoResult());
            }

            var claims = new List<Claim> { new(ClaimTypes.Name, user.ToString()) };
            if (Request.Headers.TryGetValue(RoleHeader, out var role))
            {
                claims.Add(new Claim(ClaimTypes.Role, role.ToString()));
            }

            var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
        }
    }
}
