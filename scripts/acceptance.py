#!/usr/bin/env python3
"""End-to-end acceptance: the release hello-lambda as a child process under cargo-lambda's Runtime API emulator.

Usage: acceptance.py BINARY CARGO_LAMBDA [--modes sync,async,finalize] [--seed N] [--bodies N]

For each processing mode one function process serves, in order:
  1. every sample event in Examples/Events, each followed by a normal invocation; then the /error and /throw
     routes, each followed by a normal invocation;
  2. a stdout reader that stops reading for one second during an invocation (the pipe is full), then a /throw,
     then two normal invocations;
  3. seeded generated bodies: random JSON, truncated JSON, non-JSON text, deep nesting, invalid UTF-8, huge
     strings.
Then the function gets SIGTERM. Every invocation must be answered, the process must still be alive before the
SIGTERM and exit 0 after it, every exported line must decode with the independent decoder (json, base64, gzip,
opentelemetry-proto; see conformance.py), and every answered invocation must have exactly one invocation span
(`faas.invocation_id`), no span exported twice. Every EMF metric line must pass the EMF schema and rules
(emf_conformance.py), and the function's `hello.requests` counts over them must equal the answers it made
(fewer only when the function reported dropped EMF lines during the stall).

The function uses the Runtime API the way it is given on AWS: AWS_LAMBDA_RUNTIME_API=host:port. cargo-lambda
serves it under a `/.rt` prefix and accepts a response with 200 where the Runtime API answers 202 Accepted, so a
small front in this script, the only thing between the two, adds the prefix and reports a 200 from a response
or error endpoint as 202. It changes nothing else: bodies, headers and timing pass through.
"""

import argparse
import fcntl
import http.client
import http.server
import json
import os
import random
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import conformance  # noqa: E402  (the independent decoder)
import emf_conformance  # noqa: E402  (the EMF schema and rules)

