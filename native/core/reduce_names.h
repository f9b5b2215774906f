// SPDX-License-Identifier: MIT
// Host-side facts about the reductions of ops.def, shared by the CPU (cpu/reduce.cc) and CUDA
// (cuda/reduce.cu) kernels: each op's name for messages, and its result over no elements.
#pragma once
#include <limits>

#include "error.h"
#include "functors.h"

namespace kiln {

inline const char* reduce_name(ReduceOp op) {
  switch (op) {
#define KILN_REDUCE(name) \
  case ReduceOp::name:    \
    return #name;
#include "ops.def"
    default: break;
  }
  throw Error(ErrorCode::InvalidArgument, make_string("reduce: unknown op code ", int(op)));
}

// The result of a reduction over no elements (ops with an identity only).
inline double empty_result(ReduceOp op) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  switch (op) {
    case ReduceOp::prod: return 1;
    case ReduceOp::all: return 1;
    case ReduceOp::mean: return nan;
    case ReduceOp::var: return nan;
    case ReduceOp::logsumexp: return -std::numeric_limits<double>::infinity();
    default: return 0;
  }
}

}  // namespace kiln
