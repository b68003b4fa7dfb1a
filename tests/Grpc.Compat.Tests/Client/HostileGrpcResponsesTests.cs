using System.Globalization;
using Google.Protobuf;
using Grpc.Compat.Tests.Client.Infrastructure;
using Grpc.Compat.Tests.Infrastructure;
using Grpc.Compat.Tests.Protos;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Http;

namespace Grpc.Compat.Tests.Client;

/// <summary>
/// Seeded random hostile responses to the client: any HTTP status, content type, encoding, leading or trailing
/// <c>grpc-status</c> (valid, out of range, not a number, missing), status message and metadata (controls, non-ASCII,
/// invalid keys and base64), and frames valid or broken. Every unary and server-streaming call ends with the replies
/// the response carried and the status gRPC prescribes for it, as an <see cref="RpcException"/>, never another
/// exception and never a hang; the metadata handed to the caller holds only valid entries.
/// </summary>
public sealed class HostileGrpcResponsesTests
{
    private const int Calls = 300;
    private const int MaxReceiveMessageSize = 4096;
    private const string Marker = HostileWire.Marker;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Call_RandomHostileResponses_EndWithPrescribedStatusAndOnlyValidMetadata(int seed)
    {
        // Arrange
        var random = new Random(seed);
        HostileResponse? current = null;
        await using var server = await WireTestServer.StartAsync(async context =>
        {
            await context.Request.Body.CopyToAsync(Stream.Null);
            await current!.WriteAsync(context);
        });
        using var channel = server.CreateChannel(new GrpcChannelOptions { MaxReceiveMessageSize = MaxReceiveMessageSize });
        var client = new TestService.TestServiceClient(channel);
        var outcomes = new HashSet<StatusCode>();

        for (var i = 0; i < Calls; i++)
        {
            var streaming = random.Next(2) == 0;
            current = HostileResponse.Create(random, streaming);
            var where = $"seed {seed}, call {i}: {current.Description}";
            var deadline = DateTime.UtcNow.AddSeconds(30);
            var clock = System.Diagnostics.Stopwatch.StartNew();

            // Act
            var replies = new List<EchoReply>();
            RpcException? failure = null;
            try
            {
                if (streaming)
                {
                    using var call = client.ServerStream(new EchoRequest { Text = "s" }, deadline: deadline);
                    while (await call.ResponseStream.MoveNext(CancellationToken.None))
                    {
                        replies.Add(call.ResponseStream.Current);
                    }
                }
                else
                {
                    replies.Add(await client.UnaryAsync(new EchoRequest { Text = "u" }, deadline: deadline));
                }
            }
            catch (RpcException ex)
            {
                failure = ex;
            }

            // Assert: anything but an RpcException fails the test by escaping.
            var expected = current.Expected;
            outcomes.Add(expected.Status);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"{where}: the call waited {clock.Elapsed}");
            Assert.True((failure?.StatusCode ?? StatusCode.OK) == expected.Status, $"{where}: ended {failure?.StatusCode.ToString() ?? "OK"}, expected {expected.Status}");
            Assert.Equal(expected.Replies, replies.Select(r => r.Index));
            if (failure is not null)
            {
                AssertValid(failure.Trailers, where);
            }
        }

