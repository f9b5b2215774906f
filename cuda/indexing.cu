// SPDX-License-Identifier: MIT
// CUDA indexing kernels: gather, scatter, index_select, index_add, count_nonzero and nonzero,
// with the CPU kernels' semantics (native/cpu/indexing.cc). Index values must lie in
// [0, size): negative ones are out of range, as on the CPU. A kernel cannot throw, so a bad
// index is reported through the device's error slot (raised at the next synchronization) and
// its element is skipped. Kernels that write into `self` validate every index in a launch of
// their own first and skip all their writes when an error is pending, so a bad index leaves
// `self` unchanged, as on the CPU.
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <type_traits>

#include "../native/core/size_dispatch.h"
#include "common.cuh"
#include "indexing_common.cuh"
#include "kernels.h"

namespace kiln::cuda {
namespace {

using namespace indexing_detail;

// The device's error slot. The slot is allocated on first use, so the device is made current
// first (stream_for does that).
KernelErrorSlot* error_slot(int device) {
  stream_for(device);
  return kernel_error_slot(device);
}

// ---- element arithmetic ------------------------------------------------------------------

// Integer products wrap (as on the CPU) instead of being undefined; bool product is `and`.
template <class T>
__device__ __forceinline__ T mul_value(T a, T b) {
  if constexpr (std::is_same_v<T, bool>) {
    return a && b;
  } else if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    return T(U(a) * U(b));
  } else {
    return a * b;
  }
}

// *p += v, atomically, since several positions may add into one element. Integer atomics
// wrap in two's complement, which is the CPU's wrapping sum; int64 goes through the unsigned
// 64-bit atomic for that reason. Bool addition is `or`: storing true is idempotent, so racing
// stores need no atomic.
template <class T>
__device__ __forceinline__ void atomic_accumulate(T* p, T v) {
  if constexpr (std::is_same_v<T, bool>) {
    if (v) *p = true;
  } else if constexpr (std::is_same_v<T, int32_t>) {
    atomicAdd(reinterpret_cast<int*>(p), static_cast<int>(v));
  } else if constexpr (std::is_same_v<T, int64_t>) {
    atomicAdd(reinterpret_cast<unsigned long long*>(p), static_cast<unsigned long long>(v));
  } else {
    atomicAdd(p, v);
  }
}

// scatter's source: a device tensor, or a number the binding gave as a host scalar (its value
// is passed by argument; the view's strides are all 0).
template <class T>
struct Source {
  const T* ptr;
  T value;
  __device__ __forceinline__ T operator[](int64_t off) const { return ptr ? ptr[off] : value; }
};

template <class T>
Source<T> source_of(const TensorView& v) {
  Source<T> s{nullptr, T()};
  if (v.is_host_scalar()) {
    s.value = host_scalar_value<T>(v);
  } else {
    s.ptr = v.ptr<T>();
  }
  return s;
}

// ---- per-position ops (run by for_each_position) ------------------------------------------

// Reports an index outside [0, size). Views: {index}.
struct CheckIndexOp {
  const int64_t* index;
  int64_t size;
  KernelErrorSlot* slot;
  KernelOp op;
  template <class I>
  __device__ void operator()(I, const I (&off)[1]) const {
    const int64_t v = index[off[0]];
    if (!in_range(v, size)) report_index_error(slot, op, v, size);
  }
};

// out = in at the position with its dim coordinate replaced by the index value.
// Views: {out, index seen with out's shape, in without step along dim}.
template <class T>
struct GatherOp {
  T* out;
  const int64_t* index;
  const T* in;
  int64_t in_step, size;
  KernelErrorSlot* slot;
  KernelOp op;
  template <class I>
  __device__ void operator()(I, const I (&off)[3]) const {
    const int64_t v = index[off[1]];
    if (!in_range(v, size)) {
      report_index_error(slot, op, v, size);
      return;
    }
    out[off[0]] = in[int64_t(off[2]) + v * in_step];
  }
};

// self at the index value += alpha * src (scatter add with alpha 1, and index_add).
// Views: {index seen with the positions' shape, src, self without step along dim}.
template <class T>
struct AccumulateOp {
  T* self;
  Source<T> src;
  const int64_t* index;
  int64_t self_step, size;
  T alpha;
  template <class I>
  __device__ void operator()(I, const I (&off)[3]) const {
    const int64_t v = index[off[0]];
    if (!in_range(v, size)) return;  // reported by the validating launch
    atomic_accumulate(&self[int64_t(off[2]) + v * self_step], mul_value(alpha, src[off[1]]));
  }
};

// scatter's plain store, for launches where no two positions can target one element.
// Views: {index, src, self without step along dim}.
template <class T>
struct StoreOp {
  T* self;
  Source<T> src;
  const int64_t* index;
  int64_t self_step, size;
  template <class I>
  __device__ void operator()(I, const I (&off)[3]) const {
    const int64_t v = index[off[0]];
    if (!in_range(v, size)) return;
    self[int64_t(off[2]) + v * self_step] = src[off[1]];
  }
};

// scatter's store walking a whole lane in increasing order along dim, so the last write to an
// element wins, as in the CPU's sequential lane walk. Views: lane starts {index, src, self}.
template <class T>
struct StoreLaneOp {
  T* self;
  Source<T> src;
  const int64_t* index;
  int64_t len, index_step, src_step, self_step, size;
  template <class I>
  __device__ void operator()(I, const I (&off)[3]) const {
    for (int64_t k = 0; k < len; ++k) {
      const int64_t v = index[int64_t(off[0]) + k * index_step];
      if (!in_range(v, size)) continue;
      self[int64_t(off[2]) + v * self_step] = src[int64_t(off[1]) + k * src_step];
    }
  }
};

// First pass of scatter's parallel "last write wins": every target element learns the largest
// position along dim that writes it. Also validates the indices.
// Views: {index, winner table without step along dim, coordinate along dim}.
struct RecordLastOp {
  int* winner;
  const int64_t* index;
  int64_t winner_step, size;
  KernelErrorSlot* slot;
  template <class I>
  __device__ void operator()(I, const I (&off)[3]) const {
    const int64_t v = index[off[0]];
    if (!in_range(v, size)) {
      report_index_error(slot, KernelOp::Scatter, v, size);
      return;
    }
    atomicMax(&winner[int64_t(off[1]) + v * winner_step], int(off[2]));
  }
};

// Second pass: only the recorded last writer stores.
// Views: {index, src, self without step, winner table without step, coordinate along dim}.
template <class T>
struct StoreLastOp {
  T* self;
  Source<T> src;
  const int* winner;
  const int64_t* index;
  int64_t self_step, winner_step, size;
  template <class I>
  __device__ void operator()(I, const I (&off)[5]) const {
    const int64_t v = index[off[0]];
    if (!in_range(v, size)) return;
    if (winner[int64_t(off[3]) + v * winner_step] != int(off[4])) return;
    self[int64_t(off[2]) + v * self_step] = src[off[1]];
  }
};

// ---- index_select of whole contiguous rows -------------------------------------------------

// in [outer, size, row] and out [outer, count, row], both contiguous, copied in units U of
// 1 to 16 bytes (as wide as the row length and both addresses allow).
template <class U, class I>
__global__ void __launch_bounds__(kBlockSize)
    select_rows_kernel(U* out, const U* in, const int64_t* index, int64_t index_stride, I count,
                       int64_t size, I row_units, I total, KernelErrorSlot* slot) {
  const I step = I(gridDim.x) * I(blockDim.x);
  for (I u = I(blockIdx.x) * I(blockDim.x) + I(threadIdx.x); u < total; u += step) {
    const I r = u / row_units, c = u - r * row_units;
    const I o = r / count, k = r - o * count;
    const int64_t v = index[int64_t(k) * index_stride];
    if (!in_range(v, size)) {
      if (c == 0) report_index_error(slot, KernelOp::IndexSelect, v, size);
      continue;
    }
    out[u] = in[(int64_t(o) * size + v) * int64_t(row_units) + int64_t(c)];
  }
}

template <class F>
void dispatch_by_unit(int64_t row_bytes, const void* a, const void* b, F&& f) {
  const auto aligned = [&](int64_t unit) {
    return row_bytes % unit == 0 && reinterpret_cast<uintptr_t>(a) % unit == 0 &&
           reinterpret_cast<uintptr_t>(b) % unit == 0;
  };
  if (aligned(16)) return f(uint4{});
  if (aligned(8)) return f(uint2{});
  if (aligned(4)) return f(uint32_t{});
  return f(uint8_t{});
}

void select_rows(const TensorView& out, const TensorView& in, int dim, const TensorView& index,
                 KernelErrorSlot* slot) {
  int64_t outer = 1, row = 1;
  for (int d = 0; d < dim; ++d) outer *= in.shape[d];
  for (int d = dim + 1; d < in.ndim; ++d) row *= in.shape[d];
  const int64_t count = index.numel(), size = in.shape[dim];
  const int64_t index_stride = index.ndim == 0 ? 0 : index.strides[0];
  const int64_t row_bytes = row * int64_t(in.itemsize());
  const int device = out.device;
  cudaStream_t stream = stream_for(device);
  dispatch_by_unit(row_bytes, in.data, out.data, [&](auto tag) {
    using U = decltype(tag);
    const int64_t row_units = row_bytes / int64_t(sizeof(U));
    const int64_t total = outer * count * row_units;
    const int64_t* ix = index.ptr<int64_t>();
    if (total <= INT32_MAX) {
      select_rows_kernel<U, uint32_t><<<grid_for(total), kBlockSize, 0, stream>>>(
          out.ptr<U>(), in.ptr<U>(), ix, index_stride, uint32_t(count), size,
          uint32_t(row_units), uint32_t(total), slot);
    } else {
      select_rows_kernel<U, int64_t><<<grid_for(total), kBlockSize, 0, stream>>>(
          out.ptr<U>(), in.ptr<U>(), ix, index_stride, count, size, row_units, total, slot);
    }
  });
  after_launch(device, "indexSelect");
}

// ---- nonzero -------------------------------------------------------------------------------

// Each block owns a chunk of kNonzeroChunk consecutive row-major positions; counting and
// writing use the same chunks, so a chunk's first output row is the exclusive scan of the
// counts before it.
constexpr int kNonzeroItems = 16;
constexpr int64_t kNonzeroChunk = int64_t(kBlockSize) * kNonzeroItems;
constexpr int kWarps = kBlockSize / 32;
constexpr int kScanThreads = 1024;

// Whether the element at row-major position i is nonzero (NaN is, -0.0 is not).
template <class T, bool kContiguous>
struct NonzeroReader {
  const T* data;
  Offsets<1, int64_t> offsets;
  __device__ __forceinline__ bool operator()(int64_t i) const {
    if constexpr (kContiguous) {
      return data[i] != T(0);
    } else {
      int64_t off[1];
      offsets.get(i, off);
      return data[off[0]] != T(0);
    }
  }
};

template <class F>
void with_nonzero_reader(const TensorView& in, F&& f) {
  KILN_DISPATCH_ALL(in.dtype, "nonzero", [&] {
    using T = scalar_t;
    if (in.is_contiguous()) {
      f(NonzeroReader<T, true>{in.ptr<T>(), {}});
    } else {
      const TensorView* views[1] = {&in};
      f(NonzeroReader<T, false>{in.ptr<T>(), narrow_offsets<1, int64_t>(make_offset_calc(views))});
    }
  });
}

// Counts each chunk's nonzeros into chunk_counts[chunk] and/or adds them to *total.
template <class Reader>
__global__ void __launch_bounds__(kBlockSize)
    count_chunks_kernel(Reader nonzero, int64_t n, int64_t* chunk_counts,
                        unsigned long long* total) {
  __shared__ int warp_counts[kWarps];
  const int64_t base = int64_t(blockIdx.x) * kNonzeroChunk;
  int c = 0;
#pragma unroll 4
  for (int it = 0; it < kNonzeroItems; ++it) {
    const int64_t i = base + int64_t(it) * kBlockSize + threadIdx.x;
    if (i < n) c += nonzero(i) ? 1 : 0;
  }
  for (int o = 16; o > 0; o >>= 1) c += __shfl_down_sync(0xffffffffu, c, o);
  if ((threadIdx.x & 31) == 0) warp_counts[threadIdx.x >> 5] = c;
  __syncthreads();
  if (threadIdx.x == 0) {
    int sum = 0;
    for (int w = 0; w < kWarps; ++w) sum += warp_counts[w];
    if (chunk_counts != nullptr) chunk_counts[blockIdx.x] = sum;
    if (total != nullptr && sum != 0) atomicAdd(total, static_cast<unsigned long long>(sum));
  }
}

// In-place exclusive prefix sum of data[0, n), by one block walking tiles of kScanThreads.
__global__ void __launch_bounds__(kScanThreads) exclusive_scan_kernel(int64_t* data, int64_t n) {
  constexpr int kScanWarps = kScanThreads / 32;
  __shared__ int64_t warp_sums[kScanWarps];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  int64_t carry = 0;
  for (int64_t base = 0; base < n; base += kScanThreads) {
    const int64_t i = base + threadIdx.x;
    const int64_t v = i < n ? data[i] : 0;
    int64_t x = v;  // inclusive scan within the warp
    for (int o = 1; o < 32; o <<= 1) {
      const int64_t y = __shfl_up_sync(0xffffffffu, x, o);
      if (lane >= o) x += y;
    }
    if (lane == 31) warp_sums[warp] = x;
    __syncthreads();
    if (warp == 0) {  // inclusive scan of the warp totals
      int64_t w = warp_sums[lane];
      for (int o = 1; o < 32; o <<= 1) {
        const int64_t y = __shfl_up_sync(0xffffffffu, w, o);
        if (lane >= o) w += y;
      }
      warp_sums[lane] = w;
    }
    __syncthreads();
    const int64_t before = warp > 0 ? warp_sums[warp - 1] : 0;
    if (i < n) data[i] = carry + before + x - v;
    carry += warp_sums[kScanWarps - 1];
    __syncthreads();  // warp_sums is rewritten by the next tile
  }
}

// Where nonzero writes: out [rows, ndim] with its strides, and the input's shape to turn a
// row-major position into coordinates.
struct NonzeroOut {
  int64_t* data;
  int64_t rows, row_stride, col_stride;
  int ndim;
  int64_t shape[kMaxDims];
};

// Writes the coordinates of each chunk's nonzeros in row-major order: a block walks its
// chunk kBlockSize positions at a time, ranking them with a ballot per warp and the warp
// totals, so output rows follow the input's order exactly.
template <class Reader>
__global__ void __launch_bounds__(kBlockSize)
    write_nonzero_kernel(Reader nonzero, int64_t n, const int64_t* chunk_starts, NonzeroOut out) {
  __shared__ int warp_counts[kWarps];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const int64_t base = int64_t(blockIdx.x) * kNonzeroChunk;
  int64_t row = chunk_starts[blockIdx.x];
  for (int it = 0; it < kNonzeroItems; ++it) {
    const int64_t i = base + int64_t(it) * kBlockSize + threadIdx.x;
    const bool hit = i < n && nonzero(i);
    const unsigned ballot = __ballot_sync(0xffffffffu, hit);
    if (lane == 0) warp_counts[warp] = __popc(ballot);
    __syncthreads();
    int before = 0, total = 0;
#pragma unroll
    for (int w = 0; w < kWarps; ++w) {
      const int c = warp_counts[w];
      before += w < warp ? c : 0;
      total += c;
    }
    if (hit) {
      const int64_t r = row + before + __popc(ballot & ((1u << lane) - 1u));
      if (r < out.rows) {  // the binding sized out from the same count; never write past it
        int64_t rem = i;
        for (int d = out.ndim - 1; d >= 0; --d) {
          const int64_t q = rem / out.shape[d];
          out.data[r * out.row_stride + d * out.col_stride] = rem - q * out.shape[d];
          rem = q;
        }
      }
    }
    row += total;
    __syncthreads();  // warp_counts is rewritten by the next step
  }
}

}  // namespace

