#ifndef SHIFTLENS_BF16_KERNEL_H
#define SHIFTLENS_BF16_KERNEL_H

#include <stdint.h>

/// The AVX512_BF16 micro-kernel of ShiftLens's bf16 GEMM (Sources/Tensor/Kernels+GEMM.swift),
/// in C because Swift cannot name the `__m512bh` vector type that `vdpbf16ps` takes.
/// Compiled with a per-function target attribute, so every build contains it; call it only
/// when `shiftlens_bf16_supported()` says the CPU and the OS run it.

/// 1 when the CPU has AVX512F and AVX512_BF16 and the OS saves the 512-bit registers, else 0.
int shiftlens_bf16_supported(void);

/// `tile[r·32 + t] = Σ_{q < pairs} x_r[q] · panel[q·32 + t]` for r < 8 and t < 32, where
/// every 32-bit word holds two bf16 values (the even index in the low half) and each
/// term is `vdpbf16ps`: the high halves' product is added to the fp32 accumulator, then
/// the low halves' (each product exact, each addition rounded to nearest even; denormal
/// results flush to zero). `x_r = x + min(r, validRows − 1)·rowStride`; rows at or beyond
/// `validRows` repeat the last valid one and their results are to be discarded.
/// Accumulators start at zero, or at the tile's contents when `accumulate` is non-zero.
void shiftlens_bf16_kernel_8x32(
    long pairs, const uint32_t *x, long rowStride, long validRows,
    const uint32_t *panel, float *tile, int accumulate);

#endif
