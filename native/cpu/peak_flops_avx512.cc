// SPDX-License-Identifier: MIT
// The AVX-512F instance of peak_flops_impl.h: 16 zmm accumulators of the 32 registers.
#include "peak_flops.h"
#include "simd_traits.h"

#if KILN_CPU_X86
#define KILN_SIMD_TARGET KILN_TARGET_AVX512
#include "peak_flops_impl.h"

namespace kiln::cpu {
FmaLoop fma_loop_avx512() { return simd::fma_loop<simd::Avx512, 16>(); }
}  // namespace kiln::cpu
#else
namespace kiln::cpu {
FmaLoop fma_loop_avx512() { return {nullptr, 0}; }
}  // namespace kiln::cpu
#endif