// ---- entry points --------------------------------------------------------------------------

void gather(const TensorView& out_, const TensorView& in_, int dim, const TensorView& index_) {
  const TensorView out = as_at_least_1d(out_), in = as_at_least_1d(in_),
                   index = as_at_least_1d(index_);
  if (index.numel() == 0) return;
  const int device = out.device;
  const TensorView base = without_step(in, index, dim);
  KernelErrorSlot* slot = error_slot(device);
  dispatch_by_size(in.itemsize(), [&](auto tag) {
    using U = decltype(tag);
    const GatherOp<U> op{out.ptr<U>(), index.ptr<int64_t>(), in.ptr<U>(), in.strides[dim],
                         in.shape[dim], slot, KernelOp::Gather};
    for_each_position(device, "gather", {&out, &index, &base}, op);
  });
}

void scatter(const TensorView& self_, int dim, const TensorView& index_, const TensorView& src_,
             int reduce) {
  const TensorView self = as_at_least_1d(self_), index = as_at_least_1d(index_),
                   src_full = as_at_least_1d(src_);
  const int64_t n = index.numel();
  if (n == 0) return;
  const int device = self.device;
  KernelErrorSlot* slot = error_slot(device);
  const int64_t size = self.shape[dim], len = index.shape[dim], lanes = n / len;
  const int64_t self_step = self.strides[dim];
  const int64_t* ix = index.ptr<int64_t>();
  const TensorView src = with_shape(src_full, index);
  const TensorView base = without_step(self, index, dim);

  // Replacing with duplicate targets must keep the CPU's "last along dim wins". Duplicates
  // can only meet within a lane, so: one thread per lane when lanes are many and short;
  // else two passes through a table of the last writer per (lane, target); one thread per
  // lane also when that table would be too large.
  enum class Plan { Parallel, Lanes, LastWriter };
  Plan plan = Plan::Parallel;
  if (reduce != 1 && len > 1) {
    constexpr int64_t kManyLanes = 1 << 16, kShortLane = 64;
    const int64_t budget = std::max<int64_t>(int64_t(1) << 24, 4 * n);  // table entries
    const bool table_fits = len <= INT32_MAX && size <= budget / lanes;
    const bool many_short_lanes = lanes >= kManyLanes && len <= kShortLane;
    plan = (many_short_lanes || !table_fits) ? Plan::Lanes : Plan::LastWriter;
  }

  if (plan == Plan::LastWriter && size > 0) {
    // Table of shape index.shape with `size` at dim, contiguous, initialised to -1.
    TensorView table;
    table.dtype = DType::I32;
    table.device = device;
    table.ndim = index.ndim;
    int64_t entries = 1;
    for (int d = index.ndim - 1; d >= 0; --d) {
      table.shape[d] = index.shape[d];
      table.strides[d] = entries;
      entries *= d == dim ? size : index.shape[d];
    }
    const int64_t table_step = table.strides[dim];
    table.strides[dim] = 0;
    DeviceBuffer winner(device, size_t(entries) * sizeof(int));
    table.data = winner.as<char>();
    KILN_CUDA_CHECK(cudaMemsetAsync(winner.as<void>(), 0xFF, size_t(entries) * sizeof(int),
                                    stream_for(device)),
                    "scatter");
    const TensorView coord = coordinate_along(index, dim);
    for_each_position(device, "scatter", {&index, &table, &coord},
                      RecordLastOp{winner.as<int>(), ix, table_step, size, slot});
    dispatch_by_size(self.itemsize(), [&](auto tag) {
      using U = decltype(tag);
      const StoreLastOp<U> op{self.ptr<U>(), source_of<U>(src), winner.as<int>(), ix,
                              self_step, table_step, size};
      for_each_position(device, "scatter", {&index, &src, &base, &table, &coord}, op, slot);
    });
    return;
  }

  for_each_position(device, "scatter", {&index}, CheckIndexOp{ix, size, slot, KernelOp::Scatter});
  if (size == 0) return;  // every index was out of range
  if (reduce == 1) {
    KILN_DISPATCH_ALL(self.dtype, "scatter", [&] {
      using T = scalar_t;
      const AccumulateOp<T> op{self.ptr<T>(), source_of<T>(src), ix, self_step, size, T(1)};
      for_each_position(device, "scatter", {&index, &src, &base}, op, slot);
    });
  } else if (plan == Plan::Parallel) {
    dispatch_by_size(self.itemsize(), [&](auto tag) {
      using U = decltype(tag);
      const StoreOp<U> op{self.ptr<U>(), source_of<U>(src), ix, self_step, size};
      for_each_position(device, "scatter", {&index, &src, &base}, op, slot);
    });
  } else {
    const TensorView lane_index = lane_starts(index, index, dim),
                     lane_src = lane_starts(src, index, dim),
                     lane_self = lane_starts(self, index, dim);
    dispatch_by_size(self.itemsize(), [&](auto tag) {
      using U = decltype(tag);
      const StoreLaneOp<U> op{self.ptr<U>(), source_of<U>(src), ix, len, index.strides[dim],
                              src.strides[dim], self_step, size};
      for_each_position(device, "scatter", {&lane_index, &lane_src, &lane_self}, op, slot);
    });
  }
}

