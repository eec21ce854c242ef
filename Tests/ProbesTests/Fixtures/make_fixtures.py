"""Writes the Probes test fixtures: small seeded arrays (.npy) and the reference values
numpy / scipy / scikit-learn compute on them (probes.json).

Run from anywhere:  python3 Tests/ProbesTests/Fixtures/make_fixtures.py
Generator versions are recorded in probes.json ("generator"). Everything is float64 maths
on the float32 arrays that are saved, so Swift reads exactly the inputs used here.
"""
import json
import os
import sys

import numpy as np
import scipy
import scipy.linalg
import scipy.special
import scipy.stats
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from splitmix64 import MASK, SplitMix64


def subsample(generator, count, total):
    """SplitMix64.subsample(_:of:): the first `count` of a permutation of 0..<total, sorted."""
    return list(range(total)) if count >= total else sorted(generator.permutation(total)[:count])


# Seeds(base: 0).concepts: the concept probe's stream (SplitMix64.Stream.concepts = 13) of base seed 0.
CONCEPTS_SEED_OF_BASE_0 = SplitMix64((13 * 0xD1B54A32D192ED03) & MASK).next()

HERE = os.path.dirname(os.path.abspath(__file__))
N, D, C = 200, 32, 8
PRUNED = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95]


def normalize(x):
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(norms == 0, 1, norms)


