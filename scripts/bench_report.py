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

    span = find(swift, "span: start")
    million = find(swift, "span: 1M")
    export = {n: find(swift, f"export: {n} spans (") for n in (1, 100, 1000)}
    encode = find(swift, "export: 1000 spans, protobuf")
    floor = find(swift, "floor: zlib")
    bare = find(swift, "handler: bare")
    sync = find(swift, "handler: traced, sync")
    span_only = find(swift, "handler: traced, span only")
    extraction = find(swift, "handler: detection")
    init = find(swift, "init:")
    async_plain = find(swift, "async mode: invocation with 100 spans, no telemetry")
    async_traced = find(swift, "async mode: invocation with 100 spans, traced")
    sync_traced = next((v for k, v in swift.items() if k.startswith("sync mode: invocation with 100 spans")), None)

    wall = lambda b: b["wallClock"]["p50"]
    allocs = lambda b: b.get("mallocCountTotal", {}).get("p50")
    py_floor_us = py["floor"]["payload_bytes"] / py["floor"]["gzip6_MBps"]  # bytes / (MB/s) = µs

    span_us = wall(span)
    sync_overhead = wall(sync) - wall(bare)
    no_flush_overhead = wall(span_only) - wall(bare)
    async_added_p99 = async_traced["wallClock"]["p99"] - async_plain["wallClock"]["p99"]
    async_added_p50 = async_traced["wallClock"]["p50"] - async_plain["wallClock"]["p50"]
    floor_ratio = wall(export[1000]) / wall(floor)

    def verdict(ok):
        return "met" if ok else "**missed**"

    rows = [
        ("span with 10 attributes, start → end (per span)", us(span_us), f"{allocs(span):.0f}",
         us(py["span_us"]["median"]), faster(py['span_us']['median'], span_us),
         "≤ 1 µs, ≥ 40× faster", verdict(span_us <= 1 and py["span_us"]["median"] / span_us >= 40)),
    ]
    for n in (1, 100, 1000):
        key = f"export_{n}"
        rows.append((f"export {n} span{'s' if n > 1 else ''}: encode + gzip 6 + base64 + line to /dev/null",
                     us(wall(export[n])), f"{allocs(export[n]):.0f}", us(py[key]["ms_median"] * 1e3),
                     faster(py[key]['ms_median'] * 1e3, wall(export[n])),
                     "≤ 1.25 × zlib alone" if n == 1000 else "",
                     (verdict(floor_ratio <= 1.25) + f" ({floor_ratio:.2f} × floor)") if n == 1000 else ""))
    rows += [
        ("  of which protobuf encode, 1000 spans", us(wall(encode)), f"{allocs(encode):.0f}",
         us(py["export_1000"]["encode_ms"] * 1e3), faster(py['export_1000']['encode_ms'] * 1e3, wall(encode)), "", ""),
        ("floor: zlib gzip level 6 alone on the 1000-span payload", us(wall(floor)), "", us(py_floor_us),
         f"{py_floor_us / wall(floor):.2f}×", "", ""),
        ("sync-mode overhead per invocation, incl. the 1-span flush", us(sync_overhead), f"{allocs(sync):.0f}",
         us(py["handler"]["overhead_sync_us"]), faster(py['handler']['overhead_sync_us'], sync_overhead),
         "≤ 50 µs", verdict(sync_overhead <= 50)),
        ("same, excluding the flush", us(no_flush_overhead), f"{allocs(span_only):.0f}",
         us(py["handler"]["overhead_no_export_us"]), faster(py['handler']['overhead_no_export_us'], no_flush_overhead),
         "≤ 15 µs", verdict(no_flush_overhead <= 15)),
        ("  of which detection + extraction of the v2 event", us(wall(extraction)), f"{allocs(extraction):.0f}", "", "", "", ""),
        ("async mode: response latency added by 100 spans, p99", us(async_added_p99), "", "", "",
         "≤ 50 µs p99", verdict(async_added_p99 <= 50)),
        ("async mode: same, median", us(async_added_p50), "", "", "", "", ""),
    ]
    if sync_traced:
        rows += [
            ("sync mode: response latency added by 100 spans (incl. their export), p99",
             us(sync_traced["wallClock"]["p99"] - async_plain["wallClock"]["p99"]), "", "", "", "", ""),
        ]
    rows += [
        ("bootstrap (`LambdaTelemetry.make`, default plugins)", us(wall(init)), f"{allocs(init):.0f}",
         us(py["init"]["init_telemetry_ms"] * 1e3), faster(py['init']['init_telemetry_ms'] * 1e3, wall(init)),
         "≤ 1 ms", verdict(wall(init) <= 1000)),
        ("1 M spans through a 2048 queue: peak resident memory",
         f"{million['peakMemoryResident']['p50'] / 1e6:.0f} MB", "", "", "", "flat (bounded by the queue)", ""),
    ]

    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    swift_version = subprocess.run(["swift", "--version"], capture_output=True, text=True).stdout.splitlines()
    swift_version = swift_version[0] if swift_version else "unknown"

    print("# Benchmarks\n")
    print(f"One run of `bash scripts/bench` on {py['run']['date_utc']} (UTC): the Swift benchmarks, then the Python")
    print("reference implementation's bench (`shared/peer`, lambda-otel-lite 0.15.0 + otlp-stdout-span-exporter 0.16.0),")
    print("back to back on the same machine. Only same-run ratios mean anything: this machine is shared and noisy.\n")
    print(f"- machine: {os.cpu_count()} cores, {cpu}, Linux {platform.release()}")
    print(f"- Swift: {swift_version}, release build, ordo-one/benchmark 1.38.1 (malloc interposer on, so allocations are counted)")
    print(f"- Python: {py['machine'].get('python')}, protobuf {py['run']['versions'].get('protobuf')}, zlib {py['floor'].get('zlib_version')}")
    print(f"- Python run: {'quick' if py['run'].get('quick') else 'full'}; Swift figures are medians of ordo-one's samples (p99 where marked)\n")
    print("| figure | Swift | allocations | Python | ratio | goal | result |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    if size_line:
        print(f"\n`hello-lambda`, release, `--static-swift-stdlib`, stripped: {size_line}")
    print("\n## What bounds the gaps\n")
    print("- **Span cost.** The ten `span.attributes[key] = value` calls go through swift-distributed-tracing's")
    print("  `SpanAttributes`, a dictionary keyed by `String`: each set boxes the value as `SpanAttributeConvertible` and")
    print("  hashes the key. That dictionary work is most of the per-span time; the span's own bookkeeping (ids, lock,")
    print("  ring-buffer push) is the smaller part. Reaching 1 µs needs an attribute store that does not hash on the hot")
    print("  path, which means a faster setter beside the `SpanAttributes` API.")
    print("- **Async-mode latency.** The traced figure includes making the 100 spans inside the handler (the span cost")
    print("  above, 100 times); the export itself happens after the response. It is bounded by the span cost.")
    print("- **Export vs. the zlib floor.** Compression is most of the export; the remainder is the protobuf encode")
    print("  (iterating each span's attribute dictionary). The benchmark runs with ordo-one's malloc interposer, which")
    print("  also slows the exporter's few allocations.")
    print("- **Sync-mode overhead.** Parsing the event once and extracting its attributes is the largest part (the")
    print("  detection + extraction row), then the span and the 1-span export.")
    print("- **Bootstrap.** Not profiled yet; it builds the registry, the resource, the exporter (with its zlib state and")
    print("  buffers, allocated once so that exports do not) and the processor.")
    print("\n## Reproduce\n")
    print("```bash\nbash scripts/bench            # writes this file\nbash scripts/bench --quick    # shorter Python run\n"
          "(cd Benchmarks && swift package --disable-sandbox benchmark)   # the Swift side alone, as a table\n```")


if __name__ == "__main__":
    main()
