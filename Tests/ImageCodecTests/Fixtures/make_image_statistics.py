#!/usr/bin/env python3
"""Writes image-statistics.json: the reference values of ImageStatistics (Sources/ImageCodec/ImageStatistics.swift),
computed with Pillow and numpy (run once; Python is never needed by the tests).

Files: the 200 JPEGs of ../shared/data/images/imagenet-sample-200, a few JPEG variants of this folder (grayscale,
CMYK, odd sizes, quality 3 and 100, 1×1) and a few PNGs of the PngSuite subset (gray, palette, alpha, 16-bit).
Per file:
- luma L = np.asarray(im.convert("RGB").convert("L")) (Pillow's own conversion, Rec. 601 in 16-bit fixed point);
- brightness = mean(L) / 255; contrast = population std of L / 255;
- saturation = mean of np.asarray(im.convert("RGB").convert("HSV"))[..., 1] / 255 (Pillow's own HSV);
- sharpness = population variance of the valid 3×3 Laplacian [0 1 0; 1 -4 1; 0 1 0] of L (0…255) (None below 3×3);
- jpeg_quality: for q in 1…100 libjpeg's baseline tables (jpeg_quality_scaling) against im.quantization[0]
  (and [1] if present) by the sum of absolute differences; the smallest sum, ties to the higher q; None for PNG;
- grayscale: a JPEG with one component (Pillow mode "L"), or R == G == B everywhere in im.convert("RGB").
Also "libjpeg_written": for the JPEGs Pillow writes here at quality q (for q in a few values), the estimate must be q.

Usage: python3 make_image_statistics.py   (from anywhere; paths are relative to this file)
"""
import io
import json
import os
import sys

import numpy as np
import PIL
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared", "data", "images")

LUMINANCE = [
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
    14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99]
CHROMINANCE = [
    17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99,
    47, 66, 99, 99, 99, 99, 99, 99] + [99] * 32


def scaled(base, q):
    scale = 5000 // q if q < 50 else 200 - 2 * q
    return min(255, max(1, (base * scale + 50) // 100))


def jpeg_quality(tables):
    if 0 not in tables:
        return None
    best = None
    for q in range(1, 101):
        d = sum(abs(a - scaled(b, q)) for a, b in zip(tables[0], LUMINANCE))
        if 1 in tables:
            d += sum(abs(a - scaled(b, q)) for a, b in zip(tables[1], CHROMINANCE))
        if best is None or d <= best[1]:
            best = (q, d)
    return best[0]


def statistics(im, is_jpeg):
    rgb = im.convert("RGB")
    luma = np.asarray(rgb.convert("L"), dtype=np.float64) / 255
    sat = np.asarray(rgb.convert("HSV"), dtype=np.float64)[..., 1] / 255
    arr = np.asarray(rgb)
    h, w = luma.shape
    sharp = None
    if w >= 3 and h >= 3:
        L = np.asarray(rgb.convert("L"), dtype=np.int64)
        lap = (L[:-2, 1:-1] + L[2:, 1:-1] + L[1:-1, :-2] + L[1:-1, 2:] - 4 * L[1:-1, 1:-1]).astype(np.float64)
        sharp = float(np.var(lap))
    gray = bool((arr[..., 0] == arr[..., 1]).all() and (arr[..., 1] == arr[..., 2]).all())
    if is_jpeg and im.mode == "L":
        gray = True
    return {
        "width": w, "height": h,
        "brightness": float(luma.mean()), "contrast": float(luma.std()), "saturation": float(sat.mean()),
        "sharpness": sharp,
        "jpeg_quality": jpeg_quality(im.quantization) if is_jpeg else None,
        "grayscale": gray,
    }


def main():
    files = {}
    folder = os.path.join(SHARED, "imagenet-sample-200")
    for name in sorted(os.listdir(folder)):
        if name.lower().endswith((".jpeg", ".jpg")):
            with Image.open(os.path.join(folder, name)) as im:
                files["imagenet-sample-200/" + name] = statistics(im, True)
    variants = ["tench-gray.jpg", "tench-gray-prog.jpg", "brambling-cmyk.jpg", "ray-prog-420.jpg", "robin-1x1-420.jpg",
                "robin-2x3-444.jpg", "robin-33x65-420.jpg", "sealyham-q3.jpg", "sealyham-q100.jpg", "wolfhound-pillow-q95-420.jpg"]
    for name in variants:
        with Image.open(os.path.join(HERE, "jpeg-variants", name)) as im:
            files["jpeg-variants/" + name] = statistics(im, True)
    pngs = ["basn0g01.png", "basn0g08.png", "basn0g16.png", "basn2c08.png", "basn3p04.png", "basn4a08.png", "basn6a16.png"]
    for name in pngs:
        with Image.open(os.path.join(SHARED, "pngsuite-subset", name)) as im:
            files["pngsuite-subset/" + name] = statistics(im, False)
    # Pillow (libjpeg) writes each quality's standard tables: the estimate must give the quality back.
    written = {}
    with Image.open(os.path.join(folder, sorted(os.listdir(folder))[0])) as im:
        for q in [1, 10, 25, 49, 50, 51, 75, 90, 95, 100]:
            buffer = io.BytesIO()
            im.convert("RGB").save(buffer, "JPEG", quality=q)
            with Image.open(io.BytesIO(buffer.getvalue())) as saved:
                assert jpeg_quality(saved.quantization) == q, q
                written[str(q)] = {str(k): list(v) for k, v in saved.quantization.items()}
    out = {
        "generator": {"python": sys.version.split()[0], "pillow": PIL.__version__, "numpy": np.__version__},
        "files": files,
        "libjpeg_written_tables": written,
    }
    with open(os.path.join(HERE, "image-statistics.json"), "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
