#!/usr/bin/env python3
"""greet: your first handler, in Python with the standard library only (docs/handlers.md).

Input: the payload, e.g. {"name": "Ada"}. Output: {"greeting": "hello, Ada"}.
"""
import base64
import json
import os
import zlib


def read_payload():
    """The payload as JSON: PAYLOAD, or the compressed segments of a large one."""
    if os.environ.get("POP_PAYLOAD_TYPE", "envVar").lower() == "compressedenvvar":
        segments, i = [], 0
        while f"POP_COMPRESSED_PAYLOAD_{i}" in os.environ:
            segments.append(os.environ[f"POP_COMPRESSED_PAYLOAD_{i}"])
            i += 1
        return json.loads(zlib.decompress(base64.b64decode("".join(segments))))
    return json.loads(os.environ["PAYLOAD"])


def report(progress):
    """One JSON object per line on the report channel."""
    with open(os.environ["POP_REPORT"], "a", encoding="utf-8") as channel:
        channel.write(json.dumps(progress) + "\n")


def main():
    payload = read_payload()
    print(f"greet.py: operation {os.environ['OPERATION_NAME']}", flush=True)  # the log
    report({"processingState": "EXECUTING", "processingStateMessage": "greeting",
            "percentComplete": 50.0})
    name = payload.get("name")
    if not isinstance(name, str):
        report({"processingState": "COMPLETE", "processingStateMessage": "failed",
                "diagnosticEvents": [{"message": "payload field 'name' must be a string"}]})
        return
    report({"processingState": "COMPLETE", "processingStateMessage": "succeeded",
            "percentComplete": 100.0, "result": {"greeting": f"hello, {name}"}})


if __name__ == "__main__":
    main()