void index_select(const TensorView& out, const TensorView& in, int dim, const TensorView& index) {
  const int64_t count = index.numel();
  const int device = out.device;
  const int64_t* ix = index.ptr<int64_t>();
  if (in.ndim == 0) {
    // PyTorch allows exactly one index into a 0-d tensor, and it must be 0.
    KILN_CHECK(count == 1, Index, "indexSelect: index to a 0-d tensor must have one value, got ",
               count);
    const TensorView o = as_at_least_1d(out), x = as_at_least_1d(in), iv = as_at_least_1d(index);
    KernelErrorSlot* slot = error_slot(device);
    dispatch_by_size(in.itemsize(), [&](auto tag) {
      using U = decltype(tag);
      const GatherOp<U> op{o.ptr<U>(), ix, x.ptr<U>(), 0, 1, slot, KernelOp::IndexSelect};
      for_each_position(device, "indexSelect", {&o, &iv, &x}, op);
    });
    return;
  }
  if (count == 0) return;  // out is empty too
  const int64_t size = in.shape[dim];
  KernelErrorSlot* slot = error_slot(device);
  if (out.numel() == 0) {
    // Nothing to copy, but the CPU still rejects bad indices.
    const TensorView flat = as_at_least_1d(index);
    for_each_position(device, "indexSelect", {&flat},
                      CheckIndexOp{ix, size, slot, KernelOp::IndexSelect});
    return;
  }
  if (in.is_contiguous() && out.is_contiguous()) {
    select_rows(out, in, dim, index, slot);
    return;
  }
  const TensorView base = without_step(in, out, dim), iv = index_along(index, out, dim);
  dispatch_by_size(in.itemsize(), [&](auto tag) {
    using U = decltype(tag);
    const GatherOp<U> op{out.ptr<U>(), ix, in.ptr<U>(), in.strides[dim], size, slot,
                         KernelOp::IndexSelect};
    for_each_position(device, "indexSelect", {&out, &iv, &base}, op);
  });
}

