"""Helpers shared by the probe fixture scripts (float64 numpy / scipy, as the Swift code's reference)."""
import numpy as np
import scipy.stats

from splitmix64 import SplitMix64


def normalize(x):
    """Rows scaled to unit L2 norm; an all-zero row stays zero."""
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(norms == 0, 1, norms)


# The smallest gap between the highest and second-highest logit of every argmax `correct` took: a
# script asserts it is above 1e-5, so that float32 arithmetic gives the same predictions.
MARGINS = []


def correct(X, y, W):
    """Per image, whether the argmax of its cosine with the rows of W (first index on ties) is y."""
    logits = normalize(X.astype(np.float64)) @ W.T
    top2 = np.sort(logits, axis=1)[:, -2:]
    MARGINS.append(float((top2[:, 1] - top2[:, 0]).min()))
    return np.argmax(logits, axis=1) == y


def accuracy(k, n):
    """An accuracy object as results.json writes it: correct, count, accuracy, Clopper–Pearson ci."""
    lower, upper = clopper_pearson(k, n)
    return {"correct": int(k), "count": n, "accuracy": k / n, "ci": [lower, upper]}


def clopper_pearson(k, n, alpha=0.05):
    """Exact (Clopper–Pearson) 1 − alpha interval for k successes out of n."""
    lower = 0.0 if k == 0 else float(scipy.stats.beta.ppf(alpha / 2, k, n - k + 1))
    upper = 1.0 if k == n else float(scipy.stats.beta.ppf(1 - alpha / 2, k + 1, n - k))
    return lower, upper


def paired_bootstrap(a, b, seed, resamples):
    """mean(b − a) and the 2.5th and 97.5th percentiles (numpy's linear rule) of `resamples`
    paired resamples: n indices each, drawn with SplitMix64(seed).index_below(n), the same
    for a and b (Statistics.pairedBootstrapDifference)."""
    paired = b.astype(np.float64) - a.astype(np.float64)
    n = len(paired)
    g = SplitMix64(seed)
    diffs = []
    for _ in range(resamples):
        diffs.append(sum(paired[g.index_below(n)] for _ in range(n)) / n)
    return float(paired.mean()), float(np.percentile(diffs, 2.5)), float(np.percentile(diffs, 97.5))
