// SPDX-License-Identifier: MIT
// AVX-512F GEMM micro-kernels (see matmul_kernels.h for the contract). Only these functions
// carry the avx512f target; the driver calls them only on CPUs that report AVX-512F.
//
// Tile shapes: 32 zmm registers allow 12 rows x 2 vectors = 24 accumulators, plus 2 B
// vectors and a broadcast. Per k step that is 24 FMAs for 14 loads, within the two load
// ports of current cores, and 24 independent chains cover FMA latency on two 512-bit ports.
#include "matmul_kernels.h"

#if KILN_GEMM_X86
#include <immintrin.h>

#define KILN_AVX512 __attribute__((target("avx512f")))

namespace kiln::cpu::gemm {
namespace {

KILN_AVX512 inline void store_f32(float* c, __m512 x0, __m512 x1, __m512 va, __m512 vb,
                                  bool has_beta) {
  x0 = _mm512_mul_ps(x0, va);
  x1 = _mm512_mul_ps(x1, va);
  if (has_beta) {
    x0 = _mm512_fmadd_ps(vb, _mm512_loadu_ps(c), x0);
    x1 = _mm512_fmadd_ps(vb, _mm512_loadu_ps(c + 16), x1);
  }
  _mm512_storeu_ps(c, x0);
  _mm512_storeu_ps(c + 16, x1);
}

KILN_AVX512 inline void store_f64(double* c, __m512d x0, __m512d x1, __m512d va, __m512d vb,
                                  bool has_beta) {
  x0 = _mm512_mul_pd(x0, va);
  x1 = _mm512_mul_pd(x1, va);
  if (has_beta) {
    x0 = _mm512_fmadd_pd(vb, _mm512_loadu_pd(c), x0);
    x1 = _mm512_fmadd_pd(vb, _mm512_loadu_pd(c + 8), x1);
  }
  _mm512_storeu_pd(c, x0);
  _mm512_storeu_pd(c + 8, x1);
}

}  // namespace

// Row i of the tile is read through a base pointer for every third row, a[g] = a + 3g rows,
// at offset 0, rs_a or 2 * rs_a: with 12 rows, one pointer per row would not fit in the
// general-purpose registers and the loop would reload spilled addresses every step.
#define KILN_ROW512(i, g, r, sfx)                               \
  ai = _mm512_set1_##sfx(a##g[(r) * rs_a]);                     \
  c##i##_0 = _mm512_fmadd_##sfx(ai, b0, c##i##_0);              \
  c##i##_1 = _mm512_fmadd_##sfx(ai, b1, c##i##_1);

#define KILN_ROWS512(sfx)                                                                  \
  KILN_ROW512(0, 0, 0, sfx) KILN_ROW512(1, 0, 1, sfx) KILN_ROW512(2, 0, 2, sfx)            \
  KILN_ROW512(3, 1, 0, sfx) KILN_ROW512(4, 1, 1, sfx) KILN_ROW512(5, 1, 2, sfx)            \
  KILN_ROW512(6, 2, 0, sfx) KILN_ROW512(7, 2, 1, sfx) KILN_ROW512(8, 2, 2, sfx)            \
  KILN_ROW512(9, 3, 0, sfx) KILN_ROW512(10, 3, 1, sfx) KILN_ROW512(11, 3, 2, sfx)

#define KILN_BASES512(type)                                                                \
  const type* a0 = a;                                                                      \
  const type* a1 = a + 3 * rs_a;                                                           \
  const type* a2 = a + 6 * rs_a;                                                           \
  const type* a3 = a + 9 * rs_a;

#define KILN_DECL512(type, zero)                                                           \
  type c0_0 = zero, c0_1 = c0_0, c1_0 = c0_0, c1_1 = c0_0, c2_0 = c0_0, c2_1 = c0_0,       \
       c3_0 = c0_0, c3_1 = c0_0, c4_0 = c0_0, c4_1 = c0_0, c5_0 = c0_0, c5_1 = c0_0,       \
       c6_0 = c0_0, c6_1 = c0_0, c7_0 = c0_0, c7_1 = c0_0, c8_0 = c0_0, c8_1 = c0_0,       \
       c9_0 = c0_0, c9_1 = c0_0, c10_0 = c0_0, c10_1 = c0_0, c11_0 = c0_0, c11_1 = c0_0;

#define KILN_STORE512(fn)                                                                  \
  fn(c + 0 * ldc, c0_0, c0_1, va, vb, hb);                                                 \
  fn(c + 1 * ldc, c1_0, c1_1, va, vb, hb);                                                 \
  fn(c + 2 * ldc, c2_0, c2_1, va, vb, hb);                                                 \
  fn(c + 3 * ldc, c3_0, c3_1, va, vb, hb);                                                 \
  fn(c + 4 * ldc, c4_0, c4_1, va, vb, hb);                                                 \
  fn(c + 5 * ldc, c5_0, c5_1, va, vb, hb);                                                 \
  fn(c + 6 * ldc, c6_0, c6_1, va, vb, hb);                                                 \
  fn(c + 7 * ldc, c7_0, c7_1, va, vb, hb);                                                 \
  fn(c + 8 * ldc, c8_0, c8_1, va, vb, hb);                                                 \
  fn(c + 9 * ldc, c9_0, c9_1, va, vb, hb);                                                 \
  fn(c + 10 * ldc, c10_0, c10_1, va, vb, hb);                                              \
  fn(c + 11 * ldc, c11_0, c11_1, va, vb, hb);

KILN_AVX512 void ukr_f32_12x32_avx512(int64_t kc, const float* a, int64_t rs_a, int64_t cs_a,
                                      const float* b, int64_t rs_b, float* c, int64_t ldc,
                                      float alpha, float beta) {
  KILN_DECL512(__m512, _mm512_setzero_ps())
  // The C tile is touched only after the k loop; fetching it now hides that miss.
  for (int i = 0; i < 12; ++i) {
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + 16), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + 31), _MM_HINT_T0);
  }
  KILN_BASES512(float)
  for (int64_t p = 0; p < kc; ++p, a0 += cs_a, a1 += cs_a, a2 += cs_a, a3 += cs_a, b += rs_b) {
    // A micro-panels stream from L2; pull the lines a few steps ahead of use.
    _mm_prefetch(reinterpret_cast<const char*>(a0 + 8 * cs_a), _MM_HINT_T0);
    const __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16);
    __m512 ai;
    KILN_ROWS512(ps)
  }
  const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
  const bool hb = beta != 0.0f;
  KILN_STORE512(store_f32)
}

KILN_AVX512 void ukr_f64_12x16_avx512(int64_t kc, const double* a, int64_t rs_a,
                                      int64_t cs_a, const double* b, int64_t rs_b, double* c,
                                      int64_t ldc, double alpha, double beta) {
  KILN_DECL512(__m512d, _mm512_setzero_pd())
  for (int i = 0; i < 12; ++i) {
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + 8), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + 15), _MM_HINT_T0);
  }
  KILN_BASES512(double)
  for (int64_t p = 0; p < kc; ++p, a0 += cs_a, a1 += cs_a, a2 += cs_a, a3 += cs_a, b += rs_b) {
    _mm_prefetch(reinterpret_cast<const char*>(a0 + 8 * cs_a), _MM_HINT_T0);
    const __m512d b0 = _mm512_loadu_pd(b), b1 = _mm512_loadu_pd(b + 8);
    __m512d ai;
    KILN_ROWS512(pd)
  }
  const __m512d va = _mm512_set1_pd(alpha), vb = _mm512_set1_pd(beta);
  const bool hb = beta != 0.0;
  KILN_STORE512(store_f64)
}

}  // namespace kiln::cpu::gemm

#endif  // KILN_GEMM_X86
