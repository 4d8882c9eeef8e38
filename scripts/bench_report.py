#!/usr/bin/env python3
"""Writes BENCHMARKS.md from one run of scripts/bench: the Swift percentiles (ordo-one/benchmark,
histogramPercentiles TSVs) and the Python peer's JSON, measured back to back on the same machine.

Usage: bench_report.py OUT_DIR [SIZE_LINE]
"""

import glob
import json
import os
import platform
import re
import subprocess
import sys

UNITS = {"ns": 1e-3, "μs": 1.0, "µs": 1.0, "us": 1.0, "ms": 1e3, "s": 1e6}
COUNT_UNITS = {"": 1, "K": 1e3, "M": 1e6, "G": 1e9}


def load_swift(folder):
    """{benchmark name: {metric: {"p50": value, "p99": value}}} with times in µs and counts as numbers."""
    results = {}
    for path in glob.glob(os.path.join(folder, "*.histogram.percentiles.tsv")):
        base = os.path.basename(path)
        match = re.match(r".*?\.LambdaOtelLiteBenchmarks\.(.*)\.([A-Za-z]+)\.histogram\.percentiles\.tsv$", base)
        if not match:
            continue
        name, metric = match.group(1).replace("_", " "), match.group(2)
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
        header = lines[0]
        units = re.findall(r"\(([^)]*)\)", header)
        unit = units[-1] if units else ""
        rows = {int(p): float(v) for p, v in (line.split("\t") for line in lines[1:] if "\t" in line)}
        if metric in ("wallClock", "cpuTotal"):
            scale = UNITS.get(unit, 1.0)
        else:
            scale = COUNT_UNITS.get(unit, 1.0)
        results.setdefault(name, {})[metric] = {"p50": rows[50] * scale, "p99": rows[99] * scale}
    return results


def find(results, prefix):
    for name, value in results.items():
        if name.startswith(prefix):
            return value
    raise SystemExit(f"bench_report: no Swift benchmark starting with {prefix!r} in the results")


def faster(python, swift):
    """The ratio in words: how many times faster (or slower) the Swift figure is."""
    ratio = python / swift
    return f"{ratio:.1f}× faster" if ratio >= 1 else f"{1 / ratio:.1f}× slower"


def us(value):
    if value >= 1000:
        return f"{value / 1000:.2f} ms"
    if value >= 10:
        return f"{value:.1f} µs"
    return f"{value:.2f} µs"


