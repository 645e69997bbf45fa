# A UDP request/response client: sends `count` datagrams one at a time from an unconnected socket
# and waits for each answer (no retries), so every datagram either comes back or counts as lost.
# usage: python3 udp-client.py '{"host":"10.0.0.1","port":53,"src":"10.0.0.2","count":50,"timeoutMs":300}'
#        "size": N pads each request to N bytes (over the MTU: the datagram travels as IP fragments)
# -> {"sent","received","lost","from":[addr,port] of the first answer,"server":first answer (JSON)}
import json, socket, sys, time

a = json.loads(sys.argv[1])
fam = socket.AF_INET6 if ":" in a["host"] else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
if a.get("src"):
    s.bind((a["src"], 0))
s.settimeout(a.get("timeoutMs", 500) / 1000)
out = {"sent": 0, "received": 0, "lost": 0, "wrongSource": 0}
t0 = time.monotonic()
for i in range(a.get("count", 1)):
    payload = f"req-{i}".ljust(a.get("size", 0), "x").encode()
    s.sendto(payload, (a["host"], a["port"]))
    out["sent"] += 1
    try:
        while True:
            data, frm = s.recvfrom(65535)
            reply = json.loads(data)
            if reply.get("data") == payload.decode():
                break  # an answer to an earlier, timed-out request is not this one's
        out["received"] += 1
        if "from" not in out:
            out["from"] = [frm[0], frm[1]]
            out["server"] = reply
        if frm[0] != a["host"] or frm[1] != a["port"]:
            out["wrongSource"] += 1
    except socket.timeout:
        out["lost"] += 1
out["ms"] = round((time.monotonic() - t0) * 1000)
print(json.dumps(out))
