using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Http;
using Propagation.Collector;
using Propagation.Collector.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using Propagation.Middleware.Internal;
using Propagation.Middleware.Tests.Infrastructure;
using Propagation.Testing;

namespace Propagation.Middleware.Tests;

public sealed class TraceHeadersHandlerTests
{
    private const string Client = TracingService.ClientSourceName;

    [Fact]
    public async Task SendAsync_UnderCallerSpan_StartsChildClientSpanAndInjectsItsIds()
    {
        // Arrange
        using var source = NewSource();
        using var listener = new TestListener("/none", source.Name, Client);
        var recorder = new RecordingHandler();
        using var provider = CreateProvider(recorder);
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("test");

        // Act
        using (var parent = source.StartActivity("caller"))
        {
            parent!.AddBaggage("tenant", "acme");
            using var response = await client.GetAsync("https://internal.example:8443/items?token=abc");
        }

        // Assert
        var span = Assert.Single(listener.From(Client));
        var caller = Assert.Single(listener.From(source.Name));
        Assert.Equal(ActivityKind.Client, span.Kind);
        Assert.Equal(caller.SpanId, span.ParentSpanId);
        Assert.Equal("GET", span.GetTagItem("http.request.method"));
        Assert.Equal("internal.example", span.GetTagItem("server.address"));
        Assert.Equal(8443, span.GetTagItem("server.port"));
        Assert.Equal("https://internal.example:8443/items?token=REDACTED", span.GetTagItem("url.full"));
        Assert.Equal(200, span.GetTagItem("http.response.status_code"));
        Assert.Null(span.GetTagItem("http.request.resend_count"));
        var sent = Assert.Single(recorder.Sent);
        Assert.Equal($"00-{span.TraceId.ToHexString()}-{span.SpanId.ToHexString()}-01", Assert.Single(sent["traceparent"]));
        Assert.Equal(span.TraceId.ToHexString(), Assert.Single(sent["X-Trace-ID"]));
        Assert.Equal(span.SpanId.ToHexString(), Assert.Single(sent["X-Span-ID"]));
        Assert.Equal("tenant=acme", Assert.Single(sent["baggage"]));
    }

    [Theory]
    [InlineData(null, "GET", "GET", null, "GET")]
    [InlineData(null, "QUERY", "QUERY", null, "QUERY")]
    [InlineData(null, "get", "GET", "get", "GET")]
    [InlineData(null, "Patch", "PATCH", "Patch", "PATCH")]
    [InlineData(null, "PURGE", "_OTHER", "PURGE", "HTTP")]
    [InlineData(null, "query2", "_OTHER", "query2", "HTTP")]
    [InlineData("GET,PURGE", "PURGE", "PURGE", null, "PURGE")]
    [InlineData("GET,PURGE", "GET", "GET", null, "GET")]
    [InlineData("GET,PURGE", "POST", "_OTHER", "POST", "HTTP")]
    [InlineData("GET,PURGE", "get", "_OTHER", "get", "HTTP")]
    public async Task SendAsync_Method_KnownCanonicalOthersAsOtherWithOriginalAndSpanNameHttp(string? knownMethods, string sent, string method, string? original, string name)
    {
        // Arrange: HTTP semantic conventions, as on the server span. With the default list (null), a known method by its
        // canonical name, the original when it differs; any other as _OTHER, and the span named HTTP. A configured
        // list fully overrides the default one and is case-sensitive.
        using var source = NewSource();
        using var listener = new TestListener("/none", source.Name, Client);
        using var provider = CreateProvider(new RecordingHandler(), configure: TestHosts.KnownMethods(knownMethods));
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("test");

        // Act
        using (source.StartActivity("caller"))
        {
            using var request = new HttpRequestMessage(new HttpMethod(sent), "https://internal.example/items");
            using var response = await client.SendAsync(request);
        }

        // Assert
        var span = Assert.Single(listener.From(Client));
        Assert.Equal(method, span.GetTagItem("http.request.method"));
        Assert.Equal(original, span.GetTagItem("http.request.method_original"));
        Assert.Equal(name, span.DisplayName);
    }

    [Theory]
    [InlineData(null, "1.1")]
    [InlineData("1.0", "1.0")]
    [InlineData("2.0", "2")]
    [InlineData("3.0", "3")]
    public async Task SendAsync_ResponseVersion_NetworkProtocolVersionAsTheConventionsWriteIt(string? version, string expected)
    {
        // Arrange: network.protocol.version is the response's HTTP version as "1.1", "2", "3" (not "HTTP/2", not "2.0").
        using var source = NewSource();
        using var listener = new TestListener("/none", source.Name, Client);
        using var provider = CreateProvider(new RecordingHandler { ResponseVersion = version is null ? null : Version.Parse(version) });
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("test");

        // Act
        using (source.StartActivity("caller"))
        {
            using var response = await client.GetAsync("https://internal.example/items");
        }

        // Assert
        var span = Assert.Single(listener.From(Client));
        Assert.Equal(expected, span.GetTagItem("network.protocol.version"));
    }

    [Theory]
    [InlineData("https://user:pass@internal.example/items?token=abc", "https://internal.example/items?token=REDACTED")]
    [InlineData("https://user@internal.example:8443/items", "https://internal.example:8443/items")]
    [InlineData("https://internal.example/items#access_token=abc", "https://internal.example/items")]
    [InlineData("https://hooks.example/notify?c2VjcmV0LWFwaS1rZXktMTIzNDU2Nzg5MA==", "https://hooks.example/notify?REDACTED")]
    [InlineData("https://hooks.example/notify?page=2&c2VjcmV0LWFwaS1rZXktMTIzNDU2Nzg5MDE=", "https://hooks.example/notify?page=REDACTED&REDACTED")]
    public async Task SendAsync_UriCarryingCredentials_UrlFullHasNoneOfThem(string address, string expected)
    {
        // Arrange: url.full MUST NOT carry credentials; the fragment is not sent and may carry a token; a standard base64
        // API key appended as the whole query keeps its '=' padding unescaped (Uri does not escape it), which must not
        // turn the token into a parameter name that is kept.
        using var source = NewSource();
        using var listener = new TestListener("/none", source.Name, Client);
        using var provider = CreateProvider(new RecordingHandler());
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("test");

        // Act
        using (source.StartActivity("caller"))
        {
            using var response = await client.GetAsync(address);
        }

        // Assert
        var span = Assert.Single(listener.From(Client));
        Assert.Equal(expected, span.GetTagItem("url.full"));
    }

