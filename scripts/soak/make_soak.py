#!/usr/bin/env python3
"""Writes the scale-soak pilot: 50,000 generated 64×64 images in 6 domains, for the two demo models.

    python3 scripts/soak/make_soak.py OUT_DIR [--images 50000] [--seed 14]

OUT_DIR gets data/<domain>/<class>/<n>.png|jpg (ImageFolder; the last domain is unlabelled and flat),
classes.txt, templates.txt and pilot.json naming the bundled demo models (assets/demo-models). The images
are procedural drawings of the demo's ten part classes (each class its own polygon family) under six
shifts — clean PNG, dark and noisy PNG, low-quality JPEG, blurred JPEG, rotated PNG, a flat unlabelled
JPEG folder — so decoding covers both formats and every image is distinct (the store is
content-addressed, so duplicates would not be encoded). Deterministic for a given seed. Needs Pillow and
numpy (a soak tool, never a runtime dependency). run_soak.py runs the soak on it.
"""
import argparse
import json
import math
import os
import sys

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLASSES = ["hex nut", "washer", "gear", "screw", "L-bracket", "spring", "ball bearing", "chain link", "wing nut", "rivet"]
SIZE = 64
# name, format, labelled, how the image is changed
DOMAINS = [
    ("reference", "png", True, "clean"),
    ("night", "png", True, "dark"),
    ("jpeg-q30", "jpg", True, "jpeg"),
    ("blur", "jpg", True, "blur"),
    ("rotated", "png", True, "rotate"),
    ("unlabelled-camera", "jpg", False, "camera"),
]


def polygon(label, rng):
    """The outline of one part: a regular polygon whose corner count and indentation depend on the class."""
    corners = 3 + label
    radius = rng.uniform(14, 24)
    cx, cy = SIZE / 2 + rng.uniform(-6, 6), SIZE / 2 + rng.uniform(-6, 6)
    phase = rng.uniform(0, 2 * math.pi)
    indent = 0.45 if label % 2 else 1.0
    points = []
    for k in range(2 * corners):
        r = radius * (indent if k % 2 else 1.0)
        angle = phase + math.pi * k / corners
        points.append((cx + r * math.cos(angle), cy + r * math.sin(angle)))
    return points


def render(label, style, rng):
    background = tuple(int(v) for v in rng.integers(150, 230, size=3))
    image = Image.new("RGB", (SIZE, SIZE), background)
    draw = ImageDraw.Draw(image)
    tone = tuple(int(v) for v in rng.integers(20, 110, size=3))
    draw.polygon(polygon(label, rng), fill=tone, outline=(0, 0, 0))
    if label in (1, 6, 9):  # parts with a hole
        r = rng.uniform(3, 7)
        draw.ellipse((SIZE / 2 - r, SIZE / 2 - r, SIZE / 2 + r, SIZE / 2 + r), fill=background)
    pixels = np.asarray(image).astype(np.float64)
    pixels += rng.normal(0, 4, pixels.shape)
    if style == "dark":
        pixels = pixels * 0.3 + rng.normal(0, 12, pixels.shape)
    elif style == "camera":
        pixels = pixels * np.array([1.15, 1.0, 0.8])
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    if style == "blur":
        image = image.filter(ImageFilter.GaussianBlur(1.5))
    elif style == "rotate":
        image = image.rotate(float(rng.uniform(-40, 40)), fillcolor=background)
    return image


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out")
    parser.add_argument("--images", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    out = os.path.abspath(args.out)
    rng = np.random.default_rng(args.seed)
    per_domain = [args.images // len(DOMAINS) + (1 if d < args.images % len(DOMAINS) else 0) for d in range(len(DOMAINS))]
    for (name, ext, labelled, style), count in zip(DOMAINS, per_domain):
        for n in range(count):
            label = n % len(CLASSES)
            folder = os.path.join(out, "data", name, CLASSES[label]) if labelled else os.path.join(out, "data", name)
            os.makedirs(folder, exist_ok=True)
            image = render(label, style, rng)
            path = os.path.join(folder, f"{n:05d}.{ext}")
            if ext == "png":
                image.save(path, optimize=False)
            else:
                image.save(path, quality=30 if style == "jpeg" else 85)
        print(f"{name}: {count} images", file=sys.stderr)
    with open(os.path.join(out, "classes.txt"), "w") as handle:
        handle.write("\n".join(CLASSES) + "\n")
    with open(os.path.join(out, "templates.txt"), "w") as handle:
        handle.write("a photo of a {c}.\na picture of a {c}.\nan image of a {c}.\n")
    spec = {
        "pilot": "soak",
        "title": f"Scale soak: {args.images} generated images in {len(DOMAINS)} domains",
        "classes": {"names": "classes.txt", "templates": "templates.txt"},
        "domains": [{"name": name, "path": f"data/{name}", **({"role": "reference"} if index == 0 else {}),
                     **({} if labelled else {"labels": "none"})}
                    for index, (name, _, labelled, _) in enumerate(DOMAINS)],
        "models": [{"name": title, "weights": os.path.join(ROOT, "assets", "demo-models", folder, "open_clip_model.safetensors")}
                   for title, folder in [("Toy CLIP — diverse training", "demo-diverse"), ("Toy CLIP — narrow training", "demo-narrow")]],
        "criteria": {"min_accuracy": 0.5, "max_relative_drop": 0.3},
    }
    with open(os.path.join(out, "pilot.json"), "w") as handle:
        json.dump(spec, handle, indent=2, ensure_ascii=False)
        handle.write("\n")
    print(os.path.join(out, "pilot.json"))


if __name__ == "__main__":
    main()
