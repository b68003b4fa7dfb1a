"""Interop client: Debian's python3-grpcio calling our ASP.NET Core gRPC server.

Usage: /usr/bin/python3 python_interop_client.py PORT

Runs each check against compat.test.TestService on 127.0.0.1:PORT and prints one line per check,
"PASS <name>" or "FAIL <name>: <reason>", then "DONE <passed> <failed>". Exit code 0 only when every
check passed. Protobuf messages are encoded by hand (no generated Python code, no protoc).
Every call carries a timeout so the script always ends.
"""

import queue
import sys
import traceback

import grpc

SERVICE = "/compat.test.TestService/"
CALL_TIMEOUT = 10.0


# --- protobuf wire format (varint and length-delimited fields only) ---------------------------

def _varint(value):
    out = bytearray()
    value &= 0xFFFFFFFFFFFFFFFF
    while True:
        bits = value & 0x7F
        value >>= 7
        if value:
            out.append(bits | 0x80)
        else:
            out.append(bits)
            return bytes(out)


def _read_varint(data, pos):
    result = shift = 0
    while True:
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7


def encode_request(text="", payload=b"", count=0, delay_ms=0, fail_with_status=0):
    """EchoRequest: text=1 (string), payload=2 (bytes), count=3, delay_ms=4, fail_with_status=5 (int32)."""
    out = bytearray()
    if text:
        raw = text.encode("utf-8")
        out += b"\x0a" + _varint(len(raw)) + raw
    if payload:
        out += b"\x12" + _varint(len(payload)) + payload
    for number, value in ((3, count), (4, delay_ms), (5, fail_with_status)):
        if value:
            out += _varint(number << 3) + _varint(value)
    return bytes(out)


def decode_reply(data):
    """EchoReply: text=1 (string), payload=2 (bytes), index=3 (int32). Unknown fields are skipped."""
    reply = {"text": "", "payload": b"", "index": 0}
    pos = 0
    while pos < len(data):
        key, pos = _read_varint(data, pos)
        number, wire_type = key >> 3, key & 7
        if wire_type == 0:
            value, pos = _read_varint(data, pos)
            if number == 3:
                reply["index"] = value
        elif wire_type == 2:
            length, pos = _read_varint(data, pos)
            value = data[pos:pos + length]
            pos += length
            if number == 1:
                reply["text"] = value.decode("utf-8")
            elif number == 2:
                reply["payload"] = bytes(value)
        else:
            raise ValueError("unexpected wire type %d" % wire_type)
    return reply


def _identity(data):
    return data


# --- checks ------------------------------------------------------------------------------------

def expect(condition, message):
    if not condition:
        raise AssertionError(message)


def check_unary_with_metadata(channel):
    call = channel.unary_unary(SERVICE + "Unary", request_serializer=_identity, response_deserializer=decode_reply)
    metadata = (("echo-text", "value 1"), ("echo-data-bin", b"\x00\x01\xff"), ("send-headers", "1"))
    reply, info = call.with_call(encode_request(text="hello", payload=b"\x09\x08"), timeout=CALL_TIMEOUT, metadata=metadata)
    expect(reply["text"] == "hello", "text %r" % reply["text"])
    expect(reply["payload"] == b"\x09\x08", "payload %r" % reply["payload"])
    initial = dict(info.initial_metadata())
    expect(initial.get("x-initial") == "1", "initial metadata %r" % (initial,))
    expect(initial.get("x-initial-bin") == b"\x00\xff", "initial binary metadata %r" % (initial,))
    trailing = dict(info.trailing_metadata())
    expect(trailing.get("echo-text") == "value 1", "trailing metadata %r" % (trailing,))
    expect(trailing.get("echo-data-bin") == b"\x00\x01\xff", "trailing binary metadata %r" % (trailing,))
    expect(info.code() == grpc.StatusCode.OK, "code %s" % info.code())


def check_server_streaming(channel):
    call = channel.unary_stream(SERVICE + "ServerStream", request_serializer=_identity, response_deserializer=decode_reply)
    replies = list(call(encode_request(text="s", count=5), timeout=CALL_TIMEOUT))
    expect([r["index"] for r in replies] == [0, 1, 2, 3, 4], "indexes %r" % [r["index"] for r in replies])
    expect(all(r["text"] == "s" for r in replies), "texts")


