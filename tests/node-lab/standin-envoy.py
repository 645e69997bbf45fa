#!/usr/bin/python3
# TEST DOUBLE of Envoy for sockets and process lifecycle only: it is never evidence of routing.
# Started by edgegate's supervisor exactly like Envoy (`envoy --config-path BOOTSTRAP ...`), it
# reads the bootstrap's node id and ADS Unix socket, opens an ADS stream the way Envoy does (delta
# or state-of-the-world, per ads_config.api_type), subscribes to Listeners and Clusters, ACKs every
# response, and binds exactly the sockets the Listener resources describe: address, additional
# addresses, port, transparent (IP_TRANSPARENT / IPV6_TRANSPARENT), "::" IPv6-only unless
# ipv4_compat, one socket per worker (--concurrency, else one per CPU) with SO_REUSEPORT. Each
# accepted connection gets one JSON line: which listener and worker socket accepted it, the pid,
# and the peer and local addresses it saw; then the server closes first (so TIME_WAIT stays on the
# node, as with an HTTP server closing). A UDP Listener (socket_address protocol UDP, as for
# udp_proxy) gets UDP sockets: each datagram is answered with one JSON datagram, sent from the
# address it was sent to (IP_PKTINFO, as Envoy's UDP listeners do). Protobuf is decoded by hand:
# the few fields read here.
# Needs Debian's python3-grpcio (/usr/bin/python3). State for tests: $NODE_LAB_STATE (JSON file).
import http.server, json, os, queue, selectors, signal, socket, struct, sys, threading, time
import grpc

LISTENER = "type.googleapis.com/envoy.config.listener.v3.Listener"
CLUSTER = "type.googleapis.com/envoy.config.cluster.v3.Cluster"
IP_TRANSPARENT = 19
IPV6_TRANSPARENT = 75
IP_PKTINFO = 8
IP_RECVORIGDSTADDR = 20
IPV6_RECVPKTINFO = 49
IPV6_PKTINFO = 50
IPV6_RECVORIGDSTADDR = 74


# ------------------------------------------------------------------------------- protobuf wire
def varint(b, i):
    v = s = 0
    while True:
        c = b[i]
        i += 1
        v |= (c & 0x7F) << s
        s += 7
        if c < 0x80:
            return v, i


