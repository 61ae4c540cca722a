#!/usr/bin/env python3
"""Range-capable test HTTP server for spool's end-to-end tests (stdlib only).

Usage: labserver.py --root DIR [--port 0]
Binds 127.0.0.1, prints "READY <port>" on stdout once listening.

Routes:
  /<file>                       HEAD/GET, single "Range: bytes=a-b" (206 + Content-Range)
  /status/<code>/<name>         answers <code> with a short text body
  /hang/<name>                  accepts, never answers
  /slow/<bytes_per_s>/<file>    like /<file>, throttled
  /flaky/<code>/<n>/<tag>/<file>  answers <code> to the first <n> requests under <tag>, then serves <file>
  /outage/<tag>/<file>          like /<file>, but answers 503 while the marker file <root>/.outage/<tag>
                                exists (a test creates and removes it to simulate a server outage);
                                relative URLs in a playlist served this way stay under the outage
"""
import argparse
import os
import re
import socket
import sys
import threading
import time
import urllib.parse
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT = "."
TYPES = {".mp4": "video/mp4", ".webm": "video/webm", ".mkv": "video/x-matroska",
         ".m4a": "audio/mp4", ".mp3": "audio/mpeg", ".html": "text/html",
         ".vtt": "text/vtt", ".jpg": "image/jpeg", ".m3u8": "application/vnd.apple.mpegurl",
         ".ts": "video/mp2t", ".json": "application/json"}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "labserver/1"

    def log_message(self, fmt, *args):
        if os.environ.get("LABSERVER_VERBOSE"):
            sys.stderr.write("labserver: " + (fmt % args) + "\n")

    def do_HEAD(self):
        self.route(head=True)

    def do_GET(self):
        self.route(head=False)

    def route(self, head):
        try:
            path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
            parts = [p for p in path.split("/") if p]
            if len(parts) >= 3 and parts[0] == "status" and parts[1].isdigit():
                return self.send_status(int(parts[1]), head)
            if len(parts) >= 2 and parts[0] == "hang":
                self.server.hanging.append(self.connection)
                while True:
                    time.sleep(3600)
            if len(parts) >= 5 and parts[0] == "flaky" and parts[1].isdigit() and parts[2].isdigit():
                key = parts[3]
                with self.server.lock:
                    hits = self.server.flaky.get(key, 0)
                    self.server.flaky[key] = hits + 1
                if hits < int(parts[2]):
                    return self.send_status(int(parts[1]), head)
                return self.send_file("/".join(parts[4:]), head, rate=None)
            if len(parts) >= 3 and parts[0] == "outage" and re.fullmatch(r"[A-Za-z0-9._-]+", parts[1]):
                if os.path.exists(os.path.join(ROOT, ".outage", parts[1])):
                    return self.send_status(503, head)
                return self.send_file("/".join(parts[2:]), head, rate=None)
            if len(parts) >= 3 and parts[0] == "slow" and parts[1].isdigit():
                return self.send_file("/".join(parts[2:]), head, rate=max(1, int(parts[1])))
            return self.send_file("/".join(parts), head, rate=None)
        except (ConnectionResetError, BrokenPipeError, ConnectionAbortedError, socket.timeout):
            self.close_connection = True

    def send_status(self, code, head):
        body = ("status %d\n" % code).encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def send_file(self, rel, head, rate):
        full = os.path.realpath(os.path.join(ROOT, rel))
        if not (full == ROOT or full.startswith(ROOT + os.sep)) or not os.path.isfile(full):
            return self.send_status(404, head)
        size = os.path.getsize(full)
        start, end, partial = 0, size - 1, False
        rng = self.headers.get("Range")
        if rng:
            m = re.fullmatch(r"\s*bytes=(\d*)-(\d*)\s*", rng)
            if m and (m.group(1) or m.group(2)):
                if m.group(1):
                    start = int(m.group(1))
                    end = int(m.group(2)) if m.group(2) else size - 1
                else:
                    start = max(0, size - int(m.group(2)))
                end = min(end, size - 1)
                if start >= size or start > end:
                    self.send_response(416)
                    self.send_header("Content-Range", "bytes */%d" % size)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                partial = True
        length = end - start + 1
        self.send_response(206 if partial else 200)
        ctype = TYPES.get(os.path.splitext(full)[1].lower(), "application/octet-stream")
        self.send_header("Content-Type", ctype)
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Length", str(length))
        self.send_header("Last-Modified", formatdate(os.path.getmtime(full), usegmt=True))
        if partial:
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, end, size))
        self.end_headers()
        if head:
            return
        with open(full, "rb") as f:
            f.seek(start)
            remaining = length
            chunk = 64 * 1024 if rate is None else max(1, min(64 * 1024, rate // 10 or 1))
            while remaining > 0:
                data = f.read(min(chunk, remaining))
                if not data:
                    break
                self.wfile.write(data)
                remaining -= len(data)
                if rate is not None:
                    time.sleep(len(data) / rate)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.hanging = []
        self.flaky = {}
        self.lock = threading.Lock()

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionResetError, BrokenPipeError, ConnectionAbortedError, socket.timeout)):
            return
        super().handle_error(request, client_address)


def main():
    global ROOT
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args()
    ROOT = os.path.realpath(args.root)
    httpd = Server(("127.0.0.1", args.port), Handler)
    print("READY %d" % httpd.server_address[1], flush=True)
    # Exit when the parent closes our stdin (the test process ended).
    def watch_stdin():
        try:
            while sys.stdin.buffer.read(4096):
                pass
        except Exception:
            pass
        os._exit(0)
    threading.Thread(target=watch_stdin, daemon=True).start()
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
