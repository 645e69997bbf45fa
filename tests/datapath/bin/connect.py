# Plain connect() attempts, reporting the errno name the kernel gave (Bun's net layer folds some
# errors, e.g. EPERM from a cgroup connect hook, into ECONNREFUSED).
# usage: python3 connect.py '[{"host":"10.0.0.1","port":80}]'  -> JSON list of {"ok","error","ms"}
import errno, json, socket, sys, time

out = []
for a in json.loads(sys.argv[1]):
    fam = socket.AF_INET6 if ":" in a["host"] else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(a.get("timeoutMs", 1000) / 1000)
    t = time.monotonic()
    try:
        s.connect((a["host"], a["port"]))
        out.append({"ok": True, "ms": round((time.monotonic() - t) * 1000)})
    except socket.timeout:
        out.append({"ok": False, "error": "TIMEOUT", "ms": round((time.monotonic() - t) * 1000)})
    except OSError as e:
        out.append({"ok": False, "error": errno.errorcode.get(e.errno, str(e.errno)), "ms": round((time.monotonic() - t) * 1000)})
    finally:
        s.close()
print(json.dumps(out))
