// SPDX-License-Identifier: MIT
// The CUDA kernels: the same entry points, contracts and results as the CPU kernels
// (native/cpu/kernels.h and native/cpu/optim_kernels.h), for views whose memory is on a CUDA
// device. The binding has validated every view (in bounds, dtypes and shapes as documented
// there) and checked that all of a call's views are on one device (`view.device`); an
// operand may also be a host scalar (`view.is_host_scalar()`: strides 0, its one element in
// host memory), whose value a launcher reads on the host and passes to the kernel.
//
// Work is queued on the device's stream (runtime.h) and returns at once; errors a kernel
// finds (an index out of range) are reported at the next synchronizing call as
// Error(Cuda). Plain C++: this header is included by the binding, compiled without nvcc.
#pragma once
#include <cstdint>

#include "../native/core/functors.h"
#include "../native/core/optim_formulas.h"
#include "../native/core/tensor_view.h"

namespace kiln::cuda {

// ---- elementwise.cu ----------------------------------------------------------------------
void unary(UnaryOp op, const TensorView& out, const TensorView& in, double p0, double p1);
void binary(BinaryOp op, const TensorView& out, const TensorView& a, const TensorView& b,
            double alpha);
void ternary(TernaryOp op, const TensorView& out, const TensorView& a, const TensorView& b,
             const TensorView& c, double alpha);
void where(const TensorView& out, const TensorView& cond, const TensorView& a,
           const TensorView& b);
void copy(const TensorView& out, const TensorView& in);  // same device; any dtype pair
void fill(const TensorView& out, double value);
void arange(const TensorView& out, double start, double step);
void linspace(const TensorView& out, double start, double end);

// ---- reduce.cu ---------------------------------------------------------------------------
void reduce(ReduceOp op, const TensorView& out, const TensorView& in, double param);
void reduce_arg(bool is_max, const TensorView* values, const TensorView& indices,
                const TensorView& in, int dim);
void cumulative(bool is_prod, const TensorView& out, const TensorView& in, int dim);
void softmax(bool log, const TensorView& out, const TensorView& in, int dim);

// ---- matmul.cu ---------------------------------------------------------------------------
// TF32 tensor cores are used for float32 only when runtime.h's allow_tf32() is on.
void matmul(const TensorView& out, const TensorView& a, const TensorView& b, double alpha,
            double beta);

// ---- indexing.cu -------------------------------------------------------------------------
void gather(const TensorView& out, const TensorView& in, int dim, const TensorView& index);
void scatter(const TensorView& self, int dim, const TensorView& index, const TensorView& src,
             int reduce);
void index_select(const TensorView& out, const TensorView& in, int dim, const TensorView& index);
void index_add(const TensorView& self, int dim, const TensorView& index, const TensorView& src,
               double alpha);
int64_t count_nonzero(const TensorView& in);  // synchronizes
void nonzero(const TensorView& out, const TensorView& in);
void sort(const TensorView& values, const TensorView& indices, const TensorView& in, int dim,
          bool descending);

// ---- random.cu ---------------------------------------------------------------------------
// Same (seed, offset) -> same numbers as the CPU: element i (row-major) uses counter offset + i
// of core/philox.h. `dist` takes the values of cpu::Distribution.
void random(const TensorView& out, int dist, uint64_t seed, uint64_t offset, double p0,
            double p1);
void randperm(const TensorView& out, uint64_t seed, uint64_t offset);

// ---- optim.cu ----------------------------------------------------------------------------
void sgd_step(const TensorView& param, const TensorView& grad, const TensorView* momentum_buf,
              const optim::SgdHyper& h);
void adam_step(const TensorView& param, const TensorView& grad, const TensorView& exp_avg,
               const TensorView& exp_avg_sq, const TensorView* max_exp_avg_sq,
               const optim::AdamHyper& h);
void rmsprop_step(const TensorView& param, const TensorView& grad, const TensorView& square_avg,
                  const TensorView* grad_avg, const TensorView* momentum_buf,
                  const optim::RmspropHyper& h);
void adagrad_step(const TensorView& param, const TensorView& grad, const TensorView& sum,
                  const optim::AdagradHyper& h);

}  // namespace kiln::cuda
