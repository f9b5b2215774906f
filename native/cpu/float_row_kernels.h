// SPDX-License-Identifier: MIT
// Vectorized loops over one contiguous run of float32 values, used by the reductions and
// softmax of reduce.cc, and by elementwise.cc for exp and for large outputs (streaming stores). Each instruction set fills one table (float_row_kernels_avx2.cc,
// float_row_kernels_avx512.cc, both from float_row_kernels_impl.h); callers fall back to
// their portable loops when float_row_kernels() returns null.
//
// Sums add each block of kRowKernelBlock values in float lanes and fold the blocks into a
// double, as the portable reductions do, so the rounding error is bounded by the block length.
#pragma once
#include <cstdint>

namespace kiln::cpu {

constexpr int64_t kRowKernelBlock = 1024;
// Rows that the *_rows kernels read together.
constexpr int kRowStreams = 4;

struct FloatRowKernels {
  float (*max)(const float* x, int64_t n);  // NaN if any value is NaN; -inf when n == 0
  float (*min)(const float* x, int64_t n);  // NaN if any value is NaN; +inf when n == 0
  double (*sum)(const float* x, int64_t n);
  // Sum of exp(x[i] - shift).
  double (*exp_sum)(const float* x, int64_t n, float shift);
  // y[i] = exp(x[i] - shift); returns the sum of the stored values.
  double (*exp_store_sum)(const float* x, float* y, int64_t n, float shift);
  // y[i] *= f
  void (*scale)(float* y, int64_t n, float f);
  // y[i] = (x[i] - a) - b, rounded after each subtraction as log_softmax's formula is.
  void (*sub_sub)(const float* x, float* y, int64_t n, float a, float b);
  // acc[j] += rows[0][j], then += rows[1][j], ... up to rows[nrows - 1][j], for j < w: the
  // rows are added one at a time in order, so every acc[j] rounds as a scalar loop would.
  void (*add_rows)(float* acc, const float* const* rows, int nrows, int64_t w);
  // out[k] = sum(rows[k], n[k]), max or min, for k < count <= kRowStreams: exactly the values
  // of the one-row kernels, with the rows read side by side. Rows far apart in memory stream
  // faster together than one after another (about 15% on one core for rows 16 MB apart).
  void (*sum_rows)(const float* const* rows, const int64_t* n, int count, double* out);
  void (*max_rows)(const float* const* rows, const int64_t* n, int count, float* out);
  void (*min_rows)(const float* const* rows, const int64_t* n, int count, float* out);
  // o[i] = x[i] + a * y[i], x[i] - a * y[i] or x[i] * y[i] (StreamedBinary), rounded as the
  // scalar formulas of ops.def, with streaming stores: for outputs far larger than the caches,
  // which then skip the read of each output line before it is written.
  void (*binary_streamed)(int kind, const float* x, const float* y, float* o, int64_t n, float a);
  // o[i] = relu(x[i]) or exp(x[i]) (StreamedUnary; exp as exp_store_sum computes it), with
  // streaming stores.
  void (*unary_streamed)(int kind, const float* x, float* o, int64_t n);
};

enum StreamedBinary { kStreamedAdd = 0, kStreamedSub = 1, kStreamedMul = 2 };
enum StreamedUnary { kStreamedRelu = 0, kStreamedExp = 1 };

// The table for this CPU, or null where no vector variant applies.
const FloatRowKernels* float_row_kernels();

const FloatRowKernels* float_row_kernels_avx2();
const FloatRowKernels* float_row_kernels_avx512();

}  // namespace kiln::cpu
