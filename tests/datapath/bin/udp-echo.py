# Stands in for Envoy's UDP listener sockets (udp_proxy): binds each HOST:PORT, and answers every
# datagram with one JSON datagram saying what it saw: the client's address, and the original
# destination (IP_PKTINFO for the address, IP_RECVORIGDSTADDR for the port). Like Envoy, it replies
# with the destination it received on as the source address (IP_PKTINFO on sendmsg), so a socket
# bound to loopback can answer for a steered Gateway address.
# usage: python3 udp-echo.py HOST:PORT [HOST:PORT...]   prints "ready" once every socket is bound.
import json, selectors, socket, struct, sys

IP_PKTINFO = getattr(socket, "IP_PKTINFO", 8)
IP_RECVORIGDSTADDR = getattr(socket, "IP_RECVORIGDSTADDR", 20)
IPV6_RECVPKTINFO = getattr(socket, "IPV6_RECVPKTINFO", 49)
IPV6_PKTINFO = getattr(socket, "IPV6_PKTINFO", 50)
IPV6_RECVORIGDSTADDR = 74

sel = selectors.DefaultSelector()
for spec in sys.argv[1:]:
    host, port = spec.rsplit(":", 1)
    host = host.strip("[]")
    v6 = ":" in host
    s = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET, socket.SOCK_DGRAM)
    if v6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s.setsockopt(socket.IPPROTO_IPV6, IPV6_RECVPKTINFO, 1)
        s.setsockopt(socket.IPPROTO_IPV6, IPV6_RECVORIGDSTADDR, 1)
    else:
        s.setsockopt(socket.IPPROTO_IP, IP_PKTINFO, 1)
        s.setsockopt(socket.IPPROTO_IP, IP_RECVORIGDSTADDR, 1)
    s.bind((host, int(port)))
    sel.register(s, selectors.EVENT_READ, (spec, v6))
print("ready", flush=True)

while True:
    for key, _ in sel.select():
        s = key.fileobj
        spec, v6 = key.data
        data, anc, _flags, peer = s.recvmsg(65535, 256)
        dst, dport, pktinfo = None, None, None
        for level, typ, d in anc:
            if not v6 and level == socket.IPPROTO_IP and typ == IP_PKTINFO:
                pktinfo = d
                dst = socket.inet_ntop(socket.AF_INET, d[8:12])  # struct in_pktinfo: ifindex, spec_dst, addr
            elif v6 and level == socket.IPPROTO_IPV6 and typ == IPV6_PKTINFO:
                pktinfo = d
                dst = socket.inet_ntop(socket.AF_INET6, d[:16])
            elif typ in (IP_RECVORIGDSTADDR, IPV6_RECVORIGDSTADDR):
                dport = struct.unpack("!H", d[2:4])[0]
        reply = json.dumps({"listener": spec, "peer": [peer[0], peer[1]], "local": [dst, dport], "data": data.decode(errors="replace")}).encode()
        if v6:
            # reply from the address the datagram was sent to (ipi6_addr), any interface
            anc_out = [(socket.IPPROTO_IPV6, IPV6_PKTINFO, pktinfo[:16] + b"\0\0\0\0")] if pktinfo else []
        else:
            # in_pktinfo: ifindex 0, spec_dst = the original destination (the reply's source)
            anc_out = [(socket.IPPROTO_IP, IP_PKTINFO, struct.pack("=i4s4s", 0, socket.inet_pton(socket.AF_INET, dst), b"\0" * 4))] if dst else []
        try:
            s.sendmsg([reply], anc_out, 0, peer)
        except OSError as e:
            print(f"reply to {peer}: {e}", file=sys.stderr, flush=True)
