// SPDX-License-Identifier: MIT
// AVX2 + FMA GEMM micro-kernels (see matmul_kernels.h for the contract). Only these
// functions carry the avx2/fma target, so the rest of the addon runs on any x86-64 CPU; the
// driver calls them only after checking the CPU supports both.
//
// Tile shapes: each k step broadcasts MR values of A and loads NR values of B, then issues
// MR * NR / width FMAs. With 16 ymm registers, 6 rows x 2 vectors gives 12 accumulators,
// 2 B vectors and 1 broadcast register, and 12 independent FMA chains cover the FMA latency
// (4-5 cycles) times the two FMA ports of current x86 cores.
#include "matmul_kernels.h"

#if KILN_GEMM_X86
#include <immintrin.h>

#define KILN_AVX2 __attribute__((target("avx2,fma")))

namespace kiln::cpu::gemm {
namespace {

// c = alpha * acc (+ beta * c); c holds 16 floats or 8 doubles (two vectors).
KILN_AVX2 inline void store_f32(float* c, __m256 x0, __m256 x1, __m256 va, __m256 vb,
                                bool has_beta) {
  x0 = _mm256_mul_ps(x0, va);
  x1 = _mm256_mul_ps(x1, va);
  if (has_beta) {
    x0 = _mm256_fmadd_ps(vb, _mm256_loadu_ps(c), x0);
    x1 = _mm256_fmadd_ps(vb, _mm256_loadu_ps(c + 8), x1);
  }
  _mm256_storeu_ps(c, x0);
  _mm256_storeu_ps(c + 8, x1);
}

KILN_AVX2 inline void store_f64(double* c, __m256d x0, __m256d x1, __m256d va, __m256d vb,
                                bool has_beta) {
  x0 = _mm256_mul_pd(x0, va);
  x1 = _mm256_mul_pd(x1, va);
  if (has_beta) {
    x0 = _mm256_fmadd_pd(vb, _mm256_loadu_pd(c), x0);
    x1 = _mm256_fmadd_pd(vb, _mm256_loadu_pd(c + 4), x1);
  }
  _mm256_storeu_pd(c, x0);
  _mm256_storeu_pd(c + 4, x1);
}

}  // namespace

// One k step: broadcast each of the 6 A values and multiply-add it into its row's two
// accumulators.
#define KILN_ROW(i, bcast, fmadd)            \
  ai = bcast(a + (i) * rs_a);                \
  c##i##0 = fmadd(ai, b0, c##i##0);          \
  c##i##1 = fmadd(ai, b1, c##i##1);
#define KILN_ROWS(bcast, fmadd)                                                 \
  KILN_ROW(0, bcast, fmadd) KILN_ROW(1, bcast, fmadd) KILN_ROW(2, bcast, fmadd) \
  KILN_ROW(3, bcast, fmadd) KILN_ROW(4, bcast, fmadd) KILN_ROW(5, bcast, fmadd)

KILN_AVX2 void ukr_f32_6x16_avx2(int64_t kc, const float* a, int64_t rs_a, int64_t cs_a,
                                 const float* b, int64_t rs_b, float* c, int64_t ldc,
                                 float alpha, float beta) {
  __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00,
         c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
  // The C tile is touched only after the k loop; fetching it now hides that miss.
  for (int i = 0; i < 6; ++i) {
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + 15), _MM_HINT_T0);
  }
  // One k step per iteration: unrolled copies make the compiler spill an accumulator.
  for (int64_t p = 0; p < kc; ++p, a += cs_a, b += rs_b) {
    // A micro-panels stream from L2; pull them in a few steps ahead of use.
    _mm_prefetch(reinterpret_cast<const char*>(a + 16 * cs_a), _MM_HINT_T0);
    const __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
    __m256 ai;
    KILN_ROWS(_mm256_broadcast_ss, _mm256_fmadd_ps)
  }
  const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
  const bool hb = beta != 0.0f;
  store_f32(c + 0 * ldc, c00, c01, va, vb, hb);
  store_f32(c + 1 * ldc, c10, c11, va, vb, hb);
  store_f32(c + 2 * ldc, c20, c21, va, vb, hb);
  store_f32(c + 3 * ldc, c30, c31, va, vb, hb);
  store_f32(c + 4 * ldc, c40, c41, va, vb, hb);
  store_f32(c + 5 * ldc, c50, c51, va, vb, hb);
}

KILN_AVX2 void ukr_f64_6x8_avx2(int64_t kc, const double* a, int64_t rs_a, int64_t cs_a,
                                const double* b, int64_t rs_b, double* c, int64_t ldc,
                                double alpha, double beta) {
  __m256d c00 = _mm256_setzero_pd(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00,
          c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
  for (int i = 0; i < 6; ++i) {
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + 7), _MM_HINT_T0);
  }
  for (int64_t p = 0; p < kc; ++p, a += cs_a, b += rs_b) {
    _mm_prefetch(reinterpret_cast<const char*>(a + 8 * cs_a), _MM_HINT_T0);
    const __m256d b0 = _mm256_loadu_pd(b), b1 = _mm256_loadu_pd(b + 4);
    __m256d ai;
    KILN_ROWS(_mm256_broadcast_sd, _mm256_fmadd_pd)
  }
  const __m256d va = _mm256_set1_pd(alpha), vb = _mm256_set1_pd(beta);
  const bool hb = beta != 0.0;
  store_f64(c + 0 * ldc, c00, c01, va, vb, hb);
  store_f64(c + 1 * ldc, c10, c11, va, vb, hb);
  store_f64(c + 2 * ldc, c20, c21, va, vb, hb);
  store_f64(c + 3 * ldc, c30, c31, va, vb, hb);
  store_f64(c + 4 * ldc, c40, c41, va, vb, hb);
  store_f64(c + 5 * ldc, c50, c51, va, vb, hb);
}

}  // namespace kiln::cpu::gemm

#endif  // KILN_GEMM_X86