    [Theory]
    [InlineData(100_000, 2048)]
    [InlineData(2018, 2048)]
    [InlineData(10, 40)]
    public async Task SendAsync_LongPath_UrlFullsAddressAndPathCutAt2048CharactersQueryStillRedacted(int segmentLength, int expectedLength)
    {
        // Arrange: the app builds the URI, often from inbound data (a proxy's path); "https://internal.example:8443/"
        // is 30 characters.
        using var source = NewSource();
        using var listener = new TestListener("/none", source.Name, Client);
        using var provider = CreateProvider(new RecordingHandler());
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("test");
        var address = "https://internal.example:8443/" + new string('p', segmentLength);

        // Act
        using (source.StartActivity("caller"))
        {
            using var response = await client.GetAsync(address + "?token=abc");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // Assert
        var span = Assert.Single(listener.From(Client));
        Assert.Equal(address[..expectedLength] + "?token=REDACTED", span.GetTagItem("url.full"));
    }

    [Theory]
    [InlineData(253, true)]
    [InlineData(254, false)]
    [InlineData(5000, false)]
    public async Task SendAsync_HostLongerThanAHostName_NoServerAddressOrPortAsOnTheServerSpan(int hostLength, bool recorded)
    {
        // Arrange: the app builds the URI, at times from inbound data (a tenant's subdomain); Uri accepts a DNS name of
        // any length. Labels of 60 characters, joined by dots, then ".example".
        using var source = NewSource();
        using var listener = new TestListener("/none", source.Name, Client);
        using var provider = CreateProvider(new RecordingHandler());
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("test");
        var labels = string.Join(".", Enumerable.Repeat(new string('a', 60), hostLength / 61 + 1));
        var host = labels[..(hostLength - ".example".Length)].TrimEnd('.') + ".example";

        // Act
        using (source.StartActivity("caller"))
        {
            using var response = await client.GetAsync($"http://{host}:8080/");
        }

        // Assert: as the server span's, from a Host no longer than a host name (HeaderRules.MaxHostLength) or none.
        var span = Assert.Single(listener.From(Client));
        Assert.Equal(hostLength, host.Length);
        Assert.Equal(recorded ? host : null, span.GetTagItem("server.address"));
        Assert.Equal(recorded ? 8080 : null, span.GetTagItem("server.port"));
        Assert.NotNull(span.GetTagItem("url.full"));
    }

    [Theory]
    [InlineData("http://[::1]:8080/items", "::1", 8080, "http://[::1]:8080/items")]
    [InlineData("https://[2001:DB8::1]/items", "2001:db8::1", 443, "https://[2001:db8::1]/items")]
    [InlineData("http://127.0.0.1:8080/items", "127.0.0.1", 8080, "http://127.0.0.1:8080/items")]
    public async Task SendAsync_IPv6Host_ServerAddressIsTheAddressWithoutBracketsAsHttpClientRecordsIt(string address, string expected, int port, string url)
    {
        // Arrange: a request to an IP address names it as server.address; an IPv6 one is written in brackets only in the URI.
        using var source = NewSource();
        using var listener = new TestListener("/none", source.Name, Client);
        using var sampler = new CreationTagSampler(Client);
        var seen = sampler.Seen;
        using var provider = CreateProvider(new RecordingHandler());
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("test");

        // Act
        using (var caller = source.StartActivity("caller")!)
        {
            sampler.Trace = caller.TraceId;
            using var response = await client.GetAsync(new Uri(address));
        }

        // Assert: the address as the sampler and the span see it (System.Net.Http's activity and metrics record "::1"); the
        // URL keeps the brackets a URL needs.
        var span = Assert.Single(listener.From(Client));
        var tags = Assert.Single(seen).ToDictionary(t => t.Key, t => t.Value);
        Assert.Equal(expected, span.GetTagItem("server.address"));
        Assert.Equal(expected, tags["server.address"]);
        Assert.Equal(port, span.GetTagItem("server.port"));
        Assert.Equal(url, span.GetTagItem("url.full"));
    }

    [Theory]
    [InlineData("unix://host/items", null)]
    [InlineData("unix://host:7000/items", 7000)]
    [InlineData("http://host/items", 80)]
    public async Task SendAsync_SchemeWithoutDefaultPort_ServerPortOnlyWhenThereIsOne(string address, int? port)
    {
        // Arrange: a custom primary handler may take any scheme; Uri.Port is -1 for one without a default port and none
        // written, which is no port (as on the gRPC call span).
        using var source = NewSource();
        using var listener = new TestListener("/none", source.Name, Client);
        using var sampler = new CreationTagSampler(Client);
        var seen = sampler.Seen;
        using var provider = CreateProvider(new RecordingHandler());
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("test");

        // Act
        using (var caller = source.StartActivity("caller")!)
        {
            sampler.Trace = caller.TraceId;
            using var response = await client.GetAsync(address);
        }

        // Assert
        var span = Assert.Single(listener.From(Client));
        var tags = Assert.Single(seen).ToDictionary(t => t.Key, t => t.Value);
        Assert.Equal("host", span.GetTagItem("server.address"));
        Assert.Equal(port, span.GetTagItem("server.port"));
        Assert.Equal(port, tags.GetValueOrDefault("server.port"));
        Assert.Equal(port is null ? 2 : 3, tags.Count);
    }

    [Fact]
    public async Task SendAsync_CallerOverridesItsParentsBaggage_SendsTheKeyOnceWithTheCallersValue()
    {
        // Arrange
        using var source = NewSource();
        using var listener = new TestListener("/none", source.Name, Client);
        var recorder = new RecordingHandler();
        using var provider = CreateProvider(recorder);
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("test");

        // Act
        using (var parent = source.StartActivity("parent"))
        {
            parent!.AddBaggage("k", "old");
            parent.AddBaggage("tenant", "acme");
            using var caller = source.StartActivity("caller");
            caller!.AddBaggage("k", "new");
            using var response = await client.GetAsync("https://internal.example/items");
        }

        // Assert
        var sent = Assert.Single(recorder.Sent);
        Assert.Equal("k=new,tenant=acme", Assert.Single(sent["baggage"]));
    }

    [Fact]
    public async Task SendAsync_SamplerSeesMethodAndServerAttributesAtCreation()
    {
        // Arrange: a sampler that keeps the creation tags of the client spans started under this test's caller.
        using var source = NewSource();
        using var listener = new TestListener("/none", source.Name, Client);
        using var sampler = new CreationTagSampler(Client);
        var seen = sampler.Seen;
        var recorder = new RecordingHandler();
        using var provider = CreateProvider(recorder);
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("test");

        // Act
        using (var caller = source.StartActivity("caller")!)
        {
            sampler.Trace = caller.TraceId;
            using var response = await client.PostAsync("https://internal.example:8443/items", content: null);
        }

        // Assert
        var tags = Assert.Single(seen).ToDictionary(t => t.Key, t => t.Value);
        Assert.Equal("POST", tags["http.request.method"]);
        Assert.Equal("internal.example", tags["server.address"]);
        Assert.Equal(8443, tags["server.port"]);
        Assert.Equal(3, tags.Count);
    }

    [Theory]
    [InlineData(ActivityKind.Client, false)]
    [InlineData(ActivityKind.Internal, true)]
    public async Task SendAsync_UnderGrpcInterceptorSpan_StartsNoSecondClientSpan(ActivityKind kind, bool expectSpan)
    {
        // Arrange: a span as the gRPC client interceptor makes it current (its source, client kind).
        using var grpc = new ActivitySource(GrpcCallSpans.SourceName);
        using var grpcListener = new ActivityListener
        {
            ShouldListenTo = s => ReferenceEquals(s, grpc),
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(grpcListener);
        using var listener = new TestListener("/none", Client);
        var recorder = new RecordingHandler();
        using var provider = CreateProvider(recorder);
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("test");

        // Act
        using (var call = grpc.StartActivity("pkg.Service/Method", kind))
        {
            listener.Accept(call!.TraceId);
            using var response = await client.GetAsync("https://internal.example/pkg.Service/Method");
        }

        // Assert
        Assert.Equal(expectSpan, listener.From(Client).Count == 1);
        Assert.Single(recorder.Sent);
    }

    [Theory]
    [InlineData("http://grpc.example:5005/pkg.Service/Method", true)]
    [InlineData("http://grpc.example:5005/base/pkg.Service/Method", true)] // a channel address with a path base
    [InlineData("http://grpc.example:5005/pkg.Service/Other", false)]
    [InlineData("http://grpc.example:5005/pkg.Service/MethodX", false)]
    [InlineData("http://grpc.example:5005/xpkg.Service/Method", false)]
    [InlineData("http://grpc.example:5005/pkg.Service/Method/", false)]
    [InlineData("http://grpc.example:5005/?next=/pkg.Service/Method", false)]
    [InlineData("http://pkg.Service/Method", false)] // the name as the authority
    [InlineData("https://token.example/oauth/token", false)]
    public async Task SendAsync_UnderGrpcSpan_OnlyTheCallsOwnPathIsTakenForTheCall(string url, bool isCall)
    {
        // Arrange: the interceptor's span of pkg.Service/Method is current.
        using var grpc = new GrpcCallSource(recorded: true);
        using var listener = new TestListener("/none", Client);
        var recorder = new RecordingHandler();
        using var provider = CreateProvider(recorder);
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("test");

        // Act
        var call = grpc.StartCall();
        using (call)
        {
            listener.Accept(call.TraceId);
            using var response = await client.GetAsync(url);
        }

        // Assert: the call's own request gets no span and no header; any other request is an HTTP call of its own.
        var sent = Assert.Single(recorder.Sent);
        Assert.Equal(isCall, listener.From(Client).Count == 0);
        Assert.Equal(isCall, !sent.ContainsKey("traceparent"));
        Assert.Equal(isCall ? "grpc.example" : null, call.GetTagItem("server.address"));
    }

    [Theory]
    [InlineData("http://grpc.example:5005/pkg.Service/Method", true)]
    [InlineData("https://token.example/oauth/token", false)]
    public async Task SendAsync_GrpcNetClientsOwnActivityUnderTheGrpcSpan_TakenAsTheCall(string url, bool isCall)
    {
        // Arrange: grpc-dotnet's channel makes its own activity for each call, a child of the current one (the
        // interceptor's span), current while it sends the call's request.
        using var grpc = new GrpcCallSource(recorded: true);
        using var listener = new TestListener("/none", Client);
        var recorder = new RecordingHandler();
        using var provider = CreateProvider(recorder);
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("test");

        // Act
        var call = grpc.StartCall();
        using (call)
        {
            listener.Accept(call.TraceId);
            using var channels = new Activity(GrpcCallSpans.GrpcNetClientActivityName).Start();
            using var response = await client.GetAsync(url);
        }

        // Assert: the call's request is the call's (no span, the address on the call's span); another is its own.
        var sent = Assert.Single(recorder.Sent);
        Assert.Equal(isCall, listener.From(Client).Count == 0);
        Assert.Equal(isCall, !sent.ContainsKey("traceparent"));
        Assert.Equal(isCall ? "grpc.example" : null, call.GetTagItem("server.address"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SendAsync_OtherRequestUnderGrpcNetClientsActivity_SpanIsAChildOfTheCallsSpan(bool sync)
    {
        // Arrange: a token fetch from CallCredentials (or an auth handler) while grpc-dotnet's per-call activity, which
        // no pipeline exports, is current under the interceptor's span.
        using var grpc = new GrpcCallSource(recorded: true);
        using var listener = new TestListener("/none", Client);
        var recorder = new RecordingHandler();
        using var provider = CreateProvider(recorder);
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("test");

        // Act
        var call = grpc.StartCall();
        using (call)
        {
            listener.Accept(call.TraceId);
            using var channels = new Activity(GrpcCallSpans.GrpcNetClientActivityName).Start();
            using var request = new HttpRequestMessage(HttpMethod.Post, "https://token.example/oauth/token");
            using var response = sync ? client.Send(request) : await client.SendAsync(request);
            Assert.Same(channels, Activity.Current);
        }

        // Assert: the span's parent is the call's span, never the unexported activity; its context is what was sent.
        var span = Assert.Single(listener.From(Client));
        Assert.Same(call, span.Parent);
        Assert.Equal(call.SpanId, span.ParentSpanId);
        Assert.Equal($"00-{span.TraceId.ToHexString()}-{span.SpanId.ToHexString()}-01", Assert.Single(Assert.Single(recorder.Sent)["traceparent"]));
    }

    [Fact]
    public async Task SendAsync_OtherRequestInsideTheGrpcCall_GetsItsOwnChildSpanAndHeadersAndLeavesTheCallsAddress()
    {
        // Arrange: inside the call's flow another client fetches a token (a CallCredentials or an auth handler does
        // this) before the call's own request goes out.
        using var grpc = new GrpcCallSource(recorded: true);
        using var listener = new TestListener("/none", Client);
        var recorder = new RecordingHandler();
        using var provider = CreateProvider(recorder);
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("test");

        // Act
        var call = grpc.StartCall();
        using (call)
        {
            listener.Accept(call.TraceId);
            using var token = await client.PostAsync("https://token.example:8443/oauth/token", content: null);
            Assert.Same(call, Activity.Current);
            using var own = await client.PostAsync("http://grpc.example:5005/pkg.Service/Method", content: null);
        }

        // Assert: the token request has its own client span under the call's span and carries that span's context.
        var span = Assert.Single(listener.From(Client));
        Assert.Equal(call.SpanId, span.ParentSpanId);
        Assert.Equal("token.example", span.GetTagItem("server.address"));
        var sent = recorder.Sent.ToArray();
        Assert.Equal(2, sent.Length);
        Assert.Equal($"00-{span.TraceId.ToHexString()}-{span.SpanId.ToHexString()}-01", Assert.Single(sent[0]["traceparent"]));
        Assert.False(sent[1].ContainsKey("traceparent"));

        // The call's span keeps the channel's address, once.
        Assert.Equal("grpc.example", Assert.Single(call.TagObjects, t => t.Key == "server.address").Value);
        Assert.Equal(5005, Assert.Single(call.TagObjects, t => t.Key == "server.port").Value);
    }

    [Theory]
    [InlineData("https://grpc.example/pkg.Service/Method", "grpc.example", 443)]
    [InlineData("http://grpc.example/pkg.Service/Method", "grpc.example", 80)]
    [InlineData("http://127.0.0.1:5005/pkg.Service/Method", "127.0.0.1", 5005)]
    [InlineData("http://[::1]:5005/pkg.Service/Method", "::1", 5005)]
    public async Task SendAsync_UnderRecordedGrpcSpanWithoutHost_AddsServerAddressAndPortOfTheUri(string url, string address, int port)
    {
        // Arrange: the interceptor's span of a call that named no host (as generated clients do).
        using var grpc = new GrpcCallSource(recorded: true);
        var recorder = new RecordingHandler();
        using var provider = CreateProvider(recorder);
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("test");

        // Act
        var call = grpc.StartCall();
        using (call)
        {
            using var response = await client.GetAsync(url);
        }

        // Assert: the channel's address, the scheme's default port when it names none; no peer.service unless configured.
        Assert.Equal(address, call.GetTagItem("server.address"));
        Assert.Equal(port, call.GetTagItem("server.port"));
        Assert.Null(call.GetTagItem("peer.service"));
    }

    [Theory]
    [InlineData(7000)]
    [InlineData(null)]
    public async Task SendAsync_GrpcSpanWithAddressFromTheCallsHost_KeepsTheInterceptorsValues(int? port)
    {
        // Arrange: the interceptor set server.address (and the port, when the host named one) from the call's host.
        using var grpc = new GrpcCallSource(recorded: true);
        var recorder = new RecordingHandler();
        using var provider = CreateProvider(recorder);
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("test");
        var call = grpc.StartCall();
        call.AddTag("server.address", "named.example");
        if (port is not null)
        {
            call.AddTag("server.port", port);
        }

        // Act
        using (call)
        {
            using var response = await client.GetAsync("http://grpc.example:5005/pkg.Service/Method");
        }

        // Assert: neither replaced nor mixed with the channel's port.
        Assert.Equal("named.example", Assert.Single(call.TagObjects, t => t.Key == "server.address").Value);
        Assert.Equal(port, call.GetTagItem("server.port"));
        Assert.Equal(port is null ? 0 : 1, call.TagObjects.Count(t => t.Key == "server.port"));
    }

    [Fact]
    public async Task SendAsync_UnrecordedGrpcSpan_AddsNothing()
    {
        // Arrange: the call's span propagates context only (not sampled by anyone).
        using var grpc = new GrpcCallSource(recorded: false);
        var recorder = new RecordingHandler();
        using var provider = CreateProvider(recorder, clientOptions: o => o.PeerService = "ai");
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("test");

        // Act
        var call = grpc.StartCall();
        using (call)
        {
            using var response = await client.GetAsync("http://grpc.example:5005/pkg.Service/Method");
        }

        // Assert
        Assert.False(call.IsAllDataRequested);
        Assert.Empty(call.TagObjects);
        Assert.Single(recorder.Sent);
    }

    [Fact]
    public async Task SendAsync_GrpcSpanAndPeerService_AddsPeerServiceOnceAndStartsNoHttpSpan()
    {
        // Arrange
        using var grpc = new GrpcCallSource(recorded: true);
        using var listener = new TestListener("/none", Client);
        var recorder = new RecordingHandler();
        using var provider = CreateProvider(recorder, clientOptions: o => o.PeerService = "ai");
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("test");

        // Act: two sends under one call (as a retrying channel does).
        var call = grpc.StartCall();
        using (call)
        {
            listener.Accept(call.TraceId);
            using var first = await client.GetAsync("http://ai.example:5005/pkg.Service/Method");
            using var second = await client.GetAsync("http://ai.example:5005/pkg.Service/Method");
        }

        // Assert: each attribute once.
        Assert.Equal("ai", Assert.Single(call.TagObjects, t => t.Key == "peer.service").Value);
        Assert.Single(call.TagObjects, t => t.Key == "server.address");
        Assert.Single(call.TagObjects, t => t.Key == "server.port");
        Assert.Empty(listener.From(Client));
    }

    [Fact]
    public void SendAsync_TwoAttemptsOfOneGrpcCallAtOnce_AddEachAttributeOnce()
    {
        // Arrange: a hedging channel sends two attempts of one call at once, both under the call's span. For each of
        // many calls two threads are released together (a spinning gate, so both enter the handler within a few
        // instructions of each other) into the handler. Bounded: each wait has a time limit.
        const int Calls = 500;
        using var grpc = new GrpcCallSource(recorded: true);
        var recorder = new RecordingHandler();
        using var provider = CreateProvider(recorder, clientOptions: o => o.PeerService = "ai");
        using var invoker = new HttpMessageInvoker(provider.GetRequiredService<IHttpMessageHandlerFactory>().CreateHandler("test"), disposeHandler: false);
        var calls = new Activity[Calls];
        for (var i = 0; i < Calls; i++)
        {
            calls[i] = grpc.StartCall();
            Activity.Current = null;
        }

        var gate = new SpinGate(parties: 2, TimeSpan.FromSeconds(30));
        var failures = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        void Attempts()
        {
            try
            {
                foreach (var call in calls)
                {
                    gate.Pass();
                    Activity.Current = call;
                    using var request = new HttpRequestMessage(HttpMethod.Post, "http://ai.example:5005/pkg.Service/Method");
                    invoker.SendAsync(request, CancellationToken.None).GetAwaiter().GetResult().Dispose();
                    Activity.Current = null;
                }
            }
            catch (Exception ex)
            {
                failures.Enqueue(ex);
                gate.Abandon();
            }
        }

        // Act
        var threads = new[] { new Thread(Attempts), new Thread(Attempts) };
        foreach (var thread in threads)
        {
            thread.Start();
        }

        foreach (var thread in threads)
        {
            Assert.True(thread.Join(TimeSpan.FromSeconds(60)), "An attempt thread did not finish.");
        }

        // Assert: every call's span has each attribute once (the count of calls that do not, to show how many).
        foreach (var call in calls)
        {
            call.Stop();
        }

        Assert.Empty(failures);
        Assert.Equal(2 * Calls, recorder.Sent.Count);
        static int Count(Activity call, string key) => call.TagObjects.Count(t => t.Key == key);
        Assert.Equal(0, calls.Count(c => Count(c, "server.address") != 1 || Count(c, "server.port") != 1 || Count(c, "peer.service") != 1));
    }

    [Fact]
    public async Task SendAsync_TwoHedgedClonesSharingTheAttemptsEntryAtOnce_EachSendsFreshHeadersAndCountsOnce()
    {
        // Arrange: hedging above the handler sends a clone of the request per parallel attempt; a clone made after the
        // first attempt copies its headers and its Options, so the clones share the attempts entry. For each of many
        // requests, two threads are released together (a spinning gate) into the handler with one clone each.
        // Bounded: each wait has a time limit.
        const int Requests = 2000;
        var recorder = new RecordingHandler();
        using var provider = CreateProvider(recorder);
        using var invoker = new HttpMessageInvoker(provider.GetRequiredService<IHttpMessageHandlerFactory>().CreateHandler("test"), disposeHandler: false);
        var originals = new HttpRequestMessage[Requests];
        var clones = new HttpRequestMessage[Requests, 2];
        for (var i = 0; i < Requests; i++)
        {
            originals[i] = new HttpRequestMessage(HttpMethod.Get, "http://internal.example/hedged");
            (await invoker.SendAsync(originals[i], CancellationToken.None)).Dispose();
            for (var j = 0; j < 2; j++)
            {
                var clone = new HttpRequestMessage(HttpMethod.Get, originals[i].RequestUri);
                foreach (var header in originals[i].Headers)
                {
                    clone.Headers.TryAddWithoutValidation(header.Key, header.Value);
                }

                foreach (var option in originals[i].Options)
                {
                    clone.Options.Set(new HttpRequestOptionsKey<object?>(option.Key), option.Value);
                }

                clones[i, j] = clone;
            }
        }

        var gate = new SpinGate(parties: 2, TimeSpan.FromSeconds(30));
        var failures = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        void Attempts(int party)
        {
            try
            {
                for (var i = 0; i < Requests; i++)
                {
                    gate.Pass();
                    invoker.SendAsync(clones[i, party], CancellationToken.None).GetAwaiter().GetResult().Dispose();
                }
            }
            catch (Exception ex)
            {
                failures.Enqueue(ex);
                gate.Abandon();
            }
        }

        // Act
        var threads = new[] { new Thread(() => Attempts(0)), new Thread(() => Attempts(1)) };
        foreach (var thread in threads)
        {
            thread.Start();
        }

        foreach (var thread in threads)
        {
            Assert.True(thread.Join(TimeSpan.FromSeconds(60)), "An attempt thread did not finish.");
        }

        // Assert: no attempt failed; each request counted three attempts; each clone sent one traceparent of its own,
        // not the first attempt's (the count of requests that did not, to show how many).
        Assert.Empty(failures);
        var wrong = 0;
        for (var i = 0; i < Requests; i++)
        {
            var first = Assert.Single(originals[i].Headers.GetValues("traceparent"));
            var a = clones[i, 0].Headers.TryGetValues("traceparent", out var va) ? va.ToArray() : [];
            var b = clones[i, 1].Headers.TryGetValues("traceparent", out var vb) ? vb.ToArray() : [];
            Assert.True(originals[i].Options.TryGetValue(TraceHeadersHandler.AttemptsKey, out var state));
            if (state.Count != 3 || a.Length != 1 || b.Length != 1 || a[0] == first || b[0] == first || a[0] == b[0])
            {
                wrong++;
            }
        }

        Assert.Equal(0, wrong);
    }

    [Fact]
    public async Task RedirectGuard_HedgedCloneSharingTheAttemptsEntry_JudgesByItsOwnDestinationNotTheLastClones()
    {
        // Arrange: a hedging strategy's clones share the attempts entry (they copy the message's Options) and can go to
        // different hosts (a routing strategy). The clone to a host allowed everything is sent first, then the clone to a
        // host allowed nothing; the first is then redirected to a host allowed nothing.
        var recorder = new RecordingHandler();
        using var provider = CreateProvider(recorder, configure: o =>
        {
            o.OutboundDestinations["internal.example"] = InjectionScope.Full;
            o.OutboundDestinations["blocked.example"] = InjectionScope.None;
        });
        var service = provider.GetRequiredService<TracingService>();
        using var invoker = new HttpMessageInvoker(provider.GetRequiredService<IHttpMessageHandlerFactory>().CreateHandler("test"), disposeHandler: false);
        var shared = new TraceHeadersHandler.AttemptState();
        using var full = new HttpRequestMessage(HttpMethod.Get, "http://internal.example/hedged");
        using var none = new HttpRequestMessage(HttpMethod.Get, "http://blocked.example/hedged");
        full.Options.Set(TraceHeadersHandler.AttemptsKey, shared);
        none.Options.Set(TraceHeadersHandler.AttemptsKey, shared);
        (await invoker.SendAsync(full, CancellationToken.None)).Dispose();
        (await invoker.SendAsync(none, CancellationToken.None)).Dispose();
        Assert.True(full.Headers.Contains("traceparent"));
        Assert.False(none.Headers.Contains("traceparent"));
        var guard = RedirectScopePropagator.For(service, clientScope: null);
        Assert.NotNull(guard);

        // Act: the redirect's hop, as SocketsHttpHandler calls the guard with the message and the hop's URI.
        full.RequestUri = new Uri("http://blocked.example/landing");
        guard.Inject(null, full, null);

        // Assert: the host allowed nothing gets none of the headers injected for the first host.
        Assert.Equal(0, full.Headers.NonValidated.Count(h => h.Key is "traceparent" or "tracestate" or "baggage" or "X-Trace-ID" or "X-Span-ID"));
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("kernel", true)]
    [InlineData(null, false)]
    [InlineData("kernel", false)]
    public async Task SendAsync_PeerService_OnTheAttemptSpanFromCreationOnlyWhenConfigured(string? peer, bool absolute)
    {
        // Arrange: a sampler that keeps the creation tags of the client spans started under this test's caller.
        using var source = NewSource();
        using var listener = new TestListener("/none", source.Name, Client);
        using var sampler = new CreationTagSampler(Client);
        var seen = sampler.Seen;
        var recorder = new RecordingHandler();
        using var provider = CreateProvider(recorder, clientOptions: o => o.PeerService = peer);

        // Act: a relative URI only reaches the handler through an invoker (HttpClient makes every URI absolute).
        using var invoker = new HttpMessageInvoker(provider.GetRequiredService<IHttpMessageHandlerFactory>().CreateHandler("test"), disposeHandler: false);
        using (var caller = source.StartActivity("caller")!)
        {
            sampler.Trace = caller.TraceId;
            using var request = new HttpRequestMessage(HttpMethod.Get, absolute ? "https://kernel.example/work" : "/work");
            using var response = await invoker.SendAsync(request, CancellationToken.None);
        }

        // Assert
        var tags = Assert.Single(seen).ToDictionary(t => t.Key, t => t.Value);
        var span = Assert.Single(listener.From(Client));
        Assert.Equal(peer, tags.GetValueOrDefault("peer.service"));
        Assert.Equal(peer, span.GetTagItem("peer.service"));
        Assert.Equal((absolute ? 3 : 1) + (peer is null ? 0 : 1), tags.Count);
    }

    [Fact]
    public async Task SendAsync_RetriedByPollyAboveHandler_OneSpanAndFreshHeadersPerAttempt()
    {
        // Arrange
        using var source = NewSource();
        using var listener = new TestListener("/none", source.Name, Client);
        var recorder = new RecordingHandler(HttpStatusCode.ServiceUnavailable, HttpStatusCode.ServiceUnavailable);
        var pipeline = new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = 3,
                Delay = TimeSpan.Zero,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result?.StatusCode == HttpStatusCode.ServiceUnavailable),
            })
            .Build();
        using var provider = CreateProvider(recorder, b => b.AddHttpMessageHandler(() => new ResilienceHandler(pipeline)));
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("test");

        // Act
        HttpStatusCode status;
        using (source.StartActivity("caller"))
        {
            using var response = await client.GetAsync("http://internal.example/retry");
            status = response.StatusCode;
        }

        // Assert
        Assert.Equal(HttpStatusCode.OK, status);
        var spans = listener.From(Client);
        Assert.Equal(3, spans.Count);
        Assert.Equal(new object?[] { null, 1, 2 }, spans.Select(s => s.GetTagItem("http.request.resend_count")));
        Assert.Equal(new object?[] { 503, 503, 200 }, spans.Select(s => s.GetTagItem("http.response.status_code")));
        var sent = recorder.Sent.ToList();
        Assert.Equal(3, sent.Count);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal($"00-{spans[i].TraceId.ToHexString()}-{spans[i].SpanId.ToHexString()}-01", Assert.Single(sent[i]["traceparent"]));
            Assert.Equal(spans[i].SpanId.ToHexString(), Assert.Single(sent[i]["X-Span-ID"]));
        }

        Assert.Equal(3, spans.Select(s => s.SpanId).Distinct().Count());
    }

    [Fact]
    public async Task SendAsync_CallerSetTraceParent_KeptAndNoOtherTraceFormatAdded()
    {
        // Arrange
        using var source = NewSource();
        using var listener = new TestListener("/none", source.Name, Client);
        var recorder = new RecordingHandler();
        using var provider = CreateProvider(recorder);
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("test");
        const string Explicit = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://internal.example/");
        request.Headers.Add("traceparent", Explicit);

        // Act
        using (source.StartActivity("caller"))
        {
            using var response = await client.SendAsync(request);
        }

        // Assert
        var sent = Assert.Single(recorder.Sent);
        Assert.Equal(Explicit, Assert.Single(sent["traceparent"]));
        Assert.False(sent.ContainsKey("X-Trace-ID"));
        Assert.Single(listener.From(Client));
    }

    [Theory]
    [InlineData("X-B3-TraceId", false, false)]
    [InlineData("x-trace-id", false, false)]
    [InlineData("B3", false, false)]
    [InlineData("BAGGAGE", true, false)]
    [InlineData("X-B3-TraceId", false, true)]
    [InlineData("BAGGAGE", true, true)]
    public async Task SendAsync_CallerSetOneHeaderAmongOthers_KeptInAnyCasingOrReplacedWhenOverwriting(string name, bool baggage, bool overwrite)
    {
        // Arrange: the caller's header comes after an unrelated one.
        using var source = NewSource();
        using var listener = new TestListener("/none", source.Name, Client);
        var recorder = new RecordingHandler();
        using var provider = CreateProvider(recorder, b => { }, o => o.OverwriteCallerHeaders = overwrite);
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("test");
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://internal.example/");
        request.Headers.Add("Accept", "application/json");
        request.Headers.TryAddWithoutValidation(name, "caller-value");

        // Act
        using (var caller = source.StartActivity("caller"))
        {
            caller!.AddBaggage("tenant", "acme");
            using var response = await client.SendAsync(request);
        }

        // Assert
        var span = Assert.Single(listener.From(Client));
        var sent = Assert.Single(recorder.Sent);
        Assert.Equal("application/json", Assert.Single(sent["Accept"]));
        var traceParent = $"00-{span.TraceId.ToHexString()}-{span.SpanId.ToHexString()}-01";
        if (overwrite)
        {
            // Ours replace the caller's: the trace headers, and the baggage.
            Assert.Equal(traceParent, Assert.Single(sent["traceparent"]));
            Assert.Equal("tenant=acme", Assert.Single(sent["baggage"]));
            Assert.False(sent.TryGetValue(name, out var left) && left.Contains("caller-value"));
        }
        else if (baggage)
        {
            // The caller's baggage stands; the trace headers are still ours.
            Assert.Equal("caller-value", Assert.Single(sent["baggage"]));
            Assert.Equal(traceParent, Assert.Single(sent["traceparent"]));
        }
        else
        {
            // A caller's trace header stands and no other trace format is added beside it.
            Assert.Equal("caller-value", Assert.Single(sent[name]));
            foreach (var injected in new[] { "traceparent", "X-Trace-ID", "X-Span-ID" })
            {
                Assert.True(string.Equals(injected, name, StringComparison.OrdinalIgnoreCase) || !sent.ContainsKey(injected), injected);
            }

            Assert.Equal("tenant=acme", Assert.Single(sent["baggage"]));
        }
    }

    [Theory]
    [InlineData("TraceState", "vendor=caller")]
    [InlineData("X-B3-Sampled", "1")]
    [InlineData("x-b3-flags", "1")]
    [InlineData("b3", "0")]
    [InlineData("B3", " d ")]
    public async Task SendAsync_CallerSetOnlyTraceHeaderWithoutIds_KeptOnEveryAttemptAndOurIdsAddedBesideIt(string name, string value)
    {
        // Arrange: every format injected, and a retry above the handler (our headers replaced, the caller's kept).
        using var source = NewSource();
        using var listener = new TestListener("/none", source.Name, Client);
        var recorder = new RecordingHandler(HttpStatusCode.ServiceUnavailable);
        var pipeline = new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = 1,
                Delay = TimeSpan.Zero,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result?.StatusCode == HttpStatusCode.ServiceUnavailable),
            })
            .Build();
        using var provider = CreateProvider(
            recorder,
            b => b.AddHttpMessageHandler(() => new ResilienceHandler(pipeline)),
            o => o.Propagation.InjectFormats =
                [PropagationFormat.TraceContext, PropagationFormat.Legacy, PropagationFormat.B3, PropagationFormat.B3Single, PropagationFormat.Baggage]);
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("test");
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://internal.example/");
        request.Headers.TryAddWithoutValidation(name, value);

        // Act
        using (var caller = source.StartActivity("caller"))
        {
            caller!.TraceStateString = "ours=1";
            caller.AddBaggage("tenant", "acme");
            using var response = await client.SendAsync(request);
        }

        // Assert: the caller's header once, as set; every id-carrying header ours, from each attempt's span; the other
        // headers without ids ours too.
        var spans = listener.From(Client);
        Assert.Equal(2, spans.Count);
        Assert.Equal(2, recorder.Sent.Count);
        foreach (var (sent, span) in recorder.Sent.Zip(spans))
        {
            var traceId = span.TraceId.ToHexString();
            Assert.Equal(value, Assert.Single(sent[name]));
            Assert.Equal($"00-{traceId}-{span.SpanId.ToHexString()}-01", Assert.Single(sent["traceparent"]));
            Assert.Equal(traceId, Assert.Single(sent["X-Trace-ID"]));
            Assert.Equal(span.SpanId.ToHexString(), Assert.Single(sent["X-B3-SpanId"]));
            Assert.Equal("tenant=acme", Assert.Single(sent["baggage"]));
            foreach (var (other, ours) in new[] { ("tracestate", "ours=1"), ("X-B3-Sampled", "1"), ("b3", $"{traceId}-{span.SpanId.ToHexString()}-1") })
            {
                if (!string.Equals(other, name, StringComparison.OrdinalIgnoreCase))
                {
                    Assert.Equal(ours, Assert.Single(sent[other]));
                }
            }
        }
    }

    [Fact]
    public async Task SendAsync_OverwriteCallerHeaders_ReplacesCallerTraceParent()
    {
        // Arrange
        using var source = NewSource();
        using var listener = new TestListener("/none", source.Name, Client);
        var recorder = new RecordingHandler();
        using var provider = CreateProvider(recorder, b => { }, o => o.OverwriteCallerHeaders = true);
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("test");
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://internal.example/");
        request.Headers.Add("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");

        // Act
        using (source.StartActivity("caller"))
        {
            using var response = await client.SendAsync(request);
        }

        // Assert
        var span = Assert.Single(listener.From(Client));
        var sent = Assert.Single(recorder.Sent);
        Assert.Equal($"00-{span.TraceId.ToHexString()}-{span.SpanId.ToHexString()}-01", Assert.Single(sent["traceparent"]));
    }

    [Theory]
    [InlineData("http://api.internal.example/", "Full")]
    [InlineData("http://api.partner.example/", "TraceParentOnly")]
    [InlineData("http://blocked.example/", "None")]
    public async Task SendAsync_DestinationPolicy_SendsOnlyWhatTheHostIsAllowedAndStillRecordsSpan(string url, string expected)
    {
        // Arrange
        using var source = NewSource();
        using var listener = new TestListener("/none", source.Name, Client);
        var recorder = new RecordingHandler();
        using var provider = CreateProvider(recorder, configure: o =>
        {
            o.OutboundDestinations["*.partner.example"] = InjectionScope.TraceParentOnly;
            o.OutboundDestinations["blocked.example"] = InjectionScope.None;
        });
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("test");

        // Act
        using (var parent = source.StartActivity("caller"))
        {
            parent!.TraceStateString = "vendor=1";
            parent.AddBaggage("user", "42");
            using var response = await client.GetAsync(url);
        }

        // Assert
        var span = Assert.Single(listener.From(Client));
        var sent = Assert.Single(recorder.Sent);
        var traceHeaders = sent.Keys.Where(k => k is "traceparent" or "tracestate" or "baggage" or "X-Trace-ID" or "X-Span-ID").Order(StringComparer.Ordinal).ToArray();
        switch (expected)
        {
            case "Full":
                Assert.Equal(["X-Span-ID", "X-Trace-ID", "baggage", "traceparent", "tracestate"], traceHeaders);
                break;
            case "TraceParentOnly":
                Assert.Equal(["traceparent"], traceHeaders);
                Assert.Equal($"00-{span.TraceId.ToHexString()}-{span.SpanId.ToHexString()}-01", Assert.Single(sent["traceparent"]));
                break;
            default:
                Assert.Empty(traceHeaders);
                break;
        }
    }

    [Fact]
    public async Task SendAsync_PerClientScope_OverridesDestinationPolicy()
    {
        // Arrange
        var recorder = new RecordingHandler();
        using var provider = CreateProvider(recorder, b => { }, clientOptions: o => o.Scope = InjectionScope.None);
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("test");

        // Act
        using var response = await client.GetAsync("http://internal.example/");

        // Assert
        Assert.DoesNotContain(Assert.Single(recorder.Sent).Keys, k => k is "traceparent" or "X-Trace-ID" or "baggage");
    }

    [Fact]
    public async Task SendAsync_OutsideRequestWithoutCurrentActivity_StartsNewRootAndNeedsNoHttpContext()
    {
        // Arrange
        using var listener = new TestListener("/none", Client);
        var recorder = new RecordingHandler();
        using var provider = CreateProvider(recorder);
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("test");
        Activity.Current = null;

        // Act
        using var response = await Task.Run(() => client.GetAsync("http://internal.example/background"));

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = Assert.Single(recorder.Sent);
        var traceparent = Assert.Single(sent["traceparent"]);
        Assert.True(ActivityContext.TryParse(traceparent, null, out var context));
        Assert.NotEqual(default, context.TraceId);
        Assert.Equal(context.TraceId.ToHexString(), Assert.Single(sent["X-Trace-ID"]));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SendAsync_PrimaryHandlerThrows_RecordsExceptionAndRethrowsUntouched(bool messageThrows)
    {
        // Arrange: a transport failure, or an exception whose Message getter throws (a custom handler's own exception type
        // with a bug).
        using var source = NewSource();
        using var listener = new TestListener("/none", source.Name, Client);
        Exception thrown = messageThrows ? new MessageThrowingException() : new HttpRequestException("connection refused");
        var recorder = new RecordingHandler { Throw = thrown };
        using var provider = CreateProvider(recorder);
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("test");

        // Act
        Exception caught;
        using (source.StartActivity("caller"))
        {
            caught = await Assert.ThrowsAnyAsync<Exception>(() => client.GetAsync("http://internal.example/"));
        }

        // Assert: the attempt's span is an error of the exception's type, with its event when the exception can be read.
        Assert.Same(thrown, caught);
        var span = Assert.Single(listener.From(Client));
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal(thrown.GetType().FullName, span.GetTagItem("error.type"));
        Assert.Equal(messageThrows ? 0 : 1, span.Events.Count(e => e.Name == "exception"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task SendAsync_AddTraceHeadersInDefaultsAndOnTheClient_OneHandlerWithTheClientsOptions(bool defaults)
    {
        // Arrange: AddTraceHeaders() for every client (ConfigureHttpClientDefaults), or a first call on the client, then
        // AddTraceHeaders(o => ...) on the client to name its peer.
        using var source = NewSource();
        using var listener = new TestListener("/none", source.Name, Client);
        var recorder = new RecordingHandler();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddTracing();
        var builder = services.AddHttpClient("kernel").ConfigurePrimaryHttpMessageHandler(() => recorder);
        if (defaults)
        {
            services.ConfigureHttpClientDefaults(b => b.AddTraceHeaders());
        }
        else
        {
            builder.AddTraceHeaders();
        }

        builder.AddTraceHeaders(o => o.PeerService = "kernel");
        using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("kernel");

        // Act
        ActivitySpanId callerId;
        using (var caller = source.StartActivity("caller"))
        {
            callerId = caller!.SpanId;
            using var response = await client.GetAsync("http://kernel.example/items");
        }

        // Assert
        var span = Assert.Single(listener.From(Client));
        Assert.Equal(callerId, span.ParentSpanId);
        Assert.Equal("kernel", span.GetTagItem("peer.service"));
        Assert.Null(span.GetTagItem("http.request.resend_count"));
        var sent = Assert.Single(recorder.Sent);
        Assert.Equal($"00-{span.TraceId.ToHexString()}-{span.SpanId.ToHexString()}-01", Assert.Single(sent["traceparent"]));
    }

    [Theory]
    [InlineData("None", "kernel")]
    [InlineData("TraceParentOnly", " ")]
    [InlineData("Nothing", "kernel")]
    public async Task CreateClient_ClientOptionsFromReloadedConfiguration_KeepTheOptionsReadAtStartUp(string scope, string peer)
    {
        // Arrange: the client's options bound to a configuration section that is reloaded while the app runs, with a
        // different valid value, an invalid one or one the binder cannot read; the factory builds the client's handlers
        // again every second (the shortest lifetime it allows), so new handlers are built after the reload.
        using var source = NewSource();
        using var listener = new TestListener("/none", source.Name, Client);
        var recorder = new RecordingHandler();
        var builds = 0;
        using var host = new HostBuilder()
            .ConfigureAppConfiguration(c => c.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Clients:kernel:Scope"] = "TraceParentOnly",
                ["Clients:kernel:PeerService"] = "kernel",
            }))
            .ConfigureServices((context, services) =>
            {
                services.AddTracing();
                services.Configure<TracingPipelineOptions>(o => o.Enabled = false);
                services.Configure<TraceHeadersOptions>("kernel", context.Configuration.GetSection("Clients:kernel"));
                services.AddHttpClient("kernel")
                    .ConfigurePrimaryHttpMessageHandler(() =>
                    {
                        Interlocked.Increment(ref builds);
                        return recorder;
                    })
                    .AddTraceHeaders()
                    .SetHandlerLifetime(TimeSpan.FromSeconds(1));
            })
            .Build();
        await host.StartAsync();
        var factory = host.Services.GetRequiredService<IHttpClientFactory>();
        await SendAsync();
        var configuration = (IConfigurationRoot)host.Services.GetRequiredService<IConfiguration>();

        // Act: reload, then send until a handler built after the reload sent a request (bounded in count and time).
        configuration["Clients:kernel:Scope"] = scope;
        configuration["Clients:kernel:PeerService"] = peer;

        // An invalid value makes the reload itself throw: the options monitor that ValidateOnStart uses reads the options
        // again in its change callback. That is .NET's behaviour and not checked here; what the app's clients do next is.
        _ = Record.Exception(configuration.Reload);
        var reloadedAt = Volatile.Read(ref builds);
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < 200 && Volatile.Read(ref builds) <= reloadedAt && watch.Elapsed < TimeSpan.FromSeconds(10); i++)
        {
            await Task.Delay(50);
            await SendAsync();
        }

        await SendAsync();

        // Assert: new handlers were built, and every request still had the options read at start-up.
        Assert.True(Volatile.Read(ref builds) > reloadedAt, "no handler was built after the reload");
        Assert.All(recorder.Sent, sent =>
        {
            Assert.True(sent.ContainsKey("traceparent"));
            Assert.False(sent.ContainsKey("X-Trace-ID"));
        });
        Assert.All(listener.From(Client), span => Assert.Equal("kernel", span.GetTagItem("peer.service")));
        await host.StopAsync();

        async Task SendAsync()
        {
            var client = factory.CreateClient("kernel");
            using (source.StartActivity("caller"))
            {
                using var response = await client.GetAsync(new Uri("http://kernel.example/items"));
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task SendAsync_DefaultsAndClientsWithTheirOwnOptions_EachClientGetsItsOwnWhateverTheOrder(bool defaultsFirst)
    {
        // Arrange: AddTraceHeaders(o => ...) in ConfigureHttpClientDefaults, before or after clients with options of their
        // own (a keyed one with an odd name among them): as HttpClientFactory applies its own defaults, a client's options
        // are applied over the defaults' whatever the order of the calls; a client with none of its own gets the defaults.
        using var source = NewSource();
        using var listener = new TestListener("/none", source.Name, Client);
        const string Odd = "odd name/ü:1";
        var recorders = new Dictionary<string, RecordingHandler> { ["kernel"] = new(), ["other"] = new(), [Odd] = new() };
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddTracing(o => o.DefaultOutboundScope = InjectionScope.TraceParentOnly);
        void AddDefaults() => services.ConfigureHttpClientDefaults(b => b.AddTraceHeaders(o =>
        {
            o.PeerService = "default";
            o.Scope = InjectionScope.None;
        }));
        if (defaultsFirst)
        {
            AddDefaults();
        }

        services.AddHttpClient("kernel").ConfigurePrimaryHttpMessageHandler(() => recorders["kernel"]).AddTraceHeaders(o =>
        {
            o.PeerService = "kernel";
            o.Scope = InjectionScope.Full;
        });
        services.AddHttpClient("other").ConfigurePrimaryHttpMessageHandler(() => recorders["other"]);
        services.AddHttpClient(Odd).ConfigurePrimaryHttpMessageHandler(() => recorders[Odd]).AddTraceHeaders(o => o.Scope = InjectionScope.TraceParentOnly).AddAsKeyed();
        if (!defaultsFirst)
        {
            AddDefaults();
        }

        using var provider = services.BuildServiceProvider();
        var factory = provider.GetRequiredService<IHttpClientFactory>();

        // Act
        var spans = new Dictionary<string, Activity>();
        foreach (var name in recorders.Keys)
        {
            var client = name == Odd ? provider.GetRequiredKeyedService<HttpClient>(name) : factory.CreateClient(name);
            using (source.StartActivity("caller"))
            {
                using var response = await client.GetAsync(new Uri("http://service.example/items"));
            }

            spans[name] = listener.From(Client).Last();
        }

        // Assert
        Assert.Equal("kernel", spans["kernel"].GetTagItem("peer.service"));
        Assert.Equal(["traceparent", "X-Trace-ID", "X-Span-ID"], Assert.Single(recorders["kernel"].Sent).Keys.Order(StringComparer.Ordinal).Reverse());
        Assert.Equal("default", spans["other"].GetTagItem("peer.service"));
        Assert.Empty(Assert.Single(recorders["other"].Sent));
        Assert.Equal("default", spans[Odd].GetTagItem("peer.service"));
        Assert.Equal(["traceparent"], Assert.Single(recorders[Odd].Sent).Keys);
    }

    [Fact]
    public void CreateClient_WithoutAddTracing_ThrowsNamingTheMissingCall()
    {
        // Arrange
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddHttpClient("test").AddTraceHeaders();
        using var provider = services.BuildServiceProvider();

        // Act
        var error = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IHttpClientFactory>().CreateClient("test"));

        // Assert
        Assert.Contains("services.AddTracing()", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CreateClient_InvalidPeerService_ThrowsNamingTheClientAndTheOption()
    {
        // Arrange: no host, so nothing validated at start-up; the client's options are validated when it is created.
        using var provider = CreateProvider(new RecordingHandler(), clientOptions: o => o.PeerService = " ");

        // Act
        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IHttpClientFactory>().CreateClient("test"));

        // Assert
        Assert.Contains("TraceHeadersOptions.PeerService of HttpClient 'test' is blank", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_InvalidPeerService_HostDoesNotStart()
    {
        // Arrange
        using var host = new HostBuilder()
            .ConfigureServices(services =>
            {
                services.AddTracing();
                services.AddHttpClient("kernel").AddTraceHeaders(o => o.PeerService = "kernel\n");
            })
            .Build();

        // Act
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        // Assert
        Assert.Contains("TraceHeadersOptions.PeerService of HttpClient 'kernel' 'kernel?' contains control characters", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CreateClient_SharedSocketsHandlerAlreadyUsed_WarnsThatItCouldNotBeAdjusted(bool addedTwice)
    {
        // Arrange: a SocketsHttpHandler shared between clients, its settings frozen by a first request.
        using var frozen = await FrozenSocketsHandler.CreateAsync();
        var shared = frozen.Handler;

        var logs = new RecordingLoggerProvider();
        var services = new ServiceCollection();
        services.AddLogging(l => l.AddProvider(logs));
        services.AddTracing();
        var builder = services.AddHttpClient("shared").ConfigurePrimaryHttpMessageHandler(() => shared).AddTraceHeaders();
        if (addedTwice)
        {
            builder.AddTraceHeaders(o => o.PeerService = "shared");
        }

        using var provider = services.BuildServiceProvider();

        // Act
        _ = provider.GetRequiredService<IHttpClientFactory>().CreateClient("shared");

        // Assert: once (AddTraceHeaders twice still adjusts the client once); the warning names the client and the handler, and does not tell the app to use the type it uses.
        var entry = Assert.Single(logs.Entries, e => e.EventId.Id == 1005);
        Assert.Equal(LogLevel.Warning, entry.Level);
        Assert.Contains("'shared'", entry.Message, StringComparison.Ordinal);
        Assert.Contains(typeof(SocketsHttpHandler).FullName!, entry.Message, StringComparison.Ordinal);
        Assert.Contains("could not be adjusted", entry.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("use SocketsHttpHandler or HttpClientHandler as the primary handler", entry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateHandler_UnadjustableHandlerBuiltAgain_WarnsOncePerClientName()
    {
        // Arrange: a shared SocketsHttpHandler frozen by a request; two clients use it. The factory builds a
        // client's handler again each time the previous one's HandlerLifetime ends: build each client's three times.
        using var frozen = await FrozenSocketsHandler.CreateAsync();
        var shared = frozen.Handler;

        var logs = new RecordingLoggerProvider();
        var services = new ServiceCollection();
        services.AddLogging(l => l.AddProvider(logs));
        services.AddTracing();
        services.AddHttpClient("one").ConfigurePrimaryHttpMessageHandler(() => shared).AddTraceHeaders();
        services.AddHttpClient("two").ConfigurePrimaryHttpMessageHandler(() => shared).AddTraceHeaders();
        using var provider = services.BuildServiceProvider();
        var factoryOptions = provider.GetRequiredService<IOptionsMonitor<HttpClientFactoryOptions>>();

        // Act: what the factory does on each rotation (a new builder, the client's actions, Build).
        for (var round = 0; round < 3; round++)
        {
            foreach (var name in new[] { "one", "two" })
            {
                var builder = provider.GetRequiredService<HttpMessageHandlerBuilder>();
                builder.Name = name;
                foreach (var action in factoryOptions.Get(name).HttpMessageHandlerBuilderActions)
                {
                    action(builder);
                }

                _ = builder.Build();
            }
        }

        // Assert: one warning per client name, not one per handler built.
        var warnings = logs.Entries.Where(e => e.EventId.Id == 1005 && e.Category == "Propagation.Middleware.Tracing").ToList();
        Assert.Equal(2, warnings.Count);
        Assert.Single(warnings, e => e.Message.Contains("'one'", StringComparison.Ordinal));
        Assert.Single(warnings, e => e.Message.Contains("'two'", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CreateClient_SharedSocketsHandlerAlreadyAdjustedForAnotherClient_NoWarning(bool hostRules)
    {
        // Arrange: two clients share one SocketsHttpHandler (MeterFactory set, as the factory's logging filter needs). The
        // first client built turns its diagnostics off (hostRules: sets the redirect guard); a request (to a closed
        // loopback port) then freezes its settings before the second client is built.
        using var meters = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var shared = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(5),
            MeterFactory = meters.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(),
        };
        var logs = new RecordingLoggerProvider();
        var services = new ServiceCollection();
        services.AddLogging(l => l.AddProvider(logs));
        services.AddTracing(o =>
        {
            if (hostRules)
            {
                o.OutboundDestinations["partner.example"] = InjectionScope.None;
            }
        });
        services.AddHttpClient("first").ConfigurePrimaryHttpMessageHandler(() => shared).AddTraceHeaders();
        services.AddHttpClient("second").ConfigurePrimaryHttpMessageHandler(() => shared).AddTraceHeaders();
        using var provider = services.BuildServiceProvider();
        var factory = provider.GetRequiredService<IHttpClientFactory>();
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => factory.CreateClient("first").GetAsync("http://127.0.0.1:9/"));
        var adjusted = shared.ActivityHeadersPropagator;

        // Act
        _ = factory.CreateClient("second");

        // Assert: the handler already is as the second client needs it: nothing to adjust, nothing to warn about.
        Assert.Equal(hostRules, adjusted is RedirectScopePropagator);
        Assert.Same(adjusted, shared.ActivityHeadersPropagator);
        Assert.DoesNotContain(logs.Entries, e => e.EventId.Id == 1005);
    }

    [Theory]
    [InlineData("default")]
    [InlineData("sockets")]
    public async Task SendAsync_RealSocketsWithSystemNetHttpListener_ExactlyOneClientSpanAndPolicyNoneSendsNothing(string primary)
    {
        // Arrange
        using var source = NewSource();
        using var listener = new TestListener("/none", source.Name, Client, "System.Net.Http");
        var received = new System.Collections.Concurrent.ConcurrentQueue<IHeaderDictionary>();
        using var server = await StartKestrelAsync(received);
        var address = server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddTracing();
        IHttpClientBuilder Add(string name)
        {
            var builder = services.AddHttpClient(name);
            if (primary == "sockets")
            {
                builder.ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler());
            }

            return builder;
        }

        Add("traced").AddTraceHeaders();
        Add("blocked").AddTraceHeaders(o => o.Scope = InjectionScope.None);
        Add("plain");
        using var provider = services.BuildServiceProvider();
        var factory = provider.GetRequiredService<IHttpClientFactory>();

        // Act
        ActivityTraceId tracedTrace;
        using (var root = source.StartActivity("traced"))
        {
            tracedTrace = root!.TraceId;
            using var first = await factory.CreateClient("traced").GetAsync(address + "/a");
            using var none = await factory.CreateClient("blocked").GetAsync(address + "/none");
        }

        ActivityTraceId plainTrace;
        using (var root = source.StartActivity("plain"))
        {
            plainTrace = root!.TraceId;
            using var control = await factory.CreateClient("plain").GetAsync(address + "/control");
        }

        // Assert
        var traced = listener.Stopped.Where(a => a.TraceId == tracedTrace && a.Kind == ActivityKind.Client).ToList();
        Assert.Equal(2, traced.Count);
        Assert.All(traced, a => Assert.Equal(Client, a.Source.Name));
        Assert.Contains(listener.Stopped, a => a.TraceId == plainTrace && a.Source.Name == "System.Net.Http");
        var requests = received.ToList();
        Assert.Equal(3, requests.Count);
        Assert.Equal($"00-{tracedTrace.ToHexString()}-{traced[0].SpanId.ToHexString()}-01", requests[0]["traceparent"].ToString());
        Assert.Single(requests[0]["traceparent"]);
        foreach (var name in new[] { "traceparent", "tracestate", "baggage", "Request-Id", "Correlation-Context", "X-Trace-ID" })
        {
            Assert.False(requests[1].ContainsKey(name), name);
        }
    }

    [Theory]
    [InlineData("default", InjectionScope.None, "", false)]
    [InlineData("sockets", InjectionScope.None, "", false)]
    [InlineData("default", InjectionScope.TraceParentOnly, "traceparent", false)]
    [InlineData("sockets", InjectionScope.TraceParentOnly, "traceparent", false)]
    [InlineData("default", InjectionScope.None, "", true)]
    [InlineData("default", InjectionScope.TraceParentOnly, "traceparent", true)]
    public async Task SendAsync_RedirectToHostWithNarrowerScope_RedirectedHopGetsOnlyWhatThatHostMay(
        string primary, InjectionScope scope, string expected, bool unlistedHosts)
    {
        // Arrange: 127.0.0.1 gets full context; "localhost" (the same server) gets less, and is reached only by a redirect.
        // It gets less as a listed host, or (unlistedHosts) as every host but 127.0.0.1, through the "*" rule.
        using var source = NewSource();
        using var listener = new TestListener("/none", source.Name, Client, "System.Net.Http");
        var received = new System.Collections.Concurrent.ConcurrentQueue<IHeaderDictionary>();
        using var server = await StartKestrelAsync(received);
        var address = TestHosts.KestrelAddress(server);
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddTracing(o =>
        {
            if (unlistedHosts)
            {
                o.OutboundDestinations["*"] = scope;
                o.OutboundDestinations["127.0.0.1"] = InjectionScope.Full;
            }
            else
            {
                o.OutboundDestinations["localhost"] = scope;
            }
        });
        var builder = services.AddHttpClient("traced");
        if (primary == "sockets")
        {
            builder.ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler());
        }

        builder.AddTraceHeaders();
        using var provider = services.BuildServiceProvider();
        var target = $"http://localhost:{address.Port}/sink";

        // Act
        ActivityTraceId traceId;
        using (var root = source.StartActivity("redirected"))
        {
            root!.AddBaggage("user", "alice");
            root.TraceStateString = "vendor=1";
            traceId = root.TraceId;
            using var response = await provider.GetRequiredService<IHttpClientFactory>().CreateClient("traced")
                .GetAsync($"http://127.0.0.1:{address.Port}/hop?to={Uri.EscapeDataString(target)}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // Assert
        var requests = received.ToList();
        Assert.Equal(["/hop", "/sink"], requests.Select(r => r[":path"].ToString()));
        // One recorded client span: HttpClient's own activity of each hop is marked not recorded (an OpenTelemetry
        // tracer provider drops it), since the redirect guard is the primary handler's propagator.
        var span = Assert.Single(listener.Stopped, a => a.TraceId == traceId && a.Kind == ActivityKind.Client && a.Recorded);
        Assert.Equal(Client, span.Source.Name);
        Assert.All(
            listener.Stopped.Where(a => a.TraceId == traceId && a.Source.Name == "System.Net.Http"),
            a => Assert.False(a.IsAllDataRequested));
        Assert.Equal($"00-{traceId.ToHexString()}-{span.SpanId.ToHexString()}-01", requests[0]["traceparent"].ToString());
        Assert.True(requests[0].ContainsKey("baggage"));
        Assert.True(requests[0].ContainsKey("X-Trace-ID"));
        string[] sent = [.. new[] { "traceparent", "tracestate", "baggage", "X-Trace-ID", "X-Span-ID" }.Where(requests[1].ContainsKey)];
        Assert.Equal(expected.Length == 0 ? [] : expected.Split(','), sent);
        if (sent.Length > 0)
        {
            Assert.Equal(requests[0]["traceparent"].ToString(), requests[1]["traceparent"].ToString());
        }
    }

    [Fact]
    public async Task SendAsync_PlainFactoryClient_HttpClientsOwnActivityInjectsTheAppsFormatsAndPolicy()
    {
        // Arrange: a client without AddTraceHeaders; HttpClient's own activity injects through its primary handler.
        using var source = NewSource();
        using var listener = new TestListener("/none", source.Name, "System.Net.Http");
        var received = new System.Collections.Concurrent.ConcurrentQueue<IHeaderDictionary>();
        using var server = await StartKestrelAsync(received);
        var port = TestHosts.KestrelAddress(server).Port;
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddTracing(o => o.OutboundDestinations["localhost"] = InjectionScope.None);
        services.AddHttpClient("plain");
        using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("plain");

        // Act
        ActivityTraceId traceId;
        using (var root = source.StartActivity("plain"))
        {
            traceId = root!.TraceId;
            using var allowed = await client.GetAsync($"http://127.0.0.1:{port}/allowed");
            using var blocked = await client.GetAsync($"http://localhost:{port}/blocked");
        }

        // Assert: the app's formats (the legacy pair beside W3C, which the process-wide default does not write), and
        // nothing for the host whose policy is None.
        var requests = received.ToList();
        Assert.Equal(["/allowed", "/blocked"], requests.Select(r => r[":path"].ToString()));
        var own = listener.Stopped.Where(a => a.TraceId == traceId && a.Source.Name == "System.Net.Http").ToList();
        Assert.Equal(2, own.Count);
        Assert.Equal($"00-{traceId.ToHexString()}-{own[0].SpanId.ToHexString()}-01", requests[0]["traceparent"].ToString());
        Assert.Equal(traceId.ToHexString(), requests[0]["X-Trace-ID"].ToString());
        Assert.Equal(own[0].SpanId.ToHexString(), requests[0]["X-Span-ID"].ToString());
        foreach (var name in new[] { "traceparent", "tracestate", "baggage", "Request-Id", "X-Trace-ID", "X-Span-ID" })
        {
            Assert.False(requests[1].ContainsKey(name), name);
        }
    }

    private static ActivitySource NewSource() => new("Tests." + Guid.NewGuid().ToString("N"));

    /// <summary>Spans as the gRPC client interceptor makes them (its source, client kind), sampled by this instance alone.</summary>
    private sealed class GrpcCallSource : IDisposable
    {
        private readonly ActivitySource _source = new(GrpcCallSpans.SourceName);
        private readonly ActivityListener _listener;

        public GrpcCallSource(bool recorded)
        {
            var result = recorded ? ActivitySamplingResult.AllDataAndRecorded : ActivitySamplingResult.PropagationData;
            _listener = new ActivityListener
            {
                ShouldListenTo = s => ReferenceEquals(s, _source),
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => result,
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public Activity StartCall() =>
            _source.StartActivity("pkg.Service/Method", ActivityKind.Client) ?? throw new InvalidOperationException("The call span was not created.");

        public void Dispose()
        {
            _listener.Dispose();
            _source.Dispose();
        }
    }

    private static ServiceProvider CreateProvider(
        RecordingHandler recorder,
        Action<IHttpClientBuilder>? before = null,
        Action<TracingOptions>? configure = null,
        Action<TraceHeadersOptions>? clientOptions = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddTracing(configure ?? (_ => { }));
        var builder = services.AddHttpClient("test").ConfigurePrimaryHttpMessageHandler(() => recorder);
        before?.Invoke(builder);
        if (clientOptions is null)
        {
            builder.AddTraceHeaders();
        }
        else
        {
            builder.AddTraceHeaders(clientOptions);
        }

        return services.BuildServiceProvider();
    }

    private static async Task<IHost> StartKestrelAsync(System.Collections.Concurrent.ConcurrentQueue<IHeaderDictionary> received)
    {
        var host = new HostBuilder()
            .ConfigureWebHost(web => web
                .UseKestrel(o => o.Listen(IPAddress.Loopback, 0))
                .Configure(app => app.Run(c =>
                {
                    var headers = new HeaderDictionary(c.Request.Headers.ToDictionary(h => h.Key, h => h.Value, StringComparer.OrdinalIgnoreCase))
                    {
                        [":path"] = c.Request.Path.Value,
                    };
                    received.Enqueue(headers);
                    if (c.Request.Path == "/hop")
                    {
                        // A redirect to the address in the query: the primary handler follows it with the same message.
                        c.Response.Redirect(c.Request.Query["to"].ToString());
                    }

                    return Task.CompletedTask;
                })))
            .Build();
        await host.StartAsync();
        return host;
    }

    /// <summary>
    /// Releases its parties together, round after round: each spins (no sleep, no blocking) until all have arrived, so
    /// they leave within a few instructions of each other. A party waiting longer than the time limit throws; a party
    /// that fails abandons the gate, which then lets the others through.
    /// </summary>
    private sealed class SpinGate(int parties, TimeSpan limit)
    {
        private readonly ThreadLocal<long> _round = new(() => 0);
        private long _arrived;
        private volatile bool _abandoned;

        public void Pass()
        {
            var round = ++_round.Value;
            Interlocked.Increment(ref _arrived);
            var watch = Stopwatch.StartNew();
            var spins = 0;
            while (Volatile.Read(ref _arrived) < round * parties && !_abandoned)
            {
                if ((++spins & 1023) == 0)
                {
                    if (watch.Elapsed > limit)
                    {
                        throw new TimeoutException("The other party did not arrive.");
                    }

                    // The other party may not be running (more threads than cores): let it.
                    Thread.Yield();
                }

                Thread.SpinWait(1);
            }
        }

        public void Abandon() => _abandoned = true;
    }

    /// <summary>A sampler of <paramref name="sourceName"/>'s spans that keeps the creation tags of those started under
    /// the trace set in <see cref="Trace"/> (other tests' spans are ignored) and records nothing.</summary>
    private sealed class CreationTagSampler : IDisposable
    {
        private readonly ActivityListener _listener;

        public CreationTagSampler(string sourceName)
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = s => s.Name == sourceName,
                Sample = (ref ActivityCreationOptions<ActivityContext> options) =>
                {
                    // Only this test's trace: another test's client span also has its own thread's current activity
                    // as parent, so "the parent is current" alone would keep spans of tests running in parallel.
                    if (Trace is { } trace && options.Parent.TraceId == trace)
                    {
                        lock (Seen)
                        {
                            Seen.Add(options.Tags?.ToArray() ?? []);
                        }
                    }

                    return ActivitySamplingResult.None;
                },
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public List<KeyValuePair<string, object?>[]> Seen { get; } = [];

        /// <summary>Gets or sets the trace whose client spans are kept; none are kept until it is set.</summary>
        public ActivityTraceId? Trace { get; set; }

        public void Dispose() => _listener.Dispose();
    }

    /// <summary>
    /// A <see cref="SocketsHttpHandler"/> whose settings are frozen by a first request (to a closed loopback port), so
    /// its diagnostics can no longer be turned off. Its MeterFactory is set beforehand: otherwise the factory's own
    /// logging filter fails setting it, before the tracing step runs.
    /// </summary>
    private sealed class FrozenSocketsHandler : IDisposable
    {
        private readonly ServiceProvider _meters;

        private FrozenSocketsHandler(ServiceProvider meters, SocketsHttpHandler handler)
        {
            _meters = meters;
            Handler = handler;
        }

        public SocketsHttpHandler Handler { get; }

        public static async Task<FrozenSocketsHandler> CreateAsync()
        {
            var meters = new ServiceCollection().AddMetrics().BuildServiceProvider();
            var handler = new SocketsHttpHandler
            {
                ConnectTimeout = TimeSpan.FromSeconds(5),
                MeterFactory = meters.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(),
            };
            using (var invoker = new HttpMessageInvoker(handler, disposeHandler: false))
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "http://127.0.0.1:9/");
                await Assert.ThrowsAnyAsync<HttpRequestException>(() => invoker.SendAsync(request, CancellationToken.None));
            }

            return new FrozenSocketsHandler(meters, handler);
        }

        public void Dispose()
        {
            Handler.Dispose();
            _meters.Dispose();
        }
    }
}
