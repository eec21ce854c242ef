"""Writes robustness.json: reference values for effective robustness (probe 5) computed with
numpy / scipy, the bootstraps reproduced draw for draw with the project's SplitMix64
(splitmix64.py), so Swift is compared tightly, not within a Monte-Carlo tolerance.

Run from anywhere:  python3 Tests/ProbesTests/Fixtures/make_robustness_fixtures.py
The resampling scheme mirrored here is documented on EffectiveRobustnessProbe.fit and
EffectiveRobustnessProbe.interval (Sources/Probes/EffectiveRobustness*.swift): the correct
count of a resample of n images is Binomial(n, k/n), drawn by inversion (ResampledCount).
"""
import bisect
import json
import os
import sys

import numpy as np
import scipy
import scipy.special
import scipy.stats

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from splitmix64 import SplitMix64  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
GRID = [round(0.01 + 0.02 * i, 10) for i in range(50)]


def elogit(k, n):
    """logit((k + 1/2) / (n + 1))."""
    return float(scipy.special.logit((k + 0.5) / (n + 1)))


def point_logits(p):
    x = elogit(*p["reference_counts"]) if p.get("reference_counts") else float(scipy.special.logit(p["x"]))
    y = elogit(*p["counts"]) if p.get("counts") else float(scipy.special.logit(p["y"]))
    return x, y


def usable(points):
    return [p for p in points if 0 < p["x"] < 1 and 0 < p["y"] < 1]


def line(xs, ys):
    """numpy.polyfit(x, y, 1), or None when every x is the same (no slope)."""
    if len(xs) < 2 or len(set(xs)) == 1:
        return None
    slope, intercept = np.polyfit(xs, ys, 1)
    return float(slope), float(intercept)


def sigmoid(z):
    return float(scipy.special.expit(z))


def distinct(points):
    logits = [point_logits(p) for p in points]
    return len(set(logits)), len(set(x for x, _ in logits))


def fit(points, resamples, seed):
    use = usable(points)
    logits = [point_logits(p) for p in use]
    xs, ys = [x for x, _ in logits], [y for _, y in logits]
    base = line(xs, ys)
    if base is None:
        return None
    n_distinct, _ = distinct(use)
    band = []
    if n_distinct >= 3:
        g = SplitMix64(seed)
        curves = [[] for _ in GRID]
        for _ in range(resamples):
            picks = [g.index_below(len(xs)) for _ in range(len(xs))]
            refit = line([xs[i] for i in picks], [ys[i] for i in picks])
            if refit is None:
                continue
            for j, xg in enumerate(GRID):
                curves[j].append(sigmoid(refit[0] * scipy.special.logit(xg) + refit[1]))
        for j, xg in enumerate(GRID):
            fitted = sigmoid(base[0] * scipy.special.logit(xg) + base[1])
            lo, hi = np.percentile(curves[j], [2.5, 97.5]) if curves[j] else (fitted, fitted)
            band.append([xg, fitted, float(lo), float(hi)])
    return {"slope": base[0], "intercept": base[1], "point_count": len(use), "band": band}


class ResampledCount:
    """Binomial(n, k/n) by inversion, the table built with the same arithmetic in the same
    order as Swift's ResampledCount (EffectiveRobustness+Interval.swift), so draws match bit for bit."""

    def __init__(self, k, n):
        if k == 0 or k == n:
            self.lowest, self.cumulative = k, [1.0]
            return
        ratio = k / (n - k)
        mode = (n + 1) * k // n
        below, above = [], []
        weight, j = 1.0, mode
        while j > 0:
            weight = weight * (j / (n - j + 1)) / ratio
            if weight < 1e-20:
                break
            below.append(weight)
            j -= 1
        weight, j = 1.0, mode
        while j < n:
            weight = weight * ((n - j) / (j + 1)) * ratio
            if weight < 1e-20:
                break
            above.append(weight)
            j += 1
        running, sums = 0.0, []
        for w in below[::-1] + [1.0] + above:
            running += w
            sums.append(running)
        self.lowest = mode - len(below)
        self.cumulative = [v / running for v in sums]

    def draw(self, g):
        return self.lowest + min(bisect.bisect_right(self.cumulative, g.unit()), len(self.cumulative) - 1)

    def pmf(self, j):
        i = j - self.lowest
        if i < 0 or i >= len(self.cumulative):
            return 0.0
        return self.cumulative[i] - (self.cumulative[i - 1] if i > 0 else 0.0)


