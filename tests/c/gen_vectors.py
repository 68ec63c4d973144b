#!/usr/bin/env python3
"""Writes a C include of the shared crypto vectors (tests/fixtures/crypto.json).

Usage: gen_vectors.py FIXTURE OUT. Every string becomes a C literal of octal escapes for
anything outside printable ASCII (octal, unlike hex, never swallows the next character).
"""
import json
import sys


def c_string(text):
    out = []
    for byte in text.encode("utf-8"):
        char = chr(byte)
        if char in '"\\?':  # '?' too: no trigraphs
            out.append("\\" + char)
        elif 0x20 <= byte < 0x7F:
            out.append(char)
        else:
            out.append("\\%03o" % byte)
    return '"' + "".join(out) + '"'


def main():
    fixture, out = sys.argv[1], sys.argv[2]
    with open(fixture, encoding="utf-8") as f:
        cases = json.load(f)["cases"]
    lines = [
        "/* Generated from tests/fixtures/crypto.json by tests/c/gen_vectors.py. */",
        "struct vector { const char *key, *plaintext, *ecb, *cbc, *gcm; };",
        "static const struct vector VECTORS[] = {",
    ]
    for case in cases:
        fields = [c_string(case[name]) for name in ("key", "plaintext", "ecb", "cbc", "gcm")]
        lines.append("  {" + ", ".join(fields) + "},")
    lines.append("};")
    lines.append("#define VECTOR_COUNT %d" % len(cases))
    with open(out, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
