// SPDX-License-Identifier: MIT
// The CUDA caching allocator: allocator_pool.h's algorithm over cudaMalloc/cudaFree, one
// process-wide instance behind runtime.h's allocate/release/memory_stats/empty_cache.
#include <cstdlib>
#include <cstring>

#include "allocator_pool.h"
#include "common.cuh"
#include "runtime_internal.cuh"

namespace kiln::cuda {
namespace {

struct CudaBackend {
  int device_count() const { return availability().device_count; }

  bool malloc(int device, size_t bytes, void** out) {
    KILN_CUDA_CHECK(cudaSetDevice(device), "allocate");
    const cudaError_t status = cudaMalloc(out, bytes);
    if (status == cudaSuccess) return true;
    if (status == cudaErrorMemoryAllocation) {
      (void)cudaGetLastError();  // not sticky: clear it so no later check reports it
      return false;
    }
    check(status, "allocate");
    return false;
  }

  // Waits for the device first: in the non-caching mode the block may still be in use by
  // queued work (cudaFree waits too, but that is not promised for non-blocking streams).
  // Errors are ignored: during process exit the runtime may already be unloading
  // (cudaErrorCudartUnloading), and a lost context frees nothing.
  void free(int device, void* ptr) noexcept {
    if (cudaSetDevice(device) == cudaSuccess) {
      (void)cudaDeviceSynchronize();
      (void)cudaFree(ptr);
    }
    (void)cudaGetLastError();
  }

  bool synchronize(int device) {
    // A lost context frees nothing; its error was reported when it happened.
    if (detail::device_lost(device)) return false;
    KILN_CUDA_CHECK(cudaSetDevice(device), "empty cache");
    const cudaError_t status = cudaDeviceSynchronize();
    if (status == cudaErrorCudartUnloading) return false;  // process exit: cudaFree fails too
    check(status, "empty cache");
    return true;
  }

  void mem_info(int device, size_t* free_bytes, size_t* total_bytes) noexcept {
    if (cudaSetDevice(device) != cudaSuccess ||
        cudaMemGetInfo(free_bytes, total_bytes) != cudaSuccess)
      *free_bytes = *total_bytes = 0;
    (void)cudaGetLastError();
  }
};

using Allocator = alloc::CachingAllocator<CudaBackend>;

// Never destroyed: finalizers may give blocks back during process exit, after static
// destructors have run. The driver reclaims device memory when the process ends.
Allocator& allocator() {
  static Allocator* const a = [] {
    const char* v = std::getenv("KILN_CUDA_NO_CACHING");
    const bool no_caching = v && *v && std::strcmp(v, "0") != 0;
    return new Allocator(CudaBackend{}, !no_caching);
  }();
  return *a;
}

}  // namespace

void* allocate(int device, size_t nbytes) {
  check_device(device, "allocate");
  return allocator().allocate(device, nbytes);
}

void release(int device, void* ptr) {
  try {
    allocator().release(device, ptr);
  } catch (...) {
    // Only building the allocator could throw (no memory for it); there is nothing to give
    // back then, and a finalizer must not fail.
  }
}

MemoryStats memory_stats(int device) {
  check_device(device, "memoryStats");
  return allocator().stats(device);
}

void reset_peak_memory_stats(int device) {
  check_device(device, "resetPeakMemoryStats");
  allocator().reset_peaks(device);
}

void empty_cache() {
  if (availability().device_count == 0) return;
  allocator().empty_cache();
}

}  // namespace kiln::cuda
