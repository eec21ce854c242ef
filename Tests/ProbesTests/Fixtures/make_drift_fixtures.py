"""Writes drift.json: reference values for the drift comparison (Drift, Sources/Probes/Drift.swift).

Wilson's score interval is found here from its definition, not from the closed form the Swift code
uses: the bounds are the two roots in p of (p_hat - p)^2 = z^2 p (1 - p) / n, located with
scipy.optimize.brentq. Newcombe's hybrid score interval (Newcombe 1998, method 10) then combines
them by the square-root rule in numpy; z is scipy.stats.norm.ppf(0.975). No statsmodels.

Image statistics: each run stores a mean with its Student-t interval (scipy.stats.t.interval); the
drift of a mean is Welch's interval, here scipy.stats.ttest_ind(now, then, equal_var=False)
.confidence_interval(0.95) on the raw seeded samples, which the Swift code must reproduce from the
stored summaries alone.

Run from anywhere:  python3 Tests/ProbesTests/Fixtures/make_drift_fixtures.py
"""
import json
import os

import numpy as np
import scipy
import scipy.optimize
import scipy.stats

HERE = os.path.dirname(os.path.abspath(__file__))
Z = float(scipy.stats.norm.ppf(0.975))


def wilson(k, n):
    p_hat = k / n

    def score(p):
        return (p_hat - p) ** 2 - Z * Z * p * (1 - p) / n

    # score is positive at 0 (unless k = 0) and at 1 (unless k = n) and negative strictly between
    # the roots; at k = 0 (k = n) p_hat itself is the lower (upper) root, so the other is bracketed
    # from just inside it.
    inside = 1e-9 / n
    lower = 0.0 if k == 0 else scipy.optimize.brentq(score, 0.0, p_hat - inside if k == n else p_hat, xtol=1e-15, rtol=1e-15)
    upper = 1.0 if k == n else scipy.optimize.brentq(score, p_hat + inside if k == 0 else p_hat, 1.0, xtol=1e-15, rtol=1e-15)
    return lower, upper


def newcombe(k1, n1, k0, n0):
    p1, p0 = k1 / n1, k0 / n0
    l1, u1 = wilson(k1, n1)
    l0, u0 = wilson(k0, n0)
    d = p1 - p0
    lower = d - np.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2)
    upper = d + np.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2)
    return float(lower), float(upper)


# (k1, n1, k0, n0): now against then. Newcombe's own examples (56/70 vs 48/80, 9/10 vs 3/10,
# 6/7 vs 2/7, 5/56 vs 0/29, 0/10 vs 0/20, 10/10 vs 0/20), and ShiftLens-sized cases.
CASES = [
    (56, 70, 48, 80), (9, 10, 3, 10), (6, 7, 2, 7), (5, 56, 0, 29), (0, 10, 0, 20), (10, 10, 0, 20),
    (232, 400, 284, 400), (284, 400, 284, 400), (290, 400, 284, 400), (1, 1, 0, 1), (4980, 5000, 4990, 5000),
]

fixture = {
    "generator": f"scipy {scipy.__version__}, numpy {np.__version__}",
    "z": Z,
    "wilson": [],
    "newcombe": [],
}
for k1, n1, k0, n0 in CASES:
    lower, upper = newcombe(k1, n1, k0, n0)
    fixture["newcombe"].append({"k1": k1, "n1": n1, "k0": k0, "n0": n0, "lower": lower, "upper": upper})
    for k, n in ((k1, n1), (k0, n0)):
        lo, hi = wilson(k, n)
        fixture["wilson"].append({"k": k, "n": n, "lower": lo, "upper": hi})
rng = np.random.default_rng(21)
fixture["image_mean"] = []
for n_now, n_then, shift, spread in [(40, 60, 0.0, 1.0), (120, 100, -0.05, 0.5), (5, 9, 0.3, 2.0), (300, 250, 0.01, 1.0)]:
    then = rng.normal(0.5, 0.1, n_then)
    now = rng.normal(0.5 + shift, 0.1 * spread, n_now)
    row = {}
    for key, sample in (("now", now), ("then", then)):
        mean = float(np.mean(sample))
        lower, upper = scipy.stats.t.interval(0.95, len(sample) - 1, loc=mean, scale=scipy.stats.sem(sample))
        row[key] = {"count": len(sample), "mean": mean, "lower": float(lower), "upper": float(upper)}
    ci = scipy.stats.ttest_ind(now, then, equal_var=False).confidence_interval(0.95)
    row["lower"], row["upper"] = float(ci.low), float(ci.high)
    fixture["image_mean"].append(row)

with open(os.path.join(HERE, "drift.json"), "w") as f:
    json.dump(fixture, f, indent=1)
    f.write("\n")
