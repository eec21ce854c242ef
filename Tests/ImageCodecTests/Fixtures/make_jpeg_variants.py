#!/usr/bin/env python3
"""Writes the JPEG decoder's reference fixtures (run once; Python is never needed by the tests).

1. jpeg-imagenet-checksums.json: for every JPEG in ../shared/data/images/imagenet-sample-200,
   Pillow's mode, size and the SHA-256 of np.array(Image.open(p)).tobytes().
2. jpeg-variants/*.jpg + jpeg-variants.json: small variants made from 6 of those images with
   Pillow and libjpeg-turbo's cjpeg/jpegtran (progressive, optimised Huffman, restart intervals,
   every sampling factor, odd sizes, grayscale, CMYK, YCCK, RGB, multi-scan sequential), plus
   files of variants the decoder must refuse (arithmetic coding; SOF3/SOF5/SOF9 and 12-bit
   headers patched into a baseline file) and corrupt files (zero and huge sizes). Each entry
   records either Pillow's decoded checksum ("expect": "ok") or the error code expected from
   ShiftLens ("expect": "unsupported" / "too_large" / ...).

Usage: python3 make_jpeg_variants.py   (from anywhere; paths are relative to this file)
"""
import hashlib
import io
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import PIL
from PIL import Image, features

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))  # package root
SHARED = os.path.join(os.path.dirname(ROOT), "shared", "data", "images", "imagenet-sample-200")
VARIANTS = os.path.join(HERE, "jpeg-variants")


def versions():
    cjpeg = subprocess.run(["cjpeg", "-version"], capture_output=True, text=True)
    return {
        "python": sys.version.split()[0],
        "pillow": PIL.__version__,
        "pillow_libjpeg_turbo": features.version("libjpeg_turbo"),
        "numpy": np.__version__,
        "cjpeg": (cjpeg.stdout + cjpeg.stderr).strip().splitlines()[0],
    }


def pillow_entry(path):
    with Image.open(path) as im:
        array = np.array(im)
        return {
            "mode": im.mode,
            "width": im.size[0],
            "height": im.size[1],
            "sha256": hashlib.sha256(array.tobytes()).hexdigest(),
        }


def imagenet_table():
    entries = []
    for name in sorted(os.listdir(SHARED)):
        entry = {"file": name}
        entry.update(pillow_entry(os.path.join(SHARED, name)))
        entries.append(entry)
    return entries


def cjpeg(source_image, options, out_path, gray=False):
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "in.pgm" if gray else "in.ppm")
        (source_image.convert("L") if gray else source_image.convert("RGB")).save(src)
        subprocess.run(["cjpeg", *options, "-outfile", out_path, src], check=True)


def segments(data):
    """(marker, start, end) of each marker segment before the first SOS (start = index of 0xFF)."""
    out = []
    i = 2
    while i + 4 <= len(data):
        marker = data[i + 1]
        length = data[i + 2] << 8 | data[i + 3]
        out.append((marker, i, i + 2 + length))
        if marker == 0xDA:
            break
        i += 2 + length
    return out


def strip_marker(data, marker):
    for m, start, end in segments(data):
        if m == marker:
            return data[:start] + data[end:]
    raise ValueError(f"no marker {marker:#x}")


def patch_sof(data, new_marker=None, precision=None, height=None, width=None):
    data = bytearray(data)
    for m, start, _ in segments(data):
        if m in (0xC0, 0xC1, 0xC2):
            if new_marker is not None:
                data[start + 1] = new_marker
            if precision is not None:
                data[start + 4] = precision
            if height is not None:
                data[start + 5:start + 7] = height.to_bytes(2, "big")
            if width is not None:
                data[start + 7:start + 9] = width.to_bytes(2, "big")
            return bytes(data)
    raise ValueError("no SOF")


def patch_adobe_transform(data, transform):
    data = bytearray(data)
    for m, start, _ in segments(data):
        if m == 0xEE:
            data[start + 4 + 11] = transform
            return bytes(data)
    raise ValueError("no APP14")


