#!/usr/bin/python3
"""gRPC interop server for Grpc.Compat client tests, using Debian's python3-grpcio.

Serves compat.test.TestService (tests/Grpc.Compat.Tests/Protos/test.proto) with grpcio's generic
handlers and a small hand-written protobuf codec, so no generated Python code is needed.
Prints "PORT <n>" once listening on 127.0.0.1 (OS-picked port) and "EVENT <name>" lines for
things the tests wait for. Exits when stdin closes or after a hard time limit.
"""

import sys
import threading
import time
from concurrent import futures

import grpc

HARD_LIMIT_SECONDS = 300


# --- minimal protobuf wire codec for EchoRequest / EchoReply ---------------------------------

def _read_varint(data, pos):
    result = 0
    shift = 0
    while True:
        if pos >= len(data) or shift > 63:
            raise ValueError("bad varint")
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7


def _write_varint(value):
    if value < 0:
        value += 1 << 64
    out = bytearray()
    while True:
        b = value & 0x7F
        value >>= 7
        if value:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def decode_request(data):
    """EchoRequest: 1 text, 2 payload, 3 count, 4 delay_ms, 5 fail_with_status."""
    msg = {"text": "", "payload": b"", "count": 0, "delay_ms": 0, "fail_with_status": 0}
    pos = 0
    while pos < len(data):
        key, pos = _read_varint(data, pos)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _read_varint(data, pos)
            if field == 3:
                msg["count"] = value
            elif field == 4:
                msg["delay_ms"] = value
            elif field == 5:
                msg["fail_with_status"] = value
        elif wire == 2:
            length, pos = _read_varint(data, pos)
            value = data[pos:pos + length]
            pos += length
            if field == 1:
                msg["text"] = value.decode("utf-8")
            elif field == 2:
                msg["payload"] = bytes(value)
        else:
            raise ValueError("unsupported wire type %d" % wire)
    return msg


def encode_reply(reply):
    """EchoReply: 1 text, 2 payload, 3 index."""
    out = bytearray()
    text = reply.get("text", "").encode("utf-8")
    if text:
        out += b"\x0a" + _write_varint(len(text)) + text
    payload = reply.get("payload", b"")
    if payload:
        out += b"\x12" + _write_varint(len(payload)) + payload
    index = reply.get("index", 0)
    if index:
        out += b"\x18" + _write_varint(index)
    return bytes(out)


# --- service -----------------------------------------------------------------------------------

def event(name):
    print("EVENT " + name, flush=True)


def status_code(number):
    for code in grpc.StatusCode:
        if code.value[0] == number:
            return code
    return grpc.StatusCode.UNKNOWN


def echo_metadata(context):
    """Sends every custom request header back as 'echo-<key>' initial metadata (binary stays binary)."""
    echoed = []
    for key, value in context.invocation_metadata():
        if key.startswith("x-"):
            echoed.append(("echo-" + key, value))
    remaining = context.time_remaining()
    if remaining is not None:
        echoed.append(("x-deadline-ms", str(int(remaining * 1000))))
    context.send_initial_metadata(echoed)


def watch(context, name):
    """Prints 'EVENT <name>-ended-early' when the call terminates before the handler finished
    (client cancellation, deadline, connection loss); returns the flag the handler sets when done."""
    state = {"done": False}

    def on_terminated():
        if not state["done"]:
            event(name + "-ended-early")

    context.add_callback(on_terminated)
    return state


def wait_while_active(context, delay_ms):
    """Waits delay_ms unless the call ends first (deadline or cancellation)."""
    end = time.monotonic() + delay_ms / 1000.0
    while time.monotonic() < end:
        if not context.is_active():
            return False
        time.sleep(0.01)
    return True


def maybe_fail(context, request, state):
    if request["fail_with_status"]:
        state["done"] = True
        context.set_trailing_metadata([("x-failure", "yes")])
        context.abort(status_code(request["fail_with_status"]), "failed: " + request["text"])


def unary(request, context):
    state = watch(context, "unary")
    echo_metadata(context)
    if request["delay_ms"] and not wait_while_active(context, request["delay_ms"]):
        return {}
    maybe_fail(context, request, state)
    context.set_trailing_metadata([("x-trailer", "unary-done")])
    state["done"] = True
    return {"text": request["text"], "payload": request["payload"]}


def server_stream(request, context):
    state = watch(context, "server-stream")
    echo_metadata(context)
    for i in range(min(request["count"], 1000)):
        if request["delay_ms"] and not wait_while_active(context, request["delay_ms"]):
            return
        yield {"text": request["text"], "index": i}
    if request["text"] == "server-cancels":
        # The server gives up on the call (gRPC Core sends a CANCELLED status): the client sees CANCELLED.
        state["done"] = True
        context.cancel()
        return
    maybe_fail(context, request, state)
    context.set_trailing_metadata([("x-trailer", "stream-done")])
    state["done"] = True


def client_stream(request_iterator, context):
    state = watch(context, "client-stream")
    echo_metadata(context)
    texts = []
    for request in request_iterator:
        texts.append(request["text"])
        if len(texts) >= 1000:
            break
    state["done"] = True
    return {"text": ",".join(texts), "index": len(texts)}


def duplex(request_iterator, context):
    state = watch(context, "duplex")
    echo_metadata(context)
    index = 0
    for request in request_iterator:
        maybe_fail(context, request, state)
        yield {"text": request["text"], "index": index}
        index += 1
        if index >= 1000:
            break
    state["done"] = True


def main():
    handlers = {
        "Unary": grpc.unary_unary_rpc_method_handler(unary, request_deserializer=decode_request, response_serializer=encode_reply),
        "ServerStream": grpc.unary_stream_rpc_method_handler(server_stream, request_deserializer=decode_request, response_serializer=encode_reply),
        "ClientStream": grpc.stream_unary_rpc_method_handler(client_stream, request_deserializer=decode_request, response_serializer=encode_reply),
        "Duplex": grpc.stream_stream_rpc_method_handler(duplex, request_deserializer=decode_request, response_serializer=encode_reply),
    }
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler("compat.test.TestService", handlers),))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print("PORT %d" % port, flush=True)

    # Stop when the test closes stdin (or kills us), and never outlive the hard limit.
    stopper = threading.Thread(target=lambda: (sys.stdin.read(), server.stop(0)), daemon=True)
    stopper.start()
    server.wait_for_termination(timeout=HARD_LIMIT_SECONDS)
    server.stop(0)


if __name__ == "__main__":
    main()
