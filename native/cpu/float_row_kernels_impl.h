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

// The running extremum of one row: its vectors alternate between two accumulators, and NaN
// is tracked apart (min/max alone would let a later lane value replace it).
template <class V, bool kMax>
struct ExtremumState {
  typename V::F a0, a1;
  typename V::M nan;
};

template <class V, bool kMax>
KILN_SIMD_TARGET inline ExtremumState<V, kMax> extremum_init() {
  const float inf = std::numeric_limits<float>::infinity();
  const typename V::F id = V::set1(kMax ? -inf : inf);
  return {id, id, V::no_lanes()};
}

// Two vectors at p into the state.
template <class V, bool kMax>
KILN_SIMD_TARGET inline void extremum_step(ExtremumState<V, kMax>& st, const float* p) {
  const typename V::F v0 = V::load(p), v1 = V::load(p + V::kWidth);
  st.nan = V::either(st.nan, V::either(V::nan_lanes(v0), V::nan_lanes(v1)));
  st.a0 = pick<V, kMax>(st.a0, v0);
  st.a1 = pick<V, kMax>(st.a1, v1);
}

// Finishes a row whose first i values are in the state. Always inlined: a state passed in
// memory is reloaded in pieces the store cannot forward, a stall as long as the loop over a
// 4 KB row.
template <class V, bool kMax>
KILN_SIMD_TARGET inline __attribute__((always_inline)) float extremum_from(
    ExtremumState<V, kMax> st, const float* x, int64_t i, int64_t n) {
  constexpr int W = V::kWidth;
  for (; i + 2 * W <= n; i += 2 * W) extremum_step<V, kMax>(st, x + i);
  for (; i + W <= n; i += W) {
    const typename V::F v = V::load(x + i);
    st.nan = V::either(st.nan, V::nan_lanes(v));
    st.a0 = pick<V, kMax>(st.a0, v);
  }
  alignas(64) float lane[W];
  V::store(lane, pick<V, kMax>(st.a0, st.a1));
  const float inf = std::numeric_limits<float>::infinity();
  float best = kMax ? -inf : inf;
  bool has_nan = V::any(st.nan);
  for (int k = 0; k < W; ++k) best = kMax ? std::fmax(best, lane[k]) : std::fmin(best, lane[k]);
  for (; i < n; ++i) {
    has_nan |= x[i] != x[i];
    best = kMax ? std::fmax(best, x[i]) : std::fmin(best, x[i]);
  }
  return has_nan ? std::numeric_limits<float>::quiet_NaN() : best;
}

template <class V, bool kMax>
KILN_SIMD_TARGET float extremum(const float* x, int64_t n) {
  return extremum_from<V, kMax>(extremum_init<V, kMax>(), x, 0, n);
}

// S rows at once over their first m values (m a multiple of two vectors): each row's state
// goes through the steps extremum() takes, so extremum_from finishes it to the same result.
template <class V, bool kMax, int S>
KILN_SIMD_TARGET void extremum_together(const float* const* rows, int64_t m,
                                        ExtremumState<V, kMax>* st) {
  ExtremumState<V, kMax> s[S];
  for (int k = 0; k < S; ++k) s[k] = extremum_init<V, kMax>();
  for (int64_t i = 0; i < m; i += 2 * V::kWidth)
    for (int k = 0; k < S; ++k) extremum_step<V, kMax>(s[k], rows[k] + i);
  for (int k = 0; k < S; ++k) st[k] = s[k];
}

template <class V, bool kMax>
KILN_SIMD_TARGET void extremum_rows(const float* const* rows, const int64_t* n, int count,
                                    float* out) {
  int64_t m = n[0];
  for (int k = 1; k < count; ++k) m = std::min(m, n[k]);
  m -= m % (2 * V::kWidth);
  ExtremumState<V, kMax> st[kRowStreams];
  switch (count) {
    case 4: extremum_together<V, kMax, 4>(rows, m, st); break;
    case 3: extremum_together<V, kMax, 3>(rows, m, st); break;
    case 2: extremum_together<V, kMax, 2>(rows, m, st); break;
    default: m = 0; st[0] = extremum_init<V, kMax>(); break;
  }
  for (int k = 0; k < count; ++k) out[k] = extremum_from<V, kMax>(st[k], rows[k], m, n[k]);
}

// One block of at most kRowKernelBlock values, added in float lanes.
template <class V>
KILN_SIMD_TARGET inline float block_sum(const float* p, int64_t len) {
  using F = typename V::F;
  constexpr int W = V::kWidth;
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
  return block;
}

// total plus the blocks of x from offset b (a multiple of kRowKernelBlock) on, in order.
template <class V>
KILN_SIMD_TARGET double sum_from(double total, const float* x, int64_t b, int64_t n) {
  for (; b < n; b += kRowKernelBlock)
    total += double(block_sum<V>(x + b, std::min(kRowKernelBlock, n - b)));
  return total;
}

template <class V>
KILN_SIMD_TARGET double sum(const float* x, int64_t n) {
  return sum_from<V>(0.0, x, 0, n);
}

