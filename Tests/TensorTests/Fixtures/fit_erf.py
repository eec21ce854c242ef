"""Fits the polynomial coefficients of Kernels+Elementwise.swift's vectorised erf/erfc.

Run once: `python3 fit_erf.py`; it prints Swift literals and the float32 error of the
resulting evaluation against scipy's float64 erf/erfc. Not needed at build or test time.
  erf(z)  = z · P(z²)            for |z| ≤ 1       (P degree 6)
  erfc(z) = exp(−z²) · Q(1/z)/z  for 1 < z ≤ 6     (Q degree 9; callers clamp z to 6)
"""
import numpy as np, scipy, scipy.special as sp
print("numpy", np.__version__, "scipy", scipy.__version__)
z = np.linspace(1e-6, 1.0, 200001)
t = z * z
V = np.vander(t, 7, increasing=True)
target = sp.erf(z) / z
w = 1 / target
P, *_ = np.linalg.lstsq(V * w[:, None], target * w, rcond=None)
zs = np.linspace(1.0, 6.0, 400001)
u = 1 / zs
target2 = sp.erfcx(zs) * zs  # = erfc(z)·exp(z²)·z
V2 = np.vander(u, 10, increasing=True)
Q, *_ = np.linalg.lstsq(V2 / target2[:, None], np.ones_like(u), rcond=None)

def horner32(c, x):
    c = c.astype(np.float32); x = x.astype(np.float32); r = np.float32(c[-1]) * np.ones_like(x)
    for a in c[-2::-1]:
        r = r * x + a
    return r
z32 = np.linspace(1e-4, 1.0, 100001).astype(np.float32)
e1 = z32 * horner32(P, z32 * z32)
print("erf small max rel err", np.max(np.abs(e1 - sp.erf(z32.astype(np.float64))) / sp.erf(z32.astype(np.float64))))
zz = np.linspace(1.0, 6.0, 100001).astype(np.float32)
e2 = np.exp(-(zz * zz).astype(np.float64)).astype(np.float32) * horner32(Q, (1 / zz).astype(np.float32)) / zz
print("erfc large max rel err", np.max(np.abs(e2 - sp.erfc(zz.astype(np.float64))) / sp.erfc(zz.astype(np.float64))))
print("P:", ", ".join(repr(float(np.float32(c))) for c in P))
print("Q:", ", ".join(repr(float(np.float32(c))) for c in Q))
