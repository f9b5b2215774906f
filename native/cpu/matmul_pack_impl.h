// SPDX-License-Identifier: MIT
// Packing across (PackAcross in matmul_kernels.h), written once over a traits type V
// (simd_traits.h) and instantiated by matmul_pack_avx2.cc / _avx512.cc, which define
// KILN_SIMD_TARGET first: blocks of V::kWidth lines x V::kWidth steps are loaded as vectors,
// transposed in registers and stored as panel rows.
#pragma once
#include <algorithm>
#include <cstdint>

#include "simd_traits.h"

#ifndef KILN_SIMD_TARGET
#error "define KILN_SIMD_TARGET before including matmul_pack_impl.h"
#endif

namespace kiln::cpu::simd {

template <class V>
KILN_SIMD_TARGET void pack_across(int64_t kc, const float* src, int64_t ld, int rows, int width,
                                  float* dst) {
  constexpr int W = V::kWidth;
  for (int c0 = 0; c0 < width; c0 += W) {
    const int lines = std::clamp(rows - c0, 0, W);  // lines past `rows` pack as zeros
    const typename V::Lanes lanes = V::first_lanes(width - c0);
    for (int64_t p = 0; p < kc; p += W) {
      // Masked loads and stores cover the last steps without reading past a line's end.
      const int64_t steps = std::min<int64_t>(W, kc - p);
      const typename V::Lanes in = V::first_lanes(steps);
      typename V::F r[W];
      for (int i = 0; i < W; ++i) r[i] = i < lines ? V::load_first(src + (c0 + i) * ld + p, in) : V::set1(0.0f);
      V::transpose(r);
      for (int q = 0; q < steps; ++q) V::store_first(dst + (p + q) * width + c0, r[q], lanes);
    }
  }
}

}  // namespace kiln::cpu::simd
