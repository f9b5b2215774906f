// SPDX-License-Identifier: MIT
// Placeholder: being written.
#include "../core/error.h"
#include "kernels.h"
namespace kiln::cpu {}
namespace kiln::cpu {
void random(const TensorView&, Distribution, uint64_t, uint64_t, double, double) { throw Error(ErrorCode::Internal, "not yet"); }
void randperm(const TensorView&, uint64_t, uint64_t) { throw Error(ErrorCode::Internal, "not yet"); }
}
