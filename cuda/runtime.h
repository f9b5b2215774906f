// SPDX-License-Identifier: MIT
// The CUDA runtime as the binding sees it: availability, the caching allocator, transfers,
// synchronization and settings. Plain C++ (no CUDA headers), so the binding compiles with the
// host compiler. Implemented in runtime.cu (devices, streams, errors), allocator.cu (the
// caching allocator) and transfer.cu (copies between host and device).
//
// Every device has one stream, created on first use; all kernels, fills and copies for that
// device go on it, so a block freed by the host can be handed out again at once: whatever
// reads it next is queued after whatever used it before.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace kiln::cuda {

// ---- devices (runtime.cu) -------------------------------------------------------------------
// Probed once, never throws: on a machine without a driver or GPU, count 0 and the reason.
struct Availability {
  int device_count = 0;
  std::string error;  // empty when at least one device is usable
};
const Availability& availability();

// Throws Error(Device) naming `op` unless `device` is a usable device index.
void check_device(int device, const char* op);

struct DeviceProperties {
  std::string name;
  int major = 0, minor = 0, multiprocessors = 0;
  uint64_t total_memory = 0;
};
DeviceProperties properties(int device);
// "runtime 13.0, driver 12.8", for benchmark records.
std::string version_string();

// Waits for all work queued on `device` (every device when -1) and reports what went wrong
// there since the last synchronization: a kernel's index error or a CUDA error, as Error(Cuda).
void synchronize(int device);

// TF32 tensor cores for float32 matmul (off by default, as in PyTorch).
void set_allow_tf32(bool allow);
bool allow_tf32();

// ---- memory (allocator.cu) ------------------------------------------------------------------
// A block of at least `nbytes` on `device` (nullptr for 0 bytes). Throws Error(OutOfMemory)
// with the device's allocated/reserved/free/total bytes when even an emptied cache cannot serve
// the request. KILN_CUDA_NO_CACHING=1 calls cudaMalloc/cudaFree directly (for sanitizers).
void* allocate(int device, size_t nbytes);
// Returns a block to the cache. Thread-safe; never throws; safe during process exit.
void release(int device, void* ptr);
struct MemoryStats {
  uint64_t allocated = 0;      // bytes in blocks handed out (rounded sizes)
  uint64_t reserved = 0;       // bytes obtained from cudaMalloc and not yet returned
  uint64_t max_allocated = 0;  // peak of `allocated` since the last reset
  uint64_t max_reserved = 0;
  uint64_t cuda_mallocs = 0;   // number of cudaMalloc calls so far (a test checks reuse)
};
MemoryStats memory_stats(int device);
void reset_peak_memory_stats(int device);
// Returns every cached, unused segment to the driver (synchronizes the devices).
void empty_cache();

// ---- transfers (transfer.cu) ----------------------------------------------------------------
// Byte copies between host memory and `device`, queued on the device's stream.
// Host to device returns once `src` may be changed (large pageable copies are staged through
// pinned buffers); device to host returns once `dst` holds the data (it synchronizes, and
// reports pending kernel errors like synchronize()).
void copy_host_to_device(int device, void* dst, const void* src, size_t nbytes);
void copy_device_to_host(int device, void* dst, const void* src, size_t nbytes);
void copy_device_to_device(int dst_device, void* dst, int src_device, const void* src,
                           size_t nbytes);

}  // namespace kiln::cuda
