#!/usr/bin/env python3
"""End-to-end images/s of `shiftlens encode` on real image files against `shiftlens bench`
for the same model, batch and threads.

    swift build -c release
    python3 scripts/bench/pipeline_vs_bench.py --model assets/demo-models/diverse-6k-small/open_clip_model.safetensors --batch 32
    python3 scripts/bench/pipeline_vs_bench.py --model fixtures-large/bench/vit-b-32/model.safetensors --batch 8 --rounds 3

Per round, in fresh processes and in this order (rotated every round):
- `bench`: `shiftlens bench --model W --batch B` on synthetic pixels (pure encode);
- `bench --images`: `shiftlens bench --images DIR`: decode + preprocess + encode, one batch
  after the other on the calling thread (no overlap);
- `encode`: `shiftlens encode PILOT --shard 0/1 --batch B` on a fresh store, DIR as the only
  domain: read, hash, decode, preprocess (decoder threads and idle pool threads), encode, store.
  Its rate is the one the domain's summary line prints (encoded images / the domain's seconds;
  model loading and the text rows are not in it). `--other-binary` adds the same step with
  another build (e.g. the main branch's) for a before/after comparison.
Prints min / median / max images/s of each over the rounds and the ratio of its median to
bench's, the same for images per CPU-second (what the process got of the machine's cores
matters less there: `bench` reports it, `encode` prints the step's cores busy), and the load
average before and after. Builds from before cores busy was printed get no per-CPU-second column.
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def bench(binary, weights, batch, threads, images_dir=None):
    images = 64 if images_dir is None else 48
    command = [binary, "bench", "--model", weights, "--batch", str(batch), "--threads", str(threads),
               "--warmup", "1", "--iterations", str(max(3, images // batch)), "--json"]
    if images_dir:
        command += ["--images", images_dir]
    report = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
    return report["rate"]["median"], report["items_per_cpu_second"]


def encode(binary, spec, batch, threads, decoders):
    store = tempfile.mkdtemp(prefix="shiftlens-e2e-store-")
    try:
        command = [binary, "encode", spec, "--shard", "0/1", "--store", store, "--batch", str(batch), "--threads", str(threads)]
        if decoders:
            command += ["--decoders", str(decoders)]
        err = subprocess.run(command, check=True, capture_output=True, text=True).stderr
    finally:
        shutil.rmtree(store, ignore_errors=True)
    match = re.search(r"images: \d+ images \((\d+) encoded.*?, ([0-9.]+) img/s(?:, ([0-9.]+) cores busy)?", err)
    if not match:
        raise SystemExit(f"no rate in encode's output:\n{err}")
    rate = float(match.group(2))
    return rate, rate / float(match.group(3)) if match.group(3) else None


def spread(values):
    values = sorted(values)
    return f"{values[0]:.1f} / {statistics.median(values):.1f} / {values[-1]:.1f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--batch", type=int, required=True)
    parser.add_argument("--images", default=os.path.join(ROOT, "../shared/data/images/imagenet-sample-200"))
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--decoders", type=int, help="encode's --decoders (default: its own default)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build/release/shiftlens"))
    parser.add_argument("--other-binary", help="another build's shiftlens, timed with encode as well")
    args = parser.parse_args()
    weights, images = os.path.abspath(args.model), os.path.abspath(args.images)

    folder = tempfile.mkdtemp(prefix="shiftlens-e2e-")
    with open(os.path.join(folder, "classes.txt"), "w") as f:
        f.write("tench\nelectric ray\n")
    with open(os.path.join(folder, "templates.txt"), "w") as f:
        f.write("a photo of a {c}.\n")
    spec = os.path.join(folder, "pilot.json")
    with open(spec, "w") as f:
        json.dump({"pilot": "e2e", "classes": {"names": "classes.txt", "templates": "templates.txt"},
                   "domains": [{"name": "images", "path": images, "role": "reference", "labels": "none"}],
                   "models": [{"name": "model", "weights": weights}]}, f)

    steps = [("bench", lambda: bench(args.binary, weights, args.batch, args.threads)),
             ("bench --images", lambda: bench(args.binary, weights, args.batch, args.threads, images)),
             ("encode", lambda: encode(args.binary, spec, args.batch, args.threads, args.decoders))]
    if args.other_binary:
        steps.append(("encode, other binary", lambda: encode(args.other_binary, spec, args.batch, args.threads, args.decoders)))
    rates = {name: [] for name, _ in steps}
    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    per_cpu = {name: [] for name, _ in steps}
    for round_index in range(args.rounds):
        shift = round_index % len(steps)
        for name, step in steps[shift:] + steps[:shift]:
            rate, cpu_rate = step()
            rates[name].append(rate)
            per_cpu[name].append(cpu_rate)
    load_after = " ".join(f"{x:.2f}" for x in os.getloadavg())
    shutil.rmtree(folder, ignore_errors=True)

    print(f"model {args.model}, batch {args.batch}, {args.threads} threads, {args.rounds} rounds, "
          f"images {images}; load average before {load_before}, after {load_after}")
    print("| step | images/s min / median / max | ratio to bench | images per CPU-second min / median / max | ratio to bench |")
    print("|---|---|---|---|---|")
    for name, _ in steps:
        ratio = statistics.median(rates[name]) / statistics.median(rates["bench"])
        if None in per_cpu[name]:  # a build that does not print cores busy
            print(f"| {name} | {spread(rates[name])} | {ratio:.2f} | — | — |")
            continue
        cpu_ratio = statistics.median(per_cpu[name]) / statistics.median(per_cpu["bench"])
        print(f"| {name} | {spread(rates[name])} | {ratio:.2f} | {spread(per_cpu[name])} | {cpu_ratio:.2f} |")


if __name__ == "__main__":
    main()
