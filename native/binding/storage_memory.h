// SPDX-License-Identifier: MIT
// The memory behind a storage handle passed from JS. A CPU storage is an ArrayBuffer; a CUDA
// storage is an External made by `cudaAlloc` (cuda_binding.cc), type-tagged so that no other
// object can pass for one. Both decode to an address, a length and a device.
#pragma once
#include <napi.h>

#include <cstddef>

namespace kiln::binding {

struct StorageMemory {
  char* data = nullptr;  // host address (CPU) or device address (CUDA)
  size_t bytes = 0;
  int device = -1;  // kCpuDevice or a CUDA device index
};

// Throws Error(InvalidArgument) naming `op` and `what` when `storage` is neither kind, and
// Error(InvalidArgument) when a CUDA storage was already freed.
StorageMemory storage_memory(const Napi::Value& storage, const char* op, const char* what);

// "cpu" or "cuda:N", for messages.
std::string device_name(int device);

}  // namespace kiln::binding
