// SPDX-License-Identifier: MIT
// The CPU kernels. Every view passed here has been validated by the binding (elements in
// bounds, dtypes as the op requires, shapes as documented per function), so kernels only
// compute. Broadcasting is expressed by the caller with stride-0 dimensions.
#pragma once
#include <cstdint>

#include "../core/functors.h"
#include "../core/tensor_view.h"

namespace kiln::cpu {

// ---- elementwise.cc -------------------------------------------------------------------
// out and in have the same shape. For BOOL-output ops out is bool, else out.dtype == in.dtype.
void unary(UnaryOp op, const TensorView& out, const TensorView& in, double p0, double p1);
// out, a, b have the same shape; a.dtype == b.dtype; out is bool for comparisons.
void binary(BinaryOp op, const TensorView& out, const TensorView& a, const TensorView& b,
            double alpha);
void ternary(TernaryOp op, const TensorView& out, const TensorView& a, const TensorView& b,
             const TensorView& c, double alpha);
// out = cond ? a : b; cond is bool, a/b/out share a dtype.
void where(const TensorView& out, const TensorView& cond, const TensorView& a,
           const TensorView& b);
// Copies with dtype conversion (any pair of dtypes); same shape.
void copy(const TensorView& out, const TensorView& in);
void fill(const TensorView& out, double value);
// out[i] = start + i * step over the flattened (row-major) view; linspace passes `end` and
// fills the second half backwards from it, as PyTorch does, so the last value is exact.
void arange(const TensorView& out, double start, double step);
void linspace(const TensorView& out, double start, double end);

// ---- reduce.cc ------------------------------------------------------------------------
// `in` has rank R; `out` has rank R with size 1 (stride 0) at every reduced dim, so
// out[idx with reduced coords zeroed] receives the reduction. `param` is the norm's p or
// var's correction. sum/prod of int/bool accumulate in int64 (out dtype int64 from TS).
void reduce(ReduceOp op, const TensorView& out, const TensorView& in, double param);
// max/min with indices (first occurrence; NaN wins as in PyTorch) along one dim; values may
// be null for argmax/argmin. `values` and `indices` have rank R with size 1 at `dim`.
void reduce_arg(bool is_max, const TensorView* values, const TensorView& indices,
                const TensorView& in, int dim);
// Inclusive scan along dim (cumsum when is_prod is false, cumprod when true); same shapes.
void cumulative(bool is_prod, const TensorView& out, const TensorView& in, int dim);
// softmax or log-softmax along dim; same shapes; float dtypes.
void softmax(bool log, const TensorView& out, const TensorView& in, int dim);

// ---- matmul.cc ------------------------------------------------------------------------
// Batched GEMM: a [B, M, K], b [B, K, N], out [B, M, N] (any strides, batch stride may be 0).
// out = alpha * a @ b + beta * out. Float and integer dtypes, all three the same.
void matmul(const TensorView& out, const TensorView& a, const TensorView& b, double alpha,
            double beta);

// ---- indexing.cc ----------------------------------------------------------------------
// Index tensors are int64. Out-of-range indices throw Error(Index) naming the op and value.
// out[i][j] = in[index[i][j]][j] for dim 0 (and so on); out and index have the same shape.
void gather(const TensorView& out, const TensorView& in, int dim, const TensorView& index);
// self[index[i][j]][j] = src[i][j] (reduce: 0 = replace, 1 = add); in place on `self`.
void scatter(const TensorView& self, int dim, const TensorView& index, const TensorView& src,
             int reduce);
// out = in selected along dim by a 1-d index.
void index_select(const TensorView& out, const TensorView& in, int dim, const TensorView& index);
// self.narrow(dim, index[i], 1) += alpha * src.select(dim, i); in place on `self`.
void index_add(const TensorView& self, int dim, const TensorView& index, const TensorView& src,
               double alpha);
// Count of nonzero elements, then their coordinates into out [count, ndim] (int64).
int64_t count_nonzero(const TensorView& in);
void nonzero(const TensorView& out, const TensorView& in);
// Sorts along dim; values/indices have in's shape. Stable.
void sort(const TensorView& values, const TensorView& indices, const TensorView& in, int dim,
          bool descending);

// ---- random.cc ------------------------------------------------------------------------
// Counter-based (Philox-4x32-10) generation: element i of the flattened view uses counter
// (offset + i), so results do not depend on the thread count or on the device.
enum class Distribution : int { Uniform = 0, Normal = 1, Randint = 2, Bernoulli = 3 };
// Uniform: [p0, p1); Normal: mean p0, std p1; Randint: [p0, p1); Bernoulli: prob p0.
void random(const TensorView& out, Distribution dist, uint64_t seed, uint64_t offset, double p0,
            double p1);
// A random permutation of 0..n-1 into a contiguous int64 out.
void randperm(const TensorView& out, uint64_t seed, uint64_t offset);

}  // namespace kiln::cpu
