#!/usr/bin/env python3
"""toolserver.py: the stand-in for https://aka.ms that serves the .NET diagnostics tools to the tests.

    GET /dotnet-{tool}/{rid}      302 Location: /download/{version}/{rid}/dotnet-{tool} (like aka.ms)
                                  unknown tool or rid: plain 404 (aka.ms would send you to a Bing page)
    GET /download/{version}/{rid}/dotnet-{tool}
                                  200 application/octet-stream, Content-Length, Content-Disposition:
                                  attachment; filename=dotnet-{tool}; streamed in chunks (HEAD works too)
    POST /_faults {"mode": M, "tool": "dotnet-trace"|"trace"|null, "count": K|null, "rate": B/s}
                                  makes the next K downloads (null: all, until DELETE) of that tool (null:
                                  any) misbehave. M: corrupt (one byte flipped mid-body, same length),
                                  truncate (full Content-Length, half the body, then the connection is
                                  closed), html (200 text/html captive-portal page), 500 (server error),
                                  slow (body throttled to "rate" bytes/s, default 65536), hang (request
                                  read, never answered; freed when the server stops). Faults hit only
                                  /download/... answers, never the 302, so K counts downloads.
    GET /_faults, DELETE /_faults the current fault (or null) / clear it
    GET /SHA512SUMS               the tools' SHA-512s ("HEX  RID/dotnet-TOOL"), as a mirror may publish
                                  them (aka.ms does not): the plugin checks downloads against them
Files: {tools_dir}/{rid}/dotnet-{tool} (made by build-tools.sh); {version} is {tools_dir}/VERSION.
Log: {state_dir}/tools.log, one JSON object per request: time, method, path, status, bytes (body bytes
actually sent), fault (mode or null). Tests count downloads by counting /download/ lines.

Use from Python: `srv = serve({"host": "127.0.0.1", "port": 18080, "tools_dir": "build/tools",
"state_dir": "build/cluster"})` starts it on a daemon thread and returns it; `srv.close()` stops it.
Alone: `python3 tests/cluster/toolserver.py --port 18080 --dir build/tools --state build/cluster`.
"""
import argparse
import json
import os
import re
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOOLS = ("dotnet-trace", "dotnet-counters", "dotnet-dump", "dotnet-gcdump", "dotnet-stack")
RIDS = ("linux-x64", "linux-arm64", "linux-arm", "linux-musl-x64", "linux-musl-arm64", "linux-musl-arm")
MODES = ("corrupt", "truncate", "html", "500", "slow", "hang")
CHUNK = 64 * 1024
DEFAULT_SLOW_RATE = 64 * 1024
REDIRECT_RE = re.compile(r"^/(dotnet-[a-z]+)/([a-z0-9-]+)/?$")
DOWNLOAD_RE = re.compile(r"^/download/([^/]+)/([a-z0-9-]+)/(dotnet-[a-z]+)$")
PORTAL_PAGE = (b"<!DOCTYPE html>\n<html><head><title>Network login</title></head>\n"
               b"<body><h1>Welcome to Guest Wi-Fi</h1><p>Please accept the terms of use to continue."
               b"</p><form method=\"post\"><button>Accept</button></form></body></html>\n")


class Faults:
    """The one active fault (or none), consumed per matching download; thread-safe."""

    def __init__(self):
        self._lock = threading.Lock()
        self._fault = None

    def set(self, spec):
        fault = validate_fault(spec)
        with self._lock:
            self._fault = fault
        return fault

    def clear(self):
        with self._lock:
            self._fault = None

    def current(self):
        with self._lock:
            return dict(self._fault) if self._fault else None

    def take(self, tool):
        """The fault to apply to a download of `tool` (None if none), using up one of its count."""
        with self._lock:
            f = self._fault
            if not f or (f["tool"] and f["tool"] != tool):
                return None
            if f["count"] is not None:
                f["count"] -= 1
                if f["count"] <= 0:
                    self._fault = None
            return dict(f)


