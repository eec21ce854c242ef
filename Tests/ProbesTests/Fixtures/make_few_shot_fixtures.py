"""Writes few_shot.json: reference values for the few-shot learning curve (FewShot,
Sources/Probes/FewShot.swift) on the Probes fixture arrays (reference.npy, shift.npy, head.npy
and their labels, made by make_fixtures.py).

The draws are SplitMix64 shuffles reproduced in Python (splitmix64.py); every fit is
scikit-learn's LogisticRegression with C = 1 / (λ · n_train) (the same objective as the
project's `mean loss + λ/2 |W|²`) at a tight tolerance; zero-shot predictions are numpy's argmax
of cosine similarities; the interval is scipy.stats.beta quantiles (Clopper–Pearson).

Run from anywhere:  python3 Tests/ProbesTests/Fixtures/make_few_shot_fixtures.py
"""
import json
import os

import numpy as np
import scipy
import scipy.stats
import sklearn
from sklearn.linear_model import LogisticRegression

from fixture_stats import clopper_pearson, normalize
from splitmix64 import SplitMix64, derive_index

HERE = os.path.dirname(os.path.abspath(__file__))


def curve(X, y, W, draws, max_shots, l2, seed, max_classes=None):
    """FewShot.curve: classes present (optionally a seeded subsample of them), k = 1, 2, 4, …
    while k <= max_shots and k <= (fewest images of a class) - 1; per draw each class's rows in a
    SplitMix64 order, the first k train, the rest of the domain tests."""
    present = sorted(set(int(v) for v in y))
    rows = list(range(len(y)))
    if max_classes is not None and len(present) > max_classes:
        kept = {present[i] for i in sorted(SplitMix64(seed).permutation(len(present))[:max_classes])}
        present = [c for c in present if c in kept]
        rows = [r for r in rows if int(y[r]) in kept]
    labels = y[rows]
    features = normalize(X[rows])
    zero_shot_correct = np.argmax(normalize(X) @ W.T, axis=1)[rows] == labels
    counts = {c: int(np.sum(labels == c)) for c in present}
    m = min(counts.values())
    shots = []
    k = 1
    while k <= max_shots and k <= m - 1:
        shots.append(k)
        k *= 2
    index = {c: i for i, c in enumerate(present)}
    n = len(rows)
    correct = {k: [] for k in shots}
    zero_shot = {k: 0 for k in shots}
    for draw in range(draws):
        gen = SplitMix64(derive_index(seed, draw))
        order = []
        for c in present:
            members = [r for r in range(n) if labels[r] == c]
            order.append([members[p] for p in gen.permutation(len(members))])
        for k in shots:
            train = sorted(r for members in order for r in members[:k])
            test = sorted(set(range(n)) - set(train))
            target = np.array([index[int(labels[r])] for r in train])
            clf = LogisticRegression(C=1 / (l2 * len(train)), tol=1e-10, max_iter=100000).fit(features[train], target)
            predicted = np.array(present)[clf.predict(features[test])]
            correct[k].append(int(np.sum(predicted == labels[test])))
            zero_shot[k] += int(np.sum(zero_shot_correct[test]))
    points = []
    for k in shots:
        test_count = n - k * len(present)
        mean_correct = sum(correct[k]) / draws
        lower, upper = clopper_pearson(int(np.floor(mean_correct + 0.5)), test_count)
        points.append({"shots": k, "train_count": k * len(present), "test_count": test_count, "correct": correct[k],
                       "accuracy": mean_correct / test_count, "ci": [lower, upper],
                       "min_accuracy": min(correct[k]) / test_count, "max_accuracy": max(correct[k]) / test_count,
                       "zero_shot_accuracy": zero_shot[k] / draws / test_count})
    return {"draws": draws, "max_shots": max_shots, "l2": l2, "seed": seed, "max_classes": max_classes,
            "classes": len(present), "min_images_per_class": m, "points": points}


def main():
    W = np.load(os.path.join(HERE, "head.npy")).astype(np.float64)
    cases = []
    for name, domain, max_shots, max_classes, seed in [
        ("reference", "reference", 16, None, 77), ("shift", "shift", 8, None, 78), ("shift_5_classes", "shift", 16, 5, 79),
    ]:
        X = np.load(os.path.join(HERE, f"{domain}.npy")).astype(np.float64)
        y = np.loadtxt(os.path.join(HERE, f"{domain}_labels.txt"), dtype=np.int64)
        case = curve(X, y, W, draws=3, max_shots=max_shots, l2=1e-3, seed=seed, max_classes=max_classes)
        case.update({"name": name, "domain": domain})
        cases.append(case)
    out = {"generator": {"numpy": np.__version__, "scipy": scipy.__version__, "sklearn": sklearn.__version__}, "cases": cases}
    with open(os.path.join(HERE, "few_shot.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
