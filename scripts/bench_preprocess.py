#!/usr/bin/env python3
"""Decode + preprocess throughput: Pillow + open_clip versus `shiftlens preprocess --bench`.

Both sides run on ONE thread over the same images (default: the 200 shared ImageNet JPEGs) and
time read + decode + resize + crop + normalise per image, `--repeats` passes each, and report
images/s as min / median / max over the passes, by wall time and by thread CPU time (the latter
is steadier on a machine shared with other jobs). The passes of the two sides alternate, so that
a change of machine load hits both alike. Ours is the release build of this package
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


class PillowSide:
    def __init__(self, paths, size):
        import torch
        torch.set_num_threads(1)
        import open_clip, PIL
        from PIL import Image
        from open_clip.transform import image_transform
        self.paths, self.open = paths, Image.open
        self.preprocess = image_transform(size, is_train=False)
        self.versions = f"Pillow {PIL.__version__}, open_clip {open_clip.__version__}, torch {torch.__version__}"
        self.one_pass()  # warm-up (file cache, lazy imports), untimed — as on our side

    def one_pass(self):
        wall, cpu = time.perf_counter(), time.thread_time()
        for p in self.paths:
            self.preprocess(self.open(p))
        return len(self.paths) / (time.perf_counter() - wall), len(self.paths) / (time.thread_time() - cpu)


def ours_one_pass(binary, paths, size):
    """One timed pass of `shiftlens preprocess --bench` (it also runs one untimed warm-up pass)."""
    out = subprocess.run([binary, "preprocess", *paths, "--bench", "--repeats", "1", "--size", str(size)],
                         check=True, capture_output=True, text=True).stdout
    wall = re.search(r"images/s min ([\d.]+)", out)
    cpu = re.search(r"images/s by thread CPU time min ([\d.]+)", out)
    if not (wall and cpu):
        sys.exit(f"unexpected output from shiftlens:\n{out}")
    return float(wall.group(1)), float(cpu.group(1)), out.strip()


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

    if not args.no_build:
        subprocess.run(["swift", "build", "-c", "release", "--product", "shiftlens"], cwd=ROOT, check=True)
    binary = os.path.join(ROOT, ".build", "release", "shiftlens")
    pillow = PillowSide(paths, args.size)
    ours_wall, ours_cpu, theirs_wall, theirs_cpu = [], [], [], []
    raw = ""
    for _ in range(args.repeats):
        wall, cpu, raw = ours_one_pass(binary, paths, args.size)
        ours_wall.append(wall)
        ours_cpu.append(cpu)
        wall, cpu = pillow.one_pass()
        theirs_wall.append(wall)
        theirs_cpu.append(cpu)

    def row(name, values, note=""):
        print(f"{name:44s}{min(values):10.1f}{statistics.median(values):10.1f}{max(values):10.1f}  {note}")

    print(f"machine: {cpu_model()}, {os.cpu_count()} logical cores, load average {os.getloadavg()[0]:.1f} at the end; "
          f"one thread each; {len(paths)} images from {folder}, size {args.size}, {args.repeats} alternating passes")
    print(f"{'images/s':44s}{'min':>10s}{'median':>10s}{'max':>10s}")
    row("Pillow + open_clip preprocess (wall)", theirs_wall, f"({pillow.versions})")
    row("shiftlens preprocess, release (wall)", ours_wall)
    row("Pillow + open_clip preprocess (thread CPU)", theirs_cpu)
    row("shiftlens preprocess, release (thread CPU)", ours_cpu)
    print(f"ratio of medians, shiftlens / Pillow+open_clip: wall {statistics.median(ours_wall) / statistics.median(theirs_wall):.2f}x, "
          f"thread CPU {statistics.median(ours_cpu) / statistics.median(theirs_cpu):.2f}x")
    print("last shiftlens pass said: " + raw.replace("\n", " | "))

if __name__ == "__main__":
    main()
