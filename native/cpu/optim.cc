// SPDX-License-Identifier: MIT
// Fused optimizer steps over contiguous buffers. The options that change the code path become
// template flags once per call, so every loop is branch-free and vectorizes. Elements are
// independent: large tensors are split across the thread pool, small ones (the common case
// of many small parameters) run on the caller as one loop.
#include <type_traits>

#include "../core/compile_time_flags.h"
#include "../core/error.h"
#include "optim_kernels.h"
#include "thread_pool.h"

namespace kiln::cpu {
namespace {

// An update reads and writes 3-5 buffers and takes a square root and a division per element:
// heavier than a plain elementwise op, so a smaller chunk is worth a thread.
constexpr int64_t kOptimGrain = 16384;

template <class T>
T* data_of(const TensorView* v) {
  return v ? v->ptr<T>() : nullptr;
}

}  // namespace

void sgd_step(const TensorView& param, const TensorView& grad, const TensorView* momentum_buf,
              const optim::SgdHyper& h) {
  KILN_DISPATCH_FLOAT(param.dtype, "sgdStep", [&] {
    using T = scalar_t;
    const optim::SgdCoeffs<T> c(h);
    T* p = param.ptr<T>();
    const T* g = grad.ptr<T>();
    T* buf = data_of<T>(momentum_buf);
    const bool momentum = h.momentum != 0;
    with_flags(
        [&](auto maximize, auto weight_decay, auto has_momentum, auto nesterov, auto first) {
          using F = optim::SgdFlags<decltype(maximize)::value, decltype(weight_decay)::value,
                                    decltype(has_momentum)::value, decltype(nesterov)::value,
                                    decltype(first)::value>;
          parallel_for(param.numel(), kOptimGrain, [&](int64_t begin, int64_t end) {
            if constexpr (F::momentum) {
              for (int64_t i = begin; i < end; ++i) optim::sgd_update<F>(p[i], g[i], buf[i], c);
            } else {
              T unused;
              for (int64_t i = begin; i < end; ++i) optim::sgd_update<F>(p[i], g[i], unused, c);
            }
          });
        },
        h.maximize, h.weight_decay != 0, momentum, momentum && h.nesterov, momentum && h.first_step);
  });
}

void adam_step(const TensorView& param, const TensorView& grad, const TensorView& exp_avg,
               const TensorView& exp_avg_sq, const TensorView* max_exp_avg_sq,
               const optim::AdamHyper& h) {
  KILN_DISPATCH_FLOAT(param.dtype, "adamStep", [&] {
    using T = scalar_t;
    const optim::AdamCoeffs<T> c(h);
    T* p = param.ptr<T>();
    const T* g = grad.ptr<T>();
    T* m = exp_avg.ptr<T>();
    T* v = exp_avg_sq.ptr<T>();
    T* vmax = data_of<T>(max_exp_avg_sq);
    with_flags(
        [&](auto maximize, auto weight_decay, auto decoupled, auto amsgrad) {
          using F = optim::AdamFlags<decltype(maximize)::value, decltype(weight_decay)::value,
                                     decltype(decoupled)::value, decltype(amsgrad)::value>;
          parallel_for(param.numel(), kOptimGrain, [&](int64_t begin, int64_t end) {
            if constexpr (F::amsgrad) {
              for (int64_t i = begin; i < end; ++i)
                optim::adam_update<F>(p[i], g[i], m[i], v[i], vmax[i], c);
            } else {
              T unused;
              for (int64_t i = begin; i < end; ++i)
                optim::adam_update<F>(p[i], g[i], m[i], v[i], unused, c);
            }
          });
        },
        h.maximize, h.weight_decay != 0 && !h.decoupled, h.decoupled, h.amsgrad);
  });
}

void rmsprop_step(const TensorView& param, const TensorView& grad, const TensorView& square_avg,
                  const TensorView* grad_avg, const TensorView* momentum_buf,
                  const optim::RmspropHyper& h) {
  KILN_DISPATCH_FLOAT(param.dtype, "rmspropStep", [&] {
    using T = scalar_t;
    const optim::RmspropCoeffs<T> c(h);
    T* p = param.ptr<T>();
    const T* g = grad.ptr<T>();
    T* sq = square_avg.ptr<T>();
    T* ga = data_of<T>(grad_avg);
    T* buf = data_of<T>(momentum_buf);
    with_flags(
        [&](auto maximize, auto weight_decay, auto centered, auto momentum) {
          using F = optim::RmspropFlags<decltype(maximize)::value, decltype(weight_decay)::value,
                                        decltype(centered)::value, decltype(momentum)::value>;
          parallel_for(param.numel(), kOptimGrain, [&](int64_t begin, int64_t end) {
            T unused_ga, unused_buf;
            T* gap = F::centered ? ga : &unused_ga;
            T* bufp = F::momentum ? buf : &unused_buf;
            // Without the option, its pointer is never advanced or read: stride 0.
            const int64_t sga = F::centered ? 1 : 0, sbuf = F::momentum ? 1 : 0;
            for (int64_t i = begin; i < end; ++i)
              optim::rmsprop_update<F>(p[i], g[i], sq[i], gap[i * sga], bufp[i * sbuf], c);
          });
        },
        h.maximize, h.weight_decay != 0, h.centered, h.momentum > 0);
  });
}

void adagrad_step(const TensorView& param, const TensorView& grad, const TensorView& sum,
                  const optim::AdagradHyper& h) {
  KILN_DISPATCH_FLOAT(param.dtype, "adagradStep", [&] {
    using T = scalar_t;
    const optim::AdagradCoeffs<T> c(h);
    T* p = param.ptr<T>();
    const T* g = grad.ptr<T>();
    T* s = sum.ptr<T>();
    with_flags(
        [&](auto maximize, auto weight_decay) {
          using F = optim::AdagradFlags<decltype(maximize)::value, decltype(weight_decay)::value>;
          parallel_for(param.numel(), kOptimGrain, [&](int64_t begin, int64_t end) {
            for (int64_t i = begin; i < end; ++i) optim::adagrad_update<F>(p[i], g[i], s[i], c);
          });
        },
        h.maximize, h.weight_decay != 0);
  });
}

}  // namespace kiln::cpu
