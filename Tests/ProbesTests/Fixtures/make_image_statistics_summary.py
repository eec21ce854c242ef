#!/usr/bin/env python3
"""Writes image_statistics_summary.json: ImageStatisticsProbe's numbers computed with numpy and scipy
(run once; Python is never needed by the tests).

Cases: seeded samples (numpy default_rng(20261203)) of a reference and a shift of several sizes, per measure:
- mean and its 95 % Student-t interval: scipy.stats.t.interval(0.95, n - 1, loc=mean, scale=scipy.stats.sem(x));
- the difference shift − reference and Welch's interval: scipy.stats.ttest_ind(s, r, equal_var=False).confidence_interval(0.95);
- grayscale share k/n with the Clopper–Pearson interval: scipy.stats.binomtest(k, n).proportion_ci(0.95, "exact").
Also t quantiles scipy.stats.t.ppf(p, df) at fractional df.

    python3 Tests/ProbesTests/Fixtures/make_image_statistics_summary.py
"""
import json
import os
import sys

import numpy as np
import scipy
from scipy import stats

HERE = os.path.dirname(os.path.abspath(__file__))


def case(rng, n_ref, n_shift, k_ref, k_shift):
    ref = rng.normal(0.55, 0.12, n_ref)
    shift = rng.normal(0.21, 0.05, n_shift)
    out = {"reference": ref.tolist(), "shift": shift.tolist(), "reference_grayscale": k_ref, "shift_grayscale": k_shift}
    for name, x in (("reference", ref), ("shift", shift)):
        lo, hi = stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
        out[name + "_mean"] = float(x.mean())
        out[name + "_interval"] = [float(lo), float(hi)]
    ci = stats.ttest_ind(shift, ref, equal_var=False).confidence_interval(0.95)
    out["difference"] = float(shift.mean() - ref.mean())
    out["difference_interval"] = [float(ci.low), float(ci.high)]
    ci = stats.binomtest(k_shift, n_shift).proportion_ci(0.95, method="exact")
    out["shift_share_interval"] = [float(ci.low), float(ci.high)]
    return out


def main():
    rng = np.random.default_rng(20261203)
    cases = [case(rng, 200, 150, 0, 12), case(rng, 12, 7, 3, 7), case(rng, 2, 3, 1, 0), case(rng, 1000, 40, 5, 40)]
    quantiles = [[p, df, float(stats.t.ppf(p, df))] for p, df in [(0.975, 1), (0.975, 2.5), (0.975, 11), (0.975, 199), (0.995, 7.3), (0.025, 4)]]
    out = {"generator": {"python": sys.version.split()[0], "numpy": np.__version__, "scipy": scipy.__version__},
           "cases": cases, "t_quantiles": quantiles}
    with open(os.path.join(HERE, "image_statistics_summary.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