def check_client_streaming(channel):
    call = channel.stream_unary(SERVICE + "ClientStream", request_serializer=_identity, response_deserializer=decode_reply)
    reply = call(iter([encode_request(text=t) for t in ("a", "b", "c")]), timeout=CALL_TIMEOUT)
    expect(reply["text"] == "a,b,c", "text %r" % reply["text"])
    expect(reply["index"] == 3, "count %r" % reply["index"])


def check_duplex_interleaved(channel):
    call = channel.stream_stream(SERVICE + "Duplex", request_serializer=_identity, response_deserializer=decode_reply)
    requests = queue.Queue()

    def request_iterator():
        while True:
            item = requests.get(timeout=CALL_TIMEOUT)
            if item is None:
                return
            yield item

    responses = call(request_iterator(), timeout=CALL_TIMEOUT)
    texts = []
    for text in ("x", "y", "z"):
        requests.put(encode_request(text=text))
        reply = next(responses)  # the reply arrives before the next request is sent
        texts.append(reply["text"])
    requests.put(None)
    rest = list(responses)
    expect(texts == ["x", "y", "z"], "texts %r" % texts)
    expect(rest == [], "extra replies %r" % rest)


def check_error_status_and_trailers(channel):
    call = channel.unary_unary(SERVICE + "Unary", request_serializer=_identity, response_deserializer=decode_reply)
    try:
        call(encode_request(text="ünï 100%", fail_with_status=5), timeout=CALL_TIMEOUT)
    except grpc.RpcError as error:
        expect(error.code() == grpc.StatusCode.NOT_FOUND, "code %s" % error.code())
        expect(error.details() == "failure: ünï 100%", "details %r" % error.details())
        trailing = dict(error.trailing_metadata())
        expect(trailing.get("error-code") == "e42", "trailers %r" % (trailing,))
        expect(trailing.get("error-bin") == b"\x01\x02\x03", "binary trailer %r" % (trailing,))
        return
    raise AssertionError("no error")


def check_unknown_error_hides_exception(channel):
    call = channel.unary_unary(SERVICE + "Unary", request_serializer=_identity, response_deserializer=decode_reply)
    try:
        call(encode_request(text="throw"), timeout=CALL_TIMEOUT)
    except grpc.RpcError as error:
        expect(error.code() == grpc.StatusCode.UNKNOWN, "code %s" % error.code())
        expect(error.details() == "Exception was thrown by handler.", "details %r" % error.details())
        return
    raise AssertionError("no error")


def check_streaming_error_after_messages(channel):
    call = channel.unary_stream(SERVICE + "ServerStream", request_serializer=_identity, response_deserializer=decode_reply)
    received = []
    try:
        for reply in call(encode_request(text="e", count=2, fail_with_status=10), timeout=CALL_TIMEOUT):
            received.append(reply["index"])
    except grpc.RpcError as error:
        expect(received == [0, 1], "received %r" % received)
        expect(error.code() == grpc.StatusCode.ABORTED, "code %s" % error.code())
        return
    raise AssertionError("no error")


def check_deadline_exceeded(channel):
    call = channel.unary_unary(SERVICE + "Unary", request_serializer=_identity, response_deserializer=decode_reply)
    try:
        call(encode_request(delay_ms=30000), timeout=0.3)
    except grpc.RpcError as error:
        expect(error.code() == grpc.StatusCode.DEADLINE_EXCEEDED, "code %s" % error.code())
        return
    raise AssertionError("no error")


def check_cancellation(channel):
    call = channel.unary_stream(SERVICE + "ServerStream", request_serializer=_identity, response_deserializer=decode_reply)
    responses = call(encode_request(text="c", count=1, delay_ms=30000), timeout=CALL_TIMEOUT)
    first = next(responses)
    expect(first["index"] == 0, "first %r" % first)
    responses.cancel()
    try:
        next(responses)
    except grpc.RpcError as error:
        expect(error.code() == grpc.StatusCode.CANCELLED, "code %s" % error.code())
        return
    raise AssertionError("call kept going after cancel")


