#!/usr/bin/env python3
"""Images/s of `shiftlens bench` over batch sizes, per model: the measurements behind the
default batch of `run` / `encode` (Sources/Pipeline/EncoderBatch.swift).

    swift build -c release
    python3 scripts/bench/compare_pytorch.py      # its first step writes the seeded weights into fixtures-large/bench/
    python3 scripts/bench/batch_sweep.py          # every model below
    python3 scripts/bench/batch_sweep.py --models toy --batches 1,8,32

Each (model, batch) runs `shiftlens bench --model W --batch B --warmup 1 --iterations N --json`
in a fresh process, N chosen so that the timed passes cover about `--images` images (at least
3 passes). Prints one Markdown row per case: images/s min / median / max over the passes,
images per CPU-second, cores busy, peak RSS and the load average after the run.
"""
import argparse
import json
import math
import os
import subprocess

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
MODELS = {
    # name: (weights, batches, images timed per case)
    "vit-b-32": ("fixtures-large/bench/vit-b-32/model.safetensors", [1, 2, 4, 8, 16, 32, 64], 64),
    "vit-b-16": ("fixtures-large/bench/vit-b-16/model.safetensors", [1, 2, 4, 8, 16, 32], 24),
    "rn50": ("fixtures-large/bench/rn50/model.safetensors", [1, 2, 4, 8, 16], 40),
    "toy": ("assets/demo-models/demo-diverse/open_clip_model.safetensors", [1, 2, 4, 8, 16, 32, 64, 128, 256], 6000),
    "toy-narrow": ("assets/demo-models/demo-narrow/open_clip_model.safetensors", [8, 32, 128], 6000),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--batches", help="comma-separated; default: the model's list above")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build/release/shiftlens"))
    args = parser.parse_args()
    print("| model | batch | images/s min / median / max | images per CPU-second | cores busy | peak RSS | load after |")
    print("|---|---|---|---|---|---|---|")
    for name in args.models.split(","):
        weights, batches, images = MODELS[name]
        if args.batches:
            batches = [int(b) for b in args.batches.split(",")]
        for batch in batches:
            iterations = max(3, math.ceil(images / batch))
            out = subprocess.run(
                [args.binary, "bench", "--model", os.path.join(ROOT, weights), "--batch", str(batch),
                 "--threads", str(args.threads), "--warmup", "1", "--iterations", str(iterations), "--json"],
                check=True, capture_output=True, text=True).stdout
            r = json.loads(out)
            rate = r["rate"]
            print(f"| {name} | {batch} | {rate['min']:.1f} / {rate['median']:.1f} / {rate['max']:.1f} | "
                  f"{r['items_per_cpu_second']:.1f} | {r['cores_busy']:.2f} | {r['peak_rss_bytes'] / 2**20:.0f} MB | "
                  f"{r['load_average_after']} |", flush=True)


if __name__ == "__main__":
    main()
