// SPDX-License-Identifier: MIT
// The AVX2 + FMA instance of peak_flops_impl.h: 12 ymm accumulators of the 16 registers.
#include "peak_flops.h"
#include "simd_traits.h"

#if KILN_CPU_X86
#define KILN_SIMD_TARGET KILN_TARGET_AVX2
#include "peak_flops_impl.h"

namespace kiln::cpu {
FmaLoop fma_loop_avx2() { return simd::fma_loop<simd::Avx2, 12>(); }
}  // namespace kiln::cpu
#else
namespace kiln::cpu {
FmaLoop fma_loop_avx2() { return {nullptr, 0}; }
}  // namespace kiln::cpu
#endif
