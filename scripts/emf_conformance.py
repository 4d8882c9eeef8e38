"""Checks EMF metric lines written by the Swift plugin, independently of it.

Each line must be one JSON object valid under emf-schema.json (the Embedded Metric Format's structure), and
every reference must resolve: each dimension key to a root member holding a string, each metric name to a root
member holding a number or an array of 1 to 100 numbers; no metric twice in one directive; a line within
CloudWatch Logs' 256 KiB event size. The values, summed over the lines, must be those the writer recorded.
With --self-test, deliberately broken lines must be refused.

Usage: emf_conformance.py <lines.jsonl> <expected.json> [--self-test]
"""
import copy
import json
import math
import pathlib
import sys

import jsonschema

SCHEMA = json.loads((pathlib.Path(__file__).parent / "emf-schema.json").read_text())
VALIDATOR = jsonschema.Draft7Validator(SCHEMA)


class Refused(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Refused(message)


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def check_document(raw):
    check(len(raw.encode()) <= 256 * 1024, "line over 256 KiB")
    doc = json.loads(raw)
    errors = sorted(VALIDATOR.iter_errors(doc), key=lambda e: list(e.path))
    check(not errors, "schema: " + "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:3]))
    for directive in doc["_aws"]["CloudWatchMetrics"]:
        for dimension_set in directive["Dimensions"]:
            for key in dimension_set:
                check(isinstance(doc.get(key), str) and doc[key] != "", f"dimension {key!r} is not a string member")
                check(len(doc[key]) <= 1024, f"dimension {key!r} value over 1024 characters")
        names = [metric["Name"] for metric in directive["Metrics"]]
        check(len(names) == len(set(names)), "a metric is defined twice in one directive")
        for name in names:
            value = doc.get(name)
            if isinstance(value, list):
                check(1 <= len(value) <= 100, f"metric {name!r} has {len(value)} values")
                check(all(is_number(v) for v in value), f"metric {name!r} has a value that is not a number")
            else:
                check(is_number(value), f"metric {name!r} has no number member")
    return doc


def verify(lines, expected):
    docs = [check_document(line) for line in lines]
    check(docs, "no EMF lines")
    totals = {}
    for doc in docs:
        for directive in doc["_aws"]["CloudWatchMetrics"]:
            check(directive["Namespace"] == expected["namespace"], f"namespace {directive['Namespace']!r}")
            keys = directive["Dimensions"][0] if directive["Dimensions"] else []
            check(keys[:1] == ["service"] and doc["service"] == expected["service"], "no service dimension")
            for metric in directive["Metrics"]:
                name = metric["Name"]
                dims = {k: doc[k] for k in keys if k != "service"}
                values = doc[name] if isinstance(doc[name], list) else [doc[name]]
                key = (name, json.dumps(dims, sort_keys=True))
                unit, count, total = totals.get(key, (metric.get("Unit"), 0, 0.0))
                check(unit == metric.get("Unit"), f"metric {name!r} changes unit")
                totals[key] = (unit, count + len(values), total + sum(values))
    for want in expected["metrics"]:
        key = (want["name"], json.dumps(want["dimensions"], sort_keys=True))
        check(key in totals, f"metric {want['name']!r} {want['dimensions']} missing")
        unit, count, total = totals[key]
        check(unit == want["unit"], f"metric {want['name']!r}: unit {unit!r}, want {want['unit']!r}")
        check(count == want["count"], f"metric {want['name']!r}: {count} values, want {want['count']}")
        check(math.isclose(total, want["sum"], rel_tol=1e-9, abs_tol=1e-12),
              f"metric {want['name']!r}: sum {total}, want {want['sum']}")
    names = {name for name, _ in totals}
    for builtin in expected["builtin"]:
        check(builtin in names, f"built-in metric {builtin} missing")
    return len(docs), len(totals)


def self_test(lines):
    doc = json.loads(lines[0])
    directive = doc["_aws"]["CloudWatchMetrics"][0]
    first_metric = directive["Metrics"][0]["Name"]

    def broken(change):
        d = copy.deepcopy(doc)
        change(d)
        return json.dumps(d)

    cases = {
        "unknown unit": broken(lambda d: d["_aws"]["CloudWatchMetrics"][0]["Metrics"][0].update(Unit="Parsecs")),
        "missing metric member": broken(lambda d: d.pop(first_metric)),
        "metric as a string": broken(lambda d: d.update({first_metric: "7"})),
        "31 dimensions": broken(lambda d: d["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0].extend(
            f"x{i}" for i in range(31))),
        "101 values": broken(lambda d: d.update({first_metric: list(range(101))})),
        "blank namespace": broken(lambda d: d["_aws"]["CloudWatchMetrics"][0].update(Namespace="  ")),
        "extra directive member": broken(lambda d: d["_aws"]["CloudWatchMetrics"][0].update(Extra=1)),
        "no timestamp": broken(lambda d: d["_aws"].pop("Timestamp")),
        "dimension not a string": broken(lambda d: d.update(service=3)),
    }
    for what, line in cases.items():
        try:
            check_document(line)
        except Refused:
            continue
        raise SystemExit(f"self-test: a line with {what} was accepted")
    return len(cases)


def main():
    lines = [l for l in pathlib.Path(sys.argv[1]).read_text().splitlines() if l]
    expected = json.loads(pathlib.Path(sys.argv[2]).read_text())
    try:
        docs, series = verify(lines, expected)
    except Refused as refused:
        raise SystemExit(f"EMF conformance failed: {refused}")
    print(f"EMF conformance: {docs} lines, {series} metric series valid under the EMF schema and rules, values as recorded")
    if "--self-test" in sys.argv:
        print(f"EMF conformance self-test: {self_test(lines)} broken documents refused")


if __name__ == "__main__":
    main()