def check_unimplemented_method(channel):
    call = channel.unary_unary(SERVICE + "Nope", request_serializer=_identity, response_deserializer=_identity)
    try:
        call(b"", timeout=CALL_TIMEOUT)
    except grpc.RpcError as error:
        expect(error.code() == grpc.StatusCode.UNIMPLEMENTED, "code %s" % error.code())
        return
    raise AssertionError("no error")


def check_unimplemented_service(channel):
    call = channel.unary_unary("/other.Service/Method", request_serializer=_identity, response_deserializer=_identity)
    try:
        call(b"", timeout=CALL_TIMEOUT)
    except grpc.RpcError as error:
        expect(error.code() == grpc.StatusCode.UNIMPLEMENTED, "code %s" % error.code())
        return
    raise AssertionError("no error")


def check_message_over_receive_limit(channel):
    # The test host limits received messages to 64 KB for this run.
    call = channel.unary_unary(SERVICE + "Unary", request_serializer=_identity, response_deserializer=decode_reply)
    try:
        call(encode_request(payload=b"\x00" * (128 * 1024)), timeout=CALL_TIMEOUT)
    except grpc.RpcError as error:
        expect(error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED, "code %s" % error.code())
        return
    raise AssertionError("no error")


def check_compressed_request_unimplemented(channel):
    # Our server speaks 'identity' only: a gzip request is refused with UNIMPLEMENTED (and grpc-accept-encoding).
    call = channel.unary_unary(SERVICE + "Unary", request_serializer=_identity, response_deserializer=decode_reply)
    try:
        call(encode_request(text="zip" * 100), timeout=CALL_TIMEOUT, compression=grpc.Compression.Gzip)
    except grpc.RpcError as error:
        expect(error.code() == grpc.StatusCode.UNIMPLEMENTED, "code %s" % error.code())
        return
    raise AssertionError("no error")


def check_user_agent_is_request_metadata(channel):
    # As grpc-dotnet and gRPC Core servers: user-agent reaches the service; protocol headers do not.
    call = channel.unary_unary(SERVICE + "Unary", request_serializer=_identity, response_deserializer=decode_reply)
    reply = call(encode_request(text="metadata-keys"), timeout=CALL_TIMEOUT, metadata=(("x-user", "alice"),))
    keys = sorted(reply["text"].split(","))
    expect(keys == ["user-agent", "x-user"], "keys %r" % keys)


CHECKS = [
    ("unary_with_metadata", check_unary_with_metadata),
    ("server_streaming", check_server_streaming),
    ("client_streaming", check_client_streaming),
    ("duplex_interleaved", check_duplex_interleaved),
    ("error_status_and_trailers", check_error_status_and_trailers),
    ("unknown_error_hides_exception", check_unknown_error_hides_exception),
    ("streaming_error_after_messages", check_streaming_error_after_messages),
    ("deadline_exceeded", check_deadline_exceeded),
    ("cancellation", check_cancellation),
    ("unimplemented_method", check_unimplemented_method),
    ("unimplemented_service", check_unimplemented_service),
    ("message_over_receive_limit", check_message_over_receive_limit),
    ("compressed_request_unimplemented", check_compressed_request_unimplemented),
    ("user_agent_is_request_metadata", check_user_agent_is_request_metadata),
]


def main():
    port = int(sys.argv[1])
    passed = failed = 0
    with grpc.insecure_channel("127.0.0.1:%d" % port) as channel:
        grpc.channel_ready_future(channel).result(timeout=CALL_TIMEOUT)
        for name, check in CHECKS:
            try:
                check(channel)
                print("PASS %s" % name, flush=True)
                passed += 1
            except Exception as error:  # report every failure, keep going
                detail = "".join(traceback.format_exception_only(type(error), error)).strip().replace("\n", " | ")
                print("FAIL %s: %s" % (name, detail), flush=True)
                failed += 1
    print("DONE %d %d" % (passed, failed), flush=True)
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
