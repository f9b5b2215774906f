// SPDX-License-Identifier: MIT
// Thin wrappers over the AVX2 and AVX-512F float intrinsics, with the same names for both
// widths, so that a kernel is written once as a template over the traits type (see
// float_row_kernels_impl.h). Each wrapper carries its own target attribute: only code that
// runs after the CPU check uses them, and the rest of the addon keeps baseline flags.
#pragma once
#include <cstdint>

#include "cpu_isa.h"

#if KILN_CPU_X86
#include <immintrin.h>

#define KILN_TARGET_AVX2 __attribute__((target("avx2,fma")))
#define KILN_TARGET_AVX512 __attribute__((target("avx512f")))

namespace kiln::cpu::simd {

struct Avx2 {
  using F = __m256;
  using I = __m256i;
  using M = __m256;  // lane masks are all-ones float lanes
  static constexpr int kWidth = 8;

  KILN_TARGET_AVX2 static F load(const float* p) { return _mm256_loadu_ps(p); }
  KILN_TARGET_AVX2 static void store(float* p, F v) { _mm256_storeu_ps(p, v); }
  // A non-temporal store; p must be aligned to the vector's size.
  KILN_TARGET_AVX2 static void stream(float* p, F v) { _mm256_stream_ps(p, v); }
  KILN_TARGET_AVX2 static F set1(float v) { return _mm256_set1_ps(v); }
  KILN_TARGET_AVX2 static F add(F a, F b) { return _mm256_add_ps(a, b); }
  KILN_TARGET_AVX2 static F sub(F a, F b) { return _mm256_sub_ps(a, b); }
  KILN_TARGET_AVX2 static F mul(F a, F b) { return _mm256_mul_ps(a, b); }
  KILN_TARGET_AVX2 static F fmadd(F a, F b, F c) { return _mm256_fmadd_ps(a, b, c); }
  KILN_TARGET_AVX2 static F fnmadd(F a, F b, F c) { return _mm256_fnmadd_ps(a, b, c); }
  // Like the instructions: when either operand is NaN, the second one is returned.
  KILN_TARGET_AVX2 static F min(F a, F b) { return _mm256_min_ps(a, b); }
  KILN_TARGET_AVX2 static F max(F a, F b) { return _mm256_max_ps(a, b); }

  KILN_TARGET_AVX2 static I bits(F v) { return _mm256_castps_si256(v); }
  KILN_TARGET_AVX2 static F from_bits(I v) { return _mm256_castsi256_ps(v); }
  KILN_TARGET_AVX2 static I set1i(int32_t v) { return _mm256_set1_epi32(v); }
  KILN_TARGET_AVX2 static I addi(I a, I b) { return _mm256_add_epi32(a, b); }
  KILN_TARGET_AVX2 static I subi(I a, I b) { return _mm256_sub_epi32(a, b); }
  KILN_TARGET_AVX2 static I half(I v) { return _mm256_srai_epi32(v, 1); }
  KILN_TARGET_AVX2 static I to_exponent(I v) { return _mm256_slli_epi32(v, 23); }

  KILN_TARGET_AVX2 static M no_lanes() { return _mm256_setzero_ps(); }
  KILN_TARGET_AVX2 static M nan_lanes(F v) { return _mm256_cmp_ps(v, v, _CMP_UNORD_Q); }
  KILN_TARGET_AVX2 static M either(M a, M b) { return _mm256_or_ps(a, b); }
  KILN_TARGET_AVX2 static bool any(M m) { return _mm256_movemask_ps(m) != 0; }

  // The lanes added pairwise, upper half onto lower half: lane[k] += lane[k + 4], then
  // lane[k] += lane[k + 2], then lane[0] += lane[1]. In registers: a round trip through
  // memory stalls on store forwarding once per block of a sum.
  KILN_TARGET_AVX2 static float sum_lanes(F v) {
    __m128 a = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    a = _mm_add_ps(a, _mm_movehl_ps(a, a));
    return _mm_cvtss_f32(_mm_add_ss(a, _mm_shuffle_ps(a, a, 1)));
  }

