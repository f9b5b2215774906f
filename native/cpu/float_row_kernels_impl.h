// SPDX-License-Identifier: MIT
// The loops of float_row_kernels.h, written once over a traits type V (simd_traits.h) and
// instantiated per instruction set by float_row_kernels_avx2.cc / _avx512.cc. The including
// file defines KILN_SIMD_TARGET, the target attribute that every function here needs in
// order to inline V's intrinsics. Tails shorter than a vector go through the portable
// scalar code of reduce_ops.h.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "float_row_kernels.h"
#include "reduce_ops.h"

#ifndef KILN_SIMD_TARGET
#error "define KILN_SIMD_TARGET before including float_row_kernels_impl.h"
#endif

namespace kiln::cpu::simd {

// exp of every lane, the algorithm of exp_vec (reduce_ops.h) with fused multiply-adds.
template <class V>
KILN_SIMD_TARGET inline typename V::F vexp(typename V::F x) {
  using namespace expf_const;
  using F = typename V::F;
  using I = typename V::I;
  // min/max return their second operand when one is NaN, which keeps NaN lanes NaN.
  x = V::max(V::set1(kMin), V::min(V::set1(kMax), x));
  const F t = V::fmadd(x, V::set1(kLog2e), V::set1(kRound));
  const F n = V::sub(t, V::set1(kRound));
  const I ni = V::subi(V::bits(t), V::set1i(kRoundBits));
  const F r = V::fnmadd(n, V::set1(kLn2Lo), V::fnmadd(n, V::set1(kLn2Hi), x));
  F p = V::set1(kPoly[0]);
  for (int k = 1; k < 6; ++k) p = V::fmadd(p, r, V::set1(kPoly[k]));
  const F y = V::fmadd(p, V::mul(r, r), V::add(r, V::set1(1.0f)));
  // 2^n as two factors, so that n down to -150 reaches the subnormals.
  const I n1 = V::half(ni), n2 = V::subi(ni, n1);
  const I bias = V::set1i(127);
  const F s1 = V::from_bits(V::to_exponent(V::addi(n1, bias)));
  const F s2 = V::from_bits(V::to_exponent(V::addi(n2, bias)));
  return V::mul(V::mul(y, s1), s2);
}

// The lanes of v added in a fixed pairwise order: lane[k] += lane[k + w] for w = W/2, ..., 1.
template <class V>
KILN_SIMD_TARGET inline float lane_sum(typename V::F v) {
  return V::sum_lanes(v);
}

template <class V, bool kMax>
KILN_SIMD_TARGET inline typename V::F pick(typename V::F a, typename V::F b) {
  return kMax ? V::max(a, b) : V::min(a, b);
}

template <class V, bool kMax>
KILN_SIMD_TARGET float extremum(const float* x, int64_t n) {
  using F = typename V::F;
  constexpr int W = V::kWidth;
  const float inf = std::numeric_limits<float>::infinity();
  const float identity = kMax ? -inf : inf;
  // NaN is tracked apart: min/max alone would let a later lane value replace it.
  typename V::M nan = V::no_lanes();
  F a0 = V::set1(identity), a1 = a0, a2 = a0, a3 = a0;
  int64_t i = 0;
  for (; i + 4 * W <= n; i += 4 * W) {
    const F v0 = V::load(x + i), v1 = V::load(x + i + W);
    const F v2 = V::load(x + i + 2 * W), v3 = V::load(x + i + 3 * W);
    nan = V::either(nan, V::either(V::either(V::nan_lanes(v0), V::nan_lanes(v1)),
                                   V::either(V::nan_lanes(v2), V::nan_lanes(v3))));
    a0 = pick<V, kMax>(a0, v0);
    a1 = pick<V, kMax>(a1, v1);
    a2 = pick<V, kMax>(a2, v2);
    a3 = pick<V, kMax>(a3, v3);
  }
  for (; i + W <= n; i += W) {
    const F v = V::load(x + i);
    nan = V::either(nan, V::nan_lanes(v));
    a0 = pick<V, kMax>(a0, v);
  }
  alignas(64) float lane[W];
  V::store(lane, pick<V, kMax>(pick<V, kMax>(a0, a1), pick<V, kMax>(a2, a3)));
  float best = identity;
  bool has_nan = V::any(nan);
  for (int k = 0; k < W; ++k) best = kMax ? std::fmax(best, lane[k]) : std::fmin(best, lane[k]);
  for (; i < n; ++i) {
    has_nan |= x[i] != x[i];
    best = kMax ? std::fmax(best, x[i]) : std::fmin(best, x[i]);
  }
  return has_nan ? std::numeric_limits<float>::quiet_NaN() : best;
}

template <class V>
KILN_SIMD_TARGET double sum(const float* x, int64_t n) {
  using F = typename V::F;
  constexpr int W = V::kWidth;
  double total = 0;
  for (int64_t b = 0; b < n; b += kRowKernelBlock) {
    const int64_t len = std::min(kRowKernelBlock, n - b);
    const float* p = x + b;
    F s0 = V::set1(0.0f), s1 = s0, s2 = s0, s3 = s0;
    int64_t i = 0;
    for (; i + 4 * W <= len; i += 4 * W) {
      s0 = V::add(s0, V::load(p + i));
      s1 = V::add(s1, V::load(p + i + W));
      s2 = V::add(s2, V::load(p + i + 2 * W));
      s3 = V::add(s3, V::load(p + i + 3 * W));
    }
    for (; i + W <= len; i += W) s0 = V::add(s0, V::load(p + i));
    float block = lane_sum<V>(V::add(V::add(s0, s1), V::add(s2, s3)));
    for (; i < len; ++i) block += p[i];
    total += double(block);
  }
  return total;
}

// Sum of exp(x - shift), storing the exponentials into y when kStore.
template <class V, bool kStore>
KILN_SIMD_TARGET double exp_sum(const float* x, float* y, int64_t n, float shift) {
  using F = typename V::F;
  constexpr int W = V::kWidth;
  const F vs = V::set1(shift);
  double total = 0;
  for (int64_t b = 0; b < n; b += kRowKernelBlock) {
    const int64_t len = std::min(kRowKernelBlock, n - b);
    const float* p = x + b;
    float* q = kStore ? y + b : nullptr;
    // Two independent exps per step keep both vector pipes busy.
    F s0 = V::set1(0.0f), s1 = s0;
    int64_t i = 0;
    for (; i + 2 * W <= len; i += 2 * W) {
      const F e0 = vexp<V>(V::sub(V::load(p + i), vs));
      const F e1 = vexp<V>(V::sub(V::load(p + i + W), vs));
      if constexpr (kStore) {
        V::store(q + i, e0);
        V::store(q + i + W, e1);
      }
      s0 = V::add(s0, e0);
      s1 = V::add(s1, e1);
    }
    for (; i + W <= len; i += W) {
      const F e = vexp<V>(V::sub(V::load(p + i), vs));
      if constexpr (kStore) V::store(q + i, e);
      s0 = V::add(s0, e);
    }
    float block = lane_sum<V>(V::add(s0, s1));
    for (; i < len; ++i) {
      const float e = exp_vec(p[i] - shift);
      if constexpr (kStore) q[i] = e;
      block += e;
    }
    total += double(block);
  }
  return total;
}

template <class V>
KILN_SIMD_TARGET void scale(float* y, int64_t n, float f) {
  constexpr int W = V::kWidth;
  const typename V::F vf = V::set1(f);
  int64_t i = 0;
  for (; i + W <= n; i += W) V::store(y + i, V::mul(V::load(y + i), vf));
  for (; i < n; ++i) y[i] *= f;
}

template <class V>
KILN_SIMD_TARGET void sub_sub(const float* x, float* y, int64_t n, float a, float b) {
  constexpr int W = V::kWidth;
  const typename V::F va = V::set1(a), vb = V::set1(b);
  int64_t i = 0;
  for (; i + W <= n; i += W) V::store(y + i, V::sub(V::sub(V::load(x + i), va), vb));
  for (; i < n; ++i) y[i] = (x[i] - a) - b;
}

// acc[j] += r[0][j] + ... + r[R - 1][j], added left to right. Each input row is one stream,
// and the R streams are read together: for a column reduction the memory system then has
// R rows in flight, and acc is loaded and stored once per R rows.
template <class V, int R>
KILN_SIMD_TARGET void add_rows_fixed(float* acc, const float* const* r, int64_t w) {
  constexpr int W = V::kWidth;
  int64_t j = 0;
  for (; j + W <= w; j += W) {
    typename V::F a = V::load(acc + j);
    for (int k = 0; k < R; ++k) a = V::add(a, V::load(r[k] + j));
    V::store(acc + j, a);
  }
  for (; j < w; ++j) {
    float a = acc[j];
    for (int k = 0; k < R; ++k) a += r[k][j];
    acc[j] = a;
  }
}

template <class V>
KILN_SIMD_TARGET void add_rows(float* acc, const float* const* rows, int nrows, int64_t w) {
  int k = 0;
  for (; k + 8 <= nrows; k += 8) add_rows_fixed<V, 8>(acc, rows + k, w);
  if (k + 4 <= nrows) {
    add_rows_fixed<V, 4>(acc, rows + k, w);
    k += 4;
  }
  for (; k < nrows; ++k) add_rows_fixed<V, 1>(acc, rows + k, w);
}

template <class V>
const FloatRowKernels* row_kernel_table() {
  static const FloatRowKernels table = {
      extremum<V, true>,
      extremum<V, false>,
      sum<V>,
      [](const float* x, int64_t n, float shift) { return exp_sum<V, false>(x, nullptr, n, shift); },
      exp_sum<V, true>,
      scale<V>,
      sub_sub<V>,
      add_rows<V>,
  };
  return &table;
}

}  // namespace kiln::cpu::simd
