#!/usr/bin/env python3
"""Pillow's JPEG decoding throughput on the 200 ImageNet sample images, measured the way
JPEGBenchmarkTests measures ours: megapixels per second of thread CPU time, one thread,
min / median / max of 5 runs of Image.open(...).convert("RGB") over files held in memory."""
import io
import os
import time

import PIL
from PIL import Image, features

HERE = os.path.dirname(os.path.abspath(__file__))
FOLDER = os.path.join(HERE, "..", "..", "..", "..", "shared", "data", "images", "imagenet-sample-200")

blobs = [open(os.path.join(FOLDER, name), "rb").read() for name in sorted(os.listdir(FOLDER))]
pixels = 0
for blob in blobs:
    width, height = Image.open(io.BytesIO(blob)).size
    pixels += width * height
rates = []
for _ in range(5):
    start = time.thread_time()
    for blob in blobs:
        Image.open(io.BytesIO(blob)).convert("RGB")
    rates.append(pixels / (time.thread_time() - start) / 1e6)
rates.sort()
print(f"Pillow {PIL.__version__} (libjpeg-turbo {features.version('libjpeg_turbo')}), {len(blobs)} images, "
      f"{pixels / 1e6:.1f} MP: MP/s of thread CPU time min {rates[0]:.1f} / median {rates[2]:.1f} / max {rates[4]:.1f}")
