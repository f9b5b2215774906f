// SPDX-License-Identifier: MIT
// Fused optimizer steps on CUDA devices: one kernel per call updates a parameter and its state
// buffers in place, element by element, with the rules of core/optim_formulas.h that
// cpu/optim.cc runs too. Options that change the code path become template flags once per
// call, as on the CPU. All buffers are contiguous (the binding checks it); they move as 16-byte
// vectors when every one is aligned.
#include <array>
#include <type_traits>

#include "../native/core/compile_time_flags.h"
#include "../native/core/error.h"
#include "elementwise_loops.cuh"
#include "kernels.h"

namespace kiln::cuda {
namespace {

// Buffer slots: 0 = param, 1 = grad (only read), then the state buffers in the order the
// update takes them. A slot the flags leave unused is never read or written.
constexpr int kSlots = 5;

template <class T>
struct Buffers {
  T* ptr[kSlots];
};

template <class Flags, class T>
struct SgdStep {
  using Coeffs = optim::SgdCoeffs<T>;
  static constexpr bool uses(int k) { return k < 2 || (k == 2 && Flags::momentum); }
  __device__ static void update(T (&e)[kSlots], const Coeffs& c) {
    optim::sgd_update<Flags>(e[0], e[1], e[2], c);
  }
};

template <class Flags, class T>
struct AdamStep {
  using Coeffs = optim::AdamCoeffs<T>;
  static constexpr bool uses(int k) { return k < 4 || Flags::amsgrad; }
  __device__ static void update(T (&e)[kSlots], const Coeffs& c) {
    optim::adam_update<Flags>(e[0], e[1], e[2], e[3], e[4], c);
  }
};

template <class Flags, class T>
struct RmspropStep {
  using Coeffs = optim::RmspropCoeffs<T>;
  static constexpr bool uses(int k) {
    return k < 3 || (k == 3 && Flags::centered) || (k == 4 && Flags::momentum);
  }
  __device__ static void update(T (&e)[kSlots], const Coeffs& c) {
    optim::rmsprop_update<Flags>(e[0], e[1], e[2], e[3], e[4], c);
  }
};

template <class Flags, class T>
struct AdagradStep {
  using Coeffs = optim::AdagradCoeffs<T>;
  static constexpr bool uses(int k) { return k < 3; }
  __device__ static void update(T (&e)[kSlots], const Coeffs& c) {
    optim::adagrad_update<Flags>(e[0], e[1], e[2], c);
  }
};

// Chunks of V consecutive elements per thread, as in elementwise_loops.cuh: whole aligned
// chunks as vectors, the tail (or everything, when unaligned) element by element.
template <class Step, class T>
__global__ void __launch_bounds__(kBlockSize)
    step_kernel(Buffers<T> b, typename Step::Coeffs c, int64_t n, bool vectorize) {
  constexpr int V = ew::vector_width<T>();
  using Vec = ew::Vec<T, V>;
  const int64_t first = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  const int64_t step = int64_t(gridDim.x) * blockDim.x;
  const int64_t chunks = (n + V - 1) / V;
  for (int64_t ch = first; ch < chunks; ch += step) {
    const int64_t base = ch * V;
    const int64_t left = n - base;
    const int count = left < V ? int(left) : V;
    const bool whole = vectorize && count == V;
    Vec x[kSlots];
#pragma unroll
    for (int k = 0; k < kSlots; ++k) {
      if (!Step::uses(k)) continue;
      const T* src = b.ptr[k] + base;
      if (whole) {
        x[k] = *reinterpret_cast<const Vec*>(src);
      } else {
        // Past the end, repeat element 0: those lanes are computed but never stored.
#pragma unroll
        for (int j = 0; j < V; ++j) x[k].v[j] = src[j < count ? j : 0];
      }
    }
#pragma unroll
    for (int j = 0; j < V; ++j) {
      T e[kSlots] = {};
#pragma unroll
      for (int k = 0; k < kSlots; ++k)
        if (Step::uses(k)) e[k] = x[k].v[j];
      Step::update(e, c);
#pragma unroll
      for (int k = 0; k < kSlots; ++k)
        if (Step::uses(k)) x[k].v[j] = e[k];
    }
#pragma unroll
    for (int k = 0; k < kSlots; ++k) {
      if (k == 1 || !Step::uses(k)) continue;
      T* dst = b.ptr[k] + base;
      if (whole) {
        *reinterpret_cast<Vec*>(dst) = x[k];
      } else {
#pragma unroll
        for (int j = 0; j < V; ++j)
          if (j < count) dst[j] = x[k].v[j];
      }
    }
  }
}

// `views[k]` is the buffer of slot k (null where the option is off).
template <class Step, class T>
void launch_step(const char* op, const std::array<const TensorView*, kSlots>& views,
                 const typename Step::Coeffs& c) {
  constexpr int V = ew::vector_width<T>();
  const TensorView& param = *views[0];
  const int64_t n = param.numel();
  if (n == 0) return;
  Buffers<T> b = {};
  bool vectorize = true;
  for (int k = 0; k < kSlots; ++k) {
    if (!Step::uses(k)) continue;
    KILN_CHECK(views[size_t(k)] != nullptr, InvalidArgument, op,
               ": a state buffer that the options need is missing");
    b.ptr[k] = views[size_t(k)]->ptr<T>();
    vectorize = vectorize && ew::vector_aligned<T, V>(b.ptr[k]);
  }
  cudaStream_t stream = stream_for(param.device);
  step_kernel<Step, T><<<grid_for((n + V - 1) / V), kBlockSize, 0, stream>>>(b, c, n, vectorize);
  after_launch(param.device, op);
}

}  // namespace

// The flags are those cpu/optim.cc derives; combinations it can never produce (nesterov or a
// first step without momentum, L2 decay with AdamW's decoupled decay) are not instantiated.

void sgd_step(const TensorView& param, const TensorView& grad, const TensorView* momentum_buf,
              const optim::SgdHyper& h) {
  KILN_DISPATCH_FLOAT(param.dtype, "sgdStep", [&] {
    using T = scalar_t;
    const optim::SgdCoeffs<T> c(h);
    const bool momentum = h.momentum != 0;
    with_flags(
        [&](auto maximize, auto weight_decay, auto has_momentum, auto nesterov, auto first) {
          using F = optim::SgdFlags<decltype(maximize)::value, decltype(weight_decay)::value,
                                    decltype(has_momentum)::value, decltype(nesterov)::value,
                                    decltype(first)::value>;
          if constexpr (F::momentum || (!F::nesterov && !F::first_step))
            launch_step<SgdStep<F, T>, T>("sgdStep", {&param, &grad, momentum_buf}, c);
        },
        h.maximize, h.weight_decay != 0, momentum, momentum && h.nesterov,
        momentum && h.first_step);
  });
}

void adam_step(const TensorView& param, const TensorView& grad, const TensorView& exp_avg,
               const TensorView& exp_avg_sq, const TensorView* max_exp_avg_sq,
               const optim::AdamHyper& h) {
  KILN_DISPATCH_FLOAT(param.dtype, "adamStep", [&] {
    using T = scalar_t;
    const optim::AdamCoeffs<T> c(h);
    with_flags(
        [&](auto maximize, auto weight_decay, auto decoupled, auto amsgrad) {
          using F = optim::AdamFlags<decltype(maximize)::value, decltype(weight_decay)::value,
                                     decltype(decoupled)::value, decltype(amsgrad)::value>;
          if constexpr (!(F::weight_decay && F::decoupled))
            launch_step<AdamStep<F, T>, T>(
                "adamStep", {&param, &grad, &exp_avg, &exp_avg_sq, max_exp_avg_sq}, c);
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
    with_flags(
        [&](auto maximize, auto weight_decay, auto centered, auto momentum) {
          using F = optim::RmspropFlags<decltype(maximize)::value, decltype(weight_decay)::value,
                                        decltype(centered)::value, decltype(momentum)::value>;
          launch_step<RmspropStep<F, T>, T>(
              "rmspropStep", {&param, &grad, &square_avg, grad_avg, momentum_buf}, c);
        },
        h.maximize, h.weight_decay != 0, h.centered, h.momentum > 0);
  });
}

void adagrad_step(const TensorView& param, const TensorView& grad, const TensorView& sum,
                  const optim::AdagradHyper& h) {
  KILN_DISPATCH_FLOAT(param.dtype, "adagradStep", [&] {
    using T = scalar_t;
    const optim::AdagradCoeffs<T> c(h);
    with_flags(
        [&](auto maximize, auto weight_decay) {
          using F = optim::AdagradFlags<decltype(maximize)::value, decltype(weight_decay)::value>;
          launch_step<AdagradStep<F, T>, T>("adagradStep", {&param, &grad, &sum, nullptr, nullptr},
                                            c);
        },
        h.maximize, h.weight_decay != 0);
  });
}

}  // namespace kiln::cuda
