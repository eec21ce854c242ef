#!/usr/bin/env python3
"""Images/s of `shiftlens bench` over batch sizes, per model: the measurements behind the
default batch of `run` / `encode` (Sources/Pipeline/EncoderBatch.swift).

    swift build -c release
    python3 scripts/bench/compare_pytorch.py      # its first step writes the seeded weights into fixtures-large/bench/
    python3 scripts/bench/batch_sweep.py          # every model below
    python3 scripts/bench/batch_sweep.py --models toy --batches 1,8,32
    python3 scripts/bench/batch_sweep.py --models vit-l-14,vit-l-14-336,vit-h-14 [--precision bf16]

Each (model, batch) runs `shiftlens bench --model W --batch B --warmup 1 --iterations N --precision P --json`
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
    # The large towers (their weights: compare_pytorch.py --models vit-l-14,vit-l-14-336,vit-h-14).
    "vit-l-14": ("fixtures-large/bench/vit-l-14/model.safetensors", [1, 2, 4, 8], 8),
    "vit-l-14-336": ("fixtures-large/bench/vit-l-14-336/model.safetensors", [1, 2, 4], 4),
    "vit-h-14": ("fixtures-large/bench/vit-h-14/model.safetensors", [1, 2, 4, 8], 8),
    "toy": ("assets/demo-models/diverse-6k-small/open_clip_model.safetensors", [1, 2, 4, 8, 16, 32, 64, 128, 256], 6000),
    "toy-narrow": ("assets/demo-models/narrow-6k-small/open_clip_model.safetensors", [8, 32, 128], 6000),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", default="vit-b-32,vit-b-16,rn50,toy,toy-narrow",
                        help="comma-separated (default: all but the large ViT-L/14, ViT-L/14-336 and ViT-H/14)")
    parser.add_argument("--batches", help="comma-separated; default: the model's list above")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build/release/shiftlens"))
    parser.add_argument("--precision", default="fp32", help="fp32 or bf16 (passed to `shiftlens bench`)")
    args = parser.parse_args()
    print(f"precision {args.precision}")
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
                 "--threads", str(args.threads), "--warmup", "1", "--iterations", str(iterations),
                 "--precision", args.precision, "--json"],
                check=True, capture_output=True, text=True).stdout
            r = json.loads(out)
            rate = r["rate"]
            print(f"| {name} | {batch} | {rate['min']:.1f} / {rate['median']:.1f} / {rate['max']:.1f} | "
                  f"{r['items_per_cpu_second']:.1f} | {r['cores_busy']:.2f} | {r['peak_rss_bytes'] / 2**20:.0f} MB | "
                  f"{r['load_average_after']} |", flush=True)


if __name__ == "__main__":
    main()