def validate_fault(spec):
    if not isinstance(spec, dict) or spec.get("mode") not in MODES:
        raise ValueError("mode must be one of " + ", ".join(MODES))
    tool = spec.get("tool")
    if tool is not None:
        tool = tool if str(tool).startswith("dotnet-") else "dotnet-" + str(tool)
        if tool not in TOOLS:
            raise ValueError("unknown tool " + repr(spec.get("tool")))
    count = spec.get("count")
    if count is not None and (not isinstance(count, int) or count < 1):
        raise ValueError("count must be a positive integer or null")
    rate = spec.get("rate", DEFAULT_SLOW_RATE)
    if not isinstance(rate, int) or rate < 1:
        raise ValueError("rate must be a positive integer (bytes per second)")
    return {"mode": spec["mode"], "tool": tool, "count": count, "rate": rate}


class RequestLog:
    """Appends one JSON line per request to {state_dir}/tools.log."""

    def __init__(self, path):
        self.path = path
        self._lock = threading.Lock()

    def write(self, method, path, status, nbytes, fault):
        rec = {"time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + "Z", "method": method,
               "path": path, "status": status, "bytes": nbytes, "fault": fault}
        with self._lock, open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps(rec) + "\n")


class Handler(BaseHTTPRequestHandler):
    server_version = "dotnetprof-toolserver/1"
    protocol_version = "HTTP/1.1"
    timeout = 120  # a silent client must not pin a thread forever

    def log_message(self, *_):  # the JSON request log replaces stderr chatter
        pass

    # --- dispatch (one handler serves every request of a keep-alive connection: reset per request) ---
    def _begin(self, send_body=True):
        self._send_body = send_body
        self._fault = None

    def do_GET(self):
        self._begin()
        self._route()

    def do_HEAD(self):
        self._begin(send_body=False)
        self._route()

    def do_POST(self):
        self._begin()
        if self.path != "/_faults":
            return self._text(404, "not found\n")
        try:
            length = int(self.headers.get("Content-Length") or 0)
            fault = self.server.faults.set(json.loads(self.rfile.read(length) or b"null"))
        except (ValueError, json.JSONDecodeError) as e:
            return self._text(400, "bad fault: %s\n" % e)
        self._json(200, {"fault": fault})

    def do_DELETE(self):
        self._begin()
        if self.path != "/_faults":
            return self._text(404, "not found\n")
        self.server.faults.clear()
        self._json(200, {"fault": None})

    def _route(self):
        path = self.path.split("?", 1)[0]
        if path == "/_faults":
            return self._json(200, {"fault": self.server.faults.current()})
        if path == "/SHA512SUMS":  # a mirror's checksums (aka.ms publishes none)
            sums = os.path.join(self.server.tools_dir, "SHA512SUMS")
            if os.path.isfile(sums):
                with open(sums, "rb") as f:
                    return self._send(200, "text/plain", f.read())
        m = REDIRECT_RE.match(path)
        if m and self._tool_file(m.group(2), m.group(1)):
            loc = "/download/%s/%s/%s" % (self.server.version(), m.group(2), m.group(1))
            return self._send(302, "text/plain", b"Redirecting to " + loc.encode() + b"\n",
                              {"Location": loc})
        m = DOWNLOAD_RE.match(path)
        if m and self._tool_file(m.group(2), m.group(3)):
            return self._download(self._tool_file(m.group(2), m.group(3)), m.group(3))
        self._text(404, "not found: %s (tools: %s; rids: %s)\n" % (path, " ".join(TOOLS), " ".join(RIDS)))

    def _tool_file(self, rid, tool):
        if tool not in TOOLS or rid not in RIDS:
            return None
        f = os.path.join(self.server.tools_dir, rid, tool)
        return f if os.path.isfile(f) else None

    # --- the download, with faults ---
    def _download(self, path, tool):
        fault = self.server.faults.take(tool)
        mode = self._fault = fault["mode"] if fault else None
        if mode == "hang":
            return self._hang()
        if mode == "500":
            return self._text(500, "Internal Server Error\n")
        if mode == "html":
            return self._send(200, "text/html; charset=utf-8", PORTAL_PAGE)
        size = os.path.getsize(path)
        self._head(200, "application/octet-stream", size,
                   {"Content-Disposition": "attachment; filename=" + tool})
        if not self._send_body:
            return self._logged(200, 0)
        limit = size // 2 if mode == "truncate" else size
        flip_at = size // 2 if mode == "corrupt" else -1
        rate = fault["rate"] if mode == "slow" else None
        sent = self._stream(path, limit, flip_at, rate)
        if mode == "truncate":
            self.close_connection = True
        self._logged(200, sent)

    def _stream(self, path, limit, flip_at, rate):
        """Sends the first `limit` bytes of the file, flipping the byte at `flip_at`; returns bytes sent."""
        sent = 0
        chunk_size = min(CHUNK, rate) if rate else CHUNK
        with open(path, "rb") as f:
            while sent < limit and not self.server.stopping.is_set():
                buf = f.read(min(chunk_size, limit - sent))
                if not buf:
                    break
                if sent <= flip_at < sent + len(buf):
                    i = flip_at - sent
                    buf = buf[:i] + bytes([buf[i] ^ 0xFF]) + buf[i + 1:]
                try:
                    self.wfile.write(buf)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True
                    break
                sent += len(buf)
                if rate:
                    self.server.stopping.wait(len(buf) / rate)
        return sent

    def _hang(self):
        self._logged(0, 0)  # logged now: the request never gets an answer
        self.server.stopping.wait()
        self.close_connection = True

    # --- plain responses ---
    def _head(self, status, ctype, length, extra=None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(length))
        self.send_header("Cache-Control", "no-store")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()

    def _send(self, status, ctype, body, extra=None):
        self._head(status, ctype, len(body), extra)
        if self._send_body:
            self.wfile.write(body)
        self._logged(status, len(body) if self._send_body else 0)

    def _text(self, status, text):
        self._send(status, "text/plain; charset=utf-8", text.encode())

    def _json(self, status, obj):
        self._send(status, "application/json", (json.dumps(obj) + "\n").encode())

    def _logged(self, status, nbytes):
        self.server.log.write(self.command, self.path, status, nbytes, self._fault)


class ToolServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, cfg):
        self.tools_dir = os.path.abspath(cfg.get("tools_dir", "build/tools"))
        state_dir = os.path.abspath(cfg.get("state_dir", "build/cluster"))
        os.makedirs(state_dir, exist_ok=True)
        self.log = RequestLog(os.path.join(state_dir, "tools.log"))
        self.faults = Faults()
        self.stopping = threading.Event()
        self._thread = None
        super().__init__((cfg.get("host", "127.0.0.1"), int(cfg.get("port", 18080))), Handler)

    @property
    def url(self):
        return "http://%s:%d" % self.server_address[:2]

    def version(self):
        try:
            with open(os.path.join(self.tools_dir, "VERSION"), encoding="utf-8") as f:
                return f.read().strip() or "0"
        except OSError:
            return "0"

    def start(self):
        self._thread = threading.Thread(target=self.serve_forever, name="toolserver", daemon=True)
        self._thread.start()
        return self

    def close(self):
        """Stops serving, wakes hanging/slow handlers so their threads end, closes the socket."""
        self.stopping.set()
        if self._thread:
            self.shutdown()
            self._thread.join()
        self.server_close()


def serve(cfg):
    """Starts the tools server on a daemon thread. cfg keys: host (127.0.0.1), port (18080), tools_dir
    (build/tools), state_dir (build/cluster). Returns the ToolServer; call .close() to stop it."""
    return ToolServer(cfg).start()


def main(argv=None):
    p = argparse.ArgumentParser(description="aka.ms stand-in serving the diagnostics tools")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=18080)
    p.add_argument("--dir", default="build/tools", help="tools dir ({rid}/dotnet-{tool}, VERSION)")
    p.add_argument("--state", default="build/cluster", help="dir for tools.log")
    a = p.parse_args(argv)
    srv = serve({"host": a.host, "port": a.port, "tools_dir": a.dir, "state_dir": a.state})
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    print("toolserver: serving %s at %s (log: %s)" % (srv.tools_dir, srv.url, srv.log.path), flush=True)
    done.wait()
    srv.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
