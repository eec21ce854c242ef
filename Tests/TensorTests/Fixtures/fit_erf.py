"""Fits the coefficients of `VectorMath.standardNormalCDF` (Sources/Tensor/Kernels+Elementwise.swift).

    erfc(z) = exp(−z²) · t · R(t),   t = 1 / (1 + z/2),   0 ≤ z ≤ 6,   R of degree 8,

least squares on relative error against scipy's float64 erfcx. Prints the coefficients
as float32 values and the maximum relative error of the float32 evaluation (with z²
split exactly, as the Swift code does). Run once: `python3 fit_erf.py`; nothing at build
or test time depends on it.
"""
import numpy as np, scipy, scipy.special as sp

print("numpy", np.__version__, "scipy", scipy.__version__)
degree = 8
z = np.linspace(0, 6, 400001)
t = 1 / (1 + 0.5 * z)
target = sp.erfcx(z) / t
V = np.vander(t, degree + 1, increasing=True)
c, *_ = np.linalg.lstsq(V / target[:, None], np.ones_like(t), rcond=None)

c32 = c.astype(np.float32)
z32 = np.linspace(0, 6, 200001).astype(np.float32)
t32 = (np.float32(1) / (np.float32(1) + np.float32(0.5) * z32)).astype(np.float32)
r = np.full_like(t32, c32[-1])
for a in c32[-2::-1]:
    r = (r * t32 + a).astype(np.float32)
square = (z32 * z32).astype(np.float32)
low = z32.astype(np.float64) ** 2 - square
value = np.exp(-square.astype(np.float64)).astype(np.float32) * (1 - low) * t32 * r
exact = sp.erfc(z32.astype(np.float64))
print("max relative error of erfc in float32:", np.max(np.abs(value - exact) / exact))
print("R (t⁰ first):", ", ".join(repr(float(x)) for x in c32))
