#include "BF16Kernel.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

int shiftlens_bf16_supported(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bf16");
}

__attribute__((target("avx512f,avx512bf16")))
void shiftlens_bf16_kernel_8x32(
    long pairs, const uint32_t *x, long rowStride, long validRows,
    const uint32_t *panel, float *tile, int accumulate) {
    /* 8 rows × 32 columns: 16 accumulators, 2 panel loads and 8 broadcasts per 16
       `vdpbf16ps` (the 6-row tile had 12 per 2 + 6: ~15 % slower on this machine). */
    const long last = validRows - 1;
    const uint32_t *xr[8];
    for (long r = 0; r < 8; r++) xr[r] = x + (r < last ? r : last) * rowStride;
    const uint32_t *x0 = xr[0], *x1 = xr[1], *x2 = xr[2], *x3 = xr[3];
    const uint32_t *x4 = xr[4], *x5 = xr[5], *x6 = xr[6], *x7 = xr[7];
    __m512 c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71;
    if (accumulate) {
        c00 = _mm512_loadu_ps(tile + 0);   c01 = _mm512_loadu_ps(tile + 16);
        c10 = _mm512_loadu_ps(tile + 32);  c11 = _mm512_loadu_ps(tile + 48);
        c20 = _mm512_loadu_ps(tile + 64);  c21 = _mm512_loadu_ps(tile + 80);
        c30 = _mm512_loadu_ps(tile + 96);  c31 = _mm512_loadu_ps(tile + 112);
        c40 = _mm512_loadu_ps(tile + 128); c41 = _mm512_loadu_ps(tile + 144);
        c50 = _mm512_loadu_ps(tile + 160); c51 = _mm512_loadu_ps(tile + 176);
        c60 = _mm512_loadu_ps(tile + 192); c61 = _mm512_loadu_ps(tile + 208);
        c70 = _mm512_loadu_ps(tile + 224); c71 = _mm512_loadu_ps(tile + 240);
    } else {
        c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = _mm512_setzero_ps();
        c40 = c41 = c50 = c51 = c60 = c61 = c70 = c71 = _mm512_setzero_ps();
    }
    for (long q = 0; q < pairs; q++) {
        const __m512bh b0 = (__m512bh)_mm512_loadu_si512((const void *)panel);
        const __m512bh b1 = (__m512bh)_mm512_loadu_si512((const void *)(panel + 16));
        __m512bh a = (__m512bh)_mm512_set1_epi32((int)x0[q]);
        c00 = _mm512_dpbf16_ps(c00, a, b0); c01 = _mm512_dpbf16_ps(c01, a, b1);
        a = (__m512bh)_mm512_set1_epi32((int)x1[q]);
        c10 = _mm512_dpbf16_ps(c10, a, b0); c11 = _mm512_dpbf16_ps(c11, a, b1);
        a = (__m512bh)_mm512_set1_epi32((int)x2[q]);
        c20 = _mm512_dpbf16_ps(c20, a, b0); c21 = _mm512_dpbf16_ps(c21, a, b1);
        a = (__m512bh)_mm512_set1_epi32((int)x3[q]);
        c30 = _mm512_dpbf16_ps(c30, a, b0); c31 = _mm512_dpbf16_ps(c31, a, b1);
        a = (__m512bh)_mm512_set1_epi32((int)x4[q]);
        c40 = _mm512_dpbf16_ps(c40, a, b0); c41 = _mm512_dpbf16_ps(c41, a, b1);
        a = (__m512bh)_mm512_set1_epi32((int)x5[q]);
        c50 = _mm512_dpbf16_ps(c50, a, b0); c51 = _mm512_dpbf16_ps(c51, a, b1);
        a = (__m512bh)_mm512_set1_epi32((int)x6[q]);
        c60 = _mm512_dpbf16_ps(c60, a, b0); c61 = _mm512_dpbf16_ps(c61, a, b1);
        a = (__m512bh)_mm512_set1_epi32((int)x7[q]);
        c70 = _mm512_dpbf16_ps(c70, a, b0); c71 = _mm512_dpbf16_ps(c71, a, b1);
        panel += 32;
    }
    _mm512_storeu_ps(tile + 0, c00);   _mm512_storeu_ps(tile + 16, c01);
    _mm512_storeu_ps(tile + 32, c10);  _mm512_storeu_ps(tile + 48, c11);
    _mm512_storeu_ps(tile + 64, c20);  _mm512_storeu_ps(tile + 80, c21);
    _mm512_storeu_ps(tile + 96, c30);  _mm512_storeu_ps(tile + 112, c31);
    _mm512_storeu_ps(tile + 128, c40); _mm512_storeu_ps(tile + 144, c41);
    _mm512_storeu_ps(tile + 160, c50); _mm512_storeu_ps(tile + 176, c51);
    _mm512_storeu_ps(tile + 192, c60); _mm512_storeu_ps(tile + 208, c61);
    _mm512_storeu_ps(tile + 224, c70); _mm512_storeu_ps(tile + 240, c71);
}

#else

int shiftlens_bf16_supported(void) { return 0; }

void shiftlens_bf16_kernel_8x32(
    long pairs, const uint32_t *x, long rowStride, long validRows,
    const uint32_t *panel, float *tile, int accumulate) {
    (void)pairs; (void)x; (void)rowStride; (void)validRows; (void)panel; (void)tile; (void)accumulate;
    __builtin_trap();  /* never called: shiftlens_bf16_supported() is 0 here */
}

#endif
