#!/usr/bin/env python3
"""Writes prompts.json and prompts_{text,reference,shift}.npy: reference values for the prompt
probe (Prompts, Sources/Probes/Prompts.swift) on synthetic data made here.

Data: C classes with random unit prototypes in D dimensions; T templates, each class × template
text embedding the class prototype plus template noise (some templates much noisier, so that a
few templates beat the ensemble), at a random scale (the probe normalises); reference images
are prototypes plus noise, the shift's noisier and with a template-like bias.

Reference values (float64 numpy): each template's top-1 accuracy (argmax of cosine with that
template's normalised class embeddings, first index on ties), the ensemble head (per class the
normalised mean of the normalised template embeddings, open_clip's build_zero_shot_classifier),
Clopper–Pearson intervals (scipy.stats.beta), the greedy subset (start from the best template,
add the one giving most correct reference images, lowest index on ties, up to 3; keep the size
with most correct, the smaller on ties), and the paired percentile bootstrap of
accuracy(subset) − accuracy(ensemble) per domain: 1000 resamples, each n indices drawn with
SplitMix64.index_below(n) seeded with derive_index(SEED, domain index), numpy.percentile
(linear) at 2.5 and 97.5. The script checks that every argmax has a margin above 1e-5 so
float32 arithmetic gives the same predictions.

Run from anywhere:  python3 Tests/ProbesTests/Fixtures/make_prompts_fixtures.py
"""
import json
import os

import numpy as np
import scipy

from fixture_stats import MARGINS, accuracy, correct, normalize, paired_bootstrap
from splitmix64 import derive_index

HERE = os.path.dirname(os.path.abspath(__file__))
C, T, D = 6, 7, 16
N_REF, N_SHIFT = 240, 180
SEED = 0x5EED_0F_7E3
RESAMPLES = 1000
MAX_SUBSET = 3
TEMPLATES = [f"template {t}: a photo of a {{c}}." for t in range(T)]


def head(text, subset):
    """text: (C*T, D) class-major."""
    units = normalize(text.astype(np.float64)).reshape(C, T, D)
    mean = units[:, subset, :].mean(axis=1)
    return normalize(mean)


def greedy(X, y, text):
    singles = [int(correct(X, y, head(text, [t])).sum()) for t in range(T)]
    chosen = [int(np.argmax(singles))]
    path = [(list(chosen), singles[chosen[0]])]
    while len(chosen) < min(MAX_SUBSET, T):
        candidates = [t for t in range(T) if t not in chosen]
        counts = [int(correct(X, y, head(text, sorted(chosen + [t]))).sum()) for t in candidates]
        best = int(np.argmax(counts))
        chosen.append(candidates[best])
        path.append((list(chosen), counts[best]))
    kept = max(range(len(path)), key=lambda i: (path[i][1], -i))
    return sorted(path[kept][0]), [p[1] for p in path]


def main():
    rng = np.random.default_rng(4)
    prototypes = normalize(rng.normal(size=(C, D)))
    noise = np.array([0.35, 0.4, 3.5, 0.45, 4.0, 4.5, 0.5])[:T]
    text = np.stack([prototypes[c] + noise[t] * rng.normal(size=D) / np.sqrt(D)
                     for c in range(C) for t in range(T)])
    text *= rng.uniform(0.5, 3.0, size=(C * T, 1))
    y_ref = rng.integers(0, C, size=N_REF)
    X_ref = prototypes[y_ref] + 1.1 * rng.normal(size=(N_REF, D)) / np.sqrt(D)
    y_shift = rng.integers(0, C, size=N_SHIFT)
    bias = rng.normal(size=D) / np.sqrt(D)
    X_shift = prototypes[y_shift] + 1.4 * rng.normal(size=(N_SHIFT, D)) / np.sqrt(D) + 0.5 * bias
    text, X_ref, X_shift = (a.astype(np.float32) for a in (text, X_ref, X_shift))
    np.save(os.path.join(HERE, "prompts_text.npy"), text)
    np.save(os.path.join(HERE, "prompts_reference.npy"), X_ref)
    np.save(os.path.join(HERE, "prompts_shift.npy"), X_shift)

    subset, path = greedy(X_ref, y_ref, text)
    out = {"generator": {"numpy": np.__version__, "scipy": scipy.__version__},
           "templates": TEMPLATES, "seed": SEED, "resamples": RESAMPLES, "subset": subset, "greedy_path": path,
           "labels": {"reference": [int(v) for v in y_ref], "shift": [int(v) for v in y_shift]}, "domains": []}
    ensemble = head(text, list(range(T)))
    chosen = head(text, subset)
    for index, (name, X, y) in enumerate((("reference", X_ref, y_ref), ("shift", X_shift, y_shift))):
        n = len(y)
        e = correct(X, y, ensemble)
        s = correct(X, y, chosen)
        gain, lower, upper = paired_bootstrap(e, s, derive_index(SEED, index), RESAMPLES)
        out["domains"].append({
            "name": name,
            "templates": [accuracy(int(correct(X, y, head(text, [t])).sum()), n) for t in range(T)],
            "ensemble": accuracy(int(e.sum()), n),
            "subset": accuracy(int(s.sum()), n),
            "gain": [gain, lower, upper],
            "seed": derive_index(SEED, index),
        })
    assert min(MARGINS) > 1e-5, f"an argmax margin of {min(MARGINS)} could differ in float32"
    out["min_margin"] = min(MARGINS)
    with open(os.path.join(HERE, "prompts.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    for d in out["domains"]:
        print(d["name"], [t["correct"] for t in d["templates"]], d["ensemble"]["correct"], d["subset"]["correct"], d["gain"])
    print("subset", subset, "path", path, "margin", min(MARGINS))


if __name__ == "__main__":
    main()