void index_add(const TensorView& self_, int dim, const TensorView& index, const TensorView& src_,
               double alpha) {
  const TensorView self = as_at_least_1d(self_), src = as_at_least_1d(src_);
  const int64_t count = index.numel();
  KILN_CHECK(count == src.shape[dim], Shape, "indexAdd: number of indices (", count,
             ") must equal source size ", src.shape[dim], " at dim ", dim);
  if (count == 0) return;
  const int device = self.device;
  KernelErrorSlot* slot = error_slot(device);
  const int64_t size = self.shape[dim];
  const int64_t* ix = index.ptr<int64_t>();
  const TensorView flat = as_at_least_1d(index);
  for_each_position(device, "indexAdd", {&flat}, CheckIndexOp{ix, size, slot, KernelOp::IndexAdd});
  if (src.numel() == 0 || size == 0) return;
  const TensorView base = without_step(self, src, dim), iv = index_along(index, src, dim);
  KILN_DISPATCH_ALL(self.dtype, "indexAdd", [&] {
    using T = scalar_t;
    const AccumulateOp<T> op{self.ptr<T>(), Source<T>{src.ptr<T>(), T()}, ix, self.strides[dim],
                             size, fn::param_cast<T>(alpha)};
    for_each_position(device, "indexAdd", {&iv, &src, &base}, op, slot);
  });
}

