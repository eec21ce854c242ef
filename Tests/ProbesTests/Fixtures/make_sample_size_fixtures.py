"""Writes sample_size.json: reference values for "labels that settle it" (SampleSize,
Sources/Probes/SampleSize.swift) computed with scipy from the definitions, not from the
Swift shortcuts: the Clopper–Pearson bounds are scipy.stats.beta.ppf quantiles, n is found by
scanning every n, and the probability of a decision sums scipy.stats.binom.pmf over every
count whose interval decides.

Run from anywhere:  python3 Tests/ProbesTests/Fixtures/make_sample_size_fixtures.py
"""
import json
import os

import numpy as np
import scipy
import scipy.stats

HERE = os.path.dirname(os.path.abspath(__file__))
CAP = 10_000
ALPHA = 0.05


def successes(p, n):
    """floor(p n + 1/2), clipped to 0..n (n may be an array)."""
    return np.clip(np.floor(p * n + 0.5), 0, n).astype(np.int64)


def bounds(k, n):
    """Clopper-Pearson 95 % bounds of k out of n (arrays)."""
    k = np.asarray(k, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    with np.errstate(all="ignore"):
        lower = np.where(k > 0, scipy.stats.beta.ppf(ALPHA / 2, np.maximum(k, 1), n - k + 1), 0.0)
        upper = np.where(k < n, scipy.stats.beta.ppf(1 - ALPHA / 2, k + 1, np.maximum(n - k, 1)), 1.0)
    return lower, upper


def decides(k, n, t):
    lower, upper = bounds(k, n)
    return (upper < t) | (lower >= t)


def settle(p, t, labelled):
    n = np.arange(labelled + 1, CAP + 1)
    hits = np.nonzero(decides(successes(p, n), n, t))[0]
    return int(n[hits[0]]) if len(hits) else None


def decision_probability(n, p, t):
    k = np.arange(0, n + 1)
    mask = decides(k, np.full_like(k, n), t)
    return float(scipy.stats.binom.pmf(k[mask], n, p).sum())


def check(e, margin):
    n = np.arange(1, CAP + 1)
    lower, upper = bounds(successes(e, n), n)
    hits = np.nonzero((lower >= e - margin) & (upper <= e + margin))[0]
    return int(n[hits[0]]) if len(hits) else None


SETTLE = [
    (0.78, 0.80, 200), (0.83, 0.80, 150), (0.62, 0.70, 40), (0.75, 0.75, 60), (0.05, 0.10, 30),
    (0.999, 0.99, 500), (0.7, 0.56, 0), (0.9, 0.85, 0), (0.801, 0.80, 100), (0.4, 0.5, 12),
]
CHECK = [(0.8, 0.05), (0.5, 0.05), (0.97, 0.05), (0.02, 0.05), (0.8, 0.02), (0.65, 0.1)]
CDF = [(3, 10, 0.4), (0, 7, 0.9), (180, 240, 0.78), (6, 6, 0.5), (240, 300, 0.8)]

settle_rows = []
for p, t, labelled in SETTLE:
    n = settle(p, t, labelled)
    settle_rows.append({"accuracy": p, "threshold": t, "labelled": labelled, "total": n,
                        "decision_probability": None if n is None else decision_probability(n, p, t)})

fixture = {
    "generator": f"scipy {scipy.__version__}, numpy {np.__version__}",
    "cap": CAP,
    "settle": settle_rows,
    "check": [{"estimate": e, "margin": m, "total": check(e, m)} for e, m in CHECK],
    "binomial_cdf": [{"k": k, "n": n, "p": p, "cdf": float(scipy.stats.binom.cdf(k, n, p))} for k, n, p in CDF],
}
with open(os.path.join(HERE, "sample_size.json"), "w") as f:
    json.dump(fixture, f, indent=1)
    f.write("\n")
