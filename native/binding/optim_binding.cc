// SPDX-License-Identifier: MIT
// The N-API surface of the fused optimizer steps (cpu/optim.cc). Each function takes the
// parameter, its gradient and its state buffers as storages, their views in metadata slots
// numbered like the arguments (param in slot 0, grad in slot 1, ...), and the scalars in a
// Float64Array whose layout is documented per function. Every view is decoded and
// bounds-checked, and must be contiguous, shaped like the parameter and of its dtype, since
// the kernels index all buffers with one flat index.
#include <napi.h>

#include "../core/error.h"
#include "../cpu/optim_kernels.h"
#include "args.h"
#include "device_dispatch.h"
#include "view_codec.h"

namespace kiln::binding {
namespace {

bool present(const Napi::CallbackInfo& info, size_t arg) {
  return !info[arg].IsNull() && !info[arg].IsUndefined();
}

// The hyperparameter array: a Float64Array of at least `n` numbers.
const double* hyper(const Napi::CallbackInfo& info, size_t arg, size_t n, const char* op) {
  KILN_CHECK(info[arg].IsTypedArray() &&
                 info[arg].As<Napi::TypedArray>().TypedArrayType() == napi_float64_array,
             InvalidArgument, op, ": argument ", arg, " must be a Float64Array of hyperparameters");
  auto arr = info[arg].As<Napi::Float64Array>();
  KILN_CHECK(arr.ElementLength() >= n, InvalidArgument, op, ": expected ", n,
             " hyperparameters, got ", arr.ElementLength());
  return arr.Data();
}

// Argument 0 (slot 0): the parameter, float32 or float64, contiguous.
TensorView param_view(const Napi::CallbackInfo& info, const char* op) {
  TensorView p = view(info, 0, 0, op, "param");
  KILN_CHECK(is_floating(p.dtype), DType, op, ": param must be float32 or float64, got ",
             dtype_name(p.dtype));
  KILN_CHECK(p.is_contiguous(), InvalidArgument, op, ": param must be contiguous");
  return p;
}

// Argument `arg` (slot `arg`): a buffer updated or read along with the parameter.
TensorView buffer_view(const Napi::CallbackInfo& info, size_t arg, const TensorView& param,
                       const char* op, const char* what) {
  TensorView v = view(info, static_cast<int>(arg), arg, op, what);
  check_same_shape(param, v, op);
  check_dtype(v, param.dtype, op, what);
  KILN_CHECK(v.device == param.device, Device, op, ": ", what, " is on ", device_name(v.device),
             " but param is on ", device_name(param.device));
  KILN_CHECK(v.is_contiguous(), InvalidArgument, op, ": ", what, " must be contiguous");
  return v;
}

// sgdStep(param, grad, momentumBuffer | null, hyper)
// hyper: [lr, momentum, dampening, weightDecay, nesterov, maximize, firstStep]
Napi::Value SgdStep(const Napi::CallbackInfo& info) {
  const char* op = "sgdStep";
  TensorView param = param_view(info, op);
  TensorView grad = buffer_view(info, 1, param, op, "grad");
  const double* h = hyper(info, 3, 7, op);
  optim::SgdHyper hp{h[0], h[1], h[2], h[3], h[4] != 0, h[5] != 0, h[6] != 0};
  TensorView buf;
  const bool has_buf = present(info, 2);
  if (has_buf) buf = buffer_view(info, 2, param, op, "momentum_buffer");
  KILN_CHECK(has_buf || hp.momentum == 0, InvalidArgument, op,
             ": momentum is ", hp.momentum, " but no momentum buffer was given");
  KILN_ON_DEVICE(param.device, sgd_step, param, grad, has_buf ? &buf : nullptr, hp);
  return info.Env().Undefined();
}

// adamStep(param, grad, expAvg, expAvgSq, maxExpAvgSq | null, hyper)
// hyper: [lr, beta1, beta2, eps, weightDecay, stepSize, biasCorrection2Sqrt, decoupled,
//         amsgrad, maximize]
Napi::Value AdamStep(const Napi::CallbackInfo& info) {
  const char* op = "adamStep";
  TensorView param = param_view(info, op);
  TensorView grad = buffer_view(info, 1, param, op, "grad");
  TensorView exp_avg = buffer_view(info, 2, param, op, "exp_avg");
  TensorView exp_avg_sq = buffer_view(info, 3, param, op, "exp_avg_sq");
  const double* h = hyper(info, 5, 10, op);
  optim::AdamHyper hp{h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7] != 0, h[8] != 0, h[9] != 0};
  TensorView max_sq;
  const bool has_max = present(info, 4);
  if (has_max) max_sq = buffer_view(info, 4, param, op, "max_exp_avg_sq");
  KILN_CHECK(has_max || !hp.amsgrad, InvalidArgument, op,
             ": amsgrad needs the max_exp_avg_sq buffer");
  KILN_ON_DEVICE(param.device, adam_step, param, grad, exp_avg, exp_avg_sq, has_max ? &max_sq : nullptr, hp);
  return info.Env().Undefined();
}

// rmspropStep(param, grad, squareAvg, gradAvg | null, momentumBuffer | null, hyper)
// hyper: [lr, alpha, eps, weightDecay, momentum, centered, maximize]
Napi::Value RmspropStep(const Napi::CallbackInfo& info) {
  const char* op = "rmspropStep";
  TensorView param = param_view(info, op);
  TensorView grad = buffer_view(info, 1, param, op, "grad");
  TensorView square_avg = buffer_view(info, 2, param, op, "square_avg");
  const double* h = hyper(info, 5, 7, op);
  optim::RmspropHyper hp{h[0], h[1], h[2], h[3], h[4], h[5] != 0, h[6] != 0};
  TensorView grad_avg, buf;
  const bool has_avg = present(info, 3), has_buf = present(info, 4);
  if (has_avg) grad_avg = buffer_view(info, 3, param, op, "grad_avg");
  if (has_buf) buf = buffer_view(info, 4, param, op, "momentum_buffer");
  KILN_CHECK(has_avg || !hp.centered, InvalidArgument, op, ": centered needs the grad_avg buffer");
  KILN_CHECK(has_buf || !(hp.momentum > 0), InvalidArgument, op, ": momentum is ", hp.momentum,
             " but no momentum buffer was given");
  KILN_ON_DEVICE(param.device, rmsprop_step, param, grad, square_avg, has_avg ? &grad_avg : nullptr,
                    has_buf ? &buf : nullptr, hp);
  return info.Env().Undefined();
}

// adagradStep(param, grad, sum, hyper)
// hyper: [clr, weightDecay, eps, maximize]
Napi::Value AdagradStep(const Napi::CallbackInfo& info) {
  const char* op = "adagradStep";
  TensorView param = param_view(info, op);
  TensorView grad = buffer_view(info, 1, param, op, "grad");
  TensorView sum = buffer_view(info, 2, param, op, "sum");
  const double* h = hyper(info, 3, 4, op);
  optim::AdagradHyper hp{h[0], h[1], h[2], h[3] != 0};
  KILN_ON_DEVICE(param.device, adagrad_step, param, grad, sum, hp);
  return info.Env().Undefined();
}

}  // namespace

void register_optim(Napi::Env env, Napi::Object exports) {
  export_functions(env, exports,
                   {
                       {"sgdStep", guarded<SgdStep>},
                       {"adamStep", guarded<AdamStep>},
                       {"rmspropStep", guarded<RmspropStep>},
                       {"adagradStep", guarded<AdagradStep>},
                   });
}

}  // namespace kiln::binding