def interval(ref, shift, points, resamples, seed):
    """EffectiveRobustnessProbe.interval: candidate images, then baseline points, per resample."""
    use = usable(points) if points is not None else []
    n_distinct, _ = distinct(use) if use else (0, 0)
    logits = [point_logits(p) for p in use]
    xs, ys = [x for x, _ in logits], [y for _, y in logits]
    with_line = line(xs, ys) is not None and n_distinct >= 3
    ref_count, shift_count = ResampledCount(*ref), ResampledCount(*shift)
    g = SplitMix64(seed)
    er, ra = [], []
    for _ in range(resamples):
        k = ref_count.draw(g)
        m = shift_count.draw(g)
        acc = m / shift[1]
        if k > 0:
            ra.append(acc / (k / ref[1]))
        if not with_line:
            continue
        picks = [g.index_below(len(xs)) for _ in range(len(xs))]
        refit = line([xs[i] for i in picks], [ys[i] for i in picks])
        if refit is None:
            continue
        er.append(acc - sigmoid(refit[0] * elogit(k, ref[1]) + refit[1]))
    base = line(xs, ys)
    point_er = None
    if base is not None:
        point_er = shift[0] / shift[1] - sigmoid(base[0] * elogit(*ref) + base[1])
    return {"reference": list(ref), "shift": list(shift), "resamples": resamples, "seed": seed,
            "er": point_er,
            "er_ci": [float(v) for v in np.percentile(er, [2.5, 97.5])] if er else None,
            "line_resamples": len(er) if with_line else None,
            "ra_ci": [float(v) for v in np.percentile(ra, [2.5, 97.5])] if ra else None}


def grouped_scoring():
    """ObjectNet's rule on the probe fixture arrays: a prediction is correct when it is any class
    of the label's group. Labels are moved to the first class of their group (as the pipeline
    labels an ObjectNet image by its first mapped ImageNet class)."""
    groups = [0, 0, 1, 2, 2, 2, 3, 4]
    head = np.load(os.path.join(HERE, "head.npy")).astype(np.float64)
    shift = np.load(os.path.join(HERE, "shift.npy")).astype(np.float64)
    labels = np.array([int(v) for v in open(os.path.join(HERE, "shift_labels.txt"))])
    first = {g: groups.index(g) for g in set(groups)}
    labels = np.array([first[groups[y]] for y in labels])
    logits = (shift / np.linalg.norm(shift, axis=1, keepdims=True)) @ head.T
    pred = np.argmax(logits, axis=1)
    g = np.array(groups)
    correct = g[pred] == g[labels]
    best = np.array([logits[i, g == g[labels[i]]].max() for i in range(len(labels))])
    ranks = (logits > best[:, None]).sum(axis=1)
    return {"groups": groups, "labels": labels.tolist(), "top1_correct": int(correct.sum()),
            "top5_correct": int((ranks < 5).sum()), "ranks": ranks.tolist(), "exact_top1_correct": int((pred == labels).sum())}


def main():
    # Published-style points (no counts), one at 0 % that must be left out (ResNet-50 on
    # ImageNet-A), and one measured point with counts (empirical logits).
    testbed = [{"model": f"m{i}", "x": x, "y": y} for i, (x, y) in enumerate(
        [(0.56, 0.21), (0.62, 0.26), (0.70, 0.33), (0.74, 0.37), (0.79, 0.45), (0.83, 0.49), (0.86, 0.55), (0.761, 0.0)])]
    testbed.append({"model": "measured", "x": 150 / 200, "y": 70 / 180, "reference_counts": [150, 200], "counts": [70, 180]})
    two = [{"model": "a", "x": 0.6, "y": 0.3}, {"model": "b", "x": 0.8, "y": 0.5}, {"model": "b2", "x": 0.8, "y": 0.5}]
    three = [{"model": "a", "x": 0.6, "y": 0.3}, {"model": "b", "x": 0.8, "y": 0.5}, {"model": "c", "x": 0.7, "y": 0.45}]

    out = {"generator": {"python": sys.version.split()[0], "numpy": np.__version__, "scipy": scipy.__version__},
           "grid": GRID,
           "empirical_logit": [[k, n, elogit(k, n)] for k, n in [(0, 1), (1, 1), (0, 200), (200, 200), (57, 200), (5000, 10000)]],
           "binomial": [[k, n, j, float(scipy.stats.binom.pmf(j, n, k / n))]
                        for k, n in [(140, 200), (7000, 10000), (1, 50), (49, 50)]
                        for j in sorted({0, 1, k - 3, k, k + 2, n - 1, n} & set(range(n + 1)))],
           "baselines": {"testbed": testbed, "two": two, "three": three},
           "fits": {"testbed": fit(testbed, 300, 3), "two": fit(two, 300, 3), "three": fit(three, 300, 3)},
           "intervals": [
               dict(interval((140, 200), (95, 180), testbed, 1000, 11), baseline="testbed"),
               dict(interval((200, 200), (150, 180), testbed, 1000, 12), baseline="testbed"),
               dict(interval((140, 200), (95, 180), two, 500, 13), baseline="two"),
               dict(interval((140, 200), (95, 180), three, 500, 14), baseline="three"),
               dict(interval((0, 50), (3, 40), None, 400, 15), baseline=None),
           ]}
    out["grouped_scoring"] = grouped_scoring()
    with open(os.path.join(HERE, "robustness.json"), "w") as f:
        json.dump(out, f, indent=1)
    print("written")


if __name__ == "__main__":
    main()
