// SPDX-License-Identifier: MIT
// The AVX-512F instance of float_row_kernels_impl.h.
#include "float_row_kernels.h"
#include "simd_traits.h"

#if KILN_CPU_X86
#define KILN_SIMD_TARGET KILN_TARGET_AVX512
#include "float_row_kernels_impl.h"

namespace kiln::cpu {
// The loops that only load and add or compare (sum, max, min, add_rows and the *_rows
// kernels) keep the 256-bit ones: they are bound by memory, and a 512-bit load of an array
// that is not 64-byte aligned (ArrayBuffers are 16-byte aligned) straddles two cache lines
// every time, which costs bandwidth on Zen 4 (256-bit loads stream a 64 MB float sum about
// 5% faster there). Sums are then also the same on AVX2 and AVX-512 machines.
const FloatRowKernels* float_row_kernels_avx512() {
  static const FloatRowKernels table = [] {
    FloatRowKernels t = *simd::row_kernel_table<simd::Avx512>();
    const FloatRowKernels& narrow = *float_row_kernels_avx2();
    t.max = narrow.max;
    t.min = narrow.min;
    t.sum = narrow.sum;
    t.add_rows = narrow.add_rows;
    t.sum_rows = narrow.sum_rows;
    t.max_rows = narrow.max_rows;
    t.min_rows = narrow.min_rows;
    return t;
  }();
  return &table;
}
}  // namespace kiln::cpu
#else
namespace kiln::cpu {
const FloatRowKernels* float_row_kernels_avx512() { return nullptr; }
}  // namespace kiln::cpu
#endif
