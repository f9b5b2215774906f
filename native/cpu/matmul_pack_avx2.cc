// SPDX-License-Identifier: MIT
// AVX2 packing across (see PackAcross in matmul_kernels.h): blocks of 8 lines x 8 steps are
// loaded as 8 vectors, transposed in registers and stored as 8 panel rows.
#include "matmul_kernels.h"

#if KILN_GEMM_X86
#include <immintrin.h>

#include <algorithm>

#define KILN_AVX2 __attribute__((target("avx2,fma")))

namespace kiln::cpu::gemm {
namespace {

// r[i] holds 8 consecutive elements of line i; afterwards r[q] holds element q of every line.
KILN_AVX2 inline void transpose8(__m256 r[8]) {
  __m256 t[8];
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int i = 0; i < 8; i += 4) {
    r[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
    r[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xEE);
    r[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
    r[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
  }
  for (int i = 0; i < 4; ++i) {
    t[i] = _mm256_permute2f128_ps(r[i], r[i + 4], 0x20);
    t[i + 4] = _mm256_permute2f128_ps(r[i], r[i + 4], 0x31);
  }
  for (int i = 0; i < 8; ++i) r[i] = t[i];
}

// The first n of 8 lanes, as the mask operand of maskload/maskstore (sign bit set).
KILN_AVX2 inline __m256i first(int64_t n) {
  const __m256i index = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(int(std::min<int64_t>(n, 8))), index);
}

}  // namespace

KILN_AVX2 void pack_across_f32_avx2(int64_t kc, const float* src, int64_t ld, int rows,
                                    int width, float* dst) {
  for (int c0 = 0; c0 < width; c0 += 8) {
    const int lines = std::clamp(rows - c0, 0, 8);  // lines past `rows` pack as zeros
    const __m256i lanes = first(width - c0);
    for (int64_t p = 0; p < kc; p += 8) {
      // Masked loads and stores cover the last steps without reading past a line's end.
      const int64_t steps = std::min<int64_t>(8, kc - p);
      const __m256i in = first(steps);
      __m256 r[8];
      for (int i = 0; i < 8; ++i)
        r[i] = i < lines ? _mm256_maskload_ps(src + (c0 + i) * ld + p, in) : _mm256_setzero_ps();
      transpose8(r);
      for (int q = 0; q < steps; ++q) _mm256_maskstore_ps(dst + (p + q) * width + c0, lanes, r[q]);
    }
  }
}

}  // namespace kiln::cpu::gemm

#endif  // KILN_GEMM_X86