SAMPLINGS = {
    "444": "1x1,1x1,1x1",
    "422": "2x1,1x1,1x1",
    "420": "2x2,1x1,1x1",
    "440": "1x2,1x1,1x1",
    "411": "4x1,1x1,1x1",
    "h2v1-h1v2": "2x1,1x2,1x2",    # luma 2x1, chroma 1x2: h1v2 on Y, h2v1 on chroma
    "410": "4x2,1x1,1x1",          # generic integral upsampling 4x2
    "mixed": "2x2,1x1,2x1",        # Cr at 2x1 under a 2x2 maximum: h1v2 fancy
    "h3": "3x1,1x1,1x1",           # ratio 3: int_upsample
}

NON_INTERLEAVED_SCRIPT = "0;\n1;\n2;\n"
UNREFINED_SCRIPT = "0,1,2: 0-0, 0, 0;\n0: 1-63, 0, 1;\n1: 1-63, 0, 0;\n2: 1-63, 0, 0;\n"  # luma AC never refined
PROGRESSIVE_SCRIPT = (  # spectral selection + successive approximation on every component
    "0,1,2: 0-0, 0, 1;\n0: 1-9, 0, 2;\n1: 1-63, 0, 1;\n2: 1-63, 0, 1;\n0: 10-63, 0, 2;\n"
    "0: 1-63, 2, 1;\n0: 1-63, 1, 0;\n1: 1-63, 1, 0;\n2: 1-63, 1, 0;\n0,1,2: 0-0, 1, 0;\n"
)


