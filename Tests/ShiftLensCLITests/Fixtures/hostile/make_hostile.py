#!/usr/bin/env python3
"""Writes the hostile-input corpus of HostileInputTests. Run once from this folder; commit what it writes.

    python3 make_hostile.py

Every file is built byte by byte (zip archives, pickles, PNG and JPEG structure) with the standard
library only, so that each holds exactly the attack it is named for and nothing a real writer would
add. Each was a crash, a hang or a memory blow-up before the parsers were hardened (docs/security.md);
HostileInputTests runs `shiftlens` on every one and requires exit code 1, a message naming the file
and the problem, an end within seconds and a bounded peak RSS. `hostile.json` lists the cases: the
command to run, the message expected, the peak-RSS bound in MiB, and why the file is hostile.

Files the tests make at run time instead (FIFOs, device links, sparse multi-GB files, an 8 MiB JSON
header, symlink loops) are described in HostileInputTests.swift.
"""
import json
import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = {}


def case(name, command, expect, rss_mib, why, data):
    path = os.path.join(HERE, name)
    with open(path, "wb") as handle:
        handle.write(data)
    CASES[name] = {"command": command, "expect": expect, "max_rss_mib": rss_mib, "why": why}
    print(f"{name}: {len(data)} bytes")


# MARK: - zip archives (torch.save layout), written by hand so sizes can lie

