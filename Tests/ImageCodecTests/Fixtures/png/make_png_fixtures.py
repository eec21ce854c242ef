#!/usr/bin/env python3
"""Writes the PNG fixtures used by ImageCodecTests (PNG*Tests) and the inflate fixtures used by
SupportTests (InflateTests, in Tests/SupportTests/Fixtures).

Run from anywhere:  python3 Tests/ImageCodecTests/Fixtures/png/make_png_fixtures.py
Needs Pillow and numpy (fixture tools only; the tests never run Python).

Outputs (all beside this script):
  pngsuite.json      per PngSuite file in ../../../../../shared/data/images/pngsuite-subset:
                     Pillow's mode, size, sha256 of np.array(im) bytes (I;16 little-endian),
                     palette bytes (hex), and sha256 of np.array(im.convert("RGB"))
  made/*.png         small PNGs written here (16-bit, interlaced, palette+tRNS, corrupt, ...)
  made.json          the same checksums for made/*.png ("error" for files Pillow rejects too)
  inflate/*.zz|*.gz|*.deflate   (in Tests/SupportTests/Fixtures) compressed streams; inflate.json: sha256 + length of the plain data
  cmyk.json          random CMYK pixels and Pillow's convert("RGB") of them
  encoder/*.png|gz   written by the Swift tests (SHIFTLENS_RECORD_PNG_FIXTURES=1 swift test --filter
                     PNGEncoderTests); `--check-encoder` records in encoder.json what Pillow / gzip read
The generator versions are recorded in every JSON file.
"""
import gzip, hashlib, io, json, os, random, struct, sys, zlib
import numpy as np
import PIL
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", "..", ".."))
INFLATE = os.path.join(ROOT, "Tests", "SupportTests", "Fixtures")
SUITE = os.path.join(ROOT, "..", "shared", "data", "images", "pngsuite-subset")
VERSIONS = {"pillow": PIL.__version__, "numpy": np.__version__, "zlib": zlib.ZLIB_VERSION,
            "python": sys.version.split()[0]}


def sha(b):
    return hashlib.sha256(b).hexdigest()


def describe(data):
    """Pillow's view of a PNG: mode, size, sample sha256, palette, RGB sha256."""
    try:
        im = Image.open(io.BytesIO(data))
        im.load()
    except Exception as e:  # noqa: BLE001 - any Pillow failure means "invalid file"
        return {"error": type(e).__name__ + ": " + str(e)}
    arr = np.array(im)
    if im.mode == "I;16":
        arr = arr.astype("<u2")
    elif im.mode == "1":
        arr = arr.astype(np.uint8) * 255
    entry = {"mode": im.mode, "width": im.size[0], "height": im.size[1],
             "samples_sha256": sha(np.ascontiguousarray(arr).tobytes()),
             "rgb_sha256": sha(np.ascontiguousarray(np.array(im.convert("RGB"))).tobytes())}
    if im.mode == "P":
        entry["palette"] = bytes(im.getpalette()).hex()
    return entry


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(width, height, depth, color, rows, interlace=0, extra=b"", idat_split=None, filters=None, level=9):
    """A PNG from unfiltered scanlines (`rows` is a list of byte strings per pass-row)."""
    raw = b""
    for i, row in enumerate(rows):
        f = 0 if filters is None else filters[i % len(filters)]
        raw += bytes([f]) + apply_filter(f, row, rows[i - 1] if i > 0 and filters is not None else None, depth, color)
    z = zlib.compress(raw, level)
    idat = b""
    if idat_split:
        for i in range(0, len(z), idat_split):
            idat += chunk(b"IDAT", z[i:i + idat_split])
    else:
        idat = chunk(b"IDAT", z)
    ihdr = struct.pack(">IIBBBBB", width, height, depth, color, 0, 0, interlace)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + extra + idat + chunk(b"IEND", b"")


