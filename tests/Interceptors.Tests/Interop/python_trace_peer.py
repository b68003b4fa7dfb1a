#!/usr/bin/python3
"""Trace-context interop peer for the Propagation interceptor tests (Debian python3-grpcio).

  server            Serves /propagation.test.TraceTestService/Unary with grpcio generic handlers on
                    127.0.0.1 (OS-picked port); prints "PORT <n>", then for each call replies with a
                    JSON object of the request metadata it received (raw bytes, no protobuf needed).
                    Exits when stdin closes or after a hard time limit.
  client <port> <traceparent> <x-trace-id>
                    Calls Unary on 127.0.0.1:<port> with an empty request and that metadata; prints one
                    "RESULT <json>" line: the response's initial metadata and the reply bytes as hex.
"""

import json
import sys
import threading
from concurrent import futures

import grpc

METHOD = "/propagation.test.TraceTestService/Unary"
HARD_LIMIT_SECONDS = 120


def _identity(data):
    return data


class _Handler(grpc.GenericRpcHandler):
    def service(self, handler_call_details):
        if handler_call_details.method != METHOD:
            return None

        def unary(request, context):
            received = [[key, value] for key, value in context.invocation_metadata()
                        if not key.endswith("-bin")]
            return json.dumps({"metadata": received}).encode("utf-8")

        return grpc.unary_unary_rpc_method_handler(
            unary, request_deserializer=_identity, response_serializer=_identity)


def run_server():
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    server.add_generic_rpc_handlers((_Handler(),))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print("PORT %d" % port, flush=True)
    done = threading.Event()

    def wait_stdin():
        try:
            sys.stdin.read()
        finally:
            done.set()

    threading.Thread(target=wait_stdin, daemon=True).start()
    done.wait(HARD_LIMIT_SECONDS)
    server.stop(grace=None)


def run_client(port, traceparent, trace_id):
    with grpc.insecure_channel("127.0.0.1:%s" % port) as channel:
        call = channel.unary_unary(METHOD, request_serializer=_identity, response_deserializer=_identity)
        metadata = (("traceparent", traceparent), ("x-trace-id", trace_id))
        reply, rpc = call.with_call(b"", metadata=metadata, timeout=15)
        headers = [[key, value] for key, value in (rpc.initial_metadata() or ()) if not key.endswith("-bin")]
        print("RESULT " + json.dumps({"headers": headers, "reply": reply.hex(), "code": rpc.code().name}), flush=True)


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "server":
        run_server()
    elif len(sys.argv) == 5 and sys.argv[1] == "client":
        run_client(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        print("usage: python_trace_peer.py server | client <port> <traceparent> <x-trace-id>", file=sys.stderr)
        sys.exit(2)
