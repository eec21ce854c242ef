#!/usr/bin/env python3
"""Decode + preprocess throughput: Pillow + open_clip versus `shiftlens preprocess --bench`.

Both sides run on ONE thread over the same images (default: the 200 shared ImageNet JPEGs) and
time read + decode + resize + crop + normalise per image, `--repeats` passes each, and report
images/s as min / median / max over the passes. Ours is the release build of this package
(`swift build -c release --product shiftlens`, skipped with --no-build).

    python3 scripts/bench_preprocess.py [--images DIR] [--repeats 5] [--size 224] [--no-build]

Needs torch, open_clip and Pillow (a benchmarking tool, never a runtime dependency).
"""
import argparse, os, platform, re, statistics, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def bench_python(paths, size, repeats):
    import torch
    torch.set_num_threads(1)
    import open_clip, PIL
    from PIL import Image
    from open_clip.transform import image_transform
    preprocess = image_transform(size, is_train=False)
    for p in paths:  # warm-up pass (file cache, imports), untimed — as on our side
        preprocess(Image.open(p))
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        for p in paths:
            preprocess(Image.open(p))
        rates.append(len(paths) / (time.perf_counter() - start))
    versions = f"Pillow {PIL.__version__}, open_clip {open_clip.__version__}, torch {torch.__version__}"
    return rates, versions


def bench_ours(paths, size, repeats, build):
    if build:
        subprocess.run(["swift", "build", "-c", "release", "--product", "shiftlens"], cwd=ROOT, check=True)
    binary = os.path.join(ROOT, ".build", "release", "shiftlens")
    out = subprocess.run([binary, "preprocess", *paths, "--bench", "--repeats", str(repeats), "--size", str(size)],
                         check=True, capture_output=True, text=True).stdout
    m = re.search(r"images/s min ([\d.]+) median ([\d.]+) max ([\d.]+)", out)
    if not m:
        sys.exit(f"unexpected output from shiftlens:\n{out}")
    return [float(v) for v in m.groups()], out.strip()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", default=os.path.join(ROOT, "..", "shared", "data", "images", "imagenet-sample-200"))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--no-build", action="store_true", help="use the existing .build/release/shiftlens")
    args = parser.parse_args()
    folder = os.path.normpath(args.images)
    paths = sorted(os.path.join(folder, f) for f in os.listdir(folder)
                   if f.lower().endswith((".jpg", ".jpeg", ".png")))
    if not paths:
        sys.exit(f"no images in {folder}")

    ours, raw = bench_ours(paths, args.size, args.repeats, not args.no_build)
    theirs, versions = bench_python(paths, args.size, args.repeats)
    t_min, t_med, t_max = min(theirs), statistics.median(theirs), max(theirs)
    print(f"machine: {cpu_model()}, {os.cpu_count()} logical cores; one thread each; "
          f"{len(paths)} images from {folder}, size {args.size}, {args.repeats} repeats")
    print(f"{'':34s}{'min':>10s}{'median':>10s}{'max':>10s}  images/s")
    print(f"{'Pillow + open_clip preprocess':34s}{t_min:10.1f}{t_med:10.1f}{t_max:10.1f}  ({versions})")
    print(f"{'shiftlens preprocess (release)':34s}{ours[0]:10.1f}{ours[1]:10.1f}{ours[2]:10.1f}")
    print(f"ratio of medians (shiftlens / Pillow+open_clip): {ours[1] / t_med:.2f}×")
    print("shiftlens said: " + raw.replace("\n", " | "))


if __name__ == "__main__":
    main()
