// SPDX-License-Identifier: MIT
// AVX-512F packing across (see PackAcross in matmul_kernels.h): blocks of 16 lines x 16
// steps are loaded as 16 vectors, transposed in registers and stored as 16 panel rows.
#include "matmul_kernels.h"

#if KILN_GEMM_X86
#include <immintrin.h>

#include <algorithm>

#define KILN_AVX512 __attribute__((target("avx512f")))

// GCC 12 reports the self-initialized "undefined" pass-through operand inside its own
// unpack/shuffle intrinsics as maybe-uninitialized once they are inlined here; every lane
// this file reads is written first.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace kiln::cpu::gemm {
namespace {

// r[i] holds 16 consecutive elements of line i; afterwards r[q] holds element q of every
// line. Three rounds of shuffles: pairs of lines, then 4 x 4 blocks within 128-bit lanes,
// then the 128-bit lanes themselves.
KILN_AVX512 inline void transpose16(__m512 r[16]) {
  __m512 t[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int i = 0; i < 16; i += 4) {
    r[i] = _mm512_shuffle_ps(t[i], t[i + 2], 0x44);
    r[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], 0xEE);
    r[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0x44);
    r[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
  }
  for (int i = 0; i < 4; ++i) {
    t[i] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0x88);
    t[i + 4] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0xDD);
    t[i + 8] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0x88);
    t[i + 12] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0xDD);
  }
  for (int i = 0; i < 4; ++i) {
    r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
    r[i + 4] = _mm512_shuffle_f32x4(t[i + 4], t[i + 12], 0x88);
    r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xDD);
    r[i + 12] = _mm512_shuffle_f32x4(t[i + 4], t[i + 12], 0xDD);
  }
}

KILN_AVX512 inline __mmask16 first(int64_t n) {
  return n >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << n) - 1);
}

}  // namespace

KILN_AVX512 void pack_across_f32_avx512(int64_t kc, const float* src, int64_t ld, int rows,
                                        int width, float* dst) {
  for (int c0 = 0; c0 < width; c0 += 16) {
    const int lines = std::clamp(rows - c0, 0, 16);  // lines past `rows` pack as zeros
    const __mmask16 lanes = first(width - c0);
    for (int64_t p = 0; p < kc; p += 16) {
      // Masked loads and stores cover the last steps without reading past a line's end.
      const int64_t steps = std::min<int64_t>(16, kc - p);
      const __mmask16 in = first(steps);
      __m512 r[16];
      for (int i = 0; i < 16; ++i)
        r[i] = i < lines ? _mm512_maskz_loadu_ps(in, src + (c0 + i) * ld + p) : _mm512_setzero_ps();
      transpose16(r);
      for (int q = 0; q < steps; ++q) _mm512_mask_storeu_ps(dst + (p + q) * width + c0, lanes, r[q]);
    }
  }
}

}  // namespace kiln::cpu::gemm

#endif  // KILN_GEMM_X86