def kept(total, percent):
    return max(1, (total * (100 - percent) + 50) // 100)


def margin_ok(logits, tol=1e-4):
    top2 = np.sort(logits, axis=1)[:, -2:]
    return np.all(top2[:, 1] - top2[:, 0] > tol * np.maximum(1, np.abs(top2[:, 1])))


def make_domain(rng, means, labels, scale, offset):
    h = rng.standard_normal((len(labels), D)) * scale + 1.5 * means[labels] + offset
    h[:, 3] *= 25.0      # outlier features: a few dimensions far above the rest
    h[:, 17] *= 14.0
    h[:, 28] += 9.0
    return h.astype(np.float32)


def generate(seed):
    rng = np.random.default_rng(seed)
    means = rng.standard_normal((C, D))
    head = normalize(means + 0.3 * rng.standard_normal((C, D))).astype(np.float32)
    labels_a = rng.integers(0, C, N)
    labels_b = rng.integers(0, C, N)
    ref = make_domain(rng, means, labels_a, 1.0, 0.0)
    offset = np.zeros(D)
    offset[:6] = 0.8
    shift = make_domain(rng, means, labels_b, 1.4, offset)
    return head, ref, shift, labels_a, labels_b


def curves_ok(h, w, v, order, total, feats_fn):
    ok = True
    for p in PRUNED:
        m = kept(total, p)
        logits = feats_fn(m)
        ok &= margin_ok(logits)
    return ok


def main():
    for seed in range(100):
        head, ref, shift, ya, yb = generate(seed)
        H = ref.astype(np.float64); S = shift.astype(np.float64); W = head.astype(np.float64)
        if not (margin_ok(normalize(H) @ W.T) and margin_ok(normalize(S) @ W.T)):
            continue
        # SVD of the head and importance on the reference.
        u, sig, vt = np.linalg.svd(W, full_matrices=False)
        r = len(sig)
        importance = sig * np.mean(np.abs(normalize(H) @ vt.T), axis=0)
        order = sorted(range(r), key=lambda k: (-importance[k], k))
        m_ref = np.mean(np.abs(H), axis=0)
        corder = sorted(range(D), key=lambda j: (-m_ref[j], j))

        def dir_logits(X, m):
            keep = vt[order[:m]]
            return (X @ keep.T) @ (keep @ W.T)

        def coord_logits(X, m):
            idx = corder[:m]
            return X[:, idx] @ W[:, idx].T

        good = all(margin_ok(dir_logits(X, kept(r, p))) and margin_ok(coord_logits(X, kept(D, p)))
                   for X in (H, S) for p in PRUNED)
        if good:
            break
    else:
        sys.exit("no seed gave clear margins")

    out = {"generator": {"python": sys.version.split()[0], "numpy": np.__version__, "scipy": scipy.__version__,
                         "sklearn": sklearn.__version__, "data_seed": seed},
           "n": N, "d": D, "classes": C}
    np.save(os.path.join(HERE, "head.npy"), head)
    np.save(os.path.join(HERE, "reference.npy"), ref)
    np.save(os.path.join(HERE, "shift.npy"), shift)
    with open(os.path.join(HERE, "reference_labels.txt"), "w") as f:
        f.write("".join(f"{int(y)}\n" for y in ya))
    with open(os.path.join(HERE, "shift_labels.txt"), "w") as f:
        f.write("".join(f"{int(y)}\n" for y in yb))

    # 1. Zero-shot.
    def zero_shot(X, y):
        logits = normalize(X) @ W.T
        pred = np.argmax(logits, axis=1)
        top5 = np.argsort(-logits, axis=1)[:, :5]
        t1 = int(np.sum(pred == y)); t5 = int(np.sum([y[i] in top5[i] for i in range(len(y))]))
        per_class = [[int(np.sum(y == c)), int(np.sum((y == c) & (pred == y)))] for c in range(C)]
        z = 100 * logits
        z = z - z.max(axis=1, keepdims=True)
        conf = 1 / np.exp(z).sum(axis=1)
        return {"top1_correct": t1, "top5_correct": t5, "per_class": per_class,
                "top1_ci": cp(t1, len(y)), "top5_ci": cp(t5, len(y))}, conf, pred

    def cp(k, n, level=0.95):
        a = 1 - level
        lo = 0.0 if k == 0 else float(scipy.stats.beta.ppf(a / 2, k, n - k + 1))
        hi = 1.0 if k == n else float(scipy.stats.beta.ppf(1 - a / 2, k + 1, n - k))
        return [lo, hi]

    zs_ref, conf_ref, _ = zero_shot(H, ya)
    zs_shift, conf_shift, _ = zero_shot(S, yb)
    out["zero_shot"] = {"reference": zs_ref, "shift": zs_shift}
    out["clopper_pearson"] = [[k, n, *cp(k, n)] for k, n in
                              [(0, 1), (1, 1), (0, 10), (3, 10), (10, 10), (57, 200), (1, 1000), (999, 1000), (5000, 10000), (12, 13)]]
    out["betainc"] = [[x, a, b, float(scipy.special.betainc(a, b, x))] for x, a, b in
                      [(0.3, 2.0, 5.0), (0.9, 0.5, 0.5), (0.01, 10.0, 3.0), (0.7, 100.0, 40.0), (0.5, 1.0, 1.0)]]

    # 2. Outliers.
    def outliers(X, k=10, tau=10.0):
        m = np.mean(np.abs(X), axis=0)
        ratio = m / m.mean()
        top = sorted(range(D), key=lambda j: (-ratio[j], j))[:k]
        return {"mean_abs": m.tolist(), "ratios": ratio.tolist(), "count": int(np.sum(ratio >= tau)),
                "top": top, "kurtosis_mean": float(np.mean(scipy.stats.kurtosis(X, axis=1, fisher=False))),
                "kurtosis_per_dimension": scipy.stats.kurtosis(X, axis=0, fisher=False).tolist()}

    o_ref, o_shift = outliers(H), outliers(S)
    o_shift["jaccard"] = len(set(o_ref["top"]) & set(o_shift["top"])) / len(set(o_ref["top"]) | set(o_shift["top"]))
    out["outliers"] = {"reference": o_ref, "shift": o_shift}

    # 3. Directions.
    def curve(X, y, logits_fn, total):
        return [float(np.mean(np.argmax(logits_fn(X, kept(total, p)), axis=1) == y)) for p in PRUNED]

    out["directions"] = {"singular_values": sig.tolist(), "importance": importance.tolist(),
                         "reference_curve": curve(H, ya, dir_logits, r), "shift_curve": curve(S, yb, dir_logits, r),
                         "reference_coordinate_curve": curve(H, ya, coord_logits, D),
                         "shift_coordinate_curve": curve(S, yb, coord_logits, D)}

    # 6. ATC (threshold = a-th largest reference confidence).
    a = zs_ref["top1_correct"]
    t = np.sort(conf_ref)[::-1][a - 1]
    out["atc"] = {"threshold": float(t), "reference_estimate": float(np.mean(conf_ref >= t)),
                  "shift_estimate": float(np.mean(conf_shift >= t))}

    # 6b. ATC-MC and ATC-NE on a seeded half split of the reference (fit on one half, checked on
    # the other), and the calibration of both domains.
    out["label_free"] = label_free(H, S, W, ya, yb)
    out["calibration"] = {name: calibration(X, y, W, seed=31, resamples=200) for name, X, y in
                          [("reference", H, ya), ("shift", S, yb)]}

    # 8b. The linear probe's stratified split and scikit-learn's full λ path on it.
    out["linear_probe"] = linear_probe(H, S, ya, yb)

    # 7. Distances.
    mu1, mu2 = H.mean(axis=0), S.mean(axis=0)
    s1, s2 = np.cov(H, rowvar=False), np.cov(S, rowvar=False)
    covmean = scipy.linalg.sqrtm(s1 @ s2)
    frechet = float(np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean).real)
    x, yv = normalize(H)[:60], normalize(S)[:50]
    z = np.vstack([x, yv])
    d2 = np.maximum(((z[:, None, :] - z[None, :, :]) ** 2).sum(-1), 0)
    iu = np.triu_indices(len(z), 1)
    bw = float(np.median(np.sqrt(d2[iu])))
    k = np.exp(-d2 / (2 * bw * bw))
    nx, ny = len(x), len(yv)
    kxx, kyy, kxy = k[:nx, :nx], k[nx:, nx:], k[:nx, nx:]
    mmd2 = float((kxx.sum() - np.trace(kxx)) / (nx * (nx - 1)) + (kyy.sum() - np.trace(kyy)) / (ny * (ny - 1)) - 2 * kxy.mean())
    xa, xb = normalize(H)[:120], normalize(S)[:100]
    pooled = np.vstack([xa, xb]); lab = np.r_[np.zeros(len(xa)), np.ones(len(xb))]
    folds = np.arange(len(pooled)) % 5
    scores = np.zeros(len(pooled))
    for f in range(5):
        tr, te = folds != f, folds == f
        clf = LogisticRegression(C=1.0, tol=1e-12, max_iter=100000).fit(pooled[tr], lab[tr])
        scores[te] = clf.decision_function(pooled[te])
    out["distance"] = {"frechet": frechet, "mmd_x_rows": nx, "mmd_y_rows": ny, "mmd2": mmd2, "bandwidth": bw,
                       "auc_x_rows": len(xa), "auc_y_rows": len(xb), "auc": float(roc_auc_score(lab, scores))}
    # n < d: Fréchet on 10 rows of 32 dimensions (singular covariances).
    hs, ss = H[:10], S[:12]
    c1, c2 = np.cov(hs, rowvar=False), np.cov(ss, rowvar=False)
    cm = scipy.linalg.sqrtm(c1 @ c2)
    out["distance"]["frechet_small"] = float(np.sum((hs.mean(0) - ss.mean(0)) ** 2) + np.trace(c1) + np.trace(c2) - 2 * np.trace(cm).real)

    # 8. Multinomial logistic regression at a fixed C on normalised reference embeddings.
    Xn = normalize(H)
    lr_c = 10.0
    clf = LogisticRegression(C=lr_c, tol=1e-12, max_iter=100000).fit(Xn, ya)
    out["logistic"] = {"C": lr_c, "coef": clf.coef_.tolist(), "intercept": clf.intercept_.tolist(),
                       "proba_shift": clf.predict_proba(normalize(S)).tolist(),
                       "accuracy_shift": float(np.mean(clf.predict(normalize(S)) == yb))}

    # 4. Concepts: similarities correlated with a few dimensions.
    rng = np.random.default_rng(7)
    K = 12
    sims = 0.2 + 0.05 * rng.standard_normal((N, K))
    sims[:, 0] += 0.01 * H[:, 3]
    sims[:, 1] += 0.02 * H[:, 5] + 0.01 * H[:, 3]
    sims[:, 2] += 0.05 * H[:, 7]
    sims = sims.astype(np.float32)
    np.save(os.path.join(HERE, "concept_similarities.npy"), sims)
    corr = np.corrcoef(H.T, sims.astype(np.float64).T)[:D, D:]
    rho = 0.5
    out["concepts"] = {"names": [f"concept-{i}" for i in range(K)], "threshold": rho, "correlations": corr.tolist(),
                       "null": concept_null(H, sims.astype(np.float64), rho, permutations=99, level=0.05,
                                            seed=CONCEPTS_SEED_OF_BASE_0),
                       "null_subsampled": concept_null(H, sims.astype(np.float64), rho, permutations=19, level=0.05, seed=22,
                                                       maximum=150)}

    # 5. Effective robustness: a baseline line in logit space.
    bx = np.array([0.56, 0.62, 0.70, 0.74, 0.79, 0.83, 0.86])
    by = np.array([0.21, 0.26, 0.33, 0.37, 0.45, 0.49, 0.55])
    lg = lambda p: np.log(p / (1 - p))
    slope, intercept = np.polyfit(lg(bx), lg(by), 1)
    mx, my = 0.68, 0.52
    pred = 1 / (1 + np.exp(-(slope * lg(mx) + intercept)))
    out["effective_robustness"] = {"x": bx.tolist(), "y": by.tolist(), "slope": float(slope), "intercept": float(intercept),
                                   "model_x": mx, "model_y": my, "er": float(my - pred)}

    # Symmetric eigenvalues.
    rng = np.random.default_rng(11)
    a = rng.standard_normal((40, 40))
    sym = (a + a.T) / 2
    np.save(os.path.join(HERE, "symmetric.npy"), sym.astype(np.float32))
    out["eigenvalues"] = np.linalg.eigvalsh(sym.astype(np.float32).astype(np.float64)).tolist()

    with open(os.path.join(HERE, "probes.json"), "w") as f:
        json.dump(out, f, indent=1)
    print("seed", seed, "written")