// The first nblocks full blocks of S rows, block j of every row before block j + 1. A full
// block runs only the four-accumulator loop of block_sum, so each total is sum()'s.
template <class V, int S>
KILN_SIMD_TARGET void sum_together(const float* const* rows, int64_t nblocks, double* total) {
  using F = typename V::F;
  constexpr int W = V::kWidth;
  static_assert(kRowKernelBlock % (4 * W) == 0, "full blocks have no remainder loop");
  for (int k = 0; k < S; ++k) total[k] = 0;
  for (int64_t b = 0; b < nblocks * kRowKernelBlock; b += kRowKernelBlock) {
    F s[S][4];
    for (int k = 0; k < S; ++k) s[k][0] = s[k][1] = s[k][2] = s[k][3] = V::set1(0.0f);
    for (int64_t i = b; i < b + kRowKernelBlock; i += 4 * W)
      for (int k = 0; k < S; ++k)
        for (int a = 0; a < 4; ++a) s[k][a] = V::add(s[k][a], V::load(rows[k] + i + a * W));
    for (int k = 0; k < S; ++k)
      total[k] += double(lane_sum<V>(V::add(V::add(s[k][0], s[k][1]), V::add(s[k][2], s[k][3]))));
  }
}

template <class V>
KILN_SIMD_TARGET void sum_rows(const float* const* rows, const int64_t* n, int count,
                               double* out) {
  int64_t m = n[0];
  for (int k = 1; k < count; ++k) m = std::min(m, n[k]);
  int64_t nblocks = m / kRowKernelBlock;
  double total[kRowStreams];
  switch (count) {
    case 4: sum_together<V, 4>(rows, nblocks, total); break;
    case 3: sum_together<V, 3>(rows, nblocks, total); break;
    case 2: sum_together<V, 2>(rows, nblocks, total); break;
    default: nblocks = 0; total[0] = 0; break;
  }
  for (int k = 0; k < count; ++k)
    out[k] = sum_from<V>(total[k], rows[k], nblocks * kRowKernelBlock, n[k]);
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

template <class V, int kKind>
KILN_SIMD_TARGET inline typename V::F streamed_op(typename V::F x, typename V::F y, typename V::F a) {
  if constexpr (kKind == kStreamedMul) return V::mul(x, y);
  typename V::F p = V::mul(a, y);
  // An empty asm that "changes" the product keeps the compiler from fusing the multiply and
  // the add into one FMA, which would round once where the scalar formula rounds twice.
  __asm__("" : "+v"(p));
  return kKind == kStreamedAdd ? V::add(x, p) : V::sub(x, p);
}

template <int kKind>
inline float streamed_op_scalar(float x, float y, float a) {
  if constexpr (kKind == kStreamedMul) return x * y;
  float p = a * y;
  __asm__("" : "+v"(p));  // no FMA here either (see streamed_op)
  return kKind == kStreamedAdd ? x + p : x - p;
}

template <class V, int kKind>
KILN_SIMD_TARGET void binary_streamed_kind(const float* x, const float* y, float* o, int64_t n, float a) {
  constexpr int W = V::kWidth;
  const typename V::F va = V::set1(a);
  int64_t i = 0;
  // Plain stores up to the first vector-aligned output address (streaming stores need it).
  for (; i < n && reinterpret_cast<uintptr_t>(o + i) % (W * sizeof(float)) != 0; ++i)
    o[i] = streamed_op_scalar<kKind>(x[i], y[i], a);
  for (; i + W <= n; i += W) V::stream(o + i, streamed_op<V, kKind>(V::load(x + i), V::load(y + i), va));
  for (; i < n; ++i) o[i] = streamed_op_scalar<kKind>(x[i], y[i], a);
  _mm_sfence();  // the streaming stores are visible before this thread reports its work done
}

template <class V>
KILN_SIMD_TARGET void binary_streamed(int kind, const float* x, const float* y, float* o, int64_t n, float a) {
  if (kind == kStreamedAdd) binary_streamed_kind<V, kStreamedAdd>(x, y, o, n, a);
  else if (kind == kStreamedSub) binary_streamed_kind<V, kStreamedSub>(x, y, o, n, a);
  else binary_streamed_kind<V, kStreamedMul>(x, y, o, n, a);
}

template <class V, int kKind>
KILN_SIMD_TARGET void unary_streamed_kind(const float* x, float* o, int64_t n) {
  constexpr int W = V::kWidth;
  const typename V::F zero = V::set1(0.0f);
  // relu as max(0, x) + 0: max returns x when it is NaN, and adding +0 turns -0 into +0, as
  // the scalar relu gives.
  const auto vec = [&](typename V::F v) { return kKind == kStreamedRelu ? V::add(V::max(zero, v), zero) : vexp<V>(v); };
  const auto scalar = [](float v) { return kKind == kStreamedRelu ? (v != v ? v : v > 0.0f ? v : 0.0f) : exp_vec(v); };
  int64_t i = 0;
  for (; i < n && reinterpret_cast<uintptr_t>(o + i) % (W * sizeof(float)) != 0; ++i) o[i] = scalar(x[i]);
  for (; i + W <= n; i += W) V::stream(o + i, vec(V::load(x + i)));
  for (; i < n; ++i) o[i] = scalar(x[i]);
  _mm_sfence();
}

template <class V>
KILN_SIMD_TARGET void unary_streamed(int kind, const float* x, float* o, int64_t n) {
  if (kind == kStreamedRelu) unary_streamed_kind<V, kStreamedRelu>(x, o, n);
  else unary_streamed_kind<V, kStreamedExp>(x, o, n);
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
      sum_rows<V>,
      extremum_rows<V, true>,
      extremum_rows<V, false>,
      binary_streamed<V>,
      unary_streamed<V>,
  };
  return &table;
}

}  // namespace kiln::cpu::simd
