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

#define KILN_ROW_F32(i)                           \
  ai = _mm256_broadcast_ss(ap + (i));          \
  c##i##0 = _mm256_fmadd_ps(ai, b0, c##i##0);    \
  c##i##1 = _mm256_fmadd_ps(ai, b1, c##i##1);

// One k step of the 6 x 16 tile, `off` steps past the current a/b positions.
#define KILN_STEP_F32(off)                                          \
  {                                                                 \
    const float* ap = a + (off) * 6;                               \
    const __m256 b0 = _mm256_loadu_ps(b + (off) * 16);             \
    const __m256 b1 = _mm256_loadu_ps(b + (off) * 16 + 8);         \
    __m256 ai;                                                       \
    KILN_ROW_F32(0) KILN_ROW_F32(1) KILN_ROW_F32(2) KILN_ROW_F32(3) KILN_ROW_F32(4) KILN_ROW_F32(5) \
  }

KILN_AVX2 void ukr_f32_6x16_avx2(int64_t kc, const float* a, const float* b, float* c,
                                 int64_t ldc, float alpha, float beta) {
  __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00,
         c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
  // The C tile is touched only after the k loop; fetching it now hides that miss.
  for (int i = 0; i < 6; ++i) {
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + 15), _MM_HINT_T0);
  }
  int64_t p = 0;
  for (; p + 4 <= kc; p += 4) {
    // A micro-panels stream from L2; pull the next lines ahead of use.
    _mm_prefetch(reinterpret_cast<const char*>(a + 6 * 16), _MM_HINT_T0);
    KILN_STEP_F32(0) KILN_STEP_F32(1) KILN_STEP_F32(2) KILN_STEP_F32(3)
    a += 24;
    b += 64;
  }
  for (; p < kc; ++p) {
    KILN_STEP_F32(0)
    a += 6;
    b += 16;
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

#define KILN_ROW_F64(i)                           \
  ai = _mm256_broadcast_sd(ap + (i));          \
  c##i##0 = _mm256_fmadd_pd(ai, b0, c##i##0);    \
  c##i##1 = _mm256_fmadd_pd(ai, b1, c##i##1);

// One k step of the 6 x 8 tile, `off` steps past the current a/b positions.
#define KILN_STEP_F64(off)                                          \
  {                                                                 \
    const double* ap = a + (off) * 6;                               \
    const __m256d b0 = _mm256_loadu_pd(b + (off) * 8);             \
    const __m256d b1 = _mm256_loadu_pd(b + (off) * 8 + 4);         \
    __m256d ai;                                                       \
    KILN_ROW_F64(0) KILN_ROW_F64(1) KILN_ROW_F64(2) KILN_ROW_F64(3) KILN_ROW_F64(4) KILN_ROW_F64(5) \
  }

KILN_AVX2 void ukr_f64_6x8_avx2(int64_t kc, const double* a, const double* b, double* c,
                                int64_t ldc, double alpha, double beta) {
  __m256d c00 = _mm256_setzero_pd(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00,
          c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
  for (int i = 0; i < 6; ++i) {
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + 7), _MM_HINT_T0);
  }
  int64_t p = 0;
  for (; p + 4 <= kc; p += 4) {
    _mm_prefetch(reinterpret_cast<const char*>(a + 6 * 8), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(a + 6 * 8 + 8), _MM_HINT_T0);
    KILN_STEP_F64(0) KILN_STEP_F64(1) KILN_STEP_F64(2) KILN_STEP_F64(3)
    a += 24;
    b += 32;
  }
  for (; p < kc; ++p) {
    KILN_STEP_F64(0)
    a += 6;
    b += 8;
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