        // Both ends of the generator are reached: successes, and each kind of failure.
        Assert.Superset(
            new HashSet<StatusCode> { StatusCode.OK, StatusCode.Cancelled, StatusCode.Unknown, StatusCode.Internal, StatusCode.Unimplemented, StatusCode.ResourceExhausted, StatusCode.Unavailable },
            outcomes);
    }

    /// <summary>Metadata given to the caller holds only valid entries: lowercase keys, visible ASCII text values.</summary>
    private static void AssertValid(Metadata metadata, string where)
    {
        foreach (var entry in metadata)
        {
            Assert.True(entry.Key.Length > 0 && entry.Key.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_' or '.'), $"{where}: metadata key");
            if (!entry.IsBinary)
            {
                Assert.True(HostileWire.IsVisibleAscii(entry.Value), $"{where}: metadata value of {entry.Key}");
            }
        }
    }

    /// <summary>What the call must end with: the reply indexes received, then the status.</summary>
    private sealed record Outcome(StatusCode Status, int[] Replies);

    /// <summary>One generated response and the outcome gRPC prescribes for it.</summary>
    private sealed class HostileResponse
    {
        private static readonly int[] ErrorHttpStatuses = [400, 401, 403, 404, 429, 500, 502, 503, 504, 302, 418];
        private static readonly string?[] BadContentTypes = [null, "text/html", "application/grpcx", "application/json; " + Marker];
        private static readonly string[] BadStatusTexts = ["abc", "-1", "1.0", "17", "99999999999", "0x0", Marker, "\u0661"];
        private static readonly string[] MetadataNames = ["x-a", "X-Upper", "x-" + Marker, "data-bin", "grpc-foo", "x\u00e9", "x y"];

        private int _httpStatus = StatusCodes.Status200OK;
        private string? _contentType = "application/grpc";
        private readonly List<KeyValuePair<string, string>> _headers = [];
        private readonly List<KeyValuePair<string, string>> _trailers = [];
        private byte[] _body = [];

        private HostileResponse(string description, Outcome expected)
        {
            Description = description;
            Expected = expected;
        }

        public string Description { get; private set; }

        public Outcome Expected { get; private set; }

        public static HostileResponse Create(Random random, bool streaming)
        {
            var response = new HostileResponse(streaming ? "server streaming" : "unary", new Outcome(StatusCode.OK, []));
            response.Generate(random, streaming);
            return response;
        }

        public async Task WriteAsync(HttpContext context)
        {
            var response = context.Response;
            response.StatusCode = _httpStatus;
            response.ContentType = _contentType;
            foreach (var (name, value) in _headers)
            {
                response.Headers.Append(name, value);
            }

            if (_body.Length > 0)
            {
                await response.Body.WriteAsync(_body);
            }

            foreach (var (name, value) in _trailers)
            {
                response.AppendTrailer(name, value);
            }
        }

        private void Generate(Random random, bool streaming)
        {
            // Metadata and a status message, hostile in every response.
            for (var n = random.Next(4); n > 0; n--)
            {
                _headers.Add(new(Pick(random, MetadataNames), HostileWire.Text(random, allowLong: true)));
            }

            for (var n = random.Next(4); n > 0; n--)
            {
                _trailers.Add(new(Pick(random, MetadataNames), HostileWire.Text(random, allowLong: true)));
            }

            var message = new KeyValuePair<string, string>("grpc-message", HostileWire.Text(random, allowLong: true));

            // The response line and headers: each may decide the outcome before any frame is read.
            if (random.Next(8) == 0)
            {
                _httpStatus = Pick(random, ErrorHttpStatuses);
                Describe($"HTTP {_httpStatus}");
            }

            if (random.Next(8) == 0)
            {
                var (text, code) = StatusText(random);
                _headers.Add(new("grpc-status", text));
                _headers.Add(message);
                Describe($"leading grpc-status '{Printable(text)}'");
                End(code == StatusCode.OK && !streaming ? StatusCode.Internal : code, []);
                return;
            }

            if (_httpStatus != StatusCodes.Status200OK)
            {
                End(HttpToGrpc(_httpStatus), []);
                return;
            }

            if (random.Next(12) == 0)
            {
                _contentType = Pick(random, BadContentTypes);
                Describe("content type not gRPC");
                End(StatusCode.Cancelled, []);
                return;
            }

            if (random.Next(12) == 0)
            {
                var encoding = Pick(random, new[] { "gzip", "identity,gzip", Marker, "deflate" });
                _headers.Add(new("grpc-encoding", encoding));
                Describe("encoding not identity");
                End(StatusCode.Unimplemented, []);
                return;
            }

            // The frames: valid replies, then maybe one defect.
            var valid = random.Next(streaming ? 4 : 3);
            var body = new List<byte>();
            for (var index = 0; index < valid; index++)
            {
                body.AddRange(GrpcFrames.Frame(new EchoReply { Text = Marker, Index = index, Payload = ByteString.CopyFrom(HostileWire.Bytes(random, random.Next(64))) }));
            }

            var replies = Enumerable.Range(0, valid).ToArray();
            Describe($"{valid} valid frames");
            StatusCode? bodyStatus = null;
            if (!streaming && valid == 2)
            {
                bodyStatus = StatusCode.Internal;
                replies = [];
            }
            else if (random.Next(3) == 0)
            {
                var kind = random.Next(6);
                Describe($"defect {kind}");
                var payload = new EchoReply { Index = 7 }.ToByteArray();
                (byte[] frame, bodyStatus) = kind switch
                {
                    0 => (GrpcFrames.Frame(HostileWire.NotProtobuf(random)), StatusCode.Internal),
                    1 => (GrpcFrames.Frame(payload, flags: 1), StatusCode.Internal),
                    2 => (GrpcFrames.Frame(payload, flags: (byte)random.Next(2, 256)), StatusCode.Internal),
                    3 => (GrpcFrames.Frame(payload, declaredLength: (uint)random.NextInt64(MaxReceiveMessageSize + 1, uint.MaxValue + 1L)), StatusCode.ResourceExhausted),
                    4 => (GrpcFrames.Frame(payload, declaredLength: (uint)(payload.Length + 1 + random.Next(64))), StatusCode.Internal),
                    _ => (HostileWire.Bytes(random, 1 + random.Next(4)), StatusCode.Internal),
                };
                body.AddRange(frame);
                if (!streaming)
                {
                    replies = [];
                }
            }

            _body = [.. body];
            var (trailerText, trailerCode) = random.Next(6) switch
            {
                0 => (null, StatusCode.Cancelled),
                1 => StatusText(random),
                _ => ("0", StatusCode.OK),
            };
            if (trailerText is not null)
            {
                _trailers.Add(new("grpc-status", trailerText));
                _trailers.Add(message);
                Describe($"grpc-status '{Printable(trailerText)}'");
            }
            else
            {
                Describe("no grpc-status");
            }

            var status = bodyStatus ?? (trailerCode == StatusCode.OK && !streaming && valid == 0 ? StatusCode.Internal : trailerCode);
            End(status, !streaming && status != StatusCode.OK ? [] : replies);
        }

        private void Describe(string part) => Description += ", " + part;

        private void End(StatusCode status, int[] replies) => Expected = new Outcome(status, replies);

        /// <summary>
        /// A <c>grpc-status</c> value and the code it means: a defined code, or text that is Unknown. (Not an empty value:
        /// TestServer drops empty headers before the client sees them.)
        /// </summary>
        private static (string Text, StatusCode Code) StatusText(Random random)
        {
            if (random.Next(2) == 0)
            {
                var code = random.Next(17);
                return (code.ToString(CultureInfo.InvariantCulture), (StatusCode)code);
            }

            return (Pick(random, BadStatusTexts), StatusCode.Unknown);
        }

        /// <summary>
        /// No grpc-status and a non-200 response: the status the HTTP status maps to. The spec's table written out as the oracle,
        /// on purpose not a call to <c>GrpcHttpStatus</c>, which is under test.
        /// </summary>
        private static StatusCode HttpToGrpc(int status) => status switch
        {
            400 => StatusCode.Internal,
            401 => StatusCode.Unauthenticated,
            403 => StatusCode.PermissionDenied,
            404 => StatusCode.Unimplemented,
            429 or 502 or 503 or 504 => StatusCode.Unavailable,
            _ => StatusCode.Unknown,
        };

        private static string Printable(string text) => HostileWire.IsVisibleAscii(text) ? text : "(not printable)";

        private static T Pick<T>(Random random, T[] values) => values[random.Next(values.Length)];
    }
}
