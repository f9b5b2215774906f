// SPDX-License-Identifier: MIT
// A strided view of memory the kernels read or write. The binding builds views only after it
// has checked that every element they can reach lies inside the storage (see
// binding/view_codec.cc), so kernels may index freely within shape and strides.
#pragma once
#include <cstdint>

#include "dtype.h"

namespace kiln {

constexpr int kMaxDims = 16;

// Where a view's memory lives. CUDA views hold device addresses, which host code must never
// dereference; a host scalar is a JS number broadcast to a shape (strides all 0) whose one
// element sits in host memory, on no device: CUDA kernels take its value by argument.
constexpr int kCpuDevice = -1;
constexpr int kHostScalar = -2;

// Only the first ndim entries of shape and strides are meaningful, and code reads no others.
// A default-constructed view has them all zero; a decoded one (DimsUnset) leaves those past
// ndim unset, since zeroing 256 bytes per operand is a measurable part of a small op's cost.
struct TensorView {
  char* data = nullptr;  // address of the view's first element (storage offset applied)
  DType dtype = DType::F32;
  int device = kCpuDevice;  // kCpuDevice, kHostScalar, or a CUDA device index (0, 1, ...)
  int ndim = 0;
  int64_t shape[kMaxDims];
  int64_t strides[kMaxDims];  // in elements, never negative

  constexpr TensorView() : shape{}, strides{} {}
  // For a decoder that sets ndim and then the first ndim entries of shape and strides.
  struct DimsUnset {};
  explicit TensorView(DimsUnset) {}

  int64_t numel() const {
    int64_t n = 1;
    for (int i = 0; i < ndim; ++i) n *= shape[i];
    return n;
  }
  size_t itemsize() const { return dtype_size(dtype); }
  bool is_contiguous() const {
    int64_t expected = 1;
    for (int i = ndim - 1; i >= 0; --i) {
      if (shape[i] != 1 && strides[i] != expected) return false;
      expected *= shape[i];
    }
    return true;
  }
  bool is_cuda() const { return device >= 0; }
  bool is_host_scalar() const { return device == kHostScalar; }
  template <class T> T* ptr() const { return reinterpret_cast<T*>(data); }
};

}  // namespace kiln