int64_t count_nonzero(const TensorView& in) {
  const int64_t n = in.numel();
  if (n == 0) return 0;
  const int device = in.device;
  cudaStream_t stream = stream_for(device);
  DeviceBuffer total(device, sizeof(unsigned long long));
  KILN_CUDA_CHECK(cudaMemsetAsync(total.as<void>(), 0, sizeof(unsigned long long), stream),
                  "nonzero");
  const int64_t chunks = (n + kNonzeroChunk - 1) / kNonzeroChunk;
  with_nonzero_reader(in, [&](auto reader) {
    count_chunks_kernel<<<unsigned(chunks), kBlockSize, 0, stream>>>(
        reader, n, nullptr, total.as<unsigned long long>());
  });
  after_launch(device, "nonzero");
  unsigned long long count = 0;
  KILN_CUDA_CHECK(cudaMemcpyAsync(&count, total.as<void>(), sizeof(count),
                                  cudaMemcpyDeviceToHost, stream),
                  "nonzero");
  KILN_CUDA_CHECK(cudaStreamSynchronize(stream), "nonzero");
  return static_cast<int64_t>(count);
}

void nonzero(const TensorView& out, const TensorView& in) {
  KILN_CHECK(out.ndim == 2 && out.shape[1] == in.ndim, Shape, "nonzero: output must be [count, ",
             in.ndim, "]");
  const int64_t n = in.numel();
  // A 0-d input has no coordinates to write ([count, 0]).
  if (n == 0 || in.ndim == 0 || out.shape[0] == 0) return;
  const int device = in.device;
  cudaStream_t stream = stream_for(device);
  const int64_t chunks = (n + kNonzeroChunk - 1) / kNonzeroChunk;
  DeviceBuffer starts(device, size_t(chunks) * sizeof(int64_t));
  NonzeroOut where{out.ptr<int64_t>(), out.shape[0], out.strides[0], out.strides[1], in.ndim, {}};
  for (int d = 0; d < in.ndim; ++d) where.shape[d] = in.shape[d];
  with_nonzero_reader(in, [&](auto reader) {
    count_chunks_kernel<<<unsigned(chunks), kBlockSize, 0, stream>>>(
        reader, n, starts.as<int64_t>(), nullptr);
    after_launch(device, "nonzero");
    exclusive_scan_kernel<<<1, kScanThreads, 0, stream>>>(starts.as<int64_t>(), chunks);
    after_launch(device, "nonzero");
    write_nonzero_kernel<<<unsigned(chunks), kBlockSize, 0, stream>>>(reader, n,
                                                                       starts.as<int64_t>(), where);
    after_launch(device, "nonzero");
  });
}

}  // namespace kiln::cuda
