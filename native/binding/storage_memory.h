// SPDX-License-Identifier: MIT
// The memory behind a storage handle passed from JS. A CPU storage is an ArrayBuffer; a CUDA
// storage is an External made by `cudaAlloc` (cuda_binding.cc), type-tagged so that no other
// object can pass for one. Both decode to an address, a length and a device.
#pragma once
#include <napi.h>

#include <cstddef>
#include <string>

#include "../core/tensor_view.h"

namespace kiln::binding {

struct StorageMemory {
  char* data = nullptr;  // host address (CPU) or device address (CUDA)
  size_t bytes = 0;
  int device = kCpuDevice;  // or a CUDA device index
};

// The memory of a storage that is not an ArrayBuffer: a CUDA storage (cuda_binding.cc).
// Throws Error(InvalidArgument) naming `op` and `what` when `storage` is not one either, and
// when it was already freed.
StorageMemory device_storage_memory(const Napi::Value& storage, const char* op, const char* what);

// The memory behind either kind of storage, with the errors of device_storage_memory. The
// CPU case is inline: it is part of every kernel call.
inline StorageMemory storage_memory(const Napi::Value& storage, const char* op, const char* what) {
  // One N-API call both tells an ArrayBuffer (it fails for any other value, and raises no JS
  // exception) and reads it, where IsArrayBuffer, Data and ByteLength would make three.
  void* data = nullptr;
  size_t bytes = 0;
  if (napi_get_arraybuffer_info(storage.Env(), storage, &data, &bytes) == napi_ok)
    return {static_cast<char*>(data), bytes, kCpuDevice};
  return device_storage_memory(storage, op, what);
}

// "cpu" or "cuda:N", for messages.
std::string device_name(int device);

}  // namespace kiln::binding
