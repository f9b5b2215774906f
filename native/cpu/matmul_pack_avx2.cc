// SPDX-License-Identifier: MIT
// The AVX2 instance of matmul_pack_impl.h (8 x 8 transposes).
#include "matmul_kernels.h"

#if KILN_GEMM_X86
#define KILN_SIMD_TARGET KILN_TARGET_AVX2
#include "matmul_pack_impl.h"

namespace kiln::cpu::gemm {
KILN_TARGET_AVX2 void pack_across_f32_avx2(int64_t kc, const float* src, int64_t ld, int rows,
                                           int width, float* dst) {
  simd::pack_across<simd::Avx2>(kc, src, ld, rows, width, dst);
}
}  // namespace kiln::cpu::gemm
#endif
