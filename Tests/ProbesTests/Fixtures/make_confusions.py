#!/usr/bin/env python3
"""Writes confusions.json: the most frequent wrong zero-shot predictions (true class →
predicted class, count) on the probe fixtures' reference and shift images, computed with numpy
from the files make_fixtures.py wrote (head.npy, reference.npy, shift.npy, *_labels.txt).
Order: count descending, then true class, then predicted class; at most 10 pairs.
Also the 6 most confident mistakes ("mistakes.<domain>": [image index, true, predicted, probability]):
wrong predictions by the top-1 probability of softmax(100 · cos) descending, ties by the image's path,
the path of image i being "img-{n-1-i:04d}.png" (reverse order, so that ties visibly go by path).

    python3 Tests/ProbesTests/Fixtures/make_confusions.py
"""
import json
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
LIMIT = 10


def normalize(x):
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def confusions(X, y, W):
    pred = np.argmax(normalize(X.astype(np.float64)) @ W.astype(np.float64).T, axis=1)
    wrong = pred != y
    pairs, counts = np.unique(np.stack([y[wrong], pred[wrong]], axis=1), axis=0, return_counts=True)
    order = sorted(range(len(counts)), key=lambda i: (-int(counts[i]), int(pairs[i][0]), int(pairs[i][1])))
    return [[int(pairs[i][0]), int(pairs[i][1]), int(counts[i])] for i in order[:LIMIT]]


def mistakes(X, y, W, limit=6):
    logits = 100 * (normalize(X.astype(np.float64)) @ W.astype(np.float64).T)
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    pred, conf = np.argmax(logits, axis=1), p.max(axis=1)
    n = len(y)
    paths = [f"img-{n - 1 - i:04d}.png" for i in range(n)]
    wrong = [i for i in range(n) if pred[i] != y[i]]
    wrong.sort(key=lambda i: (-conf[i], paths[i]))
    return [[i, int(y[i]), int(pred[i]), float(conf[i])] for i in wrong[:limit]]


def main():
    W = np.load(os.path.join(HERE, "head.npy"))
    out = {"generator": {"numpy": np.__version__}}
    for name in ("reference", "shift"):
        X = np.load(os.path.join(HERE, f"{name}.npy"))
        with open(os.path.join(HERE, f"{name}_labels.txt")) as f:
            y = np.array([int(line) for line in f if line.strip()])
        out[name] = confusions(X, y, W)
        out["mistakes." + name] = mistakes(X, y, W)
    with open(os.path.join(HERE, "confusions.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
