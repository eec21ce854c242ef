#!/usr/bin/env python3
"""How far ShiftLens's bf16 image tower is from its fp32 one, on the same images and weights.

    swift build -c release
    python3 scripts/bench/bf16_fidelity.py --models vit-b-32,vit-b-16 [--images DIR]

For each model (the seeded random open_clip weights of compare_pytorch.py in
`fixtures-large/bench/<model>/`, written first if missing), embeds every image of `--images` (default: the 200 ImageNet sample JPEGs
of the shared data, `../shared/data/images/imagenet-sample-200`) with
`shiftlens embed --precision fp32` and `--precision bf16`, and the zero-shot prompts
"a photo of a {class}." for the 1000 ImageNet classes with the (always fp32) text tower, then
reports, with numpy:

- the cosine of each image's bf16 embedding to its fp32 one (min / median / max; target ≥ 0.999
  for every image);
- zero-shot top-1 agreement: the share of images whose arg-max class over the 1000-class head
  is the same at both precisions (target ≥ 99 %);
- outlier features as the probe computes them (docs/probes.md): `m_j = mean_i |H_ij|`,
  `r_j = m_j / mean_k m_k`; the largest relative change of any `r_j` (target: within 1 %), the
  largest `r_j` at both precisions and the count of `r_j ≥ 10` at both; and the ten largest
  fp32 ratios (the features the probe would flag first) with their bf16 values and change,
  and the largest change among those ten; the fp32 margin between each image's first and second
  class score (median), and for every image whose arg-max changed its margin and the largest
  change of any of its class scores.

Random weights have no trained outlier features, so the outlier figures here show how much
bf16 moves the ratios, not how real outliers behave. Python is only a measuring tool here.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np

import compare_pytorch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))


def embed(binary, weights, images, prompts, precision, folder):
    out, text = os.path.join(folder, f"images-{precision}.npy"), os.path.join(folder, "text.npy")
    command = [binary, "embed", "--model", weights, "--images", images, "--out", out, "--precision", precision]
    if prompts:
        command += ["--text", prompts, "--out-text", text]
    subprocess.run(command, check=True, capture_output=True)
    return np.load(out), (np.load(text) if prompts else None)


def normalise(x):
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default="vit-b-32,vit-b-16")
    parser.add_argument("--images", default=os.path.join(ROOT, "..", "shared", "data", "images", "imagenet-sample-200"))
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build", "release", "shiftlens"))
    parser.add_argument("--weights", default=os.path.join(ROOT, "fixtures-large", "bench"))
    parser.add_argument("--threshold", type=float, default=10.0, help="outlier ratio threshold τ (default 10)")
    with open(os.path.join(ROOT, "assets", "imagenet", "classnames.txt"), encoding="utf-8") as f:
        names = [line.strip() for line in f if line.strip()]
    parser.add_argument("--top", type=int, default=10, help="how many of the largest fp32 r_j to list (default 10)")
    args = parser.parse_args()
    print("| model | images | cosine bf16 vs fp32 min / median / max | zero-shot top-1 agreement | "
          f"max relative change of r_j | max relative change of the top {args.top} r_j | max r_j fp32 / bf16 | r_j ≥ τ fp32 / bf16 |")
    print("|---|---|---|---|---|---|---|---|")
    details = []
    with tempfile.TemporaryDirectory() as folder:
        prompts = os.path.join(folder, "prompts.txt")
        with open(prompts, "w", encoding="utf-8") as f:
            f.write("".join(f"a photo of a {name}.\n" for name in names))
        for model in [m for m in args.models.split(",") if m]:
            if model not in compare_pytorch.MODELS:
                sys.exit(f"unknown model {model}; choose from {', '.join(compare_pytorch.MODELS)}")
            weights = compare_pytorch.ensure_weights(model, args.weights)
            fp32, text = embed(args.binary, weights, args.images, prompts, "fp32", folder)
            bf16, _ = embed(args.binary, weights, args.images, None, "bf16", folder)
            fp32, bf16 = fp32.astype(np.float64), bf16.astype(np.float64)
            cosine = np.sum(normalise(fp32) * normalise(bf16), axis=1)
            head = normalise(text.astype(np.float64))
            scores32, scores16 = normalise(fp32) @ head.T, normalise(bf16) @ head.T
            agreement = np.mean(np.argmax(scores32, axis=1) == np.argmax(scores16, axis=1))
            # How close the fp32 scores' first and second classes are, for all images and for
            # those whose arg-max changed (a flip between near-ties says little about bf16).
            ordered = np.sort(scores32, axis=1)
            margins = ordered[:, -1] - ordered[:, -2]
            flipped = np.flatnonzero(np.argmax(scores32, axis=1) != np.argmax(scores16, axis=1))
            ratios = []
            for h in (fp32, bf16):
                m = np.mean(np.abs(h), axis=0)
                ratios.append(m / np.mean(m))
            changes = np.abs(ratios[1] - ratios[0]) / ratios[0]
            top = np.argsort(-ratios[0], kind="stable")[:args.top]
            print(f"| {model} | {len(fp32)} | {cosine.min():.6f} / {np.median(cosine):.6f} / {cosine.max():.6f} "
                  f"| {100 * agreement:.1f} % | {100 * changes.max():.3f} % | {100 * changes[top].max():.3f} % "
                  f"| {ratios[0].max():.3f} / {ratios[1].max():.3f} "
                  f"| {int(np.sum(ratios[0] >= args.threshold))} / {int(np.sum(ratios[1] >= args.threshold))} |", flush=True)
            details.append((model, [(int(j), ratios[0][j], ratios[1][j], 100 * (ratios[1][j] - ratios[0][j]) / ratios[0][j])
                                    for j in top],
                            (np.median(margins), [(int(i), margins[i], np.abs(scores16[i] - scores32[i]).max()) for i in flipped])))
    for model, rows, (median_margin, flips) in details:
        print()
        print(f"{model}: the {len(rows)} largest fp32 r_j (feature j: fp32 → bf16, relative change)")
        print("; ".join(f"{j}: {a:.3f} → {b:.3f} ({c:+.3f} %)" for j, a, b, c in rows))
        print(f"{model}: fp32 margin between the first and second class score, median over all images {median_margin:.2e}; "
              f"images whose arg-max changed: {len(flips)}" + "".join(
                  f"; image {i}: fp32 margin {m:.2e}, largest change of any class score {d:.2e}" for i, m, d in flips))


if __name__ == "__main__":
    main()
