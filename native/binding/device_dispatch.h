// SPDX-License-Identifier: MIT
// Device dispatch, done once per native call: every view of a call must be on one device
// (host scalars go anywhere), and the call runs the CPU or the CUDA kernel of the same name
// and contract (native/cpu/kernels.h, cuda/kernels.h). In a build without CUDA no CUDA
// storage can exist, so only the CPU kernels are referenced.
#pragma once
#include <initializer_list>
#include <utility>

#include "../core/error.h"
#include "../core/tensor_view.h"
#include "storage_memory.h"

#ifdef KILN_WITH_CUDA
#include "../../cuda/kernels.h"
#define KILN_ON_DEVICE(DEVICE, FN, ...) \
  ((DEVICE) >= 0 ? ::kiln::cuda::FN(__VA_ARGS__) : ::kiln::cpu::FN(__VA_ARGS__))
#else
#define KILN_ON_DEVICE(DEVICE, FN, ...) ((void)(DEVICE), ::kiln::cpu::FN(__VA_ARGS__))
#endif

namespace kiln::binding {

// The device shared by the named views (host scalars excluded); throws Error(Device)
// "<op>: expected all tensors on one device, but <what> is on cuda:0 and <what> on cpu".
inline int common_device(const char* op,
                         std::initializer_list<std::pair<const TensorView*, const char*>> views) {
  int device = kHostScalar;
  const char* first = nullptr;
  for (const auto& [v, what] : views) {
    if (v == nullptr || v->is_host_scalar()) continue;
    if (first == nullptr) {
      device = v->device;
      first = what;
    } else {
      KILN_CHECK(v->device == device, Device, op,
                 ": expected all tensors on one device, but ", first, " is on ",
                 device_name(device), " and ", what, " on ", device_name(v->device));
    }
  }
  return device == kHostScalar ? kCpuDevice : device;
}

}  // namespace kiln::binding