ROOT = Path(__file__).resolve().parent.parent
FILLER = b"#" * 255 + b"\n"
F_SETPIPE_SZ = 1031


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Front:
    """Serves the Runtime and Extensions APIs at host:port root, forwarding to cargo-lambda's `/.rt` prefix."""

    def __init__(self, upstream_port):
        self.upstream_port = upstream_port
        self.port = free_port()
        self.lock = threading.Lock()
        self.delivered = {}  # request id -> event bytes
        self.order = []
        self.answered = {}  # request id -> "response" | "error"
        self.responses = {}  # request id -> response body
        front = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def read_body(self):
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    out = bytearray()
                    while True:
                        size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                        if size == 0:
                            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                                pass
                            return bytes(out)
                        out += self.rfile.read(size)
                        self.rfile.readline()
                length = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(length) if length else b""

            def forward(self):
                body = self.read_body()
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in ("transfer-encoding", "content-length", "connection", "host")}
                upstream = http.client.HTTPConnection("127.0.0.1", front.upstream_port, timeout=3600)
                try:
                    upstream.request(self.command, "/.rt" + self.path, body=body if self.command == "POST" else None,
                                     headers=headers)
                    reply = upstream.getresponse()
                    payload = reply.read()
                except (OSError, http.client.HTTPException) as error:
                    print(f"front: {self.command} {self.path}: cargo-lambda gave no answer ({error})", file=sys.stderr)
                    try:
                        self.send_error(502, str(error))
                    except OSError:
                        pass
                    return
                finally:
                    upstream.close()
                status = reply.status
                path = self.path
                if path.endswith("/runtime/invocation/next") and status == 200:
                    request_id = reply.getheader("lambda-runtime-aws-request-id")
                    with front.lock:
                        front.delivered[request_id] = payload
                        front.order.append(request_id)
                if self.command == "POST" and "/runtime/invocation/" in path:
                    kind = "response" if path.endswith("/response") else "error" if path.endswith("/error") else None
                    if kind:
                        request_id = path.split("/")[-2]
                        with front.lock:
                            front.answered[request_id] = kind
                            if kind == "response":
                                front.responses[request_id] = body
                        if status == 200:
                            status = 202
                self.send_response(status)
                for key, value in reply.getheaders():
                    if key.lower() not in ("transfer-encoding", "content-length", "connection", "date"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = forward

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class StdoutReader:
    """Reads the function's stdout line by line; can stop reading, with the pipe full, to stall the writer."""

    def __init__(self, process):
        self.process = process
        self.fd = process.stdout.fileno()
        try:
            fcntl.fcntl(self.fd, F_SETPIPE_SZ, 4096)
        except OSError:
            pass
        self.lines = []
        self.lock = threading.Lock()
        self.running = threading.Event()
        self.running.set()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        pending = b""
        while True:
            self.running.wait()
            ready, _, _ = select.select([self.fd], [], [], 0.05)
            if not ready:
                continue
            if not self.running.is_set():
                continue
            chunk = os.read(self.fd, 1 << 16)
            if not chunk:
                break
            pending += chunk
            *complete, pending = pending.split(b"\n")
            with self.lock:
                self.lines.extend(line for line in complete if line and not line.startswith(b"#"))

    def stall(self):
        """Stops reading and fills the pipe, so the function's next write blocks."""
        self.running.clear()
        time.sleep(0.1)
        writer = os.open(f"/proc/{self.process.pid}/fd/1", os.O_WRONLY | os.O_NONBLOCK)
        try:
            while True:
                try:
                    os.write(writer, FILLER)
                except BlockingIOError:
                    break
        finally:
            os.close(writer)

    def resume(self):
        self.running.set()

    def snapshot(self):
        with self.lock:
            return list(self.lines)


def generated_bodies(seed, count):
    """Seeded event bodies of every kind a broken or hostile caller sends: (kind, bytes)."""
    rng = random.Random(seed)

    def value(depth):
        roll = rng.random()
        if depth > 4 or roll < 0.3:
            return rng.choice([None, True, False, rng.randint(-2**63, 2**63 - 1), rng.random() * 1e6,
                               "".join(rng.choice("abcé\u00fc\u4e2d\U0001f600\"\\/\n") for _ in range(rng.randint(0, 12)))])
        if roll < 0.65:
            return {rng.choice(["rawPath", "Records", "headers", "source", "detail-type", "requestContext", "k%d" % i]):
                    value(depth + 1) for i in range(rng.randint(0, 5))}
        return [value(depth + 1) for _ in range(rng.randint(0, 5))]

    kinds = ["json", "truncated", "text", "deep", "utf8", "huge", "trigger"]
    bodies = []
    for index in range(count):
        kind = kinds[index % len(kinds)]
        if kind == "json":
            body = json.dumps(value(0)).encode()
        elif kind == "truncated":
            whole = json.dumps({"rawPath": "/orders/7", "Records": [value(1) for _ in range(3)]}).encode()
            body = whole[: rng.randint(1, max(1, len(whole) - 1))]
        elif kind == "text":
            body = bytes(rng.randint(0x20, 0x7E) for _ in range(rng.randint(1, 200)))
        elif kind == "deep":
            depth = rng.choice([64, 512, 4096, 20000])
            opener, closer = rng.choice([(b"[", b"]"), (b'{"a":', b"}")])
            body = opener * depth + b"1" + closer * depth
        elif kind == "utf8":
            body = b'{"rawPath":"/x\xff\xfe","headers":{"traceparent":"\xc3\x28"}}'
            body = body if rng.random() < 0.5 else bytes(rng.randint(0, 255) for _ in range(rng.randint(1, 64)))
        elif kind == "huge":
            body = json.dumps({"rawPath": "/big", "blob": "x" * rng.randint(100_000, 1_000_000)}).encode()
        else:
            sample = rng.choice(sorted((ROOT / "Examples" / "Events").glob("*.json")))
            event = json.loads(sample.read_text())
            mutate(event, rng)
            body = json.dumps(event).encode()
        bodies.append((kind, body))
    return bodies


def mutate(node, rng):
    """Replaces a few values of a real event with values of the wrong type."""
    if isinstance(node, dict):
        for key in list(node):
            if rng.random() < 0.15:
                node[key] = rng.choice([None, 7, "", [], {}, "x" * 300, -1.5])
            else:
                mutate(node[key], rng)
    elif isinstance(node, list):
        for item in node:
            mutate(item, rng)


def is_json(body):
    try:
        json.loads(body.decode("utf-8"))
        return True
    except (UnicodeDecodeError, ValueError, RecursionError):
        return False


class Failure(Exception):
    pass


class Run:
    """One processing mode: cargo-lambda, the front, the function, and what they saw."""

    def __init__(self, args, mode, workdir):
        self.args = args
        self.mode = mode
        self.workdir = workdir
        self.emulator_port = free_port()
        self.sent = []  # (label, body, status or None, seconds)
        log = open(workdir / f"cargo-lambda-{mode}.log", "wb")
        self.emulator = subprocess.Popen(
            [args.cargo_lambda, "lambda", "watch", "--only-lambda-apis", "-A", "127.0.0.1",
             "-P", str(self.emulator_port)],
            cwd=workdir / "crate", stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ, RUST_LOG="warn"))
        self.wait_for_port(self.emulator_port)
        self.front = Front(self.emulator_port)
        self.stderr_path = workdir / f"function-{mode}.stderr"
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{self.front.port}",
            "AWS_LAMBDA_FUNCTION_NAME": "_",
            "AWS_LAMBDA_FUNCTION_VERSION": "1",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "4096",
            "AWS_REGION": "us-east-1",
            "LAMBDA_EXTENSION_SPAN_PROCESSOR_MODE": mode,
            "LOG_LEVEL": "info",
        }
        self.function = subprocess.Popen(
            [args.binary], env=env, stdout=subprocess.PIPE, stderr=open(self.stderr_path, "wb"))
        self.reader = StdoutReader(self.function)

    @staticmethod
    def wait_for_port(port, timeout=30):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    return
            time.sleep(0.05)
        raise Failure(f"cargo-lambda did not listen on port {port}")

    def invoke(self, label, body, timeout=60):
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.emulator_port}/2015-03-31/functions/_/invocations", data=body, method="POST")
        start = time.monotonic()
        status = None
        try:
            with urllib.request.urlopen(request, timeout=timeout) as reply:
                reply.read()
                status = reply.status
        except urllib.error.HTTPError as error:
            error.read()
            status = error.code
        except (OSError, http.client.HTTPException):
            status = None
        elapsed = time.monotonic() - start
        self.sent.append((label, body, status, elapsed))
        return status, elapsed

    def alive(self):
        return self.function.poll() is None

    def stop(self):
        exit_status = None
        if self.alive():
            self.function.send_signal(signal.SIGTERM)
            try:
                exit_status = self.function.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.function.kill()
                exit_status = "hung after SIGTERM"
        else:
            exit_status = self.function.returncode
        self.reader.thread.join(timeout=5)
        self.emulator.terminate()
        try:
            self.emulator.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.emulator.kill()
        self.front.close()
        return exit_status


