// SPDX-License-Identifier: MIT
// Internal interface between the GEMM driver (matmul.cc) and its register-blocked
// micro-kernels. Each instruction-set variant lives in its own file and is compiled with
// function-level target attributes only, so the addon keeps baseline flags and picks a
// variant at run time.
#pragma once
#include <cstdint>

#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__))
#define KILN_GEMM_X86 1
#else
#define KILN_GEMM_X86 0
#endif

namespace kiln::cpu::gemm {

// Computes one full MR x NR tile of C:
//   c[i*ldc + j] = alpha * sum_p a[i*rs_a + p*cs_a] * b[p*rs_b + j] + beta * c[i*ldc + j]
// for i < MR, j < NR, p < kc. A packed A micro-panel has rs_a = 1, cs_a = MR and a packed B
// micro-panel rs_b = NR; other strides read a row-major A or B in place when packing would
// not pay for itself. All MR rows of a and NR columns of b must be readable.
// When beta == 0, c is write-only: its old contents (possibly NaN) are never read.
template <class T>
using MicroKernel = void (*)(int64_t kc, const T* a, int64_t rs_a, int64_t cs_a, const T* b,
                             int64_t rs_b, T* c, int64_t ldc, T alpha, T beta);

// Packs `rows` (<= width) lines of a matrix across, for a micro-panel of `width` lanes:
//   dst[p*width + i] = src[i*ld + p] for i < rows, p < kc, and 0 for rows <= i < width.
// This is the packing of a row-major A (lines are rows of A, ld its row stride) and of a
// column-major B (lines are columns of B, ld its column stride): each line is contiguous in p
// and the panel wants it across, so the vector variants transpose blocks in registers where
// scalar code would write one element per store, `width` elements apart.
template <class T>
using PackAcross = void (*)(int64_t kc, const T* src, int64_t ld, int rows, int width, T* dst);

// The largest tile any variant uses, for the driver's edge-tile scratch buffer.
constexpr int kMaxTileElems = 16 * 32;

#if KILN_GEMM_X86
// AVX2 + FMA: 6 x 16 float, 6 x 8 double (12 ymm accumulators of the 16 registers).
void ukr_f32_6x16_avx2(int64_t kc, const float* a, int64_t rs_a, int64_t cs_a, const float* b,
                       int64_t rs_b, float* c, int64_t ldc, float alpha, float beta);
void ukr_f64_6x8_avx2(int64_t kc, const double* a, int64_t rs_a, int64_t cs_a, const double* b,
                      int64_t rs_b, double* c, int64_t ldc, double alpha, double beta);
// AVX-512F: 12 x 32 float, 12 x 16 double (24 zmm accumulators of the 32 registers).
void ukr_f32_12x32_avx512(int64_t kc, const float* a, int64_t rs_a, int64_t cs_a,
                          const float* b, int64_t rs_b, float* c, int64_t ldc, float alpha,
                          float beta);
void ukr_f64_12x16_avx512(int64_t kc, const double* a, int64_t rs_a, int64_t cs_a,
                          const double* b, int64_t rs_b, double* c, int64_t ldc, double alpha,
                          double beta);
// PackAcross for float32 in 8 x 8 (AVX2) and 16 x 16 (AVX-512F) register transposes
// (matmul_pack_impl.h).
void pack_across_f32_avx2(int64_t kc, const float* src, int64_t ld, int rows, int width,
                          float* dst);
void pack_across_f32_avx512(int64_t kc, const float* src, int64_t ld, int rows, int width,
                            float* dst);
#endif

}  // namespace kiln::cpu::gemm
