// SPDX-License-Identifier: MIT
// Decoding of tensor views sent from JS, with the bounds checks that make kernels safe.
//
// JS describes each operand in a slot of a shared Float64Array (lib/backend/view-codec.ts
// writes the same layout): [dtype, ndim, offset, shape[0..ndim), strides[0..ndim)].
// The storage itself is passed as an argument: a CPU storage is an ArrayBuffer.
#pragma once
#include <napi.h>

#include "../core/tensor_view.h"

namespace kiln::binding {

constexpr int kSlotSize = 3 + 2 * kMaxDims;
constexpr int kNumSlots = 8;

// Per-environment state (one per JS thread that loads the addon). Every exported function
// is created with its environment's Instance as data (export_functions in args.h), so a call
// finds it in its CallbackInfo without a lookup.
struct Instance {
  Napi::Reference<Napi::Float64Array> meta_ref;
  double* meta = nullptr;
};

// Reads slot `slot` of `inst`'s metadata and binds it to `storage`. Throws
// Error(InvalidArgument) when the view could reach outside the storage, or anything in the slot
// is malformed. `what` names the operand in messages ("add: argument 'other'").
TensorView decode_view(const Instance& inst, int slot, const Napi::Value& storage, const char* op,
                       const char* what);

// A view of shape `like` whose every element is the scalar `value` converted to `dtype`;
// `buffer` (16 bytes) holds that one element.
TensorView scalar_view(const TensorView& like, DType dtype, double value, char* buffer);

void check_same_shape(const TensorView& a, const TensorView& b, const char* op);
void check_dtype(const TensorView& v, DType expected, const char* op, const char* what);

}  // namespace kiln::binding