def event_with_path(path):
    event = json.loads((ROOT / "Examples" / "Events" / "apigw_v2_http.json").read_text())
    event["rawPath"] = path
    event["routeKey"] = f"GET {path}"
    event.get("requestContext", {}).get("http", {})["path"] = path
    return json.dumps(event).encode()


def run_mode(args, mode, workdir):
    run = Run(args, mode, workdir)
    problems = []
    normal = event_with_path("/orders/1")
    try:
        time.sleep(0.3)
        # 1. Sample events and the error routes, each followed by a normal invocation.
        for sample in sorted((ROOT / "Examples" / "Events").glob("*.json")):
            run.invoke(sample.name, sample.read_bytes())
            run.invoke("normal", normal)
        for route in ("/error", "/throw"):
            run.invoke(route, event_with_path(route))
            run.invoke("normal", normal)
        # 2. A stalled stdout reader during one invocation, then a throw, then two normal invocations.
        run.invoke("before the stall", normal)
        run.reader.stall()
        resume = threading.Timer(1.0, run.reader.resume)
        resume.start()
        status, stalled_seconds = run.invoke("during the stall", event_with_path("/orders/stalled"))
        resume.join()
        run.invoke("throw after the stall", event_with_path("/throw"))
        run.invoke("normal after the stall", normal)
        run.invoke("normal after the stall", normal)
        if not run.alive():
            problems.append("the process ended during the stalled-stdout scenario")
        # 3. Generated bodies.
        for kind, body in generated_bodies(args.seed, args.bodies):
            if not run.alive():
                break
            run.invoke(f"generated {kind}", body)
        alive_at_end = run.alive()
        if not alive_at_end:
            problems.append(f"the process ended (status {run.function.returncode}) before the SIGTERM")
        time.sleep(0.5)
    finally:
        exit_status = run.stop()
    if alive_at_end and exit_status != 0:
        problems.append(f"after SIGTERM the process exited with {exit_status}, not 0")

    # Every line decodes; count invocation spans and duplicates.
    lines = run.reader.snapshot()
    span_keys = {}
    invocation_spans = {}
    emf_lines = 0
    requests = {}  # outcome -> sum of hello.requests over the EMF lines
    for number, line in enumerate(lines, 1):
        if line.startswith(b'{"_aws"'):
            try:
                doc = emf_conformance.check_document(line.decode("utf-8"))
            except (ValueError, emf_conformance.Refused) as error:
                problems.append(f"stdout line {number} is not a valid EMF document: {error} ({line[:80]!r})")
                continue
            emf_lines += 1
            if "hello.requests" in doc:
                values = doc["hello.requests"] if isinstance(doc["hello.requests"], list) else [doc["hello.requests"]]
                requests[doc.get("outcome")] = requests.get(doc.get("outcome"), 0) + sum(values)
            continue
        try:
            envelope = json.loads(line)
            conformance.check(isinstance(envelope, dict) and envelope.get("__otel_otlp_stdout"), "not an otlp line")
            request = conformance.decode_payload(envelope)
        except (ValueError, conformance.Mismatch) as error:
            problems.append(f"stdout line {number} does not decode: {error} ({line[:80]!r})")
            continue
        for resource_spans in request.resource_spans:
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    key = (span.trace_id, span.span_id)
                    span_keys[key] = span_keys.get(key, 0) + 1
                    for kv in span.attributes:
                        if kv.key == "faas.invocation_id":
                            request_id = kv.value.string_value
                            invocation_spans[request_id] = invocation_spans.get(request_id, 0) + 1
    duplicates = sum(1 for count in span_keys.values() if count > 1)
    if duplicates:
        problems.append(f"{duplicates} spans exported more than once")

    answered = sum(1 for _, _, status, _ in run.sent if status is not None)
    if answered != len(run.sent):
        unanswered = [(label, status) for label, _, status, _ in run.sent if status is None]
        problems.append(f"{len(run.sent) - answered} of {len(run.sent)} invocations unanswered, first: {unanswered[0][0]}")
    delivered = run.front.order
    json_answered = [rid for rid in delivered if rid in run.front.answered and is_json(run.front.delivered[rid])]
    other_answered = [rid for rid in delivered if rid in run.front.answered and not is_json(run.front.delivered[rid])]
    wrong = [(rid, invocation_spans.get(rid, 0)) for rid in json_answered if invocation_spans.get(rid, 0) != 1]
    if wrong:
        problems.append(f"{len(wrong)} answered JSON invocations without exactly one invocation span, first: {wrong[0]}")
    twice = [rid for rid, count in invocation_spans.items() if count > 1]
    if twice:
        problems.append(f"{len(twice)} invocation spans exported more than once")
    json_spans = sum(1 for rid in json_answered if invocation_spans.get(rid, 0) == 1)
    other_spans = sum(1 for rid in other_answered if invocation_spans.get(rid, 0) == 1)
    # The handler counts each answer it makes: the EMF lines must hold every count exactly once.
    responses = [run.front.responses.get(rid, b"") for rid in delivered if run.front.answered.get(rid) == "response"]
    want_ok = sum(1 for body in responses if b"orderId" in body)
    want_error = sum(1 for body in responses if b"something went wrong" in body)
    emf_dropped = "EMF metrics:" in Path(run.stderr_path).read_text(errors="replace")
    for outcome, want in (("ok", want_ok), ("error", want_error)):
        got = requests.get(outcome, 0)
        if got > want or (got < want and not emf_dropped):
            problems.append(f"EMF hello.requests outcome={outcome}: {got:g}, want {want}")
    summary = {
        "mode": mode,
        "sent": len(run.sent),
        "answered": answered,
        "json invocations answered": len(json_answered),
        "json invocation spans": json_spans,
        "non-json invocations answered": len(other_answered),
        "non-json invocation spans": other_spans,
        "lines": len(lines),
        "emf lines": emf_lines,
        "emf requests ok": f"{requests.get('ok', 0):g} of {want_ok}",
        "emf requests error": f"{requests.get('error', 0):g} of {want_error}",
        "spans": len(span_keys),
        "stalled invocation answered in": f"{stalled_seconds:.2f} s",
        "alive before SIGTERM": alive_at_end,
        "exit after SIGTERM": exit_status,
    }
    if mode == "sync":
        stalled = [rid for rid in delivered if b"/orders/stalled" in run.front.delivered[rid]]
        if stalled and invocation_spans.get(stalled[0], 0) != 1:
            problems.append("sync: the invocation during the one-second stall lost its span")
    if mode != "sync" and stalled_seconds >= 1.0:
        problems.append(f"{mode}: the response waited for stdout ({stalled_seconds:.2f} s)")
    return summary, problems, run.stderr_path