def make_variants():
    os.makedirs(VARIANTS, exist_ok=True)
    for name in os.listdir(VARIANTS):
        os.remove(os.path.join(VARIANTS, name))
    sources = {
        "tench": "n01440764_tench.JPEG",                    # 4:4:4
        "ray": "n01496331_electric_ray.JPEG",               # 4:2:0
        "wolfhound": "n02090721_Irish_wolfhound.JPEG",      # 4:2:0, small
        "robin": "n01558993_robin.JPEG",
        "brambling": "n01530575_brambling.JPEG",
        "sealyham": "n02095889_Sealyham_terrier.JPEG",
    }
    images = {}
    for key, file in sources.items():
        im = Image.open(os.path.join(SHARED, file)).convert("RGB")
        scale = 160 / max(im.size)
        images[key] = im.resize((max(1, round(im.size[0] * scale)), max(1, round(im.size[1] * scale))), Image.LANCZOS)
    entries = []
    tmp = tempfile.mkdtemp()

    def add(filename, expect="ok", note=""):
        path = os.path.join(VARIANTS, filename)
        entry = {"file": filename, "expect": expect, "note": note}
        try:
            entry["pillow"] = pillow_entry(path)
        except Exception as error:  # Pillow's own verdict, for the record
            entry["pillow"] = {"error": f"{type(error).__name__}: {error}"}
        if expect == "ok" and "error" in entry["pillow"]:
            raise RuntimeError(f"Pillow cannot decode {filename}: {entry['pillow']}")
        entries.append(entry)

    def out(filename):
        return os.path.join(VARIANTS, filename)

    # Every sampling on two photos, baseline and progressive.
    for key in ("tench", "ray"):
        for label, sampling in SAMPLINGS.items():
            cjpeg(images[key], ["-quality", "85", "-sample", sampling], out(f"{key}-{label}.jpg"))
            add(f"{key}-{label}.jpg", note=f"cjpeg -sample {sampling}")
        for label in ("444", "420", "422", "440", "411", "h2v1-h1v2"):
            cjpeg(images[key], ["-quality", "80", "-progressive", "-sample", SAMPLINGS[label]], out(f"{key}-prog-{label}.jpg"))
            add(f"{key}-prog-{label}.jpg", note=f"cjpeg -progressive -sample {SAMPLINGS[label]}")

    # Odd sizes with every sampling.
    for size in ((17, 13), (1, 1), (33, 65), (2, 3), (9, 2)):
        small = images["robin"].resize(size, Image.LANCZOS)
        for label, sampling in SAMPLINGS.items():
            name = f"robin-{size[0]}x{size[1]}-{label}.jpg"
            cjpeg(small, ["-quality", "90", "-sample", sampling], out(name))
            add(name, note=f"cjpeg -sample {sampling}, {size[0]}x{size[1]}")
        name = f"robin-{size[0]}x{size[1]}-prog-420.jpg"
        cjpeg(small, ["-progressive", "-sample", SAMPLINGS["420"]], out(name))
        add(name, note="cjpeg -progressive 4:2:0")

    # Huffman optimisation, restart intervals, quality extremes.
    cjpeg(images["brambling"], ["-optimize"], out("brambling-optimize.jpg"))
    add("brambling-optimize.jpg", note="cjpeg -optimize")
    cjpeg(images["brambling"], ["-restart", "1"], out("brambling-restart-1row.jpg"))
    add("brambling-restart-1row.jpg", note="cjpeg -restart 1")
    cjpeg(images["brambling"], ["-restart", "3B", "-sample", SAMPLINGS["420"]], out("brambling-restart-3B-420.jpg"))
    add("brambling-restart-3B-420.jpg", note="cjpeg -restart 3B (blocks), 4:2:0")
    cjpeg(images["brambling"], ["-progressive", "-restart", "2B"], out("brambling-prog-restart-2B.jpg"))
    add("brambling-prog-restart-2B.jpg", note="cjpeg -progressive -restart 2B")
    cjpeg(images["sealyham"], ["-quality", "100", "-sample", SAMPLINGS["444"]], out("sealyham-q100.jpg"))
    add("sealyham-q100.jpg", note="cjpeg -quality 100")
    cjpeg(images["sealyham"], ["-quality", "3"], out("sealyham-q3.jpg"))
    add("sealyham-q3.jpg", note="cjpeg -quality 3")
    images["wolfhound"].save(out("wolfhound-pillow-q95-420.jpg"), "JPEG", quality=95, subsampling=2)
    add("wolfhound-pillow-q95-420.jpg", note="Pillow quality 95, 4:2:0")
    images["wolfhound"].save(out("wolfhound-pillow-prog-opt.jpg"), "JPEG", quality=70, progressive=True, optimize=True)
    add("wolfhound-pillow-prog-opt.jpg", note="Pillow progressive + optimize")

    # Scan scripts: non-interleaved sequential and a custom successive-approximation progression.
    script = os.path.join(tmp, "noninterleaved.txt")
    with open(script, "w") as f:
        f.write(NON_INTERLEAVED_SCRIPT)
    cjpeg(images["robin"], ["-scans", script, "-sample", SAMPLINGS["420"]], out("robin-noninterleaved-420.jpg"))
    add("robin-noninterleaved-420.jpg", note="cjpeg -scans (one sequential scan per component)")
    script = os.path.join(tmp, "progressive.txt")
    with open(script, "w") as f:
        f.write(PROGRESSIVE_SCRIPT)
    cjpeg(images["robin"], ["-scans", script, "-sample", SAMPLINGS["422"]], out("robin-progscript-422.jpg"))
    add("robin-progscript-422.jpg", note="cjpeg -scans with spectral selection and refinement")

    script = os.path.join(tmp, "unrefined.txt")
    with open(script, "w") as f:
        f.write(UNREFINED_SCRIPT)
    cjpeg(images["robin"], ["-scans", script], out("robin-prog-unrefined.jpg"))
    add("robin-prog-unrefined.jpg", expect="unsupported",
        note="progressive, luma AC left at Al=1: libjpeg applies block smoothing, not reproduced")

    # Grayscale.
    cjpeg(images["tench"], ["-grayscale"], out("tench-gray.jpg"), gray=True)
    add("tench-gray.jpg", note="cjpeg -grayscale")
    cjpeg(images["tench"], ["-grayscale", "-progressive"], out("tench-gray-prog.jpg"), gray=True)
    add("tench-gray-prog.jpg", note="cjpeg -grayscale -progressive")
    cjpeg(images["tench"].resize((33, 17)), ["-grayscale", "-sample", "2x2"], out("tench-gray-2x2.jpg"), gray=True)
    add("tench-gray-2x2.jpg", note="grayscale declared with 2x2 sampling")

    # RGB and colour-space guessing.
    cjpeg(images["ray"], ["-rgb"], out("ray-rgb-adobe0.jpg"))
    add("ray-rgb-adobe0.jpg", note="cjpeg -rgb (Adobe transform 0)")
    with open(out("ray-rgb-adobe0.jpg"), "rb") as f:
        rgb = f.read()
    with open(out("ray-rgb-ids.jpg"), "wb") as f:
        f.write(strip_marker(rgb, 0xEE))
    add("ray-rgb-ids.jpg", note="RGB detected from component ids 'R','G','B' (APP14 removed)")
    with open(out("ray-420.jpg"), "rb") as f:
        ycc = f.read()
    with open(out("ray-420-nojfif.jpg"), "wb") as f:
        f.write(strip_marker(ycc, 0xE0))
    add("ray-420-nojfif.jpg", note="YCbCr from component ids 1,2,3 (APP0 removed)")

    # CMYK (Pillow writes Adobe CMYK, transform 0) and YCCK (the same file relabelled transform 2).
    images["brambling"].convert("CMYK").save(out("brambling-cmyk.jpg"), "JPEG", quality=90)
    add("brambling-cmyk.jpg", note="Pillow CMYK (Adobe, transform 0)")
    images["brambling"].convert("CMYK").save(out("brambling-cmyk-prog.jpg"), "JPEG", quality=80, progressive=True)
    add("brambling-cmyk-prog.jpg", note="Pillow CMYK progressive")
    with open(out("brambling-cmyk.jpg"), "rb") as f:
        cmyk = f.read()
    with open(out("brambling-ycck.jpg"), "wb") as f:
        f.write(patch_adobe_transform(cmyk, 2))
    add("brambling-ycck.jpg", note="Adobe transform patched to 2: libjpeg decodes as YCCK")
    with open(out("brambling-cmyk-noadobe.jpg"), "wb") as f:
        f.write(strip_marker(cmyk, 0xEE))
    add("brambling-cmyk-noadobe.jpg", note="4 components without APP14: CMYK")

    # Variants the decoder refuses.
    cjpeg(images["sealyham"], ["-arithmetic"], out("sealyham-arithmetic.jpg"))
    add("sealyham-arithmetic.jpg", expect="unsupported", note="cjpeg -arithmetic")
    cjpeg(images["sealyham"], ["-arithmetic", "-progressive"], out("sealyham-arithmetic-prog.jpg"))
    add("sealyham-arithmetic-prog.jpg", expect="unsupported", note="cjpeg -arithmetic -progressive")
    with open(out("sealyham-q3.jpg"), "rb") as f:
        base = f.read()
    for marker, label in ((0xC3, "sof3-lossless"), (0xC5, "sof5-hierarchical"), (0xC9, "sof9-arithmetic")):
        with open(out(f"sealyham-{label}.jpg"), "wb") as f:
            f.write(patch_sof(base, new_marker=marker))
        add(f"sealyham-{label}.jpg", expect="unsupported", note=f"SOF marker patched to {marker:#x}")
    with open(out("sealyham-12bit.jpg"), "wb") as f:
        f.write(patch_sof(base, precision=12))
    add("sealyham-12bit.jpg", expect="unsupported", note="SOF precision patched to 12")
    with open(out("sealyham-zero-height.jpg"), "wb") as f:
        f.write(patch_sof(base, height=0))
    add("sealyham-zero-height.jpg", expect="too_large", note="SOF height patched to 0")
    with open(out("sealyham-huge.jpg"), "wb") as f:
        f.write(patch_sof(base, height=60000, width=60000))
    add("sealyham-huge.jpg", expect="too_large", note="SOF size patched to 60000x60000")
    return entries


def main():
    generator = versions()
    table = {"generator": generator, "script": "make_jpeg_variants.py", "images": imagenet_table()}
    with open(os.path.join(HERE, "jpeg-imagenet-checksums.json"), "w") as f:
        json.dump(table, f, indent=1)
        f.write("\n")
    table = {"generator": generator, "script": "make_jpeg_variants.py", "variants": make_variants()}
    with open(os.path.join(HERE, "jpeg-variants.json"), "w") as f:
        json.dump(table, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
