# A real xDS client for the tests: Debian's python3-grpcio (gRPC C-core and its xDS resolver, SotW).
# Run with /usr/bin/python3 and GRPC_XDS_BOOTSTRAP_CONFIG set. Reads one JSON request per line on
# stdin ({"method": "/svc/M", "headers": {...}}), makes the unary RPC on one long-lived channel to
# xds:///<listener>, and prints one JSON line: {"ok": "<backend label>"} or {"error": "..."}.
import json
import sys

import grpc

listener = sys.argv[1]
channel = grpc.insecure_channel("xds:///" + listener)
print(json.dumps({"ready": grpc.__version__}), flush=True)
for line in sys.stdin:
    req = json.loads(line)
    try:
        stub = channel.unary_unary(req["method"])  # no serializers: raw bytes in and out
        reply = stub(b"ping", metadata=list(req.get("headers", {}).items()), timeout=req.get("timeout", 5))
        print(json.dumps({"ok": reply.decode()}), flush=True)
    except grpc.RpcError as err:
        print(json.dumps({"error": "%s: %s" % (err.code(), err.details())}), flush=True)
channel.close()
