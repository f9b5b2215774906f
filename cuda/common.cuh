// SPDX-License-Identifier: MIT
// What every CUDA source shares: the device's stream, error checks after CUDA calls and kernel
// launches, the slot through which kernels report bad indices, and the strided-offset helper
// that maps a row-major element number to the memory offsets of several same-shape views.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "../native/core/error.h"
#include "../native/core/tensor_view.h"
#include "runtime.h"

namespace kiln::cuda {

// ---- streams and errors (runtime.cu) --------------------------------------------------------

// Makes `device` current for this thread (cudaSetDevice) and returns its stream, creating it
// (non-blocking) on first use. Every launch for a view on `device` goes on this stream.
cudaStream_t stream_for(int device);

// Throws Error(Cuda) "<op>: <CUDA error string>" when `status` is not cudaSuccess. A sticky
// error (illegal address, launch failure) also marks the device unusable, and says so.
void check(cudaError_t status, const char* op);

// After a kernel launch: reports a launch error (bad configuration) at once; with
// KILN_CUDA_LAUNCH_BLOCKING=1 also synchronizes, so kernel faults surface at their op.
void after_launch(int device, const char* op);

#define KILN_CUDA_CHECK(expr, op) ::kiln::cuda::check((expr), (op))

// Where kernels report an out-of-range index. The first report wins; synchronize() reads
// it, throws Error(Cuda) "<op>: index <value> is out of bounds for size <bound>", and clears
// it. `op` is one of the KernelOp codes below.
enum class KernelOp : int { None = 0, Gather, Scatter, IndexSelect, IndexAdd, Randperm, Other };
struct KernelErrorSlot {
  int flag;  // 0 while no error was reported
  int op;
  long long value;
  long long bound;
};
// The device address of `device`'s slot (allocated at first use, zeroed).
KernelErrorSlot* kernel_error_slot(int device);

__device__ inline void report_index_error(KernelErrorSlot* slot, KernelOp op, long long value,
                                          long long bound) {
  if (atomicCAS(&slot->flag, 0, 1) == 0) {
    slot->op = static_cast<int>(op);
    slot->value = value;
    slot->bound = bound;
  }
}

// ---- scratch memory -------------------------------------------------------------------------
// A block from the caching allocator, returned when the scope ends. Returning it while kernels
// that use it are still queued is safe: every user of a device's memory is queued on that
// device's one stream, so whoever gets the block next runs after them (runtime.h).
class DeviceBuffer {
 public:
  DeviceBuffer(int device, size_t nbytes) : device_(device), ptr_(allocate(device, nbytes)) {}
  ~DeviceBuffer() {
    if (ptr_ != nullptr) release(device_, ptr_);
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  template <class T> T* as() const { return static_cast<T*>(ptr_); }

 private:
  int device_;
  void* ptr_;
};

// ---- launch geometry ------------------------------------------------------------------------
constexpr int kBlockSize = 256;
// Blocks for `n` threads in a grid-stride loop, capped (kernels loop over the rest).
inline unsigned grid_for(int64_t n, int block = kBlockSize) {
  int64_t blocks = (n + block - 1) / block;
  if (blocks < 1) blocks = 1;
  if (blocks > 65535LL * 8) blocks = 65535LL * 8;
  return static_cast<unsigned>(blocks);
}

// ---- strided offsets ------------------------------------------------------------------------
// Maps element number i (row-major over a shared shape) to the element offset of each of N
// views. Built on the host from views of one shape: dims of size 1 are dropped and adjacent
// dims that are contiguous in every view are merged, so a contiguous view costs one dim.
template <int N>
struct OffsetCalc {
  int ndim = 0;                       // after merging; 0 means a single element
  int64_t sizes[kMaxDims] = {};       // innermost first
  int64_t strides[N][kMaxDims] = {};  // innermost first, in elements

  __host__ __device__ void get(int64_t i, int64_t (&off)[N]) const {
    for (int k = 0; k < N; ++k) off[k] = 0;
    for (int d = 0; d < ndim; ++d) {
      const int64_t size = sizes[d];
      const int64_t q = i / size;
      const int64_t r = i - q * size;
      for (int k = 0; k < N; ++k) off[k] += r * strides[k][d];
      i = q;
    }
  }
};

// `views[k]` must all have the shape of views[0] (host scalars included: strides 0).
template <int N>
OffsetCalc<N> make_offset_calc(const TensorView* const (&views)[N]) {
  OffsetCalc<N> c;
  const TensorView& first = *views[0];
  for (int d = first.ndim - 1; d >= 0; --d) {  // innermost first
    const int64_t size = first.shape[d];
    if (size == 1) continue;
    if (c.ndim > 0) {
      // Merge with the previous (inner) dim when every view steps across it contiguously.
      bool mergeable = true;
      for (int k = 0; k < N; ++k)
        mergeable = mergeable && views[k]->strides[d] == c.strides[k][c.ndim - 1] * c.sizes[c.ndim - 1];
      if (mergeable) {
        c.sizes[c.ndim - 1] *= size;
        continue;
      }
    }
    c.sizes[c.ndim] = size;
    for (int k = 0; k < N; ++k) c.strides[k][c.ndim] = views[k]->strides[d];
    ++c.ndim;
  }
  return c;
}

// Whether every view is contiguous row-major (so element i is at offset i in each).
template <int N>
bool all_contiguous(const TensorView* const (&views)[N]) {
  for (int k = 0; k < N; ++k)
    if (!views[k]->is_contiguous()) return false;
  return true;
}

// A host scalar's value as T (the binding stored it in the view's dtype).
template <class T>
T host_scalar_value(const TensorView& v) {
  return *reinterpret_cast<const T*>(v.data);
}

}  // namespace kiln::cuda