def apply_filter(f, row, prev, depth, color):
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[color]
    bpp = max(1, channels * depth // 8)
    prev = prev if prev is not None else bytes(len(row))
    out = bytearray(len(row))
    for i, x in enumerate(row):
        a = row[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        if f == 0: p = 0
        elif f == 1: p = a
        elif f == 2: p = b
        elif f == 3: p = (a + b) // 2
        else:
            pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
            p = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
        out[i] = (x - p) & 0xFF
    return bytes(out)


def made_files(rng):
    files = {}
    # 16-bit gray with values > 255 (ramp over the full range), all five filters.
    w, h = 13, 7
    vals = [[(x * 5000 + y * 977) % 65536 for x in range(w)] for y in range(h)]
    rows = [b"".join(struct.pack(">H", v) for v in r) for r in vals]
    files["gray16_ramp.png"] = png(w, h, 16, 0, rows, filters=[0, 1, 2, 3, 4])
    # 16-bit gray with every value <= 255 (no saturation).
    rows = [b"".join(struct.pack(">H", (x * 19 + y) % 256) for x in range(w)) for y in range(h)]
    files["gray16_small.png"] = png(w, h, 16, 0, rows, filters=[4, 3])
    # 16-bit RGB, random.
    w, h = 9, 5
    rows = [bytes(rng.randrange(256) for _ in range(w * 6)) for _ in range(h)]
    files["rgb16_random.png"] = png(w, h, 16, 2, rows, filters=[1, 4, 2, 3, 0])
    # Palette + tRNS, 4-bit, an odd width.
    pal = bytes(rng.randrange(256) for _ in range(3 * 11))
    trns = bytes([0, 128, 255, 7])
    w, h = 11, 6
    idx = [[rng.randrange(11) for _ in range(w)] for _ in range(h)]
    rows = [pack_bits(r, 4) for r in idx]
    files["palette4_trns.png"] = png(w, h, 4, 3, rows, extra=chunk(b"PLTE", pal) + chunk(b"tRNS", trns), filters=[2, 1])
    # Palette index beyond the palette (Pillow: black).
    rows = [bytes([0, 1, 2, 200, 255])]
    files["palette8_out_of_range.png"] = png(5, 1, 8, 3, rows, extra=chunk(b"PLTE", bytes([10, 20, 30, 40, 50, 60])))
    # RGB + tRNS (Pillow keeps RGB).
    rows = [bytes(rng.randrange(256) for _ in range(3 * 6)) for _ in range(4)]
    files["rgb8_trns.png"] = png(6, 4, 8, 2, rows, extra=chunk(b"tRNS", bytes([0, 1, 0, 2, 0, 3])), filters=[3])
    # Gray 2-bit with tRNS, odd width; IDAT split into 3-byte chunks.
    w, h = 7, 5
    rows = [pack_bits([rng.randrange(4) for _ in range(w)], 2) for _ in range(h)]
    files["gray2_trns_split.png"] = png(w, h, 2, 0, rows, extra=chunk(b"tRNS", bytes([0, 1])), idat_split=3)
    # Interlaced images via Pillow is impossible (Pillow cannot write Adam7), so build them by hand.
    for (name, w, h, depth, color, chans) in [("rgba8_adam7.png", 13, 11, 8, 6, 4),
                                             ("gray1_adam7.png", 10, 9, 1, 0, 1),
                                             ("la16_adam7.png", 5, 9, 16, 4, 2),
                                             ("rgba16_adam7.png", 3, 2, 16, 6, 4),
                                             ("gray4_adam7_1x1.png", 1, 1, 4, 0, 1)]:
        pixels = [[[rng.randrange(1 << depth) for _ in range(chans)] for _ in range(w)] for _ in range(h)]
        files[name] = adam7(w, h, depth, color, pixels)
    # An ancillary unknown chunk and a private critical chunk.
    base = png(3, 2, 8, 0, [bytes([1, 2, 3]), bytes([4, 5, 6])])
    files["ancillary_unknown.png"] = base[:33] + chunk(b"zzZz", b"hello") + base[33:]
    files["bad_critical_unknown.png"] = base[:33] + chunk(b"ZZZZ", b"hello") + base[33:]
    # Corrupt variants of a small RGB image.
    good = png(4, 3, 8, 2, [bytes(range(12)), bytes(range(12, 24)), bytes(range(24, 36))])
    files["bad_crc.png"] = good[:29] + bytes([good[29] ^ 1]) + good[30:]   # last CRC byte of IHDR
    files["bad_truncated.png"] = good[:len(good) - 20]
    files["bad_filter.png"] = png(4, 1, 8, 0, [bytes(4)])
    files["bad_filter.png"] = files["bad_filter.png"].replace(chunk(b"IDAT", zlib.compress(b"\0" + bytes(4), 9)),
                                                            chunk(b"IDAT", zlib.compress(b"\x05" + bytes(4), 9)))
    files["bad_depth.png"] = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 3, 2, 0, 0, 0)) + good[33:]
    files["bad_signature.png"] = b"\x89PNG\r\n\x1a\x0a"[:7] + b"\x00" + good[8:]
    files["bad_short_data.png"] = png(4, 4, 8, 0, [bytes(4)] * 3)  # 3 rows for a 4-row header
    files["bad_no_idat.png"] = good[:33] + chunk(b"IEND", b"")
    files["bad_palette_missing.png"] = png(2, 2, 8, 3, [bytes(2), bytes(2)])
    huge = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 100000, 100000, 8, 0, 0, 0, 0)) + good[33:]
    files["bad_too_large.png"] = huge
    return files