def fields(b):
    """(field number, value) pairs; length-delimited values as bytes, varints as ints."""
    i, out = 0, []
    while i < len(b):
        key, i = varint(b, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = varint(b, i)
        elif wt == 2:
            n, i = varint(b, i)
            v, i = b[i:i + n], i + n
        elif wt == 1:
            v, i = b[i:i + 8], i + 8
        elif wt == 5:
            v, i = b[i:i + 4], i + 4
        else:
            raise ValueError("wire type %d" % wt)
        out.append((num, v))
    return out


def first(fs, num, default=None):
    for n, v in fs:
        if n == num:
            return v
    return default


def enc_varint(v):
    out = bytearray()
    while True:
        if v < 0x80:
            out.append(v)
            return bytes(out)
        out.append((v & 0x7F) | 0x80)
        v >>= 7


def enc(num, v):
    if isinstance(v, int):
        return enc_varint(num << 3) + enc_varint(v)
    if isinstance(v, str):
        v = v.encode()
    return enc_varint(num << 3 | 2) + enc_varint(len(v)) + v


def socket_address(addr_bytes):
    """envoy.config.core.v3.Address -> (address, port, ipv4_compat, udp) for a socket_address."""
    sa = first(fields(addr_bytes), 1)
    if sa is None:
        return None
    f = fields(sa)
    return first(f, 2, b"").decode(), first(f, 3, 0), bool(first(f, 6, 0)), first(f, 1, 0) == 1  # protocol: TCP 0, UDP 1


def decode_listener(b):
    f = fields(b)
    name = first(f, 1, b"").decode()
    addrs = []
    a = first(f, 2)
    if a is not None:
        addrs.append(socket_address(a))
    for n, v in f:
        if n == 33:  # additional_addresses
            inner = first(fields(v), 1)
            if inner is not None:
                addrs.append(socket_address(inner))
    t = first(f, 10)
    transparent = bool(first(fields(t), 1, 0)) if t is not None else False
    return name, [x for x in addrs if x], transparent


# ------------------------------------------------------------------------------------ sockets
class Sockets:
    def __init__(self, workers, state_path):
        self.workers = workers
        self.state_path = state_path
        self.sel = selectors.DefaultSelector()
        self.bound = {}  # (name, addr, port, transparent, compat, udp) -> [socket per worker]
        self.listeners = {}
        self.clusters = []
        self.errors = []
        self.lock = threading.Lock()
        self.acks = 0

    def want(self, listeners):
        """listeners: name -> (addresses, transparent). Binds new sockets before closing old ones."""
        want = {}
        for name, (addrs, transparent) in listeners.items():
            for addr, port, compat, udp in addrs:
                want[(name, addr, port, transparent, compat, udp)] = True
        with self.lock:
            for key in want:
                if key not in self.bound:
                    socks = []
                    try:
                        for w in range(self.workers):
                            socks.append(self.open(key, w))
                    except OSError as e:
                        for s in socks:
                            s.close()
                        self.errors.append("%s %s:%d: %s" % (key[0], key[1], key[2], e))
                        continue
                    self.bound[key] = socks
                    for w, s in enumerate(socks):
                        self.sel.register(s, selectors.EVENT_READ, (key, w))
            for key in [k for k in self.bound if k not in want]:
                for s in self.bound.pop(key):
                    self.sel.unregister(s)
                    s.close()
            self.listeners = {n: {"addresses": [[a, p] for a, p, *_ in addrs], "transparent": t} for n, (addrs, t) in listeners.items()}
        self.save()

    def open(self, key, worker):
        name, addr, port, transparent, compat, udp = key
        fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_DGRAM if udp else socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        if fam == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0 if compat else 1)
        if transparent:
            if fam == socket.AF_INET:
                s.setsockopt(socket.SOL_IP, IP_TRANSPARENT, 1)
            else:
                s.setsockopt(socket.IPPROTO_IPV6, IPV6_TRANSPARENT, 1)
        if udp:
            # as Envoy's UDP listeners: the datagram's destination (IP_PKTINFO), which answers leave from
            if fam == socket.AF_INET:
                s.setsockopt(socket.IPPROTO_IP, IP_PKTINFO, 1)
                s.setsockopt(socket.IPPROTO_IP, IP_RECVORIGDSTADDR, 1)
            else:
                s.setsockopt(socket.IPPROTO_IPV6, IPV6_RECVPKTINFO, 1)
                s.setsockopt(socket.IPPROTO_IPV6, IPV6_RECVORIGDSTADDR, 1)
        s.bind((addr, port))
        if not udp:
            s.listen(1024)
        s.setblocking(False)
        return s

    def save(self):
        if not self.state_path:
            return
        with self.lock:
            state = {
                "pid": os.getpid(),
                "workers": self.workers,
                "listeners": self.listeners,
                "sockets": sorted("%s %s:%d%s%s w%d" % (k[0], k[1], k[2], "/udp" if k[5] else "", " transparent" if k[3] else "", w) for k, socks in self.bound.items() for w in range(len(socks))),
                "clusters": self.clusters,
                "errors": self.errors,
                "acks": self.acks,
            }
        tmp = self.state_path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(state, f)
        os.replace(tmp, self.state_path)

    def serve(self):
        while True:
            for k, _ in self.sel.select(timeout=0.5):
                (name, addr, port, transparent, compat, udp), worker = k.data
                if udp:
                    self.answer_datagram(k.fileobj, name, addr, port, worker)
                    continue
                try:
                    c, peer = k.fileobj.accept()
                except (BlockingIOError, OSError):
                    continue
                local = c.getsockname()
                msg = {"listener": name, "worker": worker, "pid": os.getpid(), "socket": "%s:%d" % (addr, port),
                       "peer": [peer[0], peer[1]], "local": [local[0], local[1]]}
                try:
                    c.setblocking(True)
                    c.sendall((json.dumps(msg) + "\n").encode())
                except OSError:
                    pass
                c.close()  # the server closes first


    def answer_datagram(self, s, name, addr, port, worker):
        """One datagram in, one JSON datagram back, sent from the address it came to (as Envoy's
        udp_proxy answers), saying which socket and worker got it and the client's address."""
        try:
            data, anc, _flags, peer = s.recvmsg(2048, 256)
        except (BlockingIOError, OSError):
            return
        v6 = s.family == socket.AF_INET6
        dst, dport, pktinfo = None, None, None
        for level, typ, d in anc:
            if not v6 and level == socket.IPPROTO_IP and typ == IP_PKTINFO:
                dst = socket.inet_ntop(socket.AF_INET, d[8:12])
            elif v6 and level == socket.IPPROTO_IPV6 and typ == IPV6_PKTINFO:
                pktinfo = d
                dst = socket.inet_ntop(socket.AF_INET6, d[:16])
            elif typ in (IP_RECVORIGDSTADDR, IPV6_RECVORIGDSTADDR):
                dport = struct.unpack("!H", d[2:4])[0]
        msg = {"listener": name, "worker": worker, "pid": os.getpid(), "socket": "%s:%d/udp" % (addr, port),
               "peer": [peer[0], peer[1]], "local": [dst, dport], "data": data.decode(errors="replace")}
        if v6:
            anc_out = [(socket.IPPROTO_IPV6, IPV6_PKTINFO, pktinfo[:16] + b"\0\0\0\0")] if pktinfo else []
        else:
            anc_out = [(socket.IPPROTO_IP, IP_PKTINFO, struct.pack("=i4s4s", 0, socket.inet_pton(socket.AF_INET, dst), b"\0" * 4))] if dst else []
        try:
            s.sendmsg([json.dumps(msg).encode()], anc_out, 0, peer)
        except OSError:
            pass


