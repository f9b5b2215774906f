// SPDX-License-Identifier: MIT
// Iteration geometry shared by the reduction kernels of reduce.cc. A reduction splits the
// input's dims into kept dims (the output's index space) and reduced dims. Both lists drop
// size-1 dims, run outermost-first by input stride and are merged wherever every operand's
// layout allows, so a contiguous block of memory becomes one long innermost dim whatever
// view the caller passed.
#pragma once
#include <algorithm>
#include <cstdint>
#include <limits>

#include "../core/tensor_view.h"

namespace kiln::cpu {

// Operand 0 is always the input; the others are outputs (result, values, indices).
constexpr int kMaxOperands = 3;

struct DimList {
  int n = 0;
  int64_t shape[kMaxDims] = {};
  int64_t stride[kMaxOperands][kMaxDims] = {};  // in elements, per operand

  int64_t numel() const {
    int64_t total = 1;
    for (int i = 0; i < n; ++i) total *= shape[i];
    return total;
  }
  int64_t inner_size() const { return n ? shape[n - 1] : 1; }
  int64_t inner_stride(int op) const { return n ? stride[op][n - 1] : 0; }
};

// Orders input strides for the iteration: a stride-0 (broadcast) dim goes outermost, since
// walking it never advances through memory.
inline int64_t stride_key(int64_t s) { return s == 0 ? std::numeric_limits<int64_t>::max() : s; }

struct ReduceGeometry {
  int nops = 1;
  DimList kept;  // the output's index space; dense output position o is row-major over it
  DimList red;   // never empty: a reduction over no dims gets one dim of size 1
};

namespace plan_detail {

inline void append(DimList& list, const TensorView* const* views, int nops, int d,
                   bool zero_outputs) {
  const int i = list.n++;
  list.shape[i] = views[0]->shape[d];
  for (int k = 0; k < nops; ++k)
    list.stride[k][i] = (k > 0 && zero_outputs) ? 0 : views[k]->strides[d];
}

// Merges an outer dim into the next inner one when, for every operand, one step of the outer
// dim equals a full sweep of the inner one.
inline void coalesce(DimList& list, int nops) {
  if (list.n <= 1) return;
  int w = 0;
  for (int r = 1; r < list.n; ++r) {
    bool merge = true;
    for (int k = 0; k < nops && merge; ++k)
      merge = list.stride[k][w] == list.stride[k][r] * list.shape[r];
    if (merge) {
      list.shape[w] *= list.shape[r];
    } else {
      ++w;
      list.shape[w] = list.shape[r];
    }
    for (int k = 0; k < nops; ++k) list.stride[k][w] = list.stride[k][r];
  }
  list.n = w + 1;
}

}  // namespace plan_detail

// views[0] is the input and fixes the shape; reduced[d] marks the reduced dims. Outputs take
// stride 0 along reduced dims unless `outputs_span_reduced` (scans and softmax, whose
// outputs have the input's full shape).
inline ReduceGeometry make_geometry(const TensorView* const* views, int nops, const bool* reduced,
                                    bool outputs_span_reduced) {
  const TensorView& in = *views[0];
  ReduceGeometry g;
  g.nops = nops;
  int kd[kMaxDims], rd[kMaxDims], nk = 0, nr = 0;
  for (int d = 0; d < in.ndim; ++d) {
    if (in.shape[d] == 1) continue;
    if (reduced[d]) rd[nr++] = d;
    else kd[nk++] = d;
  }
  // Kept dims follow the input's memory order; ties (stride-0 inputs) follow the output's.
  std::stable_sort(kd, kd + nk, [&](int a, int b) {
    const int64_t ka = stride_key(in.strides[a]), kb = stride_key(in.strides[b]);
    if (ka != kb) return ka > kb;
    return nops > 1 && views[1]->strides[a] > views[1]->strides[b];
  });
  std::stable_sort(rd, rd + nr, [&](int a, int b) {
    return stride_key(in.strides[a]) > stride_key(in.strides[b]);
  });
  for (int i = 0; i < nk; ++i) plan_detail::append(g.kept, views, nops, kd[i], false);
  for (int i = 0; i < nr; ++i)
    plan_detail::append(g.red, views, nops, rd[i], !outputs_span_reduced);
  plan_detail::coalesce(g.kept, nops);
  plan_detail::coalesce(g.red, nops);
  if (g.red.n == 0) {
    g.red.n = 1;
    g.red.shape[0] = 1;
    for (int k = 0; k < nops; ++k) g.red.stride[k][0] = 0;
  }
  return g;
}

// True when the kept dims, not the reduced ones, hold the input's fastest-moving dim: the
// kernels then sweep whole rows of outputs at once instead of walking each output's inputs.
inline bool is_outer_reduction(const ReduceGeometry& g) {
  return g.kept.n > 0 && stride_key(g.kept.inner_stride(0)) < stride_key(g.red.inner_stride(0));
}

// Row-major walk over the first `nd` dims of a DimList, tracking each operand's offset.
struct DimCounter {
  const DimList& dims;
  int nd;
  int nops;
  int64_t idx[kMaxDims] = {};
  int64_t off[kMaxOperands] = {};

  DimCounter(const DimList& d, int ndims, int nops_, int64_t start)
      : dims(d), nd(ndims), nops(nops_) {
    seek(start);
  }

  void seek(int64_t pos) {
    for (int k = 0; k < nops; ++k) off[k] = 0;
    for (int i = nd - 1; i >= 0; --i) {
      idx[i] = pos % dims.shape[i];
      pos /= dims.shape[i];
      for (int k = 0; k < nops; ++k) off[k] += idx[i] * dims.stride[k][i];
    }
  }

  void next() {
    for (int i = nd - 1; i >= 0; --i) {
      for (int k = 0; k < nops; ++k) off[k] += dims.stride[k][i];
      if (++idx[i] < dims.shape[i]) return;
      for (int k = 0; k < nops; ++k) off[k] -= idx[i] * dims.stride[k][i];
      idx[i] = 0;
    }
  }
};

}  // namespace kiln::cpu
