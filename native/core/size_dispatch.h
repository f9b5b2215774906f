// SPDX-License-Identifier: MIT
// Element-size dispatch for kernels that only move bytes (gather, indexSelect, scatter, ...):
// they are instantiated per element size, not per dtype. Shared by cpu/ and cuda/.
#pragma once
#include <cstddef>
#include <cstdint>

#include "error.h"

namespace kiln {

// Calls f(an unsigned integer of `size` bytes).
template <class F>
void dispatch_by_size(size_t size, F&& f) {
  switch (size) {
    case 1: return f(uint8_t{});
    case 4: return f(uint32_t{});
    case 8: return f(uint64_t{});
    default: break;
  }
  throw Error(ErrorCode::Internal, make_string("indexing: unexpected element size ", size));
}

}  // namespace kiln