# ----------------------------------------------------------------------------------------- ADS
def bootstrap(path):
    with open(path) as f:
        b = json.load(f)
    node = b["node"]
    pipe = None

    def walk(x):
        nonlocal pipe
        if isinstance(x, dict):
            if "pipe" in x and isinstance(x["pipe"], dict) and pipe is None:
                pipe = x["pipe"]["path"]
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    walk(b.get("static_resources", {}))
    api = b.get("dynamic_resources", {}).get("ads_config", {}).get("api_type", "GRPC")
    return node, pipe, api


def node_msg(node):
    return enc(1, node["id"]) + enc(2, node.get("cluster", ""))


def run_ads(node, pipe, api, socks):
    delta = api == "DELTA_GRPC"
    method = "/envoy.service.discovery.v3.AggregatedDiscoveryService/" + ("DeltaAggregatedResources" if delta else "StreamAggregatedResources")
    out = queue.Queue()
    listeners = {}

    def requests():
        while True:
            yield out.get()

    if delta:
        out.put(enc(1, node_msg(node)) + enc(2, LISTENER))
        out.put(enc(1, node_msg(node)) + enc(2, CLUSTER))
    else:
        out.put(enc(2, node_msg(node)) + enc(4, LISTENER))
        out.put(enc(2, node_msg(node)) + enc(4, CLUSTER))
    channel = grpc.insecure_channel("unix:" + pipe)
    stream = channel.stream_stream(method, request_serializer=lambda b: b, response_deserializer=lambda b: b)
    clusters = {}
    for resp in stream(requests()):
        f = fields(resp)
        type_url = first(f, 4, b"").decode()
        nonce = first(f, 5, b"").decode()
        if delta:
            for n, v in f:
                if n == 2:  # Resource
                    rf = fields(v)
                    anyv = first(rf, 2)
                    name = first(rf, 3, b"").decode()
                    value = first(fields(anyv), 2, b"") if anyv is not None else b""
                    if type_url == LISTENER:
                        lname, addrs, transparent = decode_listener(value)
                        if addrs:
                            listeners[lname] = (addrs, transparent)
                    elif type_url == CLUSTER:
                        clusters[name] = True
                elif n == 6:  # removed_resources
                    listeners.pop(v.decode(), None) if type_url == LISTENER else clusters.pop(v.decode(), None)
            out.put(enc(2, type_url) + enc(6, nonce))
        else:
            version = first(f, 1, b"").decode()
            got = {}
            names = []
            for n, v in f:
                if n == 2:
                    value = first(fields(v), 2, b"")
                    if type_url == LISTENER:
                        lname, addrs, transparent = decode_listener(value)
                        if addrs:  # api_listeners (proxyless gRPC) bind nothing
                            got[lname] = (addrs, transparent)
                    else:
                        names.append(first(fields(value), 1, b"").decode())
            if type_url == LISTENER:
                listeners = got
            elif type_url == CLUSTER:
                clusters = {n: True for n in names}
            out.put(enc(1, version) + enc(2, node_msg(node)) + enc(4, type_url) + enc(5, nonce))
        if type_url == LISTENER:
            socks.want(dict(listeners))
        socks.clusters = sorted(clusters)
        socks.acks += 1
        socks.save()


def serve_admin(b, socks):
    """The two admin calls the supervisor makes: GET /ready (LIVE once listeners came) and
    POST /drain_listeners (accepted; this double does not drain)."""
    sa = b.get("admin", {}).get("address", {}).get("socket_address")
    if not sa:
        return

    class Admin(http.server.BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def answer(self, code, text):
            self.send_response(code)
            self.send_header("content-type", "text/plain")
            self.end_headers()
            self.wfile.write(text.encode())

        def do_GET(self):
            if self.path.startswith("/ready"):
                live = socks.acks > 0
                self.answer(200 if live else 503, "LIVE\n" if live else "PRE_INITIALIZING\n")
            else:
                self.answer(404, "not in this test double\n")

        def do_POST(self):
            self.answer(200 if self.path.startswith("/drain_listeners") else 404, "OK\n")

    srv = http.server.ThreadingHTTPServer((sa["address"], int(sa["port_value"])), Admin)
    threading.Thread(target=srv.serve_forever, daemon=True).start()


def main():
    # Envoy exits on SIGTERM (and SIGINT) at once: the kernel's default action, not a Python
    # handler (which waits for the main thread and the GIL)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, signal.SIG_DFL)
    args = sys.argv[1:]
    cfg = args[args.index("--config-path") + 1]
    workers = int(args[args.index("--concurrency") + 1]) if "--concurrency" in args else (os.cpu_count() or 1)
    node, pipe, api = bootstrap(cfg)
    socks = Sockets(workers, os.environ.get("NODE_LAB_STATE", ""))
    socks.save()
    with open(cfg) as f:
        serve_admin(json.load(f), socks)
    threading.Thread(target=socks.serve, daemon=True).start()
    def ads():
        while True:  # Envoy reconnects its ADS stream when the control plane goes away
            try:
                run_ads(node, pipe, api, socks)
            except grpc.RpcError as e:
                socks.errors = socks.errors[-20:] + ["ads: %s" % e.code()]
            time.sleep(0.2)

    threading.Thread(target=ads, daemon=True).start()
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
