// SPDX-License-Identifier: MIT
// Walks shared by the indexing and random kernels: "lanes" (every position of a shape with one
// dim taken out, each lane running along that dim) and runs of row-major positions.
#pragma once
#include <algorithm>
#include <array>
#include <cstdint>

#include "../core/tensor_view.h"
#include "thread_pool.h"

namespace kiln::cpu {

constexpr int64_t kIndexGrain = 32768;
constexpr int kLaneBlock = 64;

// A 0-d view as a 1-d view of one element, so kernels that take a dim need no special case.
inline TensorView as_at_least_1d(const TensorView& v) {
  if (v.ndim > 0) return v;
  TensorView r = v;
  r.ndim = 1;
  r.shape[0] = 1;
  r.strides[0] = 0;
  return r;
}

// The same elements in the same row-major order with size-1 dims dropped and adjacent dims
// merged where the strides allow, so row-major runs are as long as the layout permits.
inline TensorView coalesce_row_major(const TensorView& v) {
  if (v.numel() == 0) return v;
  TensorView r = v;
  r.ndim = 0;
  for (int d = 0; d < v.ndim; ++d) {
    if (v.shape[d] == 1) continue;
    if (r.ndim > 0 && r.strides[r.ndim - 1] == v.strides[d] * v.shape[d]) {
      r.shape[r.ndim - 1] *= v.shape[d];
      r.strides[r.ndim - 1] = v.strides[d];
    } else {
      r.shape[r.ndim] = v.shape[d];
      r.strides[r.ndim] = v.strides[d];
      ++r.ndim;
    }
  }
  return r;
}

// Calls f(offset, stride, first, n) for the row-major positions [begin, end) of v, in order:
// position first + t is the element at offset + t * stride (offsets and strides in elements).
// Requires begin < end <= v.numel() or begin >= end.
template <class F>
void for_each_run(const TensorView& v, int64_t begin, int64_t end, F&& f) {
  if (begin >= end) return;
  if (v.ndim == 0) {
    f(int64_t(0), int64_t(0), begin, end - begin);
    return;
  }
  const int last = v.ndim - 1;
  int64_t idx[kMaxDims];
  int64_t off = 0, rem = begin;
  for (int d = last; d >= 0; --d) {
    idx[d] = rem % v.shape[d];
    rem /= v.shape[d];
    off += idx[d] * v.strides[d];
  }
  int64_t i = begin;
  while (i < end) {
    const int64_t n = std::min(v.shape[last] - idx[last], end - i);
    f(off, v.strides[last], i, n);
    i += n;
    idx[last] += n;
    off += n * v.strides[last];
    for (int d = last; d > 0 && idx[d] >= v.shape[d]; --d) {
      off -= idx[d] * v.strides[d];
      idx[d] = 0;
      ++idx[d - 1];
      off += v.strides[d - 1];
    }
  }
}

// Element offsets of up to kLaneBlock consecutive lanes, per operand.
template <int N>
struct LaneBlock {
  int64_t n = 0;
  int64_t off[N][kLaneBlock];
};

// The lanes of `space` along `dim`, visited in row-major order of the other dims and split
// across threads. Two lanes always differ in a coordinate other than `dim`, so kernels that
// write only within their lane (scatter, index_add, sort) may run lanes concurrently. Each
// operand supplies its own strides for the other dims; its stride along `dim` is the kernel's
// business.
template <int N>
class Lanes {
 public:
  Lanes(const TensorView& space, int dim, const std::array<const TensorView*, N>& views) {
    for (int d = 0; d < space.ndim; ++d) {
      if (d == dim) continue;
      count_ *= space.shape[d];
      if (space.shape[d] == 1) continue;
      shape_[nd_] = space.shape[d];
      for (int k = 0; k < N; ++k) strides_[k][nd_] = views[k]->strides[d];
      ++nd_;
    }
  }

  int64_t count() const { return count_; }

  // Calls body(const LaneBlock<N>&) for blocks of up to `block` lanes; `lane_cost` (work per
  // lane, in elements) sizes the parallel grain.
  template <class Body>
  void run(int64_t lane_cost, int block, Body&& body) const {
    if (count_ == 0) return;
    const int64_t grain = std::max<int64_t>(1, kIndexGrain / std::max<int64_t>(1, lane_cost));
    parallel_for(count_, grain, [&](int64_t begin, int64_t end) { walk(begin, end, block, body); });
  }
  // The same on the calling thread, for bodies that parallelise inside a lane.
  template <class Body>
  void run_serial(int block, Body&& body) const {
    if (count_ > 0) walk(0, count_, block, body);
  }

 private:
  template <class Body>
  void walk(int64_t begin, int64_t end, int block, Body& body) const {
    block = std::clamp(block, 1, kLaneBlock);
    int64_t idx[kMaxDims];
    int64_t cur[N] = {};
    int64_t rem = begin;
    for (int d = nd_ - 1; d >= 0; --d) {
      idx[d] = rem % shape_[d];
      rem /= shape_[d];
      for (int k = 0; k < N; ++k) cur[k] += idx[d] * strides_[k][d];
    }
    LaneBlock<N> blk;
    for (int64_t b = begin; b < end; b += blk.n) {
      blk.n = std::min<int64_t>(block, end - b);
      for (int64_t j = 0; j < blk.n; ++j) {
        for (int k = 0; k < N; ++k) blk.off[k][j] = cur[k];
        for (int d = nd_ - 1; d >= 0; --d) {
          for (int k = 0; k < N; ++k) cur[k] += strides_[k][d];
          if (++idx[d] < shape_[d]) break;
          for (int k = 0; k < N; ++k) cur[k] -= shape_[d] * strides_[k][d];
          idx[d] = 0;
        }
      }
      body(static_cast<const LaneBlock<N>&>(blk));
    }
  }

  int nd_ = 0;
  int64_t count_ = 1;
  int64_t shape_[kMaxDims] = {};
  int64_t strides_[N][kMaxDims] = {};
};

// How many lanes to advance together: one when v's lanes run along its fastest-moving dim (each
// lane is then streamed on its own), else a block, so the innermost loop walks neighbouring
// lanes, which sit next to each other in memory.
inline int lane_block(const TensorView& v, int dim) {
  if (v.shape[dim] <= 1) return kLaneBlock;
  for (int d = 0; d < v.ndim; ++d)
    if (d != dim && v.shape[d] != 1 && v.strides[d] < v.strides[dim]) return kLaneBlock;
  return 1;
}

}  // namespace kiln::cpu
