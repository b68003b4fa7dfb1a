using System.Globalization;
using System.Text;
using Google.Protobuf;
using Grpc.Compat.Tests.Infrastructure;
using Grpc.Compat.Tests.Protos;
using Grpc.Compat.Tests.Server.Infrastructure;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using Propagation.Testing;

namespace Grpc.Compat.Tests.Server;

/// <summary>
/// Seeded random hostile gRPC requests against the server: any path, method, protocol, content type, encoding,
/// timeout, metadata and body (frames valid, cut short, oversized, flagged compressed or unknown, not protobuf,
/// trailing bytes, too many or too few for the call type), read in small random chunks. Every request is answered
/// with the status gRPC prescribes, never a server error, and no inbound text comes back in a header, a trailer,
/// a status message or a log line.
/// </summary>
public sealed class HostileGrpcRequestsTests
{
    private const int Requests = 300;
    private const int MaxReceiveMessageSize = 4096;
    private const string Marker = HostileWire.Marker;
    private const string Service = "compat.test.TestService";

    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task HandleCall_RandomHostileRequests_AnsweredWithPrescribedStatusNoServerErrorNoEcho(int seed)
    {
        // Arrange
        var logs = new RecordingLoggerProvider();
        await using var host = await TestGrpcHost.StartAsync(
            configureGrpc: o => o.MaxReceiveMessageSize = MaxReceiveMessageSize,
            configureServices: services => services.AddLogging(l => l.SetMinimumLevel(LogLevel.Trace).AddProvider(logs)));
        var server = host.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>() as TestServer;
        Assert.NotNull(server);
        var generator = new HostileGrpcRequest.Generator(seed);
        var reached = new HashSet<string>(StringComparer.Ordinal);

        for (var i = 0; i < Requests; i++)
        {
            var request = generator.Next();
            using var timeout = new CancellationTokenSource(RequestTimeout);

            // Act
            var context = await server.SendAsync(request.Apply, timeout.Token);

            // Assert
            var response = await HostileGrpcResponse.ReadAsync(context, timeout.Token);
            var where = $"seed {seed}, request {i}: {request.Description}";
            request.Expected.AssertMatches(response, where);
            response.AssertNoEcho(where);
            reached.Add(request.Expected.Name);
        }

        // Every kind of answer was reached, so the generator covers each rule.
        Assert.Equal(HostileGrpcRequest.Expectation.AllNames.Order(StringComparer.Ordinal), reached.Order(StringComparer.Ordinal));

        // The server's own log lines never repeat inbound text (hosting's and routing's request logs print the path).
        Assert.Contains(logs.Entries, e => e.Category.StartsWith("Grpc", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Entries, e => e.Category.StartsWith("Grpc", StringComparison.Ordinal) && e.Message.Contains(Marker, StringComparison.OrdinalIgnoreCase));
        // A payload that is not protobuf ends the call as a handler exception, logged at Error as grpc-dotnet does; no
        // other error is logged.
        Assert.DoesNotContain(logs.Entries, e => e.Level >= LogLevel.Error && e.EventId.Name != "ErrorExecutingServiceMethod");
    }

    /// <summary>One generated request and the answer gRPC prescribes for it.</summary>
    private sealed class HostileGrpcRequest
    {
        private HostileGrpcRequest(string method, string path, string protocol, string? contentType, List<KeyValuePair<string, string>> headers, byte[] body, int chunk, Expectation expected, string description)
        {
            Method = method;
            Path = path;
            Protocol = protocol;
            ContentType = contentType;
            Headers = headers;
            Body = body;
            Chunk = chunk;
            Expected = expected;
            Description = description;
        }

        public string Method { get; }

        public string Path { get; }

        public string Protocol { get; }

        public string? ContentType { get; }

        public List<KeyValuePair<string, string>> Headers { get; }

        public byte[] Body { get; }

        public int Chunk { get; }

        public Expectation Expected { get; }

        public string Description { get; }

        public void Apply(HttpContext context)
        {
            var request = context.Request;
            request.Method = Method;
            request.Path = new PathString(Path);
            request.Protocol = Protocol;
            request.ContentType = ContentType;
            foreach (var (name, value) in Headers)
            {
                request.Headers.Append(name, value);
            }

            request.Body = new ChunkedStream(Body, Chunk);
        }

        /// <summary>The answer a request must get.</summary>
        public sealed class Expectation
        {
            public static readonly Expectation NotFoundOrNotAllowed = new("404/405", [StatusCodes.Status404NotFound, StatusCodes.Status405MethodNotAllowed], null);
            public static readonly Expectation UnsupportedMediaType = new("415", [StatusCodes.Status415UnsupportedMediaType], [StatusCode.Internal]);
            public static readonly Expectation UpgradeRequired = new("426", [StatusCodes.Status426UpgradeRequired], [StatusCode.Internal]);
            public static readonly Expectation Unimplemented = new("unimplemented", [StatusCodes.Status200OK], [StatusCode.Unimplemented]);
            public static readonly Expectation NotFoundOrUnimplemented = new("404/unimplemented", [StatusCodes.Status404NotFound, StatusCodes.Status200OK], [StatusCode.Unimplemented]);
            private static readonly Expectation Failed = new("failed", [StatusCodes.Status200OK], [StatusCode.Internal, StatusCode.ResourceExhausted, StatusCode.Unimplemented, StatusCode.Unknown]);
            private static readonly Expectation FailedOrDeadline = new("failed", [StatusCodes.Status200OK], [StatusCode.Internal, StatusCode.ResourceExhausted, StatusCode.Unimplemented, StatusCode.Unknown, StatusCode.DeadlineExceeded]);

            private Expectation(string name, int[] httpStatuses, StatusCode[]? grpcStatuses, int replies = -1)
            {
                Name = name;
                HttpStatuses = httpStatuses;
                GrpcStatuses = grpcStatuses;
                Replies = replies;
            }

            public static IReadOnlyList<string> AllNames { get; } =
                [NotFoundOrNotAllowed.Name, UnsupportedMediaType.Name, UpgradeRequired.Name, Unimplemented.Name, NotFoundOrUnimplemented.Name, Failed.Name, "ok"];

            public string Name { get; }

            public int[] HttpStatuses { get; }

            /// <summary>Gets the statuses allowed when the HTTP status is 200 (or the trailers-only status of an HTTP error).</summary>
            public StatusCode[]? GrpcStatuses { get; }

            /// <summary>Gets the number of reply messages an OK call returns.</summary>
            public int Replies { get; }

            /// <summary>The call succeeds with this many replies; with a tiny deadline it may end DEADLINE_EXCEEDED instead.</summary>
            public static Expectation Ok(int replies, bool tinyDeadline) =>
                new("ok", [StatusCodes.Status200OK], tinyDeadline ? [StatusCode.OK, StatusCode.DeadlineExceeded] : [StatusCode.OK], replies);

            /// <summary>
            /// The call fails for its body (INTERNAL or RESOURCE_EXHAUSTED; UNKNOWN for a payload that is not protobuf, as
            /// grpc-dotnet; UNIMPLEMENTED kept for an unsupported encoding).
            /// </summary>
            public static Expectation Fail(bool tinyDeadline) => tinyDeadline ? FailedOrDeadline : Failed;

            public void AssertMatches(HostileGrpcResponse response, string where)
            {
                Assert.True(Array.IndexOf(HttpStatuses, response.HttpStatus) >= 0, $"{where}: HTTP {response.HttpStatus}, expected {Name}");
                if (GrpcStatuses is null)
                {
                    return;
                }

                var status = response.GrpcStatus;
                if (response.HttpStatus == StatusCodes.Status404NotFound)
                {
                    Assert.Null(status);
                    return;
                }

                Assert.True(status is { } s && Array.IndexOf(GrpcStatuses, s) >= 0, $"{where}: grpc-status {status?.ToString() ?? "missing"}, expected {Name}");
                if (status == StatusCode.OK && Replies >= 0)
                {
                    var replies = GrpcFrames.Parse(response.Body, EchoReply.Parser).Count;
                    Assert.True(replies == Replies, $"{where}: {replies} replies, expected {Replies}");
                }
            }
        }

        public sealed class Generator(int seed)
        {
            private static readonly string[] GoodContentTypes = ["application/grpc", "application/grpc+proto", "APPLICATION/GRPC", "application/grpc; charset=utf-8"];
            private static readonly string?[] BadContentTypes = [null, "", "application/json", "application/grpcx", "text/plain; " + Marker, "application/grpc-web-text" + Marker, "application\u0000grpc"];
            private static readonly string[] BadTimeouts = ["", "S", "1", "12345678901S", "-1S", "1.5S", "1s", "1x", "9" + Marker, "1S,2S", " 1S", "\u00e91S"];
            private static readonly string[] HeaderNames = ["x-custom", "X-Mixed-Case", "data-bin", "grpc-trace-bin", "authorization", "user-agent", "send-headers", "x-" + Marker, "grpc-status", "grpc-message", "te", "x\u00e9"];

            private readonly Random _random = new(seed);

            public HostileGrpcRequest Next()
            {
                var description = new StringBuilder();
                var method = Pick(20) ? Pick(["GET", "PUT", "DELETE", "post"]) : "POST";
                var target = _random.Next(10);
                var (path, type) = target switch
                {
                    < 7 => KnownMethod(),
                    7 => ("/" + Service + "/" + Pick(["Missing", Marker, "Unary2", "%0AUnary"]), (MethodType?)null),
                    8 => ("/" + Pick(["other.Service", Marker + ".Svc", "compat.test.TestService2"]) + "/Unary", null),
                    _ => (Pick(["/", "/x", "//", "/a/b/c", "/" + Marker, "/%00/%FF", "/" + Service, "/" + Service + "/Unary/extra"]), null),
                };
                description.Append(CultureInfo.InvariantCulture, $"{method} {path}");

                var goodType = !Pick(12);
                var contentType = goodType ? Pick(GoodContentTypes) : Pick(BadContentTypes);
                var protocol = Pick(12) ? Pick(["HTTP/1.1", "HTTP/1.0"]) : Pick(["HTTP/2", "HTTP/2", "HTTP/2", "HTTP/3"]);
                description.Append(CultureInfo.InvariantCulture, $", {protocol}, content type {(goodType ? "gRPC" : "other")}");

                var headers = new List<KeyValuePair<string, string>>();
                var encoding = _random.Next(20) switch
                {
                    0 => "identity",
                    1 => "gzip",
                    2 => "identity, gzip",
                    3 => Marker,
                    _ => null,
                };
                if (encoding is not null)
                {
                    headers.Add(new("grpc-encoding", encoding));
                    description.Append(", encoding set");
                }

                var tinyDeadline = false;
                switch (_random.Next(20))
                {
                    case 0 or 1 or 2:
                        headers.Add(new("grpc-timeout", "30S"));
                        break;
                    case 3 or 4 or 5 or 6:
                        headers.Add(new("grpc-timeout", Pick(BadTimeouts)));
                        description.Append(", bad timeout");
                        break;
                    case 7:
                        headers.Add(new("grpc-timeout", Pick(["0n", "1n", "1u", "1m"])));
                        tinyDeadline = true;
                        description.Append(", tiny deadline");
                        break;
                }

                for (var n = _random.Next(5); n > 0; n--)
                {
                    headers.Add(new(Pick(HeaderNames), HostileWire.Text(_random, allowLong: true)));
                }

                var (body, defect, replies) = type is { } t ? Body(t, description) : (Frame(Message(MethodType.Unary)), false, 1);
                var expected =
                    !HttpMethods.IsPost(method) ? Expectation.NotFoundOrNotAllowed
                    : type is null && !goodType ? Expectation.NotFoundOrNotAllowed
                    : type is null && target == 9 ? Expectation.NotFoundOrUnimplemented
                    : type is null ? Expectation.Unimplemented
                    : !goodType ? Expectation.UnsupportedMediaType
                    : protocol.StartsWith("HTTP/1", StringComparison.Ordinal) ? Expectation.UpgradeRequired
                    : defect ? Expectation.Fail(tinyDeadline)
                    : Expectation.Ok(replies, tinyDeadline);
                return new HostileGrpcRequest(method, path, protocol, contentType, headers, body, 1 + _random.Next(Pick(2) ? 8 : 4096), expected, description.ToString());
            }

            private (string Path, MethodType? Type) KnownMethod()
            {
                var type = Pick([MethodType.Unary, MethodType.ServerStreaming, MethodType.ClientStreaming, MethodType.DuplexStreaming]);
                var name = type switch
                {
                    MethodType.Unary => "Unary",
                    MethodType.ServerStreaming => "ServerStream",
                    MethodType.ClientStreaming => "ClientStream",
                    _ => "Duplex",
                };
                return ("/" + Service + "/" + name, type);
            }

            /// <summary>A body for a known method: valid frames, then maybe one defect.</summary>
            private (byte[] Body, bool Defect, int Replies) Body(MethodType type, StringBuilder description)
            {
                var single = type is MethodType.Unary or MethodType.ServerStreaming;
                var messages = single ? 1 : _random.Next(5);
                var frames = new List<byte[]>();
                var replies = 0;
                for (var i = 0; i < messages; i++)
                {
                    var message = Message(type);
                    frames.Add(Frame(message));
                    replies = type == MethodType.ServerStreaming ? message.Count : type == MethodType.DuplexStreaming ? replies + 1 : 1;
                }

                if (type == MethodType.ClientStreaming)
                {
                    replies = 1;
                }

                var defect = Pick(2);
                if (!defect)
                {
                    return ([.. frames.SelectMany(f => f)], false, replies);
                }

                var payload = Message(type).ToByteArray();
                var kind = _random.Next(single ? 9 : 7);
                description.Append(CultureInfo.InvariantCulture, $", defect {kind}");
                switch (kind)
                {
                    case 0:
                        frames.Add(GrpcFrames.Frame(HostileWire.NotProtobuf(_random)));
                        break;
                    case 1:
                        // A length-delimited field longer than the frame.
                        frames.Add(GrpcFrames.Frame([0x0A, 0x20, .. HostileWire.Bytes(_random, _random.Next(8))]));
                        break;
                    case 2:
                        frames.Add(GrpcFrames.Frame(payload, flags: 1));
                        break;
                    case 3:
                        frames.Add(GrpcFrames.Frame(payload, flags: (byte)_random.Next(2, 256)));
                        break;
                    case 4:
                        // Declared larger than the limit (the payload is never sent, and must never be awaited).
                        frames.Add(GrpcFrames.Frame(payload, declaredLength: (uint)_random.NextInt64(MaxReceiveMessageSize + 1, uint.MaxValue + 1L)));
                        break;
                    case 5:
                        // Declared longer than what follows: the body ends inside the frame.
                        frames.Add(GrpcFrames.Frame(payload, declaredLength: (uint)(payload.Length + 1 + _random.Next(64))));
                        break;
                    case 6:
                        // One to four bytes of a frame prefix, then the end of the body.
                        frames.Add(HostileWire.Bytes(_random, 1 + _random.Next(4)));
                        break;
                    case 7:
                        // A unary or server-streaming call with no message at all.
                        frames.Clear();
                        break;
                    default:
                        // A unary or server-streaming call with a second message.
                        frames.Add(Frame(Message(type)));
                        break;
                }

                return ([.. frames.SelectMany(f => f)], true, 0);
            }

            private EchoRequest Message(MethodType type) => new()
            {
                Text = Pick(3) ? Marker + HostileWire.Text(_random, allowLong: false) : "t" + _random.Next(1000).ToString(CultureInfo.InvariantCulture),
                Payload = ByteString.CopyFrom(HostileWire.Bytes(_random, _random.Next(Pick(10) ? MaxReceiveMessageSize - 256 : 32))),
                Count = type == MethodType.ServerStreaming ? _random.Next(4) : 0,
            };

            private static byte[] Frame(EchoRequest message) => GrpcFrames.Frame(message);

            private bool Pick(int oneIn) => _random.Next(oneIn) == 0;

            private T Pick<T>(T[] values) => values[_random.Next(values.Length)];
        }
    }

    /// <summary>What the server answered: HTTP status, headers, trailers and body.</summary>
    private sealed class HostileGrpcResponse
    {
        private HostileGrpcResponse(int httpStatus, IHeaderDictionary headers, IHeaderDictionary? trailers, byte[] body)
        {
            HttpStatus = httpStatus;
            Headers = headers;
            Trailers = trailers;
            Body = body;
        }

        public int HttpStatus { get; }

        public IHeaderDictionary Headers { get; }

        public IHeaderDictionary? Trailers { get; }

        public byte[] Body { get; }

        /// <summary>Gets the status from the trailers, or from the headers of a trailers-only response; one value, 0-16.</summary>
        public StatusCode? GrpcStatus
        {
            get
            {
                var values = Trailers is { } t && t.TryGetValue("grpc-status", out var trailing) ? trailing
                    : Headers.TryGetValue("grpc-status", out var leading) ? leading
                    : StringValues.Empty;
                if (values.Count == 0)
                {
                    return null;
                }

                var text = Assert.Single(values.ToArray());
                Assert.True(int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var code) && code is >= 0 and <= 16, "grpc-status is a code from 0 to 16");
                return (StatusCode)code;
            }
        }

        public static async Task<HostileGrpcResponse> ReadAsync(HttpContext context, CancellationToken cancellationToken)
        {
            using var body = new MemoryStream();
            await context.Response.Body.CopyToAsync(body, cancellationToken);
            var trailers = context.Features.Get<IHttpResponseTrailersFeature>()?.Trailers;
            return new HostileGrpcResponse(context.Response.StatusCode, context.Response.Headers, trailers, body.ToArray());
        }

        /// <summary>Every header and trailer is one line of visible ASCII without the marker; so is the decoded status message.</summary>
        public void AssertNoEcho(string where)
        {
            foreach (var collection in Trailers is null ? [Headers] : new[] { Headers, Trailers })
            {
                foreach (var (name, values) in collection)
                {
                    foreach (var value in values)
                    {
                        Assert.True(value is not null && HostileWire.IsVisibleAscii(value), $"{where}: {name} is visible ASCII");
                        Assert.False(value!.Contains(Marker, StringComparison.OrdinalIgnoreCase), $"{where}: {name} repeats inbound text");
                    }
                }
            }

            var message = Trailers is { } t && t.TryGetValue("grpc-message", out var m) ? m.ToString() : Headers["grpc-message"].ToString();
            Assert.DoesNotContain(Marker, Uri.UnescapeDataString(message), StringComparison.OrdinalIgnoreCase);
        }
    }

    /// <summary>A request body that hands out at most <c>chunk</c> bytes per read, so frames arrive split.</summary>
    private sealed class ChunkedStream(byte[] data, int chunk) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = Math.Min(Math.Min(chunk, buffer.Length), data.Length - _position);
            data.AsSpan(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => new(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.FromResult(Read(buffer, offset, count));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
