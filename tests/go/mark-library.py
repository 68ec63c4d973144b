#!/usr/bin/env python3
"""Writes a copy of libfaceauth.a that differs where a linked program shows it.

Usage: tests/go/mark-library.py IN.a OUT.a MARK

In the archive member that defines faceauth_version (every Go program links it: Version), the
`.comment` string "rustc version" becomes MARK (13 bytes, as long): same size, same symbol
table, a different library. The linker keeps `.comment`, so a program linked with OUT.a holds
MARK and one linked with IN.a does not. Prints the member's name.
"""

import struct
import subprocess
import sys

OLD = b"rustc version"


def members(data: bytes):
    """(name, data offset, size) of each member of a GNU ar archive."""
    if not data.startswith(b"!<arch>\n"):
        sys.exit("mark-library: not an ar archive")
    pos, longnames = 8, b""
    while pos + 60 <= len(data):
        header = data[pos:pos + 60]
        name, size = header[:16].rstrip(b" "), int(header[48:58])
        start = pos + 60
        if name == b"//":
            longnames = data[start:start + size]
        elif name.startswith(b"/") and name[1:].isdigit():
            off = int(name[1:])
            name = longnames[off:longnames.index(b"/\n", off)]
        yield name.rstrip(b"/").decode(), start, size
        pos = start + size + (size & 1)


def comment_section(obj: bytes):
    """(offset, size) of an ELF64 object's .comment section."""
    if obj[:5] != b"\x7fELF\x02":
        return None
    shoff, = struct.unpack_from("<Q", obj, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", obj, 0x3A)
    def section(i):
        name, _, _, _, offset, size = struct.unpack_from("<IIQQQQ", obj, shoff + i * shentsize)
        return name, offset, size
    _, stroff, _ = section(shstrndx)
    for i in range(shnum):
        name, offset, size = section(i)
        if obj[stroff + name:obj.index(b"\0", stroff + name)] == b".comment":
            return offset, size
    return None


def main() -> None:
    src, dst, mark = sys.argv[1], sys.argv[2], sys.argv[3].encode()
    if len(mark) != len(OLD):
        sys.exit(f"mark-library: MARK must be {len(OLD)} bytes")
    nm = subprocess.run(["nm", "-A", "--defined-only", src], capture_output=True, text=True).stdout
    owner = next((line.split(":")[1] for line in nm.splitlines() if line.endswith(" T faceauth_version")), None)
    if owner is None:
        sys.exit("mark-library: no member defines faceauth_version")
    data = bytearray(open(src, "rb").read())
    found = [(start, size) for name, start, size in members(bytes(data)) if name == owner]
    if len(found) != 1:
        sys.exit(f"mark-library: {len(found)} members named {owner}")
    start, size = found[0]
    comment = comment_section(bytes(data[start:start + size]))
    if comment is None:
        sys.exit(f"mark-library: {owner} has no .comment section")
    at = data.find(OLD, start + comment[0], start + comment[0] + comment[1])
    if at < 0:
        sys.exit(f"mark-library: no {OLD!r} in the .comment of {owner}")
    data[at:at + len(OLD)] = mark
    open(dst, "wb").write(data)
    print(owner)


if __name__ == "__main__":
    main()
