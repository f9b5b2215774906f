// SPDX-License-Identifier: MIT
// The strided N-operand loop shared by every elementwise kernel (a small TensorIterator).
// All operands have the same shape (broadcasting is expressed with stride 0 by the caller).
// Dimensions are reordered so the fastest-moving one is innermost, merged where the memory
// layout allows, and the outer index space is split across the thread pool. The inner loop
// receives byte strides, so a contiguous operand has stride == itemsize and a broadcast
// scalar has stride 0; kernels specialise those two cases for vectorization.
#pragma once
#include <algorithm>
#include <array>
#include <cstdint>

#include "../core/tensor_view.h"
#include "thread_pool.h"

namespace kiln::cpu {

constexpr int64_t kElementwiseGrain = 32768;

template <int N>
struct StridedLoop {
  int ndim = 0;
  int64_t shape[kMaxDims];
  int64_t strides[N][kMaxDims];  // bytes
  char* base[N];

  // views[0] is the output; its shape defines the iteration space.
  explicit StridedLoop(const std::array<const TensorView*, N>& views) {
    for (int k = 0; k < N; ++k) base[k] = views[k]->data;
    if (flatten(views)) return;
    const TensorView& out = *views[0];
    // Order dims by the output's strides (largest first) so the innermost dim is the one
    // moving fastest in memory; size-1 dims are dropped. An insertion sort: stable, and
    // unlike std::stable_sort it allocates no buffer, for at most kMaxDims entries.
    int order[kMaxDims];
    int nd = 0;
    for (int d = 0; d < out.ndim; ++d) {
      if (out.shape[d] == 1) continue;
      int i = nd++;
      for (; i > 0 && out.strides[order[i - 1]] < out.strides[d]; --i) order[i] = order[i - 1];
      order[i] = d;
    }
    ndim = 0;
    for (int i = 0; i < nd; ++i) {
      int d = order[i];
      shape[ndim] = out.shape[d];
      for (int k = 0; k < N; ++k) strides[k][ndim] = views[k]->strides[d] * int64_t(views[k]->itemsize());
      ++ndim;
    }
    coalesce();
  }

  // When every operand is contiguous or a broadcast scalar, the loop is a single run in
  // row-major order: set it up as one dim, without the sorting and merging (the set-up cost
  // dominates for small tensors). Returns false, changing nothing, otherwise.
  bool flatten(const std::array<const TensorView*, N>& views) {
    int64_t step[N];
    for (int k = 0; k < N; ++k) {
      step[k] = flat_stride(*views[k]);
      if (step[k] < 0) return false;
    }
    ndim = 1;
    shape[0] = views[0]->numel();
    for (int k = 0; k < N; ++k) strides[k][0] = step[k];
    return true;
  }

  // The byte stride of `v` read as one run: its item size when contiguous, 0 when every
  // stride is 0 (a broadcast scalar), -1 otherwise.
  static int64_t flat_stride(const TensorView& v) {
    if (v.is_contiguous()) return int64_t(v.itemsize());
    for (int d = 0; d < v.ndim; ++d)
      if (v.strides[d] != 0) return -1;
    return 0;
  }

  // Merges dim i into dim i+1 when, for every operand, stepping over i equals stepping
  // shape[i+1] times over i+1.
  void coalesce() {
    if (ndim <= 1) return;
    int w = 0;
    for (int r = 1; r < ndim; ++r) {
      bool merge = true;
      for (int k = 0; k < N; ++k)
        if (strides[k][w] != strides[k][r] * shape[r]) { merge = false; break; }
      if (merge) {
        shape[w] *= shape[r];
        for (int k = 0; k < N; ++k) strides[k][w] = strides[k][r];
      } else {
        ++w;
        shape[w] = shape[r];
        for (int k = 0; k < N; ++k) strides[k][w] = strides[k][r];
      }
    }
    ndim = w + 1;
  }

  int64_t numel() const {
    int64_t n = 1;
    for (int i = 0; i < ndim; ++i) n *= shape[i];
    return n;
  }

  // inner(ptrs, byte_strides, count) is called for runs along the innermost dim.
  template <class Inner>
  void run(Inner&& inner) const {
    int64_t total = numel();
    if (total == 0) return;
    if (ndim == 0) {
      char* ptrs[N];
      int64_t st[N];
      for (int k = 0; k < N; ++k) { ptrs[k] = base[k]; st[k] = 0; }
      inner(ptrs, st, int64_t(1));
      return;
    }
    const int64_t inner_n = shape[ndim - 1];
    int64_t inner_st[N];
    for (int k = 0; k < N; ++k) inner_st[k] = strides[k][ndim - 1];
    if (ndim == 1) {  // one run (as flatten() makes): no multi-index to track
      parallel_for(total, kElementwiseGrain, [&](int64_t begin, int64_t end) {
        char* ptrs[N];
        for (int k = 0; k < N; ++k) ptrs[k] = base[k] + begin * inner_st[k];
        inner(ptrs, inner_st, end - begin);
      });
      return;
    }
    parallel_for(total, kElementwiseGrain, [&](int64_t begin, int64_t end) {
      // Position of `begin` as a multi-index.
      int64_t idx[kMaxDims];
      int64_t rem = begin;
      for (int d = ndim - 1; d >= 0; --d) { idx[d] = rem % shape[d]; rem /= shape[d]; }
      int64_t i = begin;
      while (i < end) {
        char* ptrs[N];
        for (int k = 0; k < N; ++k) {
          char* p = base[k];
          for (int d = 0; d < ndim; ++d) p += idx[d] * strides[k][d];
          ptrs[k] = p;
        }
        int64_t count = std::min(inner_n - idx[ndim - 1], end - i);
        inner(ptrs, inner_st, count);
        i += count;
        idx[ndim - 1] += count;
        for (int d = ndim - 1; d > 0 && idx[d] >= shape[d]; --d) { idx[d] = 0; ++idx[d - 1]; }
      }
    });
  }
};

}  // namespace kiln::cpu
