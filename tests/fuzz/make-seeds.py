#!/usr/bin/env python3
"""make-seeds.py [FIXTURES_DIR [CORPUS_DIR]]: the seed corpus of fuzz_nettrace from the real traces.

Small complete streams, cut at object (and event) boundaries from tests/fixtures/nettrace/*.nettrace.gz so the
fuzzer starts from what the runtime writes (header, trace object, metadata, stack and event blocks,
sequence points, the rundown, the end tag) rather than from noise; plus one version 6 stream built
here (the block layout of NetTraceFormat.md), which no runtime in the fixtures writes.
make-traces.sh runs it after making the fixtures.
"""
import gzip
import os
import struct
import sys

here = os.path.dirname(os.path.abspath(__file__))
fixtures = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "fixtures", "nettrace")
corpus = sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, "corpus", "fuzz_nettrace")
HEADER = 32  # "Nettrace", u32 20, "!FastSerialization.1"


def objects(d):
    """(start, end, type name) of each FastSerialization object after the header."""
    pos, out = HEADER, []
    while d[pos] != 1:
        start = pos
        namelen = struct.unpack_from("<i", d, pos + 11)[0]
        name = d[pos + 15:pos + 15 + namelen].decode()
        pos += 15 + namelen + 1
        if name == "Trace":
            pos += 48
        else:
            size = struct.unpack_from("<i", d, pos)[0]
            pos += 4
            pos += (4 - pos % 4) % 4
            pos += size
        pos += 1  # EndObject
        out.append((start, pos, name))
    return out


def varint(b, pos):
    v = shift = 0
    while True:
        c = b[pos]
        pos += 1
        v |= (c & 0x7F) << shift
        shift += 7
        if not c & 0x80:
            return v, pos


def first_events(body, n):
    """An event block body (compressed headers) cut after its first n events."""
    hsize, flags = struct.unpack_from("<HH", body, 0)
    assert flags & 1, "uncompressed event block"
    pos, size = hsize, 0
    for _ in range(n):
        if pos >= len(body):
            break
        f = body[pos]
        pos += 1
        if f & 1:
            _, pos = varint(body, pos)
        if f & 2:
            for _ in range(3):
                _, pos = varint(body, pos)
        if f & 4:
            _, pos = varint(body, pos)
        if f & 8:
            _, pos = varint(body, pos)
        _, pos = varint(body, pos)
        pos += 16 * bool(f & 16) + 16 * bool(f & 32)
        if f & 128:
            size, pos = varint(body, pos)
        pos += size
    return body[:pos]


def stream(d, objs, events=None):
    """The header, the chosen objects, the end tag; the alignment padding follows the new offsets."""
    out = bytearray(d[:HEADER])
    for start, end, name in objs:
        if name == "Trace":
            out += d[start:end]
            continue
        namelen = struct.unpack_from("<i", d, start + 11)[0]
        head = start + 15 + namelen + 1
        size = struct.unpack_from("<i", d, head)[0]
        body = head + 4 + (4 - (head + 4) % 4) % 4
        data = d[body:body + size]
        if name == "EventBlock" and events:
            data = first_events(data, events)
        out += d[start:head] + struct.pack("<i", len(data))
        out += b"\0" * ((4 - len(out) % 4) % 4)
        out += data + b"\x06"
    return bytes(out + b"\x01")


def v6_stream():
    """A small version 6 stream: trace, metadata, thread, stack, events, sequence point, end."""
    def var(v):
        b = bytearray()
        while True:
            b.append((v & 0x7F) | (0x80 if v > 0x7F else 0))
            v >>= 7
            if not v:
                return bytes(b)

    def utf8(s):
        return var(len(s)) + s.encode()

    def block(kind, body):
        return struct.pack("<I", kind << 24 | len(body)) + body

    trace = struct.pack("<8hqqi", 2026, 12, 1, 6, 10, 0, 0, 0, 1000000, 1000000000, 8)
    trace += struct.pack("<i", 1) + utf8("ProcessId") + utf8("42")
    rec = var(1) + utf8("Microsoft-DotNETCore-SampleProfiler") + var(0) + utf8("ThreadSample")
    rec += struct.pack("<HH", 1, 1 + 4 + 1) + utf8("Type") + b"\x0a" + struct.pack("<H", 0)
    meta = struct.pack("<H", 0) + struct.pack("<H", len(rec)) + rec
    row = var(7) + b"\x03" + var(70007)
    threads = struct.pack("<H", len(row)) + row
    stacks = struct.pack("<II", 1, 1) + struct.pack("<I", 16) + struct.pack("<QQ", 0x1000, 0x2000)
    events = struct.pack("<HHqq", 20, 1, 0, 0)
    for i in range(4):
        events += bytes([1 | 2 | 4 | 8 | 0x40 | 0x80]) + var(1) + var(0) + var(7) + var(0) + var(7)
        events += var(1) + var(2000000 if i == 0 else 1000000) + var(4) + struct.pack("<I", 2 - (i & 1))
    sp = struct.pack("<QII", 6000000, 0, 1) + var(7) + var(4)
    return (b"Nettrace" + struct.pack("<III", 0, 6, 0) + block(1, trace) + block(3, meta) +
            block(6, threads) + block(5, stacks) + block(2, events) + block(4, sp) + struct.pack("<I", 0))


os.makedirs(corpus, exist_ok=True)
for name in sorted(os.listdir(fixtures)):
    if not name.endswith("-high-cpu.nettrace.gz"):
        continue
    d = gzip.open(os.path.join(fixtures, name)).read()
    objs = objects(d)
    stem = name[:-len(".nettrace.gz")]
    # small inputs keep the fuzzer fast: the first blocks of the trace, and its metadata with the
    # last blocks (the rundown's), each event block cut to its first events
    first = objs[:8]
    meta = [o for o in objs if o[2] in ("Trace", "MetadataBlock")]
    tail = [o for o in objs[-4:] if o[2] != "MetadataBlock"]
    for suffix, chosen in (("start", first), ("end", meta + tail)):
        with open(os.path.join(corpus, "%s-%s" % (stem, suffix)), "wb") as f:
            f.write(stream(d, chosen, events=12))
with open(os.path.join(corpus, "v6-small"), "wb") as f:
    f.write(v6_stream())