def prepare_crate(workdir):
    """cargo-lambda reads a Cargo manifest even with --only-lambda-apis; give it an empty package."""
    crate = workdir / "crate"
    (crate / "src").mkdir(parents=True)
    (crate / "Cargo.toml").write_text('[package]\nname = "hello-lambda"\nversion = "0.1.0"\nedition = "2021"\n')
    (crate / "src" / "main.rs").write_text("fn main() {}\n")
    if shutil.which("cargo") is None:
        # Without a Rust toolchain, answer `cargo metadata` the way cargo does for this package.
        bin_dir = workdir / "bin"
        bin_dir.mkdir()
        package_id = f"path+file://{crate}#hello-lambda@0.1.0"
        metadata = {
            "packages": [{
                "name": "hello-lambda", "version": "0.1.0", "id": package_id, "license": None,
                "license_file": None, "description": None, "source": None, "dependencies": [],
                "targets": [{"kind": ["bin"], "crate_types": ["bin"], "name": "hello-lambda",
                             "src_path": str(crate / "src" / "main.rs"), "edition": "2021", "doc": True,
                             "doctest": False, "test": True}],
                "features": {}, "manifest_path": str(crate / "Cargo.toml"), "metadata": None, "publish": None,
                "authors": [], "categories": [], "keywords": [], "readme": None, "repository": None,
                "homepage": None, "documentation": None, "edition": "2021", "links": None, "default_run": None,
                "rust_version": None}],
            "workspace_members": [package_id], "workspace_default_members": [package_id], "resolve": None,
            "target_directory": str(crate / "target"), "version": 1, "workspace_root": str(crate),
            "metadata": None}
        shim = bin_dir / "cargo"
        shim.write_text("#!/bin/sh\ncat <<'EOF'\n" + json.dumps(metadata) + "\nEOF\n")
        shim.chmod(0o755)
        os.environ["PATH"] = f"{bin_dir}:{os.environ.get('PATH', '')}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("cargo_lambda")
    parser.add_argument("--modes", default="sync,async,finalize")
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--bodies", type=int, default=300)
    args = parser.parse_args()
    # The emulator runs in a directory of its own: name both programs absolutely.
    args.binary = str(Path(args.binary).resolve())
    args.cargo_lambda = str(Path(args.cargo_lambda).resolve())
    workdir = Path(tempfile.mkdtemp(prefix="acceptance-"))
    prepare_crate(workdir)
    failed = False
    for mode in args.modes.split(","):
        summary, problems, stderr_path = run_mode(args, mode, workdir)
        print(json.dumps(summary))
        for problem in problems:
            print(f"FAIL [{mode}] {problem}")
        if problems:
            failed = True
            tail = stderr_path.read_bytes()[-3000:].decode("utf-8", "replace")
            print(f"--- last function stderr ({mode}) ---\n{tail}")
    print("acceptance: FAIL" if failed else "acceptance: all modes pass")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
