// SPDX-License-Identifier: MIT
// Helpers shared by the CUDA indexing and sort kernels: strided offsets in 32-bit or 64-bit
// arithmetic, one grid-stride "for each position" kernel that hands an op the offsets of
// several same-shape views, views rewritten for index arithmetic, and scratch device memory.
#pragma once
#include <climits>
#include <cstddef>
#include <cstdint>

#include "common.cuh"

namespace kiln::cuda::indexing_detail {

__host__ __device__ inline bool in_range(int64_t v, int64_t size) {
  return uint64_t(v) < uint64_t(size);
}

// A 0-d view as a 1-d view of one element, so kernels that take a dim need no special case.
inline TensorView as_at_least_1d(const TensorView& v) {
  if (v.ndim > 0) return v;
  TensorView r = v;
  r.ndim = 1;
  r.shape[0] = 1;
  r.strides[0] = 0;
  return r;
}

// `v` seen with the shape of `like` and no step along `dim`: its offset for a position is
// that of the position with the dim coordinate zeroed, and the kernel adds index * stride.
inline TensorView without_step(const TensorView& v, const TensorView& like, int dim) {
  TensorView r = v;
  for (int d = 0; d < v.ndim; ++d) r.shape[d] = like.shape[d];
  r.strides[dim] = 0;
  return r;
}

// `v` restricted to the leading part of each dim that `like` covers (same rank).
inline TensorView with_shape(const TensorView& v, const TensorView& like) {
  TensorView r = v;
  for (int d = 0; d < v.ndim; ++d) r.shape[d] = like.shape[d];
  return r;
}

// The one-lane-per-position views of the "lanes" along `dim`: size 1 at dim.
inline TensorView lane_starts(const TensorView& v, const TensorView& like, int dim) {
  TensorView r = with_shape(v, like);
  r.shape[dim] = 1;
  return r;
}

// `v` with `dim` moved last, so row-major position p is (row p / n, element p % n).
inline TensorView dim_last(const TensorView& v, int dim) {
  TensorView r = v;
  int k = 0;
  for (int d = 0; d < v.ndim; ++d) {
    if (d == dim) continue;
    r.shape[k] = v.shape[d];
    r.strides[k] = v.strides[d];
    ++k;
  }
  r.shape[k] = v.shape[dim];
  r.strides[k] = v.strides[dim];
  return r;
}

// A view with the shape of `like` whose offset is the coordinate along `dim`; it is never
// dereferenced, only used to make OffsetCalc produce that coordinate.
inline TensorView coordinate_along(const TensorView& like, int dim) {
  TensorView r;
  r.dtype = DType::I64;
  r.device = like.device;
  r.ndim = like.ndim;
  for (int d = 0; d < like.ndim; ++d) {
    r.shape[d] = like.shape[d];
    r.strides[d] = d == dim ? 1 : 0;
  }
  return r;
}

// A 0-d or 1-d int64 index seen with the shape of `like`, stepping along `dim` only: its
// offset for a position is that of the index value used there.
inline TensorView index_along(const TensorView& index, const TensorView& like, int dim) {
  TensorView r = coordinate_along(like, dim);
  r.data = index.data;
  r.device = index.device;
  r.strides[dim] = index.ndim == 0 ? 0 : index.strides[0];
  return r;
}

// OffsetCalc's strides and sizes in the integer type I. 32-bit division is several times
// cheaper than 64-bit division on the GPU, so launches whose positions and offsets fit in
// int32 use I = uint32_t.
template <int N, class I>
struct Offsets {
  int ndim = 0;
  I sizes[kMaxDims] = {};
  I strides[N][kMaxDims] = {};

  __device__ __forceinline__ void get(I i, I (&off)[N]) const {
#pragma unroll
    for (int k = 0; k < N; ++k) off[k] = 0;
#pragma unroll
    for (int d = 0; d < kMaxDims; ++d) {
      if (d == ndim) break;
      const I q = i / sizes[d];
      const I r = i - q * sizes[d];
#pragma unroll
      for (int k = 0; k < N; ++k) off[k] += r * strides[k][d];
      i = q;
    }
  }
};

// Whether `n` positions and every view's largest offset fit in int32.
template <int N>
bool fits_int32(const OffsetCalc<N>& c, int64_t n) {
  if (n > INT32_MAX) return false;
  for (int k = 0; k < N; ++k) {
    int64_t max_off = 0;
    for (int d = 0; d < c.ndim; ++d) max_off += (c.sizes[d] - 1) * c.strides[k][d];
    if (max_off > INT32_MAX) return false;
  }
  return true;
}

template <int N, class I>
Offsets<N, I> narrow_offsets(const OffsetCalc<N>& c) {
  Offsets<N, I> o;
  o.ndim = c.ndim;
  for (int d = 0; d < c.ndim; ++d) {
    o.sizes[d] = I(c.sizes[d]);
    for (int k = 0; k < N; ++k) o.strides[k][d] = I(c.strides[k][d]);
  }
  return o;
}

// Reads a flag that earlier kernels on the stream may have set; volatile so that the read
// is not folded with anything cached.
__device__ inline bool error_pending(const KernelErrorSlot* slot) {
  return slot != nullptr && *reinterpret_cast<const volatile int*>(&slot->flag) != 0;
}

// Calls op(i, off) for every row-major position i < n of the views' shared shape, off[k]
// being view k's element offset there. With `skip_if_error`, does nothing when an index
// error is pending (in-place kernels validate their indices in an earlier launch, so that a
// bad index leaves the tensor unchanged, as on the CPU).
template <int N, class I, class Op>
__global__ void __launch_bounds__(kBlockSize)
    for_each_kernel(Offsets<N, I> oc, I n, const KernelErrorSlot* skip_if_error, Op op) {
  if (error_pending(skip_if_error)) return;
  const I step = I(gridDim.x) * I(blockDim.x);
  for (I i = I(blockIdx.x) * I(blockDim.x) + I(threadIdx.x); i < n; i += step) {
    I off[N];
    oc.get(i, off);
    op(i, off);
  }
}

// Launches for_each_kernel over views[0]'s shape (every view has that shape) on `device`'s
// stream, in 32-bit arithmetic when it fits.
template <int N, class Op>
void for_each_position(int device, const char* name, const TensorView* const (&views)[N],
                       const Op& op, const KernelErrorSlot* skip_if_error = nullptr) {
  const int64_t n = views[0]->numel();
  if (n == 0) return;
  const OffsetCalc<N> calc = make_offset_calc(views);
  cudaStream_t stream = stream_for(device);
  if (fits_int32(calc, n)) {
    for_each_kernel<N, uint32_t, Op><<<grid_for(n), kBlockSize, 0, stream>>>(
        narrow_offsets<N, uint32_t>(calc), uint32_t(n), skip_if_error, op);
  } else {
    for_each_kernel<N, int64_t, Op><<<grid_for(n), kBlockSize, 0, stream>>>(
        narrow_offsets<N, int64_t>(calc), n, skip_if_error, op);
  }
  after_launch(device, name);
}


}  // namespace kiln::cuda::indexing_detail
