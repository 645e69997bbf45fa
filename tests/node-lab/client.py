#!/usr/bin/python3
# Client side of the node lab (runs in the client namespace). Prints one JSON document.
#   client.py once '[{"host":..,"port":..,"src":..}]'     one connection each: what the server said
#   client.py many HOST PORT N [SRC]                        N connections; per-answer counts
#   client.py ticker HOST PORT SECONDS EVERY_MS             a new connection every EVERY_MS (each in
#                                                           its own thread, 1 s timeout): failures
#   client.py reuse HOST PORT N SPORTS [SRC]                N connections cycling over SPORTS fixed
#                                                           source ports (the node closes first, so
#                                                           each reuse meets a TIME_WAIT socket)
import errno, json, socket, sys, threading, time


def one(host, port, src=None, sport=0, timeout=2.0):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.settimeout(timeout)
    t = time.monotonic()
    try:
        if src or sport:
            s.bind((src or ("::" if fam == socket.AF_INET6 else "0.0.0.0"), sport))
        s.connect((host, port))
        data = b""
        while not data.endswith(b"\n"):
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        ms = (time.monotonic() - t) * 1000
        if not data:
            return {"ok": False, "error": "EOF", "ms": ms}
        return {"ok": True, "ms": ms, "server": json.loads(data)}
    except socket.timeout:
        return {"ok": False, "error": "TIMEOUT", "ms": (time.monotonic() - t) * 1000}
    except OSError as e:
        return {"ok": False, "error": errno.errorcode.get(e.errno, str(e.errno)), "ms": (time.monotonic() - t) * 1000}
    finally:
        s.close()


def main():
    cmd = sys.argv[1]
    if cmd == "once":
        print(json.dumps([one(a["host"], a["port"], a.get("src"), timeout=a.get("timeoutMs", 2000) / 1000) for a in json.loads(sys.argv[2])]))
    elif cmd == "many":
        host, port, n = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
        src = sys.argv[5] if len(sys.argv) > 5 else None
        per, errors = {}, {}
        for _ in range(n):
            r = one(host, port, src)
            if r["ok"]:
                k = "%s w%d" % (r["server"]["socket"], r["server"]["worker"])
                per[k] = per.get(k, 0) + 1
            else:
                errors[r["error"]] = errors.get(r["error"], 0) + 1
        print(json.dumps({"per": per, "errors": errors}))
    elif cmd == "ticker":
        host, port, seconds, every = sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]) / 1000
        results, threads = [], []
        t0 = time.monotonic()
        i = 0
        while time.monotonic() - t0 < seconds:
            at = t0 + i * every

            def attempt(at=at):
                r = one(host, port, timeout=1.0)
                r["at"] = round((at - t0) * 1000)
                results.append(r)

            th = threading.Thread(target=attempt)
            th.start()
            threads.append(th)
            i += 1
            time.sleep(max(0, t0 + i * every - time.monotonic()))
        for th in threads:
            th.join()
        failed = sorted((r for r in results if not r["ok"]), key=lambda r: r["at"])
        errors = {}
        for r in failed:
            errors[r["error"]] = errors.get(r["error"], 0) + 1
        pids = sorted({r["server"]["pid"] for r in results if r["ok"]})
        print(json.dumps({"attempts": len(results), "failed": len(failed), "errors": errors, "firstFailMs": failed[0]["at"] if failed else None,
                          "lastFailMs": failed[-1]["at"] if failed else None, "envoyPids": pids}))
    elif cmd == "reuse":
        host, port, n, k = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
        src = sys.argv[6] if len(sys.argv) > 6 else None
        base = 41000
        ms, errors, slow = [], {}, 0
        t0 = time.monotonic()
        for i in range(n):
            r = one(host, port, src, base + i % k)
            ms.append(r["ms"])
            if not r["ok"]:
                errors[r["error"]] = errors.get(r["error"], 0) + 1
            elif r["ms"] > 500:  # a SYN retransmitted after its timeout costs at least 1 s
                slow += 1
        ms.sort()
        print(json.dumps({"n": n, "errors": errors, "slow": slow, "p50": ms[len(ms) // 2], "p99": ms[int(len(ms) * 0.99)], "max": ms[-1], "seconds": time.monotonic() - t0}))


main()