def deflate(data_or_chunks):
    """Raw deflate (no zlib header) of bytes or of an iterable of chunks."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunks = [data_or_chunks] if isinstance(data_or_chunks, bytes) else data_or_chunks
    out = b"".join(compressor.compress(chunk) for chunk in chunks)
    return out + compressor.flush()


def zeros(total, chunk=16 << 20):
    while total > 0:
        size = min(chunk, total)
        yield bytes(size)
        total -= size


def zip_archive(entries):
    """entries: (name, stored bytes, method 0|8, uncompressed size as the directory claims it)."""
    body = b""
    directory = b""
    for name, data, method, size in entries:
        name = name.encode()
        offset = len(body)
        crc = zlib.crc32(data) if method == 0 else 0
        local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0, crc, len(data), size, len(name), 0)
        body += local + name + data
        directory += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0, crc, len(data), size,
                                 len(name), 0, 0, 0, 0, 0, offset) + name
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(directory), len(body), 0)
    return body + directory + end


def torch_zip(pickle, storages=(), extra=()):
    """A torch.save archive: data.pkl, byteorder, version and data/<key> storages (stored)."""
    entries = [("archive/data.pkl", pickle, 0, len(pickle)), ("archive/byteorder", b"little", 0, 6),
               ("archive/version", b"3\n", 0, 2)]
    entries += [(f"archive/data/{key}", data, 0, len(data)) for key, data in storages]
    return zip_archive(entries + list(extra))


# MARK: - pickle opcodes (protocol 2)

PROTO = b"\x80\x02"
STOP = b"."
MARK = b"("
TUPLE = b"t"
EMPTY_TUPLE = b")"
EMPTY_DICT = b"}"
EMPTY_LIST = b"]"
SETITEMS = b"u"
APPEND = b"a"
REDUCE = b"R"
BINPERSID = b"Q"
NEWOBJ = b"\x81"
BUILD = b"b"
NEWFALSE = b"\x89"


def text(value):
    data = value.encode()
    return b"X" + struct.pack("<I", len(data)) + data


def integer(value):
    if -(2 ** 31) <= value < 2 ** 31:
        return b"J" + struct.pack("<i", value)
    data = value.to_bytes((value.bit_length() + 8) // 8, "little", signed=True)
    return b"\x8a" + bytes([len(data)]) + data


def global_(module, name):
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def ints(values):
    return MARK + b"".join(integer(v) for v in values) + TUPLE


def put(index):
    return b"r" + struct.pack("<I", index)


def get(index):
    return b"j" + struct.pack("<I", index)


def tensor(key, numel, shape, strides, offset=0, storage="FloatStorage"):
    """torch._utils._rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())."""
    persistent = MARK + text("storage") + global_("torch", storage) + text(key) + text("cpu") + integer(numel) + TUPLE
    hooks = global_("collections", "OrderedDict") + EMPTY_TUPLE + REDUCE
    return (global_("torch._utils", "_rebuild_tensor_v2") + MARK + persistent + BINPERSID + integer(offset)
            + ints(shape) + ints(strides) + NEWFALSE + hooks + TUPLE + REDUCE)


def state_dict(items):
    """{name: value bytes} as a plain dict pickle."""
    return PROTO + EMPTY_DICT + MARK + b"".join(text(k) + v for k, v in items) + SETITEMS + STOP


# MARK: - checkpoints

one_float = struct.pack("<f", 1.5)
case("stride0-view-2e62.pt", ["inspect", "{file}"], "addresses 4611686018427387904 elements of a storage of 1", 256,
     "a tensor of shape [2^62] with stride 0 over a 1-float storage: gather wrote past a small heap block",
     torch_zip(state_dict([("w", tensor("0", 1, [2 ** 62], [0]))]), [("0", one_float)]))
case("stride0-view-2e20x2e20.pt", ["inspect", "{file}"], "addresses 1099511627776 elements of a storage of 1", 256,
     "shape [2^20, 2^20] with strides [0, 0]: a 4 TB allocation",
     torch_zip(state_dict([("w", tensor("0", 1, [2 ** 20, 2 ** 20], [0, 0]))]), [("0", one_float)]))
case("stride0-view-2e28.pt", ["inspect", "{file}"], "addresses 268435456 elements of a storage of 1", 256,
     "shape [2^28] with stride 0: 1 GB of floats from a 4-byte storage",
     torch_zip(state_dict([("w", tensor("0", 1, [2 ** 28], [0]))]), [("0", one_float)]))

# 4000 transposed (non-contiguous, so copied) views of one 256 KiB storage: 1 GB of copies before.
side = 256
views = [(f"w{i}", tensor("0", side * side, [side, side], [1, side])) for i in range(4000)]
views_pickle = state_dict(views)
case("views-flood.pt", ["inspect", "{file}"], "view the same storages over and over", 256,
     "4000 transposed views of one 256 KiB storage: each converted into its own copy (1 GB)",
     zip_archive([("archive/data.pkl", deflate(views_pickle), 8, len(views_pickle)),
                  ("archive/byteorder", b"little", 0, 6), ("archive/version", b"3\n", 0, 2),
                  ("archive/data/0", deflate(bytes(4 * side * side)), 8, 4 * side * side)]))

# Nesting: freed recursively by Swift, these overflowed the stack.
nested_tuples = PROTO + EMPTY_TUPLE + b"\x85" * 100_000 + STOP
case("nested-tuples-100k.pt", ["inspect", "{file}"], "nested deeper than 256 levels", 256,
     "100k nested tuples (369 bytes deflated): stack overflow while the values were freed",
     zip_archive([("archive/data.pkl", deflate(nested_tuples), 8, len(nested_tuples)),
                  ("archive/byteorder", b"little", 0, 6), ("archive/version", b"3\n", 0, 2)]))
nested_lists = PROTO + EMPTY_LIST * 500_000 + APPEND * 499_999 + STOP
case("nested-lists-500k.pt", ["inspect", "{file}"], "nested deeper than 256 levels", 256,
     "500k nested lists, each appended into the one below: stack overflow on free",
     zip_archive([("archive/data.pkl", deflate(nested_lists), 8, len(nested_lists)),
                  ("archive/byteorder", b"little", 0, 6), ("archive/version", b"3\n", 0, 2)]))
# Appending to a list that is already inside another would make its recorded depth stale.
sealed = PROTO + EMPTY_LIST + put(0) + EMPTY_LIST + put(1) + APPEND + get(1) + EMPTY_LIST + APPEND + STOP
case("sealed-list-modified.pt", ["inspect", "{file}"], "APPEND on a value that is already part of another", 256,
     "a list modified after it was placed in another: the way to nest deeply past a depth check",
     torch_zip(sealed))
cycle = PROTO + EMPTY_LIST + put(0) + get(0) + APPEND + STOP
case("list-cycle.pt", ["inspect", "{file}"], "APPEND of a value into itself", 256,
     "a list appended into itself: a reference cycle", torch_zip(cycle))

# Floods: every opcode costs a byte, every value a heap box; capped by the pickle's size limit.
dup_flood = PROTO + b"N" + b"2" * ((16 << 20) - 16) + STOP
case("pickle-dup-flood.pt", ["inspect", "{file}"], "STOP with", 768,
     "a 16 MiB pickle of DUP opcodes (16 KB deflated): 16 million stack entries",
     zip_archive([("archive/data.pkl", deflate(dup_flood), 8, len(dup_flood)),
                  ("archive/byteorder", b"little", 0, 6), ("archive/version", b"3\n", 0, 2)]))
append_flood = PROTO + EMPTY_LIST + (EMPTY_TUPLE + APPEND) * (((16 << 20) - 16) // 2) + STOP
case("pickle-append-flood.pt", ["inspect", "{file}"], "holds a list, not a state dict", 768,
     "a 16 MiB pickle appending 8 million empty tuples to one list",
     zip_archive([("archive/data.pkl", deflate(append_flood), 8, len(append_flood)),
                  ("archive/byteorder", b"little", 0, 6), ("archive/version", b"3\n", 0, 2)]))
too_big_pickle = PROTO + b"N" + b"0" * ((17 << 20) - 16) + STOP
case("pickle-over-limit.pt", ["inspect", "{file}"], "more than the limit of 16777216", 256,
     "a data.pkl of 17 MiB (deflated to 17 KB)",
     zip_archive([("archive/data.pkl", deflate(too_big_pickle), 8, len(too_big_pickle)),
                  ("archive/byteorder", b"little", 0, 6), ("archive/version", b"3\n", 0, 2)]))

# A deflated storage inflating far beyond the file: 256 MiB from ~250 KB.
bomb_size = 256 << 20
bomb_pickle = state_dict([("w", tensor("0", bomb_size // 4, [bomb_size // 4], [1]))])
case("storage-inflate-bomb.pt", ["inspect", "{file}"], "deflated storages would inflate to more than", 256,
     "a 250 KB deflated storage entry inflating to 256 MiB (a 1 MB one inflating to 1 GiB cost 2.1 GB)",
     zip_archive([("archive/data.pkl", bomb_pickle, 0, len(bomb_pickle)),
                  ("archive/byteorder", b"little", 0, 6), ("archive/version", b"3\n", 0, 2),
                  ("archive/data/0", deflate(zeros(bomb_size)), 8, bomb_size)]))
# The directory may lie about sizes: 60 MiB claimed from a few bytes.
lie = deflate(bytes(64))
lie_pickle = state_dict([("w", tensor("0", 15 << 20, [15 << 20], [1]))])
case("storage-size-lie.pt", ["inspect", "{file}"], "deflate cannot expand that much", 256,
     "a deflated entry whose directory claims 60 MiB from 10 bytes",
     zip_archive([("archive/data.pkl", lie_pickle, 0, len(lie_pickle)),
                  ("archive/byteorder", b"little", 0, 6), ("archive/version", b"3\n", 0, 2),
                  ("archive/data/0", lie, 8, 60 << 20)]))


# TorchScript: modules M0…M39, each holding M(i+1) twice; M40 holds one parameter. 2^40 paths.
depth = 40
code = "".join(
    f"class M{i}(Module):\n  __parameters__ = []\n  __buffers__ = []\n  a : __torch__.m.M{i + 1}\n  b : __torch__.m.M{i + 1}\n"
    for i in range(depth)) + f"class M{depth}(Module):\n  __parameters__ = [\"weight\", ]\n  __buffers__ = []\n"


def torchscript_diamond():
    """The modules are built bottom-up; each is popped once its parent holds it (POP after BUILD)."""
    body = PROTO
    body += global_("__torch__.m", f"M{depth}") + EMPTY_TUPLE + NEWOBJ + put(depth)
    body += EMPTY_DICT + MARK + text("weight") + tensor("0", 1, [1], [1]) + SETITEMS + BUILD + b"0"
    for i in reversed(range(depth)):
        body += global_("__torch__.m", f"M{i}") + EMPTY_TUPLE + NEWOBJ + put(i)
        body += EMPTY_DICT + MARK + text("a") + get(i + 1) + text("b") + get(i + 1) + SETITEMS + BUILD
        if i > 0:
            body += b"0"
    body += STOP
    return zip_archive([("archive/data.pkl", body, 0, len(body)), ("archive/constants.pkl", PROTO + EMPTY_TUPLE + STOP, 0, 5),
                        ("archive/code/__torch__/m.py", code.encode(), 0, len(code)),
                        ("archive/byteorder", b"little", 0, 6), ("archive/version", b"3\n", 0, 2),
                        ("archive/data/0", one_float, 0, 4)])


case("torchscript-diamond.pt", ["inspect", "{file}"], "is reached both as", 256,
     "a TorchScript archive whose every module holds the one below twice: 2^40 visits", torchscript_diamond())


# MARK: - safetensors

def safetensors(header, data=b"", declared=None):
    raw = json.dumps(header, separators=(",", ":")).encode()
    return struct.pack("<Q", declared if declared is not None else len(raw)) + raw + data


case("header-length-34mb.safetensors", ["inspect", "{file}"], "exceeds the limit of 8388608 bytes", 256,
     "a header length of 34 MB (a real 34 MB header cost 2 GB of JSON objects)",
     safetensors({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}, b"\0" * 4, declared=34 << 20))
case("header-length-2e63.safetensors", ["inspect", "{file}"], "exceeds the limit", 256,
     "a header length near 2^63", safetensors({}, declared=(1 << 63) + 5))
case("zero-size-huge-dims.safetensors", ["inspect", "{file}"], "is larger than the file", 256,
     "zero-element tensors with dimensions of 10^15: no bytes, absurd sizes",
     safetensors({"visual.conv1.weight": {"dtype": "F32", "shape": [0, 3, 10 ** 15, 10 ** 15], "data_offsets": [0, 0]},
                  "visual.class_embedding": {"dtype": "F32", "shape": [10 ** 15, 0], "data_offsets": [0, 0]}}))


# MARK: - images

def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(width, height, depth, color, idat):
    ihdr = struct.pack(">IIBBBBB", width, height, depth, color, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


def zlib_zeros(total):
    compressor = zlib.compressobj(9)
    out = b"".join(compressor.compress(chunk) for chunk in zeros(total))
    return out + compressor.flush()


case("png-rgba16-9500.png", ["decode", "{file}", "--out", "{out}.npy"], "more than the limit of 1024 MiB", 256,
     "a complete 9500×9500 RGBA 16-bit PNG of 700 KB: 722 MB of rows + 361 MB of pixels (10000² cost 1.6 GB)",
     png(9500, 9500, 16, 6, zlib_zeros(9500 * (9500 * 8 + 1))))
# Not hostile: the largest image the default limits decode, for the peak-memory bound of a legitimate decode.
case("png-rgb8-100mp.png", ["preprocess", "{file}", "--out", "{out}.npy"], None, 1200,
     "a complete 10000×10000 RGB PNG (290 KB): decodes within the 1 GiB decode budget",
     png(10000, 10000, 8, 2, zlib_zeros(10000 * (10000 * 3 + 1))))
case("png-huge-header-tiny-data.png", ["decode", "{file}", "--out", "{out}.npy"], "image data has", 256,
     "a 10000×10000 RGB header with 100 bytes of image data",
     png(10000, 10000, 8, 2, zlib.compress(bytes(1000))[:100]))
case("png-too-many-pixels.png", ["decode", "{file}", "--out", "{out}.npy"], "exceeds the limit of 100000000 pixels", 256,
     "a 20000×20000 header", png(20000, 20000, 8, 0, zlib.compress(b"\0" * 100)))


def jpeg_segment(marker, payload):
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def jpeg_header(width, height, progressive, components):
    """SOI, one DQT, SOF0/SOF2 with `components` (id, sampling), a DC table with one 1-bit code (category 0)
    and an AC table with one 1-bit code: EOB run of 2^14 + 14 bits."""
    out = b"\xFF\xD8"
    out += jpeg_segment(0xDB, b"\x00" + bytes([1] * 64))
    sof = struct.pack(">BHHB", 8, height, width, len(components))
    sof += b"".join(bytes([cid, sampling, 0]) for cid, sampling in components)
    out += jpeg_segment(0xC2 if progressive else 0xC0, sof)
    counts = bytes([1] + [0] * 15)
    out += jpeg_segment(0xC4, b"\x00" + counts + b"\x00")  # DC table 0: '0' → category 0
    out += jpeg_segment(0xC4, b"\x10" + counts + b"\xE0")  # AC table 0: '0' → EOBRUN 2^14 + 14 bits
    return out


def jpeg_sos(components, ss, se, ah_al):
    payload = bytes([len(components)]) + b"".join(bytes([cid, 0x00]) for cid in components) + bytes([ss, se, ah_al])
    return jpeg_segment(0xDA, payload)


ycc = [(1, 0x22), (2, 0x11), (3, 0x11)]
noise = bytes((i * 2654435761 >> 13) & 0xFF for i in range(3000)).replace(b"\xFF", b"\xFE")
case("jpeg-progressive-10000-3kb.jpg", ["decode", "{file}", "--out", "{out}.npy"], "cannot code the", 256,
     "a 10000×10000 progressive header with 3 KB of data: 459 MB allocated before anything was checked",
     jpeg_header(10000, 10000, True, ycc) + jpeg_sos([1, 2, 3], 0, 0, 0) + noise + b"\xFF\xD9")
case("jpeg-baseline-10000-3kb.jpg", ["decode", "{file}", "--out", "{out}.npy"], "cannot code the", 256,
     "a 10000×10000 baseline header with 3 KB of data",
     jpeg_header(10000, 10000, False, ycc) + jpeg_sos([1, 2, 3], 0, 63, 0) + noise + b"\xFF\xD9")


def scan_flood(side, scans):
    """A gray progressive image: one DC scan (one bit per block), then `scans` AC scans of band 1 that
    each skip every block with two EOB runs (4 bytes): thousands of passes over the image."""
    blocks = ((side + 7) // 8) ** 2
    dc = b"\x00" * ((blocks + 7) // 8)
    first = min(blocks, 32767) - 16384
    second = blocks - min(blocks, 32767) - 16384 if blocks > 32767 else None
    bits = "0" + format(first, "014b") + ("0" + format(second, "014b") if second is not None else "")
    bits += "1" * (-len(bits) % 8)
    ac = bytes(int(bits[i:i + 8], 2) for i in range(0, len(bits), 8)).replace(b"\xFF", b"\xFF\x00")
    out = jpeg_header(side, side, True, [(1, 0x11)]) + jpeg_sos([1], 0, 0, 0) + dc
    out += (jpeg_sos([1], 1, 1, 0) + ac) * scans
    return out + b"\xFF\xD9"


case("jpeg-scan-flood.jpg", ["decode", "{file}", "--out", "{out}.npy"], "more than 100 times", 256,
     "a 1448×1448 progressive JPEG of 12,000 scans (170 KB): 12,000 passes over 32,761 blocks",
     scan_flood(1448, 12_000))


# MARK: - numpy arrays and specs

def npy(shape_text, payload):
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape_text + ", }"
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + payload


probe = ["probe", "--embeddings", "{file}", "--head", "{file}"]
case("npy-trailing-bytes.npy", probe, "bytes after the", 256,
     "an array followed by 400 bytes numpy never writes", npy("(2, 2)", bytes(16) + bytes(400)))
case("npy-huge-shape.npy", probe, "is shorter than shape", 256,
     "a header claiming 2^40 × 2^20 floats over 16 bytes", npy("(1099511627776, 1048576)", bytes(16)))
deep = b"[" * 10_000 + b"]" * 10_000
case("spec-deep-nesting.json", ["run", "{file}"], "invalid JSON", 256,
     "10k nested arrays in a pilot spec", deep)

os.makedirs(os.path.join(HERE, "mlp-ratio"), exist_ok=True)
config = {"model_cfg": {"embed_dim": 16, "quick_gelu": True,
                        "vision_cfg": {"image_size": 16, "layers": 1, "width": 32, "head_width": 16, "patch_size": 8,
                                       "mlp_ratio": 1e300},
                        "text_cfg": {"context_length": 77, "vocab_size": 64, "width": 16, "heads": 2, "layers": 1}}}
with open(os.path.join(HERE, "mlp-ratio", "open_clip_config.json"), "w") as handle:
    json.dump(config, handle, indent=2)
    handle.write("\n")
CASES["mlp-ratio/open_clip_config.json"] = {
    "command": ["inspect", "{dir}/reference.safetensors"], "expect": "vision_cfg.mlp_ratio 1e+300", "max_rss_mib": 256,
    "copy": {"reference.safetensors": "Tests/WeightsTests/Fixtures/torch/vit/reference.safetensors"},
    "why": "mlp_ratio 1e300 beside valid weights: became a width of Int.min under -Ounchecked"}

with open(os.path.join(HERE, "hostile.json"), "w") as handle:
    json.dump({"generator": "make_hostile.py", "cases": CASES}, handle, indent=2, sort_keys=True)
    handle.write("\n")
