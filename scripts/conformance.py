#!/usr/bin/env python3
"""Checks otlp-stdout lines with an independent decoder (Python's json, base64, gzip and opentelemetry-proto).

Usage: conformance.py LINES.jsonl EXPECTED.json [--self-test]

Each line must be a single JSON object with exactly the otlp-stdout keys and types; its payload must
base64-decode, gunzip and parse as an ExportTraceServiceRequest; and every field of every span must equal what
the Swift writer says it wrote (EXPECTED.json). With --self-test the script also breaks valid lines on purpose
(a wrong key, `base64` as a string, a truncated payload, a wrong protobuf field number) and fails unless each
broken line is rejected.
"""

import base64
import gzip
import json
import struct
import sys

from google.protobuf import unknown_fields
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

REQUIRED = {
    "__otel_otlp_stdout": str,
    "source": str,
    "endpoint": str,
    "method": str,
    "content-type": str,
    "content-encoding": str,
    "payload": str,
    "base64": bool,
}
OPTIONAL = {"headers": dict, "level": str}


class Mismatch(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Mismatch(message)


def any_value(value):
    """An AnyValue as the typed form the writer's expectations use."""
    kind = value.WhichOneof("value")
    if kind == "string_value":
        return {"type": "string", "value": value.string_value}
    if kind == "bool_value":
        return {"type": "bool", "value": value.bool_value}
    if kind == "int_value":
        return {"type": "int", "value": str(value.int_value)}
    if kind == "double_value":
        return {"type": "double", "value": str(struct.unpack("<Q", struct.pack("<d", value.double_value))[0])}
    if kind == "array_value":
        return {"type": "array", "value": [any_value(v) for v in value.array_value.values]}
    raise Mismatch(f"unexpected AnyValue kind {kind}")


def attributes(key_values):
    out = {}
    for kv in key_values:
        check(kv.key not in out, f"duplicate attribute {kv.key}")
        out[kv.key] = any_value(kv.value)
    return out


def check_envelope(obj, expected):
    check(isinstance(obj, dict), "line is not a JSON object")
    for key, kind in REQUIRED.items():
        check(key in obj, f"missing key {key}")
        check(type(obj[key]) is kind, f"key {key} is {type(obj[key]).__name__}, expected {kind.__name__}")
    for key in obj:
        check(key in REQUIRED or key in OPTIONAL, f"unexpected key {key}")
    for key, kind in OPTIONAL.items():
        if key in obj:
            check(type(obj[key]) is kind, f"key {key} is {type(obj[key]).__name__}")
    check(obj["__otel_otlp_stdout"] == expected["version"], "wrong version marker")
    check(obj["source"] == expected["source"], f"wrong source {obj['source']!r}")
    check(obj["endpoint"] == "http://localhost:4318/v1/traces", "wrong endpoint")
    check(obj["method"] == "POST", "wrong method")
    check(obj["content-type"] == "application/x-protobuf", "wrong content-type")
    check(obj["content-encoding"] == "gzip", "wrong content-encoding")
    check(obj["base64"] is True, "base64 is not true")
    check(obj.get("headers") == expected["headers"], f"wrong headers {obj.get('headers')!r}")
    check(all(isinstance(v, str) for v in obj.get("headers", {}).values()), "a header value is not a string")
    check(obj.get("level") == expected["level"], f"wrong level {obj.get('level')!r}")


def decode_payload(obj):
    raw = base64.b64decode(obj["payload"], validate=True)
    check(raw[:2] == b"\x1f\x8b", "payload is not gzip")
    try:
        data = gzip.decompress(raw)
    except (OSError, EOFError) as error:
        raise Mismatch(f"gzip: {error}")
    request = ExportTraceServiceRequest()
    try:
        request.ParseFromString(data)
    except DecodeError as error:
        raise Mismatch(f"protobuf: {error}")
    check_no_unknown_fields(request, "request")
    return request


def check_no_unknown_fields(message, path):
    """A field number the schema does not know lands in the unknown fields: reject it, at any depth."""
    check(len(unknown_fields.UnknownFieldSet(message)) == 0, f"{path}: unknown protobuf fields")
    for field, value in message.ListFields():
        if field.message_type is None:
            continue
        if field.is_repeated:
            for i, item in enumerate(value):
                check_no_unknown_fields(item, f"{path}.{field.name}[{i}]")
        else:
            check_no_unknown_fields(value, f"{path}.{field.name}")


def check_span(span, want):
    check(span.trace_id.hex() == want["trace_id"], f"{want['name']}: trace_id")
    check(span.span_id.hex() == want["span_id"], f"{want['name']}: span_id")
    check(span.trace_state == want["trace_state"], f"{want['name']}: trace_state {span.trace_state!r}")
    check(span.parent_span_id.hex() == want["parent_span_id"], f"{want['name']}: parent_span_id")
    check(span.name == want["name"], f"name {span.name!r} != {want['name']!r}")
    check(span.kind == want["kind"], f"{want['name']}: kind {span.kind}")
    check(str(span.start_time_unix_nano) == want["start_time_unix_nano"], f"{want['name']}: start time")
    check(str(span.end_time_unix_nano) == want["end_time_unix_nano"], f"{want['name']}: end time")
    check(attributes(span.attributes) == want["attributes"], f"{want['name']}: attributes differ:\n"
          f"  got  {attributes(span.attributes)}\n  want {want['attributes']}")
    check(span.dropped_attributes_count == want["dropped_attributes_count"], f"{want['name']}: dropped attributes")
    check(span.dropped_events_count == want["dropped_events_count"], f"{want['name']}: dropped events")
    check(span.dropped_links_count == want["dropped_links_count"], f"{want['name']}: dropped links")
    check(span.flags == want["flags"], f"{want['name']}: flags {span.flags:#x} != {want['flags']:#x}")
    check(len(span.events) == len(want["events"]), f"{want['name']}: event count")
    for event, want_event in zip(span.events, want["events"]):
        check(event.name == want_event["name"], f"{want['name']}: event name {event.name!r}")
        check(str(event.time_unix_nano) == want_event["time_unix_nano"], f"{want['name']}: event time")
        check(attributes(event.attributes) == want_event["attributes"], f"{want['name']}: event attributes")
    check(len(span.links) == len(want["links"]), f"{want['name']}: link count")
    for link, want_link in zip(span.links, want["links"]):
        check(link.trace_id.hex() == want_link["trace_id"], f"{want['name']}: link trace_id")
        check(link.span_id.hex() == want_link["span_id"], f"{want['name']}: link span_id")
        check(link.trace_state == want_link["trace_state"], f"{want['name']}: link trace_state")
        check(attributes(link.attributes) == want_link["attributes"], f"{want['name']}: link attributes:\n"
              f"  got  {attributes(link.attributes)}\n  want {want_link['attributes']}")
        check(link.dropped_attributes_count == want_link["dropped_attributes_count"],
              f"{want['name']}: link dropped attributes {link.dropped_attributes_count}")
        check(link.flags == want_link["flags"], f"{want['name']}: link flags")
    if "status" in want:
        check(span.HasField("status"), f"{want['name']}: no status")
        check(span.status.code == want["status"]["code"], f"{want['name']}: status code {span.status.code}")
        check(span.status.message == want["status"]["message"], f"{want['name']}: status message")
    else:
        check(span.status.code == 0, f"{want['name']}: status set")


def check_lines(lines, expected):
    """Checks every line; returns the spans grouped by flush, in order."""
    spans = []
    for number, line in enumerate(lines, 1):
        check(line.endswith("\n") and "\n" not in line[:-1], f"line {number}: not exactly one line")
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as error:
            raise Mismatch(f"line {number}: invalid JSON: {error}")
        check_envelope(obj, expected)
        request = decode_payload(obj)
        check(len(request.resource_spans) == 1, f"line {number}: {len(request.resource_spans)} resource groups")
        resource_spans = request.resource_spans[0]
        check(attributes(resource_spans.resource.attributes) == expected["resource"], f"line {number}: resource")
        check(len(resource_spans.scope_spans) == 1, f"line {number}: scope groups")
        scope_spans = resource_spans.scope_spans[0]
        check(scope_spans.scope.name == expected["scope"]["name"], f"line {number}: scope name")
        check(scope_spans.scope.version == expected["scope"]["version"], f"line {number}: scope version")
        check(attributes(scope_spans.scope.attributes) == expected["scope"]["attributes"], "scope attributes")
        spans.extend(scope_spans.spans)
    return spans


def verify(lines, expected):
    spans = check_lines(lines, expected)
    wanted = [span for flush in expected["flushes"] for span in flush]
    check(len(spans) == len(wanted), f"{len(spans)} spans decoded, {len(wanted)} written")
    for span, want in zip(spans, wanted):
        check_span(span, want)
    oversized = [len(l.encode()) for l in lines if len(l.encode()) > expected["max_line_bytes"]]
    check(not oversized, f"lines over the cap: {oversized}")
    check(len(lines) > len(expected["flushes"]), "the large flush was not split into several lines")
    # The writer must exercise every link field, or the checks above prove nothing about them.
    links = [link for span in wanted for link in span["links"]]
    check(any(span["dropped_links_count"] > 0 for span in wanted), "no span with dropped links was written")
    check(any(link["trace_state"] for link in links), "no link with a trace state was written")
    check(any(link["attributes"] for link in links), "no link with attributes was written")
    check(any(link["dropped_attributes_count"] > 0 for link in links), "no link with dropped attributes was written")
    return len(spans)


def self_test(lines, expected):
    """Each broken copy must be rejected; returns how many were."""
    first = json.loads(lines[0])

    def with_change(change):
        obj = dict(first)
        change(obj)
        return [json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n"] + lines[1:]

    def wrong_field_number(obj):
        data = gzip.decompress(base64.b64decode(obj["payload"]))
        request = ExportTraceServiceRequest.FromString(data)
        name = request.resource_spans[0].scope_spans[0].spans[0].name.encode()
        # The span name is field 5 (tag 0x2a); write it as field 6 with the same wire type (tag 0x32).
        marker = bytes([0x2A, len(name)]) + name
        check(marker in data, "self-test: span name not found in the payload")
        broken = data.replace(marker, bytes([0x32, len(name)]) + name, 1)
        obj["payload"] = base64.b64encode(gzip.compress(broken)).decode()

    def wrong_link_span_id(obj):
        data = gzip.decompress(base64.b64decode(obj["payload"]))
        # A link's span_id is field 2 (tag 0x12, length 8) of the Link message; change the SQS record's.
        marker = bytes([0x12, 0x08]) + bytes.fromhex("b7ad6b7169203331")
        check(data.count(marker) == 1, "self-test: the link span id is not in the payload once")
        broken = data.replace(marker, bytes([0x12, 0x08]) + bytes.fromhex("b7ad6b7169203332"))
        obj["payload"] = base64.b64encode(gzip.compress(broken)).decode()

    cases = {
        "wrong key": lambda o: o.update({"contentType": o.pop("content-type")}),
        "base64 as a string": lambda o: o.update({"base64": "true"}),
        "truncated payload": lambda o: o.update({"payload": o["payload"][: len(o["payload"]) // 2]}),
        "payload cut at a base64 boundary": lambda o: o.update({"payload": o["payload"][: len(o["payload"]) // 8 * 4]}),
        "wrong field number": wrong_field_number,
        "wrong link span id": wrong_link_span_id,
    }
    for name, change in cases.items():
        try:
            verify(with_change(change), expected)
        except (Mismatch, ValueError, DecodeError) as error:
            print(f"  self-test: {name}: rejected ({str(error).splitlines()[0]})")
            continue
        raise SystemExit(f"self-test FAILED: a line with a {name} was accepted")
    return len(cases)


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    with open(sys.argv[1], encoding="utf-8") as f:
        lines = f.readlines()
    with open(sys.argv[2], encoding="utf-8") as f:
        expected = json.load(f)
    try:
        count = verify(lines, expected)
    except Mismatch as error:
        raise SystemExit(f"conformance FAILED: {error}")
    print(f"conformance: {len(lines)} lines, {count} spans: every key, type and field matches")
    if "--self-test" in sys.argv:
        broken = self_test(lines, expected)
        print(f"conformance self-test: all {broken} broken lines were rejected")


if __name__ == "__main__":
    main()
