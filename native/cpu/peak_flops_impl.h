// SPDX-License-Identifier: MIT
// The FMA loop of peak_flops.h, written once over a traits type V (simd_traits.h) and
// instantiated per instruction set by peak_flops_avx2.cc / _avx512.cc. The including file
// defines KILN_SIMD_TARGET, the target attribute the loop needs to inline V's intrinsics.
#pragma once
#include <cstdint>

#include "peak_flops.h"

#ifndef KILN_SIMD_TARGET
#error "define KILN_SIMD_TARGET before including peak_flops_impl.h"
#endif

namespace kiln::cpu::simd {

// kChains independent accumulators, each updated acc = acc * a + b once per iteration. An FMA
// takes about 4 cycles and a core starts one or two per cycle, so at least 8 chains in flight
// keep every FMA unit busy; kChains also leaves registers for a and b, so nothing spills.
// The map x -> 0.999 x + 0.001 pulls every value towards 1: no overflow and no subnormals,
// which some cores run slowly.
template <class V, int kChains>
KILN_SIMD_TARGET float fma_chains(int64_t iterations) {
  using F = typename V::F;
  F acc[kChains];
  for (int k = 0; k < kChains; ++k) acc[k] = V::set1(1.0f + 0.125f * float(k));
  const F a = V::set1(0.999f), b = V::set1(0.001f);
  for (int64_t i = 0; i < iterations; ++i)
    for (int k = 0; k < kChains; ++k) acc[k] = V::fmadd(acc[k], a, b);
  // The result depends on every chain, so no FMA can be left out.
  F sum = acc[0];
  for (int k = 1; k < kChains; ++k) sum = V::add(sum, acc[k]);
  return V::sum_lanes(sum);
}

template <class V, int kChains>
FmaLoop fma_loop() {
  return {&fma_chains<V, kChains>, int64_t(kChains) * V::kWidth * 2};
}

}  // namespace kiln::cpu::simd
