#!/usr/bin/env python3
"""Webhook receiver for spool's end-to-end tests (stdlib only).

Usage: webhookreceiver.py --root DIR [--port 0]
Binds 127.0.0.1, prints "READY <port>" on stdout once listening, and appends one JSON line per POST
to DIR/requests.jsonl: {"path", "at" (unix seconds), "signature" (X-Spool-Signature or null), "body",
"answer"}. Exits when its stdin reaches EOF.

Routes (POST):
  /ok/<tag>             answers 200
  /flaky/<n>/<tag>      answers 503 to the first <n> requests under <tag>, then 200
  /hang/<tag>           reads the request, never answers
"""
import argparse
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT = "."
LOCK = threading.Lock()
COUNTS = {}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length).decode("utf-8", "replace")
        parts = self.path.strip("/").split("/")
        answer = 200
        if parts[0] == "flaky" and len(parts) == 3:
            with LOCK:
                COUNTS[self.path] = COUNTS.get(self.path, 0) + 1
                if COUNTS[self.path] <= int(parts[1]):
                    answer = 503
        elif parts[0] == "hang":
            answer = None
        record = {"path": self.path, "at": time.time(), "signature": self.headers.get("X-Spool-Signature"),
                  "body": body, "answer": answer}
        with LOCK:
            with open(os.path.join(ROOT, "requests.jsonl"), "a") as f:
                f.write(json.dumps(record) + "\n")
        if answer is None:
            while True:
                time.sleep(60)
        self.send_response(answer)
        self.send_header("Content-Length", "0")
        self.end_headers()


def main():
    global ROOT
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", required=True)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    ROOT = args.root
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True

    def watch_stdin():
        try:
            while sys.stdin.buffer.read(4096):
                pass
        finally:
            os._exit(0)

    threading.Thread(target=watch_stdin, daemon=True).start()
    print("READY %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