def pack_bits(values, depth):
    out, acc, n = bytearray(), 0, 0
    for v in values:
        acc = (acc << depth) | v
        n += depth
        if n == 8:
            out.append(acc); acc, n = 0, 0
    if n:
        out.append(acc << (8 - n))
    return bytes(out)


def adam7(w, h, depth, color, pixels):
    passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
    raw = b""
    filt = 0
    for (x0, y0, dx, dy) in passes:
        xs = list(range(x0, w, dx))
        ys = list(range(y0, h, dy))
        if not xs or not ys:
            continue
        prev = None
        for y in ys:
            samples = [s for x in xs for s in pixels[y][x]]
            if depth == 16:
                row = b"".join(struct.pack(">H", s) for s in samples)
            elif depth == 8:
                row = bytes(samples)
            else:
                row = pack_bits(samples, depth)
            f = filt % 5
            filt += 1
            raw += bytes([f]) + apply_filter(f, row, prev, depth, color)
            prev = row
    ihdr = struct.pack(">IIBBBBB", w, h, depth, color, 0, 0, 1)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def inflate_fixtures(rng):
    out = {}
    text = (b"The quick brown fox jumps over the lazy dog. " * 40
            + bytes(rng.randrange(256) for _ in range(3000))
            + b"abcabcabcabcabcabc" * 500 + bytes(1000))
    plain = {"text": text,
             "random": bytes(rng.randrange(256) for _ in range(4000)),
             "empty": b"",
             "one": b"x",
             "runs": b"a" * 70000 + b"b" * 3 + b"a" * 300}
    d = os.path.join(INFLATE, "inflate")
    os.makedirs(d, exist_ok=True)
    for name, data in plain.items():
        for level in (0, 1, 6, 9):
            for strategy, sname in ((zlib.Z_DEFAULT_STRATEGY, "default"), (zlib.Z_FIXED, "fixed"), (zlib.Z_HUFFMAN_ONLY, "huffman")):
                if (level == 0 or name == "random") and sname != "default":
                    continue
                if name == "random" and level not in (0, 6):
                    continue
                c = zlib.compressobj(level, zlib.DEFLATED, 15, 9, strategy)
                z = c.compress(data) + c.flush()
                fname = f"{name}-l{level}-{sname}.zz"
                with open(os.path.join(d, fname), "wb") as f:
                    f.write(z)
                out[fname] = {"sha256": sha(data), "length": len(data)}
        # raw deflate (wbits -15)
        c = zlib.compressobj(6, zlib.DEFLATED, -15)
        with open(os.path.join(d, f"{name}.deflate"), "wb") as f:
            f.write(c.compress(data) + c.flush())
        out[f"{name}.deflate"] = {"sha256": sha(data), "length": len(data)}
    # gzip: FNAME (Python writes it), and a hand-made member with FEXTRA, FCOMMENT and FHCRC, then two members.
    g1 = gzip.compress(plain["text"], mtime=0)
    hdr = b"\x1f\x8b\x08" + bytes([0x04 | 0x08 | 0x10 | 0x02]) + b"\0\0\0\0\x00\x03"
    hdr += struct.pack("<H", 5) + b"extra" + b"name.txt\0" + b"a comment\0"
    hdr += struct.pack("<H", zlib.crc32(hdr) & 0xFFFF)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    body = c.compress(plain["runs"]) + c.flush()
    g2 = hdr + body + struct.pack("<II", zlib.crc32(plain["runs"]) & 0xFFFFFFFF, len(plain["runs"]) & 0xFFFFFFFF)
    for fname, blob, data in (("text.gz", g1, plain["text"]), ("flags.gz", g2, plain["runs"]),
                              ("two-members.gz", g1 + g2, plain["text"] + plain["runs"])):
        with open(os.path.join(d, fname), "wb") as f:
            f.write(blob)
        out[fname] = {"sha256": sha(data), "length": len(data)}
    bpe = os.path.join(ROOT, "assets", "clip", "bpe_simple_vocab_16e6.txt.gz")
    data = gzip.open(bpe).read()
    out["../../../../assets/clip/bpe_simple_vocab_16e6.txt.gz"] = {"sha256": sha(data), "length": len(data)}
    return out


