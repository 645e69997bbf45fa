#!/usr/bin/python3
# A TEST DOUBLE of the Envoy *process*, for lifecycle tests (adoption after an edgegate crash, hot
# restart). It is not an Envoy and proves nothing about routing: it ignores xDS and answers every
# connection on its listen sockets with one line, "epoch E pid P", then closes it.
#
# What it models of Envoy, because the tests depend on it:
#   - the command line edgegate passes (--config-path, --restart-epoch, --base-id,
#     --use-dynamic-base-id, --base-id-path, --drain-time-s, --parent-shutdown-time-s);
#   - the admin API at the bootstrap's admin address: GET /ready (LIVE, or DRAINING after
#     POST /drain_listeners), GET /server_info;
#   - hot restart: epoch N > 0 connects to epoch N-1 over an abstract Unix socket named by the base
#     id, asks it to close its admin listener, receives the parent's listening sockets over
#     SCM_RIGHTS (the same socket objects, so no connection in the accept queue is lost), tells the
#     parent to stop accepting (drain) and, after --parent-shutdown-time-s, to exit. A child whose
#     parent cannot be reached exits 1, as Envoy does.
#   - SIGTERM exits 0.
# Written in Python because Bun cannot accept on a socket it received as a file descriptor.
#
# Environment:
#   FAKE_ENVOY_LISTEN   comma-separated IPv4 HOST:PORT list to bind at epoch 0 (SO_REUSEADDR)
#   FAKE_ENVOY_EVENTS   file to append one JSON line per event
#   FAKE_ENVOY_FAIL_HOT_RESTART  "1": an epoch > 0 exits 1 at once (a new Envoy that cannot start)
import json
import os
import random
import select
import signal
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
import socketserver

argv = sys.argv[1:]


def flag(name, default=None):
    return argv[argv.index(name) + 1] if name in argv else default


PID = os.getpid()
EPOCH = int(flag("--restart-epoch", "0"))
EVENTS = os.environ.get("FAKE_ENVOY_EVENTS")
lock = threading.Lock()


def event(name, **extra):
    if EVENTS:
        with lock, open(EVENTS, "a") as f:
            f.write(json.dumps({"event": name, "pid": PID, "epoch": EPOCH, "t": int(time.time() * 1000), **extra}) + "\n")


def log(level, msg):
    sys.stderr.write(json.dumps({"level": level, "logger": "main", "thread": "1", "src": "double:1", "msg": msg}) + "\n")
    sys.stderr.flush()


def die(code, why):
    event("exit", code=code, why=why)
    log("info" if code == 0 else "critical", "exiting: " + why)
    os._exit(code)


if "--version" in argv:
    print("envoy-process-double version: 0.0.0/test-double")
    sys.exit(0)

config_path = flag("--config-path")
if not config_path:
    die(1, "no --config-path")
with open(config_path) as f:
    bootstrap = json.load(f)
admin_addr = bootstrap.get("admin", {}).get("address", {})

# Base id: epoch 0 picks a free one (like --use-dynamic-base-id), later epochs are given it.
def rendezvous(base, epoch):
    return "\0edgegate-envoy-double-hot-restart-%d-%d" % (base, epoch)


hot = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
if EPOCH == 0 and "--use-dynamic-base-id" in argv:
    while True:
        BASE = random.randint(1, 10_000_000)
        try:
            hot.bind(rendezvous(BASE, 0))
            break
        except OSError:
            continue
else:
    BASE = int(flag("--base-id", "0"))
    try:
        hot.bind(rendezvous(BASE, EPOCH))
    except OSError as e:
        die(1, "unable to bind hot restart socket for base id %d epoch %d: %s" % (BASE, EPOCH, e))
if flag("--base-id-path"):
    with open(flag("--base-id-path"), "w") as f:
        f.write(str(BASE))
hot.listen(4)

state = {"draining": False, "accepting": True}
listen_socks = []
admin_server = None


# ---- admin API -------------------------------------------------------------------------------
class Admin(BaseHTTPRequestHandler):
    def address_string(self):
        return "admin"

    def log_message(self, *a):
        pass

    def reply(self, code, body, ctype="text/plain"):
        data = body.encode()
        self.send_response(code)
        self.send_header("content-type", ctype)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/ready":
            self.reply(503, "DRAINING\n") if state["draining"] else self.reply(200, "LIVE\n")
        elif self.path == "/server_info":
            self.reply(200, json.dumps({"state": "DRAINING" if state["draining"] else "LIVE", "command_line_options": {"restart_epoch": EPOCH, "base_id": BASE}}), "application/json")
        else:
            self.reply(404, "not found\n")

    def do_POST(self):
        if self.path.startswith("/drain_listeners"):
            stop_accepting("admin /drain_listeners")
            self.reply(200, "OK\n")
        else:
            self.reply(404, "not found\n")


