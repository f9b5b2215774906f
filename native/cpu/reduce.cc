// SPDX-License-Identifier: MIT
// Placeholder: being written.
#include "../core/error.h"
#include "kernels.h"
namespace kiln::cpu {}
namespace kiln::cpu {
void reduce(ReduceOp, const TensorView&, const TensorView&, double) { throw Error(ErrorCode::Internal, "reduce: not yet"); }
void reduce_arg(bool, const TensorView*, const TensorView&, const TensorView&, int) { throw Error(ErrorCode::Internal, "not yet"); }
void cumulative(bool, const TensorView&, const TensorView&, int) { throw Error(ErrorCode::Internal, "not yet"); }
void softmax(bool, const TensorView&, const TensorView&, int) { throw Error(ErrorCode::Internal, "not yet"); }
}
