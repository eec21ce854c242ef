#!/usr/bin/env python3
"""Writes names.json and names_{text,reference,shift}.npy: reference values for the name probe
(Names, Sources/Probes/Names.swift) on synthetic data made here.

Data: C classes with random unit prototypes in D dimensions; each class has its given name and
0–3 alternative names; a name's text embedding per template is the class prototype plus a
name-specific offset (large for some given names, so that an alternative helps) plus template
noise, at a random scale (the probe normalises). Reference images are prototypes plus noise; the
shift's are noisier and biased.

Reference values (float64 numpy): each name's class embedding (the normalised mean of its
normalised template embeddings, open_clip's build_zero_shot_classifier), the greedy choice on the
reference (classes in order; for a class with alternatives, each alternative in place of its
current name with every other class at its current name; the one with most correct images, the
first on ties, replaces the name only with strictly more correct images than the current names),
the given and chosen names' top-1 with Clopper–Pearson intervals (scipy.stats.beta), per changed
class its images and how many each name gets right, and the paired percentile bootstrap of
accuracy(chosen) − accuracy(given) per domain: 1000 resamples, SplitMix64 seeded with
derive_index(SEED, domain index). Every argmax evaluated has a margin above 1e-5, checked, so
float32 arithmetic gives the same predictions.

Run from anywhere:  python3 Tests/ProbesTests/Fixtures/make_names_fixtures.py
"""
import json
import os

import numpy as np
import scipy

from fixture_stats import MARGINS, accuracy, correct, normalize, paired_bootstrap
from splitmix64 import derive_index

HERE = os.path.dirname(os.path.abspath(__file__))
C, T, D = 8, 3, 16
N_REF, N_SHIFT = 240, 200
SEED = 0x5EED_0A_3E5
RESAMPLES = 1000
# Alternatives per class (class 2 has none; class 7's given name is fine).
ALTERNATIVES = [2, 1, 0, 3, 1, 2, 0, 1]
# Offset of each given name from its prototype: large for the classes the alternatives should fix.
GIVEN_OFFSET = [1.6, 0.3, 0.3, 1.8, 0.4, 1.4, 0.3, 0.3]


def names():
    return [[f"class {c}"] + [f"class {c} alternative {k}" for k in range(1, ALTERNATIVES[c] + 1)] for c in range(C)]


def candidate_heads(text):
    """text: (sum K_c * T, D), class by class, candidate by candidate, template by template."""
    units = normalize(text.astype(np.float64)).reshape(-1, T, D)
    return normalize(units.mean(axis=1))


def greedy(X, y, heads, offsets):
    choice = [0] * C
    head = lambda ch: heads[[offsets[c] + ch[c] for c in range(C)]]
    total = int(correct(X, y, head(choice)).sum())
    path = []
    for c in range(C):
        if ALTERNATIVES[c] == 0:
            continue
        counts = []
        for k in range(1, ALTERNATIVES[c] + 1):
            trial = list(choice)
            trial[c] = k
            counts.append(int(correct(X, y, head(trial)).sum()))
        best = int(np.argmax(counts))
        path.append({"class": c, "counts": counts, "current": total})
        if counts[best] > total:
            choice[c] = best + 1
            total = counts[best]
    return choice, path


def main():
    rng = np.random.default_rng(21)
    prototypes = normalize(rng.normal(size=(C, D)))
    rows = []
    for c in range(C):
        for k in range(ALTERNATIVES[c] + 1):
            scale = GIVEN_OFFSET[c] if k == 0 else rng.uniform(0.2, 1.0)
            offset = scale * rng.normal(size=D) / np.sqrt(D)
            for t in range(T):
                rows.append(prototypes[c] + offset + 0.3 * rng.normal(size=D) / np.sqrt(D))
    text = np.stack(rows) * rng.uniform(0.5, 3.0, size=(len(rows), 1))
    y_ref = rng.integers(0, C, size=N_REF)
    X_ref = prototypes[y_ref] + 1.0 * rng.normal(size=(N_REF, D)) / np.sqrt(D)
    y_shift = rng.integers(0, C, size=N_SHIFT)
    bias = rng.normal(size=D) / np.sqrt(D)
    X_shift = prototypes[y_shift] + 1.3 * rng.normal(size=(N_SHIFT, D)) / np.sqrt(D) + 0.4 * bias
    text, X_ref, X_shift = (a.astype(np.float32) for a in (text, X_ref, X_shift))
    np.save(os.path.join(HERE, "names_text.npy"), text)
    np.save(os.path.join(HERE, "names_reference.npy"), X_ref)
    np.save(os.path.join(HERE, "names_shift.npy"), X_shift)

    heads = candidate_heads(text)
    offsets = np.cumsum([0] + [a + 1 for a in ALTERNATIVES])[:-1]
    choice, path = greedy(X_ref, y_ref, heads, offsets)
    given = heads[offsets]
    chosen = heads[[offsets[c] + choice[c] for c in range(C)]]
    changed = [c for c in range(C) if choice[c] != 0]
    all_names = names()
    out = {"generator": {"numpy": np.__version__, "scipy": scipy.__version__},
           "names": all_names, "templates": T, "seed": SEED, "resamples": RESAMPLES, "choice": choice, "greedy_path": path,
           "labels": {"reference": [int(v) for v in y_ref], "shift": [int(v) for v in y_shift]}, "domains": []}
    for index, (name, X, y) in enumerate((("reference", X_ref, y_ref), ("shift", X_shift, y_shift))):
        n = len(y)
        g = correct(X, y, given)
        s = correct(X, y, chosen)
        gain, lower, upper = paired_bootstrap(g, s, derive_index(SEED, index), RESAMPLES)
        out["domains"].append({
            "name": name,
            "given": accuracy(int(g.sum()), n),
            "chosen": accuracy(int(s.sum()), n),
            "changes": [{"class_index": c, "given": all_names[c][0], "chosen": all_names[c][choice[c]],
                         "count": int((y == c).sum()), "given_correct": int(g[y == c].sum()),
                         "chosen_correct": int(s[y == c].sum())} for c in changed],
            "gain": [gain, lower, upper],
            "seed": derive_index(SEED, index),
        })
    assert min(MARGINS) > 1e-5, f"an argmax margin of {min(MARGINS)} could differ in float32"
    assert changed and out["domains"][0]["chosen"]["correct"] > out["domains"][0]["given"]["correct"], "the data should make a choice"
    out["min_margin"] = min(MARGINS)
    with open(os.path.join(HERE, "names.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    for d in out["domains"]:
        print(d["name"], d["given"]["correct"], d["chosen"]["correct"], d["gain"], [(c["class_index"], c["given_correct"], c["chosen_correct"]) for c in d["changes"]])
    print("choice", choice, "path", path, "margin", min(MARGINS))


if __name__ == "__main__":
    main()