def cmyk_fixture(rng):
    w, h = 64, 16
    data = bytes(rng.randrange(256) for _ in range(w * h * 4))
    # Include the extremes explicitly.
    data = bytes([0, 0, 0, 0, 255, 255, 255, 255, 255, 0, 0, 0, 0, 0, 0, 255, 128, 128, 128, 128]) + data[20:]
    im = Image.frombytes("CMYK", (w, h), data)
    rgb = np.array(im.convert("RGB")).tobytes()
    return {"width": w, "height": h, "cmyk_hex": data.hex(), "rgb_sha256": sha(rgb), "rgb_hex_first_5": rgb[:15].hex()}


def main():
    rng = random.Random(20261126)
    suite = {}
    for name in sorted(os.listdir(SUITE)):
        if name.endswith(".png"):
            with open(os.path.join(SUITE, name), "rb") as f:
                suite[name] = describe(f.read())
    write_json("pngsuite.json", {"generator": VERSIONS, "files": suite})

    made_dir = os.path.join(HERE, "made")
    os.makedirs(made_dir, exist_ok=True)
    made = {}
    for name, data in sorted(made_files(rng).items()):
        with open(os.path.join(made_dir, name), "wb") as f:
            f.write(data)
        made[name] = describe(data)
    write_json("made.json", {"generator": VERSIONS, "files": made})
    write_json("inflate.json", {"generator": VERSIONS, "files": inflate_fixtures(rng)}, folder=INFLATE)
    write_json("cmyk.json", {"generator": VERSIONS, **cmyk_fixture(rng)})


def write_json(name, obj, folder=HERE):
    with open(os.path.join(folder, name), "w") as f:
        json.dump(obj, f, indent=1, sort_keys=True)
        f.write("\n")


def check_encoder():
    """Decodes the PNGs our encoder wrote (encoder/*.png + encoder/*.rgb raw pixels) with Pillow."""
    d = os.path.join(HERE, "encoder")
    results = {}
    for name in sorted(os.listdir(d)):
        if name.endswith(".png"):
            with open(os.path.join(d, name), "rb") as f:
                blob = f.read()
            results[name] = {**describe(blob), "file_sha256": sha(blob)}
        elif name.endswith(".gz"):
            with open(os.path.join(d, name), "rb") as f:
                blob = f.read()
            data = gzip.decompress(blob)
            results[name] = {"sha256": sha(data), "length": len(data), "file_sha256": sha(blob)}
    write_json("encoder.json", {"generator": VERSIONS, "files": results})


if __name__ == "__main__":
    if "--check-encoder" in sys.argv:
        check_encoder()
    else:
        main()
