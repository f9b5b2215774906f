// SPDX-License-Identifier: MIT
// Runtime helpers shared by runtime.cu, allocator.cu and transfer.cu, beyond common.cuh.
#pragma once
#include "common.cuh"

namespace kiln::cuda::detail {

// Waits for everything queued on `device`'s stream (nothing to do when no stream was ever
// created there), then raises what went wrong: a CUDA error (through check(), which marks a
// device with a sticky error unusable) or an index error a kernel reported in the device's
// error slot (Error(Cuda), the slot cleared). Throws at once for a device already unusable.
// Copies queued just before (a device-to-host read) complete within the same wait.
void synchronize_stream(int device, const char* op);

// Whether a sticky error has made `device` (a valid index) unusable.
bool device_lost(int device);

}  // namespace kiln::cuda::detail
