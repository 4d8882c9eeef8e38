#!/usr/bin/env python3
"""Cold start of a function binary: the time from spawning the process to its first `GET .../invocation/next`
on a minimal Runtime API (and Extensions API) server. Each binary is started RUNS times, alternating, and killed
as soon as its first `next` arrives; the medians and the difference are printed as JSON.

Usage: coldstart.py RUNS NAME=PATH [NAME=PATH ...]
"""

import http.server
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time

arrivals = {}
lock = threading.Condition()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _answer(self, status, body=b"{}", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        if self.path.endswith("/extension/register"):
            self._answer(200, b'{"functionName":"cold","functionVersion":"$LATEST","handler":"x"}',
                         [("Lambda-Extension-Identifier", "cold-start-extension")])
        else:
            self._answer(202)

    def do_GET(self):
        if self.path.endswith("/runtime/invocation/next"):
            now = time.perf_counter()
            with lock:
                arrivals.setdefault("next", now)
                lock.notify_all()
            time.sleep(5)  # the process is killed before this answers
            return
        if self.path.endswith("/extension/event/next"):
            time.sleep(5)
            return
        self._answer(404)


def main():
    runs = int(sys.argv[1])
    binaries = [arg.split("=", 1) for arg in sys.argv[2:]]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = dict(os.environ)
    env.update({
        "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{server.server_address[1]}",
        "AWS_LAMBDA_FUNCTION_NAME": "cold",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
        "AWS_REGION": "us-east-1",
        "AWS_LAMBDA_LOG_LEVEL": "ERROR",
    })
    times = {name: [] for name, _ in binaries}
    for _ in range(runs):
        for name, path in binaries:
            with lock:
                arrivals.clear()
            start = time.perf_counter()
            process = subprocess.Popen([path], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            with lock:
                lock.wait_for(lambda: "next" in arrivals, timeout=10)
                arrived = arrivals.get("next")
            process.send_signal(signal.SIGKILL)
            process.wait()
            if arrived is None:
                raise SystemExit(f"coldstart: {name} never asked for its first invocation")
            times[name].append((arrived - start) * 1e3)
    result = {name: {"median_ms": statistics.median(v), "p90_ms": sorted(v)[int(len(v) * 0.9) - 1], "runs": len(v)}
              for name, v in times.items()}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