def softmax_scores(X, W):
    """Top-1 prediction, max softmax (ATC-MC) and Σ p log p (ATC-NE) of softmax(100 · cos)."""
    z = 100 * normalize(X) @ W.T
    z = z - z.max(axis=1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    return np.argmax(z, axis=1), p.max(axis=1), scipy.special.xlogy(p, p).sum(axis=1)


def atc_threshold(scores, correct):
    ordered = np.sort(scores)[::-1]
    return float(np.nextafter(ordered[0], np.inf)) if correct == 0 else float(ordered[correct - 1])


def label_free(H, S, W, ya, yb, seed=12345):
    n = len(ya)
    order = SplitMix64(seed).permutation(n)
    fit, check = sorted(order[:(n + 1) // 2]), sorted(order[(n + 1) // 2:])
    pred_a, mc_a, ne_a = softmax_scores(H, W)
    pred_b, mc_b, ne_b = softmax_scores(S, W)
    correct_a, correct_b = pred_a == ya, pred_b == yb
    out = {"seed": seed, "fit_rows": fit, "check_rows": check,
           "negative_entropies": {"reference": ne_a.tolist(), "shift": ne_b.tolist()}}
    for name, a, b in [("max_confidence", mc_a, mc_b), ("negative_entropy", ne_a, ne_b)]:
        t = atc_threshold(a[fit], int(correct_a[fit].sum()))
        # Estimates must not depend on fp32 rounding: no other score within 1e-5 (relative) of the threshold.
        for values in (a, b):
            near = np.abs(values - t) <= 1e-5 * max(abs(t), 1e-12)
            assert near.sum() <= 1 and (near.sum() == 0 or t in values), name
        out[name] = {"threshold": t,
                     "check_estimate": float(np.mean(a[check] >= t)), "check_actual": float(np.mean(correct_a[check])),
                     "shift_estimate": float(np.mean(b >= t)), "shift_actual": float(np.mean(correct_b))}
    return out


def calibration(X, y, W, seed, resamples, bins=15):
    """Equal-mass ECE (stable sort by confidence, numpy.array_split) and the ECE of simulated
    calibrated outcomes on the same bins (SplitMix64 uniforms in sorted order)."""
    pred, conf, _ = softmax_scores(X, W)
    correct = (pred == y).astype(np.float64)
    order = np.argsort(conf, kind="stable")
    c, k = conf[order], correct[order]
    groups = [g for g in np.array_split(np.arange(len(c)), bins) if len(g)]
    n = len(c)
    ece = sum(len(g) / n * abs(k[g].mean() - c[g].mean()) for g in groups)
    gen = SplitMix64(seed)
    floors = []
    for _ in range(resamples):
        value = 0.0
        for g in groups:
            hits = sum(1 for i in g if gen.unit() < c[i])
            value += abs(hits - c[g].sum()) / n
        floors.append(value)
    return {"ece": float(ece), "accuracy": float(k.mean()), "mean_confidence": float(c.mean()),
            "bins": [{"count": len(g), "correct": int(k[g].sum()), "mean_confidence": float(c[g].mean()),
                      "accuracy": float(k[g].mean()), "lower": float(c[g][0]), "upper": float(c[g][-1])} for g in groups],
            "seed": seed, "resamples": resamples,
            "floor_mean": float(np.mean(floors)), "floor_95": float(np.percentile(floors, 95))}



def concept_null(H, sims, rho, permutations, level, seed, maximum=None):
    """Westfall–Young max-T: the largest correlation over all (dimension, concept) pairs after
    each SplitMix64 shuffle of the images; a pair counts when ρ ≥ threshold and ρ exceeds the
    floor(level (P + 1))-th largest null maximum."""
    gen = SplitMix64(seed)
    if maximum is not None and maximum < len(H):
        rows = subsample(gen, maximum, len(H))
        H, sims = H[rows], sims[rows]
    def standardize(x):
        x = x - x.mean(axis=0)
        norm = np.sqrt((x * x).sum(axis=0))
        return np.where(norm > 0, x / np.where(norm > 0, norm, 1), 0.0)
    a, b = standardize(H), standardize(sims)
    corr = a.T @ b
    maxima = []
    for _ in range(permutations):
        order = gen.permutation(len(a))
        maxima.append(float((a.T @ b[order]).max()))
    rank = int(np.floor(level * (permutations + 1) + 1e-9)) - 1
    critical = sorted(maxima, reverse=True)[rank]
    assert np.all(np.abs(corr - critical) > 1e-5), "a correlation sits on the critical value"
    counted = (corr >= rho) & (corr > critical)
    per_dim = counted.sum(axis=1)
    return {"permutations": permutations, "level": level, "seed": seed, "maximum_images": maximum,
            "image_count": len(a), "maxima": maxima, "critical": critical, "per_dimension": per_dim.tolist(),
            "unique": int(counted.any(axis=0).sum()),
            "polysemanticity_mean": float(per_dim[per_dim > 0].mean()) if (per_dim > 0).any() else None}



def stratified_split(labels, classes, seed, train=0.6, validation=0.2, cap=5000):
    """LinearProbe.split: classes in index order, each class's rows in a SplitMix64 order, dealt
    so that row p trains when floor((p + 1) f) > floor(p f)."""
    gen = SplitMix64(seed)
    dealt = []
    for c in range(max(classes, int(max(labels)) + 1)):
        rows = [i for i, v in enumerate(labels) if v == c]
        if rows:
            dealt += [rows[k] for k in gen.permutation(len(rows))]

    def deal(rows, f):
        taken, rest = [], []
        for p, row in enumerate(rows):
            (taken if np.floor((p + 1) * f) > np.floor(p * f) else rest).append(row)
        return taken, rest

    tr, rest = deal(dealt, train)
    remaining = 1 - train
    va, te = deal(rest, min(1.0, validation / remaining)) if remaining > 0 else ([], rest)
    if len(tr) > cap:
        tr = deal(tr, cap / len(tr))[0]
    return sorted(tr), sorted(va), sorted(te)


def linear_probe(H, S, ya, yb, seed=41, candidates=(1e-2, 1e-3, 1e-4, 1e-5)):
    tr, va, te = stratified_split(ya, C, seed)
    small = stratified_split(ya, C, seed, cap=50)[0]
    X, XS = normalize(H), normalize(S)
    path = []
    best = None
    for lam in candidates:
        clf = LogisticRegression(C=1 / (lam * len(tr)), tol=1e-10, max_iter=100000).fit(X[tr], ya[tr])
        acc = float(np.mean(clf.predict(X[va]) == ya[va]))
        path.append({"l2": lam, "validation_accuracy": acc})
        if best is None or acc > best[0]:
            best = (acc, lam, clf)
    _, lam, clf = best
    return {"seed": seed, "train": tr, "validation": va, "test": te, "train_capped_50": small, "path": path, "l2": lam,
            "test_accuracy": float(np.mean(clf.predict(X[te]) == ya[te])),
            "shift_accuracy": float(np.mean(clf.predict(XS) == yb))}



if __name__ == "__main__":
    main()