def main():
    out = sys.argv[1]
    size_line = sys.argv[2] if len(sys.argv) > 2 else None
    swift = load_swift(os.path.join(out, "swift"))
    with open(os.path.join(out, "python.json"), encoding="utf-8") as f:
        py = json.load(f)
    extra = {}
    for name in ("coldstart.json", "size.json", "soak.json"):
        path = os.path.join(out, name)
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                extra[name] = json.load(f)

    wall = lambda b: b["wallClock"]["p50"]
    p99 = lambda b: b["wallClock"]["p99"]
    allocs = lambda b: b.get("mallocCountTotal", {}).get("p50")
    fmt_allocs = lambda b: f"{allocs(b):.0f}" if allocs(b) is not None else ""

    span = find(swift, "span: start + 10 attributes (setAttribute)")
    span_dict = find(swift, "span: start + 10 attributes (attributes[")
    million = find(swift, "span: 1M")
    export = {n: find(swift, f"export: {n} spans (") for n in (1, 100, 1000)}
    encode = find(swift, "export: 1000 spans, protobuf")
    floor_reused = find(swift, "floor: zlib gzip level 6 alone, reused stream")
    floor_new = find(swift, "floor: zlib gzip level 6 alone, new stream")
    bare = find(swift, "handler: bare")
    sync_handler = find(swift, "handler: traced, sync")
    span_only = find(swift, "handler: traced, span only")
    v2 = find(swift, "handler: detection + extraction of the v2")
    sqs10 = find(swift, "handler: detection + extraction of a 10-record")
    sqs1000 = find(swift, "handler: detection + extraction of a 1000-record")
    init = find(swift, "init:")
    http = {(n, m): find(swift, f"invocation over HTTP: {n} span{'s' if n > 1 else ''}, {m}")
            for n in (1, 100) for m in ("no telemetry", "async", "sync")}
    mi = {(w, m): find(swift, f"managed instances: 64 invocations, {w} worker{'s' if w > 1 else ''}, {m}")
          for w in (1, 8) for m in ("no telemetry", "async", "sync")}
    py_floor_us = py["floor"]["payload_bytes"] / py["floor"]["gzip6_MBps"]  # bytes / (MB/s) = µs

    def verdict(ok):
        return "met" if ok else "**missed**"

    rows = []

    def row(figure, value, alloc="", floor="", over="", python="", vs_python="", goal="", result=""):
        rows.append((figure, value, alloc, floor, over, python, vs_python, goal, result))

    span_us = wall(span)
    row("span: start + 10 attributes + end, into the processor", us(span_us), fmt_allocs(span), "", "",
        us(py["span_us"]["median"]), faster(py["span_us"]["median"], span_us), "≤ 1 µs", verdict(span_us <= 1))
    dict_ratio = wall(span_dict) / span_us
    row("  the same through `span.attributes[key] = value`", us(wall(span_dict)), fmt_allocs(span_dict),
        us(span_us) + " (`setAttribute`)", f"{dict_ratio:.2f}×",
        us(py["span_us"]["median"]), faster(py["span_us"]["median"], wall(span_dict)),
        "≤ 2 × `setAttribute`", verdict(dict_ratio <= 2))
    for n in (1, 100):
        key = f"export_{n}"
        row(f"export {n} span{'s' if n > 1 else ''}: encode + gzip 6 + base64 + line", us(wall(export[n])),
            fmt_allocs(export[n]), "", "", us(py[key]["ms_median"] * 1e3), faster(py[key]["ms_median"] * 1e3, wall(export[n])))
    ratio = wall(export[1000]) / wall(floor_reused)
    row("export 1000 spans: encode + gzip 6 + base64 + line", us(wall(export[1000])), fmt_allocs(export[1000]),
        us(wall(floor_reused)) + " (zlib alone, reused stream)", f"{ratio:.2f}×",
        us(py["export_1000"]["ms_median"] * 1e3), faster(py["export_1000"]["ms_median"] * 1e3, wall(export[1000])),
        "≤ 1.15 × zlib alone", verdict(ratio <= 1.15))
    row("  of which protobuf encode", us(wall(encode)), fmt_allocs(encode), "", "",
        us(py["export_1000"]["encode_ms"] * 1e3), faster(py["export_1000"]["encode_ms"] * 1e3, wall(encode)))
    row("  zlib alone, new stream per call (as Python's gzip.compress)", us(wall(floor_new)), "", "", "",
        us(py_floor_us), faster(py_floor_us, wall(floor_new)))

    floor1 = http[(1, "no telemetry")]
    sync1 = wall(http[(1, "sync")]) - wall(floor1)
    async1 = p99(http[(1, "async")]) - p99(floor1)
    row("invocation over HTTP, 1 span, no telemetry (the floor), p50 / p99", f"{us(wall(floor1))} / {us(p99(floor1))}",
        fmt_allocs(floor1))
    row("sync mode, 1-span invocation incl. its flush, p50", us(wall(http[(1, "sync")])), fmt_allocs(http[(1, "sync")]),
        us(wall(floor1)), "+" + us(sync1), "", "", "≤ floor + 40 µs", verdict(sync1 <= 40))
    # A p99 below the floor's p99 says the floor's tail was noisier than the traced run's: no verdict.
    row("async mode, 1-span invocation, p99", us(p99(http[(1, "async")])), fmt_allocs(http[(1, "async")]),
        us(p99(floor1)), ("+" + us(async1)) if async1 >= 0 else f"−{us(-async1)}", "", "", "≤ floor + 20 µs (p99)",
        verdict(async1 <= 20) if async1 >= 0 else "inconclusive: the floor's p99 is above the traced p99 (noise)")
    floor100 = http[(100, "no telemetry")]
    async100 = p99(http[(100, "async")]) - p99(floor100)
    budget100 = 100 * span_us + 20
    row("async mode, 100-span invocation, p99", us(p99(http[(100, "async")])), fmt_allocs(http[(100, "async")]),
        us(p99(floor100)), "+" + us(async100), "", "", f"≤ floor + 100 spans + 20 µs = +{us(budget100)}",
        verdict(async100 <= budget100))
    row("sync mode, 100-span invocation incl. their export, p50", us(wall(http[(100, "sync")])),
        fmt_allocs(http[(100, "sync")]), us(wall(floor100)), "+" + us(wall(http[(100, "sync")]) - wall(floor100)))

    row("handler in process, sync mode incl. the 1-span flush (no HTTP)", us(wall(sync_handler)), fmt_allocs(sync_handler),
        us(wall(bare)) + " (bare handler)", "+" + us(wall(sync_handler) - wall(bare)),
        us(py["handler"]["overhead_sync_us"]) + " (overhead)", faster(py["handler"]["overhead_sync_us"], wall(sync_handler) - wall(bare)))
    row("handler in process, span only, no flush", us(wall(span_only)), fmt_allocs(span_only),
        us(wall(bare)) + " (bare handler)", "+" + us(wall(span_only) - wall(bare)),
        us(py["handler"]["overhead_no_export_us"]) + " (overhead)", faster(py["handler"]["overhead_no_export_us"], wall(span_only) - wall(bare)))
    row("  of which detection + extraction, API Gateway v2 event", us(wall(v2)), fmt_allocs(v2))
    row("detection + extraction, 10-record SQS batch", us(wall(sqs10)), fmt_allocs(sqs10))
    row("detection + extraction, 1,000-record SQS batch", us(wall(sqs1000)), fmt_allocs(sqs1000), "", "", "", "",
        "< 1 ms", verdict(wall(sqs1000) < 1000))

    row("bootstrap: `LambdaTelemetry.make`, default plugins", us(wall(init)), fmt_allocs(init), "", "",
        us(py["init"]["init_telemetry_ms"] * 1e3), faster(py["init"]["init_telemetry_ms"] * 1e3, wall(init)),
        "≤ 0.5 ms", verdict(wall(init) <= 500))
    # Metrics and logs: the cost of one update and one record, each beside the same call on a no-op backend.
    for figure, name, floor_name in (
        ("metrics: `Counter.increment`, EMF backend", "metrics: Counter.increment, EMF backend",
         "floor: Counter.increment, no-op metrics backend"),
        ("metrics: `Timer.recordNanoseconds`, EMF backend", "metrics: Timer.recordNanoseconds, EMF backend",
         "floor: Timer.recordNanoseconds, no-op metrics backend"),
        ("metrics: EMF flush of 10 updated counters, one line", "metrics: EMF flush of 10 updated counters",
         "floor: the same flush with no metrics plugin"),
        ("logs: `logger.info` in a span → `log.record` event", "logs: logger.info with metadata in a span, span-event",
         "floor: logger.info with metadata in a span, no-op"),
    ):
        value, floor = find(swift, name), find(swift, floor_name)
        row(figure, us(wall(value)), fmt_allocs(value), us(wall(floor)) + " (no-op)", "+" + us(wall(value) - wall(floor)))
    cold = extra.get("coldstart.json")
    if cold:
        traced, floor = cold["hello-lambda"]["median_ms"], cold["bare-lambda"]["median_ms"]
        row("cold start: process start → first `next`, median", f"{traced:.2f} ms", "", f"{floor:.2f} ms",
            f"+{(traced - floor):.2f} ms", "", "", "≤ floor + 1 ms", verdict(traced - floor <= 1.0))
    size = extra.get("size.json")
    if size:
        # The goals are those of scripts/size-check: tracing alone within 1.5 MiB of the floor, and with the
        # EMF metrics and log-event plugins (and swift-metrics) within 1.75 MiB.
        for label, bytes_, goal in (
            ("size: `QuickStart` (tracing, default plugins), static, stripped", size["quickstart"], 1.5),
            ("size: `hello-lambda` (tracing, metrics, log events), static, stripped", size["traced"], 1.75),
        ):
            diff = (bytes_ - size["floor"]) / 1048576
            row(label, f"{bytes_ / 1048576:.2f} MiB", "", f"{size['floor'] / 1048576:.2f} MiB", f"+{diff:.2f} MiB",
                "", "", f"≤ floor + {goal:g} MiB", verdict(diff <= goal))
    row("memory: 1 M spans through a 2,048 queue, peak resident", f"{million['peakMemoryResident']['p50'] / 1e6:.0f} MB",
        "", "", "", "", "", "flat", "")
    soak = extra.get("soak.json")
    if soak:
        row(f"memory: {soak['invocations']:,} invocations ({soak['mode']}), resident after 5,000 → at the end",
            f"{soak['first']:.2f} → {soak['last']:.2f} MiB", "", "", f"{soak['last'] - soak['first']:+.2f} MiB",
            "", "", "flat", verdict(soak["last"] - soak["first"] <= 1.0))

    mi_rows = []
    for m in ("no telemetry", "async", "sync"):
        one, eight = wall(mi[(1, m)]), wall(mi[(8, m)])
        mi_rows.append((m, f"{64 / (one / 1e6):.0f}", f"{64 / (eight / 1e6):.0f}", f"{one / eight:.2f}×",
                        us((eight - wall(mi[(8, 'no telemetry')])) / 64)))

    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    swift_version = subprocess.run(["swift", "--version"], capture_output=True, text=True).stdout.splitlines()
    swift_version = swift_version[0] if swift_version else "unknown"

    print("# Benchmarks\n")
    print(f"One run of `bash scripts/bench` on {py['run']['date_utc']} (UTC): the Swift benchmarks (ordo-one/benchmark),")
    print("the Python reference implementation's bench (`shared/peer`, lambda-otel-lite 0.15.0 + otlp-stdout-span-exporter")
    print("0.16.0), the cold-start, size and soak measurements, back to back on the same machine. The floor of each")
    print("end-to-end figure is the same function on swift-aws-lambda-runtime without telemetry, measured in the same run")
    print("over real HTTP against the emulator. Only same-run ratios mean anything: this machine is shared and noisy.\n")
    print(f"- machine: {os.cpu_count()} cores, {cpu}, Linux {platform.release()}")
    print(f"- Swift: {swift_version}, release build, ordo-one/benchmark (malloc interposer on, so allocations are counted)")
    print(f"- Python: {py['machine'].get('python')}, protobuf {py['run']['versions'].get('protobuf')}, zlib {py['floor'].get('zlib_version')}")
    print(f"- Python run: {'quick' if py['run'].get('quick') else 'full'}; Swift figures are medians of ordo-one's samples (p99 where marked)\n")
    print("| figure | Swift | allocations | floor | over the floor | Python | vs. Python | goal | result |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(r) + " |")
    if size_line:
        print(f"\nSize check: {size_line}")
    print("\n## Lambda Managed Instances: 64 concurrent invocations of a 100-span function\n")
    print("| telemetry | invocations/s, 1 worker | invocations/s, 8 workers | 8 workers vs. 1 | added per invocation, 8 workers |")
    print("|---|---|---|---|---|")
    for r in mi_rows:
        print("| " + " | ".join(r) + " |")
    notes = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bench_notes.md")
    if os.path.exists(notes):
        with open(notes, encoding="utf-8") as f:
            print("\n" + f.read().rstrip())
    print("\n## Reproduce\n")
    print("```bash\nbash scripts/bench            # writes this file\nbash scripts/bench --quick    # shorter Python run\n"
          "(cd Benchmarks && swift package --disable-sandbox benchmark)   # the Swift side alone, as a table\n```")


if __name__ == "__main__":
    main()
