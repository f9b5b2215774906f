// SPDX-License-Identifier: MIT
// Per-element update rules of the fused optimizer steps (cpu/optim.cc, and the CUDA kernels
// to come). Each rule replays PyTorch 1.13's single-tensor ("for-loop") implementation one
// tensor op at a time: every scalar is converted to T first, as a tensor op converts its
// Python scalars, and every intermediate is a T, as each op's output tensor is. That keeps
// the fused step bit-identical to the same update composed of kiln's elementwise kernels
// (ops.def) and within rounding of PyTorch. A CUDA build must keep the compiler from fusing
// multiply-adds (nvcc --fmad=false) for the same guarantee.
#pragma once
#include <cmath>

#include "functors.h"

namespace kiln::optim {

// ---- hyperparameters, as the binding receives them ------------------------------------

struct SgdHyper {
  double lr, momentum, dampening, weight_decay;
  bool nesterov, maximize;
  bool first_step;  // the momentum buffer is empty: it becomes the gradient itself
};

// Adam and AdamW. step_size = lr / (1 - beta1^step) and bias_correction2_sqrt =
// sqrt(1 - beta2^step) come from the caller, which computes them once per parameter.
struct AdamHyper {
  double lr, beta1, beta2, eps, weight_decay, step_size, bias_correction2_sqrt;
  bool decoupled;  // AdamW: decay the parameter, not the gradient
  bool amsgrad, maximize;
};

struct RmspropHyper {
  double lr, alpha, eps, weight_decay, momentum;
  bool centered, maximize;
};

// clr = lr / (1 + (step - 1) * lr_decay), computed by the caller.
struct AdagradHyper {
  double clr, weight_decay, eps;
  bool maximize;
};

// ---- options that change the code path ----------------------------------------------
// Compile-time flags: each combination is its own branch-free loop, which compilers vectorize
// (cpu/optim.cc turns the runtime options into these once per call).

template <bool Maximize, bool WeightDecay, bool Momentum, bool Nesterov, bool FirstStep>
struct SgdFlags {
  static constexpr bool maximize = Maximize, weight_decay = WeightDecay, momentum = Momentum,
                        nesterov = Nesterov, first_step = FirstStep;
};

// WeightDecay: weight_decay != 0 (only read when not Decoupled; AdamW always decays).
template <bool Maximize, bool WeightDecay, bool Decoupled, bool Amsgrad>
struct AdamFlags {
  static constexpr bool maximize = Maximize, weight_decay = WeightDecay, decoupled = Decoupled,
                        amsgrad = Amsgrad;
};

template <bool Maximize, bool WeightDecay, bool Centered, bool Momentum>
struct RmspropFlags {
  static constexpr bool maximize = Maximize, weight_decay = WeightDecay, centered = Centered,
                        momentum = Momentum;
};

template <bool Maximize, bool WeightDecay>
struct AdagradFlags {
  static constexpr bool maximize = Maximize, weight_decay = WeightDecay;
};

// ---- scalars converted to the element type ----------------------------------------------

template <class T>
struct SgdCoeffs {
  T neg_lr, momentum, one_minus_dampening, weight_decay;
  KILN_HD explicit SgdCoeffs(const SgdHyper& h)
      : neg_lr(T(-h.lr)), momentum(T(h.momentum)), one_minus_dampening(T(1.0 - h.dampening)),
        weight_decay(T(h.weight_decay)) {}
};

template <class T>
struct AdamCoeffs {
  T decay, weight_decay, beta1, one_minus_beta1, beta2, one_minus_beta2, bias_correction2_sqrt,
      eps, neg_step_size;
  KILN_HD explicit AdamCoeffs(const AdamHyper& h)
      : decay(T(1.0 - h.lr * h.weight_decay)), weight_decay(T(h.weight_decay)), beta1(T(h.beta1)),
        one_minus_beta1(T(1.0 - h.beta1)), beta2(T(h.beta2)), one_minus_beta2(T(1.0 - h.beta2)),
        bias_correction2_sqrt(T(h.bias_correction2_sqrt)), eps(T(h.eps)),
        neg_step_size(T(-h.step_size)) {}
};

template <class T>
struct RmspropCoeffs {
  T neg_lr, alpha, one_minus_alpha, eps, weight_decay, momentum;
  KILN_HD explicit RmspropCoeffs(const RmspropHyper& h)
      : neg_lr(T(-h.lr)), alpha(T(h.alpha)), one_minus_alpha(T(1.0 - h.alpha)), eps(T(h.eps)),
        weight_decay(T(h.weight_decay)), momentum(T(h.momentum)) {}
};

template <class T>
struct AdagradCoeffs {
  T neg_clr, weight_decay, eps;
  KILN_HD explicit AdagradCoeffs(const AdagradHyper& h)
      : neg_clr(T(-h.clr)), weight_decay(T(h.weight_decay)), eps(T(h.eps)) {}
};

// ---- updates of one element ------------------------------------------------------------
// The comments give the PyTorch statement each line replays.

// `buf` is read and written only with momentum.
template <class F, class T>
KILN_HD void sgd_update(T& p, T g, T& buf, const SgdCoeffs<T>& c) {
  T d = g;
  if constexpr (F::maximize) d = T(-d);                         // d_p = -grad
  if constexpr (F::weight_decay) d = T(d + c.weight_decay * p);  // d_p = d_p.add(param, alpha=wd)
  if constexpr (F::momentum) {
    if constexpr (F::first_step) {
      buf = d;                                                  // buf = clone(d_p)
    } else {
      buf = T(buf * c.momentum);                                // buf.mul_(momentum)
      buf = T(buf + c.one_minus_dampening * d);                 //    .add_(d_p, alpha=1-dampening)
    }
    if constexpr (F::nesterov) d = T(d + c.momentum * buf);     // d_p = d_p.add(buf, alpha=momentum)
    else d = buf;                                               // d_p = buf
  }
  p = T(p + c.neg_lr * d);                                      // param.add_(d_p, alpha=-lr)
}

// `vmax` is read and written only with amsgrad.
template <class F, class T>
KILN_HD void adam_update(T& p, T g, T& m, T& v, T& vmax, const AdamCoeffs<T>& c) {
  if constexpr (F::maximize) g = T(-g);                         // grad = -grad
  if constexpr (F::decoupled) {
    p = T(p * c.decay);                                         // param.mul_(1 - lr * wd)
  } else if constexpr (F::weight_decay) {
    g = T(g + c.weight_decay * p);                              // grad = grad.add(param, alpha=wd)
  }
  m = T(m * c.beta1);                                           // exp_avg.mul_(beta1)
  m = T(m + c.one_minus_beta1 * g);                             //   .add_(grad, alpha=1-beta1)
  v = T(v * c.beta2);                                           // exp_avg_sq.mul_(beta2)
  v = T(v + c.one_minus_beta2 * g * g);                         //   .addcmul_(grad, grad, value=1-beta2)
  T denom;
  if constexpr (F::amsgrad) {
    vmax = fn::maximum(vmax, v);                                // torch.maximum(max_exp_avg_sq, exp_avg_sq)
    denom = T(std::sqrt(vmax) / c.bias_correction2_sqrt);       // max_exp_avg_sq.sqrt() / bc2_sqrt
  } else {
    denom = T(std::sqrt(v) / c.bias_correction2_sqrt);          // exp_avg_sq.sqrt() / bc2_sqrt
  }
  denom = T(denom + c.eps);                                     //   .add_(eps)
  p = T(p + c.neg_step_size * m / denom);                       // param.addcdiv_(exp_avg, denom, value=-step_size)
}

// `grad_avg` is used only when centered, `buf` only with momentum.
template <class F, class T>
KILN_HD void rmsprop_update(T& p, T g, T& square_avg, T& grad_avg, T& buf,
                            const RmspropCoeffs<T>& c) {
  if constexpr (F::maximize) g = T(-g);                         // grad = -grad
  if constexpr (F::weight_decay) g = T(g + c.weight_decay * p);  // grad = grad.add(param, alpha=wd)
  square_avg = T(square_avg * c.alpha);                         // square_avg.mul_(alpha)
  square_avg = T(square_avg + c.one_minus_alpha * g * g);       //   .addcmul_(grad, grad, value=1-alpha)
  T avg;
  if constexpr (F::centered) {
    grad_avg = T(grad_avg * c.alpha);                           // grad_avg.mul_(alpha)
    grad_avg = T(grad_avg + c.one_minus_alpha * g);             //   .add_(grad, alpha=1-alpha)
    avg = T(square_avg + T(-1) * grad_avg * grad_avg);          // square_avg.addcmul(grad_avg, grad_avg, value=-1)
    avg = std::sqrt(avg);                                       //   .sqrt_()
  } else {
    avg = std::sqrt(square_avg);                                // square_avg.sqrt()
  }
  avg = T(avg + c.eps);                                         // avg.add_(eps)
  if constexpr (F::momentum) {
    buf = T(buf * c.momentum);                                  // buf.mul_(momentum)
    buf = T(buf + T(1) * g / avg);                              //   .addcdiv_(grad, avg)
    p = T(p + c.neg_lr * buf);                                  // param.add_(buf, alpha=-lr)
  } else {
    p = T(p + c.neg_lr * g / avg);                              // param.addcdiv_(grad, avg, value=-lr)
  }
}

template <class F, class T>
KILN_HD void adagrad_update(T& p, T g, T& sum, const AdagradCoeffs<T>& c) {
  if constexpr (F::maximize) g = T(-g);                         // grad = -grad
  if constexpr (F::weight_decay) g = T(g + c.weight_decay * p);  // grad = grad.add(param, alpha=wd)
  sum = T(sum + T(1) * g * g);                                  // state_sum.addcmul_(grad, grad, value=1)
  const T std_ = T(std::sqrt(sum) + c.eps);                     // std = state_sum.sqrt().add_(eps)
  p = T(p + c.neg_clr * g / std_);                              // param.addcdiv_(grad, std, value=-clr)
}

}  // namespace kiln::optim