  // Lane masks for the first n lanes (n may exceed kWidth), for loads and stores that touch
  // nothing past the end of a row: maskload reads no masked-off element.
  using Lanes = __m256i;
  KILN_TARGET_AVX2 static Lanes first_lanes(int64_t n) {
    const int k = int(n < kWidth ? n : kWidth);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(k), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  KILN_TARGET_AVX2 static F load_first(const float* p, Lanes m) { return _mm256_maskload_ps(p, m); }
  KILN_TARGET_AVX2 static void store_first(float* p, F v, Lanes m) { _mm256_maskstore_ps(p, m, v); }

  // r[i] holds 8 consecutive elements of row i; afterwards r[q] holds element q of every row.
  // Pairs of rows interleave, then 2 x 2 blocks of pairs, then the 128-bit halves swap.
  KILN_TARGET_AVX2 static void transpose(F r[8]) {
    F t[8];
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
};

// min, max, the shifts, the shuffles and the extraction of the upper half go through their
// zero-masking forms with every lane selected: the plain forms pass an undefined vector that GCC 12
// reports as used uninitialized.
struct Avx512 {
  using F = __m512;
  using I = __m512i;
  using M = __mmask16;
  static constexpr int kWidth = 16;
  static constexpr __mmask16 kAll = 0xFFFF;

  KILN_TARGET_AVX512 static F load(const float* p) { return _mm512_loadu_ps(p); }
  KILN_TARGET_AVX512 static void store(float* p, F v) { _mm512_storeu_ps(p, v); }
  KILN_TARGET_AVX512 static void stream(float* p, F v) { _mm512_stream_ps(p, v); }
  KILN_TARGET_AVX512 static F set1(float v) { return _mm512_set1_ps(v); }
  KILN_TARGET_AVX512 static F add(F a, F b) { return _mm512_add_ps(a, b); }
  KILN_TARGET_AVX512 static F sub(F a, F b) { return _mm512_sub_ps(a, b); }
  KILN_TARGET_AVX512 static F mul(F a, F b) { return _mm512_mul_ps(a, b); }
  KILN_TARGET_AVX512 static F fmadd(F a, F b, F c) { return _mm512_fmadd_ps(a, b, c); }
  KILN_TARGET_AVX512 static F fnmadd(F a, F b, F c) { return _mm512_fnmadd_ps(a, b, c); }
  KILN_TARGET_AVX512 static F min(F a, F b) { return _mm512_maskz_min_ps(kAll, a, b); }
  KILN_TARGET_AVX512 static F max(F a, F b) { return _mm512_maskz_max_ps(kAll, a, b); }

  KILN_TARGET_AVX512 static I bits(F v) { return _mm512_castps_si512(v); }
  KILN_TARGET_AVX512 static F from_bits(I v) { return _mm512_castsi512_ps(v); }
  KILN_TARGET_AVX512 static I set1i(int32_t v) { return _mm512_set1_epi32(v); }
  KILN_TARGET_AVX512 static I addi(I a, I b) { return _mm512_add_epi32(a, b); }
  KILN_TARGET_AVX512 static I subi(I a, I b) { return _mm512_sub_epi32(a, b); }
  KILN_TARGET_AVX512 static I half(I v) { return _mm512_maskz_srai_epi32(kAll, v, 1); }
  KILN_TARGET_AVX512 static I to_exponent(I v) { return _mm512_maskz_slli_epi32(kAll, v, 23); }

  KILN_TARGET_AVX512 static M no_lanes() { return 0; }
  KILN_TARGET_AVX512 static M nan_lanes(F v) { return _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q); }
  KILN_TARGET_AVX512 static M either(M a, M b) { return M(a | b); }
  KILN_TARGET_AVX512 static bool any(M m) { return m != 0; }

  // The lanes added pairwise as Avx2::sum_lanes does, after lane[k] += lane[k + 8].
  KILN_TARGET_AVX512 static float sum_lanes(F v) {
    const __m512d d = _mm512_castps_pd(v);
    const __m256 a = _mm256_add_ps(_mm256_castpd_ps(_mm512_maskz_extractf64x4_pd(0xFF, d, 0)),
                                   _mm256_castpd_ps(_mm512_maskz_extractf64x4_pd(0xFF, d, 1)));
    __m128 b = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    b = _mm_add_ps(b, _mm_movehl_ps(b, b));
    return _mm_cvtss_f32(_mm_add_ss(b, _mm_shuffle_ps(b, b, 1)));
  }

  using Lanes = __mmask16;
  KILN_TARGET_AVX512 static Lanes first_lanes(int64_t n) {
    return n >= kWidth ? kAll : Lanes((1u << n) - 1);
  }
  KILN_TARGET_AVX512 static F load_first(const float* p, Lanes m) { return _mm512_maskz_loadu_ps(m, p); }
  KILN_TARGET_AVX512 static void store_first(float* p, F v, Lanes m) { _mm512_mask_storeu_ps(p, m, v); }

  // As Avx2::transpose for 16 rows: pairs of rows, 4 x 4 blocks within 128-bit lanes, then
  // the 128-bit lanes themselves in two rounds.
  KILN_TARGET_AVX512 static void transpose(F r[16]) {
    F t[16];
    for (int i = 0; i < 16; i += 2) {
      t[i] = _mm512_maskz_unpacklo_ps(kAll, r[i], r[i + 1]);
      t[i + 1] = _mm512_maskz_unpackhi_ps(kAll, r[i], r[i + 1]);
    }
    for (int i = 0; i < 16; i += 4) {
      r[i] = _mm512_maskz_shuffle_ps(kAll, t[i], t[i + 2], 0x44);
      r[i + 1] = _mm512_maskz_shuffle_ps(kAll, t[i], t[i + 2], 0xEE);
      r[i + 2] = _mm512_maskz_shuffle_ps(kAll, t[i + 1], t[i + 3], 0x44);
      r[i + 3] = _mm512_maskz_shuffle_ps(kAll, t[i + 1], t[i + 3], 0xEE);
    }
    for (int i = 0; i < 4; ++i) {
      t[i] = _mm512_maskz_shuffle_f32x4(kAll, r[i], r[i + 4], 0x88);
      t[i + 4] = _mm512_maskz_shuffle_f32x4(kAll, r[i], r[i + 4], 0xDD);
      t[i + 8] = _mm512_maskz_shuffle_f32x4(kAll, r[i + 8], r[i + 12], 0x88);
      t[i + 12] = _mm512_maskz_shuffle_f32x4(kAll, r[i + 8], r[i + 12], 0xDD);
    }
    for (int i = 0; i < 4; ++i) {
      r[i] = _mm512_maskz_shuffle_f32x4(kAll, t[i], t[i + 8], 0x88);
      r[i + 4] = _mm512_maskz_shuffle_f32x4(kAll, t[i + 4], t[i + 12], 0x88);
      r[i + 8] = _mm512_maskz_shuffle_f32x4(kAll, t[i], t[i + 8], 0xDD);
      r[i + 12] = _mm512_maskz_shuffle_f32x4(kAll, t[i + 4], t[i + 12], 0xDD);
    }
  }
};

}  // namespace kiln::cpu::simd

#endif  // KILN_CPU_X86
