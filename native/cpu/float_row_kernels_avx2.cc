// SPDX-License-Identifier: MIT
// The AVX2 + FMA instance of float_row_kernels_impl.h.
#include "float_row_kernels.h"
#include "simd_traits.h"

#if KILN_CPU_X86
#define KILN_SIMD_TARGET KILN_TARGET_AVX2
#include "float_row_kernels_impl.h"

namespace kiln::cpu {
const FloatRowKernels* float_row_kernels_avx2() { return simd::row_kernel_table<simd::Avx2>(); }
}  // namespace kiln::cpu
#else
namespace kiln::cpu {
const FloatRowKernels* float_row_kernels_avx2() { return nullptr; }
}  // namespace kiln::cpu
#endif
