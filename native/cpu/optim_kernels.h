// SPDX-License-Identifier: MIT
// Fused optimizer steps (optim.cc): one call updates a whole parameter and its state buffers
// in place, element by element with the rules of core/optim_formulas.h. The binding has
// checked that every view is contiguous, in bounds, shaped like `param` and of param's
// dtype (float32 or float64); optional buffers are null when the option is off.
#pragma once
#include "../core/optim_formulas.h"
#include "../core/tensor_view.h"

namespace kiln::cpu {

// momentum_buf: needed when momentum != 0.
void sgd_step(const TensorView& param, const TensorView& grad, const TensorView* momentum_buf,
              const optim::SgdHyper& h);
// max_exp_avg_sq: needed with amsgrad.
void adam_step(const TensorView& param, const TensorView& grad, const TensorView& exp_avg,
               const TensorView& exp_avg_sq, const TensorView* max_exp_avg_sq,
               const optim::AdamHyper& h);
// grad_avg: needed when centered; momentum_buf: when momentum > 0.
void rmsprop_step(const TensorView& param, const TensorView& grad, const TensorView& square_avg,
                  const TensorView* grad_avg, const TensorView* momentum_buf,
                  const optim::RmspropHyper& h);
void adagrad_step(const TensorView& param, const TensorView& grad, const TensorView& sum,
                  const optim::AdagradHyper& h);

}  // namespace kiln::cpu