class UnixAdmin(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


class TcpAdmin(socketserver.ThreadingMixIn, HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def start_admin():
    global admin_server
    if "pipe" in admin_addr:
        path = admin_addr["pipe"]["path"]
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        admin_server = UnixAdmin(path, Admin)
    elif "socket_address" in admin_addr:
        sa = admin_addr["socket_address"]
        admin_server = TcpAdmin((sa["address"], sa["port_value"]), Admin)
    else:
        return
    threading.Thread(target=admin_server.serve_forever, daemon=True).start()


def close_admin():
    global admin_server
    if admin_server is not None:
        admin_server.shutdown()
        admin_server.server_close()
        admin_server = None


# ---- the "traffic" sockets ---------------------------------------------------------------------
def stop_accepting(why):
    if state["accepting"]:
        state["accepting"] = False
        state["draining"] = True
        event("drain", why=why)
        log("info", "draining: no longer accepting (%s)" % why)


def accept_loop(sock):
    while state["accepting"]:
        r, _, _ = select.select([sock], [], [], 0.02)
        if not r or not state["accepting"]:
            continue
        try:
            conn, _ = sock.accept()
        except (BlockingIOError, InterruptedError):
            continue
        try:
            conn.sendall(("epoch %d pid %d\n" % (EPOCH, PID)).encode())
        except OSError:
            pass
        conn.close()


def serve(socks):
    for s in socks:
        s.setblocking(False)
        listen_socks.append(s)
        threading.Thread(target=accept_loop, args=(s,), daemon=True).start()


# ---- hot restart: the parent side -------------------------------------------------------------
def parent_side():
    while True:
        conn, _ = hot.accept()
        f = conn.makefile("r")
        for line in f:
            cmd = line.strip()
            if cmd == "shutdown-admin":
                close_admin()
                conn.sendall(b"ok\n")
            elif cmd == "listen-sockets":
                fds = [s.fileno() for s in listen_socks]
                socket.send_fds(conn, [json.dumps([s.getsockname() for s in listen_socks]).encode() + b"\n"], fds)
                event("handed-over", sockets=len(fds))
            elif cmd == "drain":
                stop_accepting("hot restart: the child took the listen sockets over")
                conn.sendall(b"ok\n")
            elif cmd == "terminate":
                conn.sendall(b"ok\n")
                die(0, "hot restart: terminated by the child")


# ---- hot restart: the child side --------------------------------------------------------------
def take_over_from_parent():
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        c.connect(rendezvous(BASE, EPOCH - 1))
    except OSError as e:
        die(1, "hot restart: cannot reach the parent (base id %d, epoch %d): %s" % (BASE, EPOCH - 1, e))
    c.sendall(b"shutdown-admin\n")
    c.recv(16)
    start_admin()
    c.sendall(b"listen-sockets\n")
    msg, fds, _, _ = socket.recv_fds(c, 65536, 64)
    socks = [socket.socket(fileno=fd) for fd in fds]
    serve(socks)
    event("took-over", sockets=len(socks))
    c.sendall(b"drain\n")
    c.recv(16)

    def terminate_parent():
        time.sleep(float(flag("--parent-shutdown-time-s", "900")))
        try:
            c.sendall(b"terminate\n")
            c.recv(16)
        except OSError:
            pass

    threading.Thread(target=terminate_parent, daemon=True).start()


signal.signal(signal.SIGTERM, lambda *_: die(0, "SIGTERM"))
signal.signal(signal.SIGINT, lambda *_: die(0, "SIGINT"))

if EPOCH > 0 and os.environ.get("FAKE_ENVOY_FAIL_HOT_RESTART") == "1":
    die(1, "told to fail the hot restart")
if EPOCH > 0:
    take_over_from_parent()
else:
    socks = []
    for hp in filter(None, os.environ.get("FAKE_ENVOY_LISTEN", "").split(",")):
        host, port = hp.rsplit(":", 1)
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((host, int(port)))
        s.listen(1024)
        socks.append(s)
    serve(socks)
    start_admin()
event("start", argv=argv, base_id=BASE)
log("info", "initializing epoch %d (envoy process double, base id %d)" % (EPOCH, BASE))
threading.Thread(target=parent_side, daemon=True).start()
while True:
    time.sleep(3600)
