// SPDX-License-Identifier: MIT
// The AVX-512F instance of matmul_pack_impl.h (16 x 16 transposes).
#include "matmul_kernels.h"

#if KILN_GEMM_X86
#define KILN_SIMD_TARGET KILN_TARGET_AVX512
#include "matmul_pack_impl.h"

namespace kiln::cpu::gemm {
KILN_TARGET_AVX512 void pack_across_f32_avx512(int64_t kc, const float* src, int64_t ld,
                                               int rows, int width, float* dst) {
  simd::pack_across<simd::Avx512>(kc, src, ld, rows, width, dst);
}
}  // namespace kiln::cpu::gemm
#endif
