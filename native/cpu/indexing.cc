// SPDX-License-Identifier: MIT
// Placeholder: being written.
#include "../core/error.h"
#include "kernels.h"
namespace kiln::cpu {}
namespace kiln::cpu {
void gather(const TensorView&, const TensorView&, int, const TensorView&) { throw Error(ErrorCode::Internal, "not yet"); }
void scatter(const TensorView&, int, const TensorView&, const TensorView&, int) { throw Error(ErrorCode::Internal, "not yet"); }
void index_select(const TensorView&, const TensorView&, int, const TensorView&) { throw Error(ErrorCode::Internal, "not yet"); }
void index_add(const TensorView&, int, const TensorView&, const TensorView&, double) { throw Error(ErrorCode::Internal, "not yet"); }
int64_t count_nonzero(const TensorView&) { throw Error(ErrorCode::Internal, "not yet"); }
void nonzero(const TensorView&, const TensorView&) { throw Error(ErrorCode::Internal, "not yet"); }
void sort(const TensorView&, const TensorView&, const TensorView&, int, bool) { throw Error(ErrorCode::Internal, "not yet"); }
}
