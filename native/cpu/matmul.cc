// SPDX-License-Identifier: MIT
// Placeholder: being written.
#include "../core/error.h"
#include "kernels.h"
namespace kiln::cpu {}
namespace kiln::cpu {
void matmul(const TensorView&, const TensorView&, const TensorView&, double, double) { throw Error(ErrorCode::Internal, "not yet"); }
}
