// SPDX-License-Identifier: MIT
// CUDA sort along one dim, stable, ascending or descending, with the CPU's order
// (native/cpu/indexing_sort.h): every NaN above +inf (so first when descending), -0.0 and
// 0.0 equal, equal values in position order whatever the direction.
//
// Values map to unsigned keys whose order is the wanted order (the CPU's mapping). Values
// that compare equal but have distinct keys (the two zeros, NaNs with different bits) share
// one canonical key, and descending order is the ascending order of the complemented
// canonical keys; ties are broken by position, which makes any sort stable.
//  - Rows of up to kSmallSortMax elements: a bitonic network per row in shared memory,
//    comparing (canonical key, position); short rows share a block.
//  - Longer rows: CUB's LSD radix sort (stable) of (canonical key, global position) over the
//    whole tensor, then a stable radix sort by row number, which leaves every row in place
//    and sorted.
// Output values are the exact input values (NaN payloads and the sign of zero kept), read
// from keys or a copy taken before any write, so `values` may alias `in` (in-place sort).
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <cub/device/device_radix_sort.cuh>
#include <limits>
#include <type_traits>

#include "common.cuh"
#include "indexing_common.cuh"
#include "kernels.h"

namespace kiln::cuda {
namespace {

using namespace indexing_detail;

template <class To, class From>
__host__ __device__ __forceinline__ To bit_cast(From v) {
  static_assert(sizeof(To) == sizeof(From), "bit_cast needs equal sizes");
  To r;
  memcpy(&r, &v, sizeof(To));
  return r;
}

// Order-preserving bijection T <-> K and the canonical key used for comparisons.
template <class T> struct SortKey;

// Floats: the sign-flip mapping rotated so that every NaN, whatever its sign, sits above
// +inf and -inf gets key 0 (the CPU's sort_key).
template <class T, class K>
struct FloatSortKey {
  using Key = K;
  static constexpr int kBits = 8 * int(sizeof(K));
  static constexpr K kSign = K(K(1) << (kBits - 1));
  static constexpr int kMantissa = std::numeric_limits<T>::digits - 1;
  // Count of NaN bit patterns with the sign set: the lowest keys of the plain mapping.
  static constexpr K kNegativeNaNs = K((K(1) << kMantissa) - 1);
  static constexpr K kInfBits = K(((K(1) << (kBits - 1 - kMantissa)) - 1) << kMantissa);
  static constexpr K kInf = K((kInfBits | kSign) - kNegativeNaNs);
  static constexpr K kPosZero = K(kSign - kNegativeNaNs);
  static constexpr K kNegZero = K(K(~kSign) - kNegativeNaNs);

  __host__ __device__ static K encode(T v) {
    const K bits = bit_cast<K>(v);
    const K plain = (bits & kSign) ? K(~bits) : K(bits | kSign);
    return K(plain - kNegativeNaNs);
  }
  __host__ __device__ static T decode(K key) {
    const K plain = K(key + kNegativeNaNs);
    const K bits = (plain & kSign) ? K(plain & K(~kSign)) : K(~plain);
    return bit_cast<T>(bits);
  }
  // Every NaN becomes the one key above +inf; -0.0 becomes 0.0.
  __host__ __device__ static K canonical(K key) {
    return key > kInf ? K(kInf + 1) : (key == kNegZero ? kPosZero : key);
  }
};

template <class T, class K>
struct IntSortKey {
  using Key = K;
  static constexpr K kSign = K(K(1) << (8 * sizeof(K) - 1));
  __host__ __device__ static K encode(T v) { return K(K(v) ^ kSign); }
  __host__ __device__ static T decode(K key) { return T(K(key ^ kSign)); }
  __host__ __device__ static K canonical(K key) { return key; }
};

template <> struct SortKey<float> : FloatSortKey<float, uint32_t> {};
template <> struct SortKey<double> : FloatSortKey<double, uint64_t> {};
template <> struct SortKey<int32_t> : IntSortKey<int32_t, uint32_t> {};
template <> struct SortKey<int64_t> : IntSortKey<int64_t, uint64_t> {};
template <> struct SortKey<bool> {
  using Key = uint8_t;
  __host__ __device__ static uint8_t encode(bool v) { return v ? 1 : 0; }
  __host__ __device__ static bool decode(uint8_t key) { return key != 0; }
  __host__ __device__ static uint8_t canonical(uint8_t key) { return key; }
};

// ---- rows of up to kSmallSortMax elements: bitonic sort in shared memory ---------------------

constexpr int kSmallSortMax = 4096;   // 40 KiB of keys and positions for 8-byte keys
constexpr int kSmallSortThreads = 512;
constexpr int kMinTile = 1024;        // short rows are packed into tiles of at least this

template <class T>
struct SmallSortArgs {
  const T* in;
  T* values;
  int64_t* indices;
  Offsets<3, int64_t> row_starts;  // {in, values, indices} offsets of each row's first element
  int64_t rows, groups;            // groups: blocks' worth of rows (rows_per_block each)
  int64_t in_step, values_step, indices_step;
  int n, log2_width, rows_per_block;
  bool descending;
};

// A block sorts rows_per_block rows at a time, each padded to width = 2^log2_width slots.
// Padding slots hold the key whose canonical complemented form is the largest and positions
// >= n, so they sort after every element of their row.
template <class T>
__global__ void __launch_bounds__(kSmallSortThreads) small_sort_kernel(SmallSortArgs<T> a) {
  using SK = SortKey<T>;
  using K = typename SK::Key;
  extern __shared__ __align__(16) unsigned char smem[];
  const int width = 1 << a.log2_width;
  const int tile = width * a.rows_per_block;
  K* keys = reinterpret_cast<K*>(smem);
  uint16_t* pos = reinterpret_cast<uint16_t*>(smem + size_t(tile) * sizeof(K));
  const K flip = a.descending ? K(~K(0)) : K(0);
  const K pad = K(~flip);

  for (int64_t group = blockIdx.x; group < a.groups; group += gridDim.x) {
    const int64_t row0 = group * a.rows_per_block;
    for (int e = threadIdx.x; e < tile; e += blockDim.x) {
      const int k = e & (width - 1);
      const int64_t row = row0 + (e >> a.log2_width);
      K key = pad;
      if (row < a.rows && k < a.n) {
        int64_t off[3];
        a.row_starts.get(row, off);
        key = SK::encode(a.in[off[0] + k * a.in_step]);
      }
      keys[e] = key;
      pos[e] = uint16_t(k);
    }
    __syncthreads();

    // Bitonic network on each width-slot segment: the merge of size `span` sorts a pair of
    // half-spans; every segment ends ascending, so the final merge (span == width) is
    // ascending everywhere and the inner ones alternate by the span bit of the position.
    for (int span = 2; span <= width; span <<= 1) {
      for (int gap = span >> 1; gap > 0; gap >>= 1) {
        for (int t = threadIdx.x; t < tile / 2; t += blockDim.x) {
          const int i = ((t & ~(gap - 1)) << 1) | (t & (gap - 1));  // t with a 0 inserted at gap
          const int j = i | gap;
          const bool ascending = span == width || (i & span) == 0;
          const K ki = keys[i], kj = keys[j];
          const uint16_t pi = pos[i], pj = pos[j];
          const K ci = K(SK::canonical(ki) ^ flip), cj = K(SK::canonical(kj) ^ flip);
          const bool j_before_i = cj < ci || (cj == ci && pj < pi);
          if (j_before_i == ascending) {
            keys[i] = kj;
            keys[j] = ki;
            pos[i] = pj;
            pos[j] = pi;
          }
        }
        __syncthreads();
      }
    }

    for (int e = threadIdx.x; e < tile; e += blockDim.x) {
      const int k = e & (width - 1);
      const int64_t row = row0 + (e >> a.log2_width);
      if (row < a.rows && k < a.n) {
        int64_t off[3];
        a.row_starts.get(row, off);
        a.values[off[1] + k * a.values_step] = SK::decode(keys[e]);
        a.indices[off[2] + k * a.indices_step] = int64_t(pos[e]);
      }
    }
    __syncthreads();  // the next group reuses the shared arrays
  }
}

template <class T>
void sort_small(const TensorView& values, const TensorView& indices, const TensorView& x, int dim,
                bool descending) {
  using K = typename SortKey<T>::Key;
  const int n = int(x.shape[dim]);
  int log2_width = 0;
  while ((1 << log2_width) < n) ++log2_width;
  const int width = 1 << log2_width;
  const int rows_per_block = std::max(1, kMinTile / width);
  const int tile = width * rows_per_block;

  const TensorView lx = lane_starts(x, x, dim), lv = lane_starts(values, x, dim),
                   li = lane_starts(indices, x, dim);
  const TensorView* views[3] = {&lx, &lv, &li};
  SmallSortArgs<T> a;
  a.in = x.ptr<T>();
  a.values = values.ptr<T>();
  a.indices = indices.ptr<int64_t>();
  a.row_starts = narrow_offsets<3, int64_t>(make_offset_calc(views));
  a.rows = lx.numel();
  a.groups = (a.rows + rows_per_block - 1) / rows_per_block;
  a.in_step = x.strides[dim];
  a.values_step = values.strides[dim];
  a.indices_step = indices.strides[dim];
  a.n = n;
  a.log2_width = log2_width;
  a.rows_per_block = rows_per_block;
  a.descending = descending;

  const int device = x.device;
  cudaStream_t stream = stream_for(device);
  const size_t smem = size_t(tile) * (sizeof(K) + sizeof(uint16_t));
  const unsigned blocks = unsigned(std::min<int64_t>(a.groups, int64_t(65535) * 8));
  small_sort_kernel<T><<<blocks, kSmallSortThreads, smem, stream>>>(a);
  after_launch(device, "sort");
}

// ---- longer rows: two stable radix sorts over the whole tensor -------------------------------

// Position p (row-major with dim last) gets its canonical complemented key, its own number
// and a copy of its value. Views: {in with dim last}.
template <class T, class Kw>
struct MakeKeysOp {
  const T* in;
  Kw* keys;
  int64_t* positions;
  T* copy;
  typename SortKey<T>::Key flip;
  template <class I>
  __device__ void operator()(I p, const I (&off)[1]) const {
    const T v = in[off[0]];
    keys[p] = Kw(typename SortKey<T>::Key(SortKey<T>::canonical(SortKey<T>::encode(v)) ^ flip));
    positions[p] = int64_t(p);
    copy[p] = v;
  }
};

// Replaces the sorted keys by the row number of each position. Views: {flat [count]}.
template <class Kw>
struct RowKeysOp {
  Kw* keys;
  const int64_t* positions;
  int64_t n;
  template <class I>
  __device__ void operator()(I j, const I (&)[1]) const {
    keys[j] = Kw(positions[j] / n);
  }
};

// Slot j of the sorted order is element j % n of row j / n, and holds position p of that row.
// Views: {values with dim last, indices with dim last}.
template <class T>
struct WriteSortedOp {
  T* values;
  int64_t* indices;
  const int64_t* positions;
  const T* copy;
  int64_t n;
  template <class I>
  __device__ void operator()(I j_, const I (&off)[2]) const {
    const int64_t j = int64_t(j_);
    const int64_t p = positions[j];
    values[off[0]] = copy[p];
    indices[off[1]] = p - (j - j % n);
  }
};

template <class T>
void sort_large(const TensorView& values, const TensorView& indices, const TensorView& x, int dim,
                bool descending) {
  using K = typename SortKey<T>::Key;
  // Radix sorts are instantiated for two key widths only (bool keys widen to 32 bits).
  using Kw = std::conditional_t<(sizeof(K) <= 4), uint32_t, uint64_t>;
  const int64_t n = x.shape[dim], count = x.numel(), rows = count / n;
  KILN_CHECK(uint64_t(rows - 1) <= uint64_t(std::numeric_limits<Kw>::max()), Internal,
             "sort: too many rows (", rows, ")");
  const int device = x.device;
  cudaStream_t stream = stream_for(device);

  DeviceBuffer keys(device, size_t(count) * 2 * sizeof(Kw));
  DeviceBuffer positions(device, size_t(count) * 2 * sizeof(int64_t));
  DeviceBuffer copy(device, size_t(count) * sizeof(T));
  Kw* k0 = keys.as<Kw>();
  int64_t* p0 = positions.as<int64_t>();

  const TensorView xl = dim_last(x, dim), vl = dim_last(values, dim), il = dim_last(indices, dim);
  const K flip = descending ? K(~K(0)) : K(0);
  for_each_position(device, "sort", {&xl},
                    MakeKeysOp<T, Kw>{x.ptr<T>(), k0, p0, copy.as<T>(), flip});

  cub::DoubleBuffer<Kw> key_buf(k0, k0 + count);
  cub::DoubleBuffer<int64_t> pos_buf(p0, p0 + count);
  const int key_bits = 8 * int(sizeof(K));
  int row_bits = 0;
  while (row_bits < 64 && (uint64_t(rows - 1) >> row_bits) != 0) ++row_bits;
  size_t bytes_keys = 0, bytes_rows = 0;
  KILN_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(nullptr, bytes_keys, key_buf, pos_buf, count, 0,
                                                  key_bits, stream),
                  "sort");
  if (rows > 1)
    KILN_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(nullptr, bytes_rows, key_buf, pos_buf, count,
                                                    0, row_bits, stream),
                    "sort");
  // A null temporary pointer would make CUB only measure, so never ask for 0 bytes.
  const size_t temp_bytes = std::max<size_t>({bytes_keys, bytes_rows, 16});
  DeviceBuffer temp(device, temp_bytes);

  size_t bytes = temp_bytes;
  KILN_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(temp.as<void>(), bytes, key_buf, pos_buf, count,
                                                  0, key_bits, stream),
                  "sort");
  if (rows > 1) {
    TensorView flat;
    flat.device = device;
    flat.ndim = 1;
    flat.shape[0] = count;
    flat.strides[0] = 1;
    for_each_position(device, "sort", {&flat},
                      RowKeysOp<Kw>{key_buf.Current(), pos_buf.Current(), n});
    bytes = temp_bytes;
    KILN_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(temp.as<void>(), bytes, key_buf, pos_buf,
                                                    count, 0, row_bits, stream),
                    "sort");
  }
  for_each_position(device, "sort", {&vl, &il},
                    WriteSortedOp<T>{values.ptr<T>(), indices.ptr<int64_t>(), pos_buf.Current(),
                                     copy.as<T>(), n});
}

}  // namespace

void sort(const TensorView& values, const TensorView& indices, const TensorView& in, int dim,
          bool descending) {
  if (in.numel() == 0) return;
  const TensorView v = as_at_least_1d(values), i = as_at_least_1d(indices),
                   x = as_at_least_1d(in);
  KILN_DISPATCH_ALL(in.dtype, "sort", [&] {
    if (x.shape[dim] <= kSmallSortMax) {
      sort_small<scalar_t>(v, i, x, dim, descending);
    } else {
      sort_large<scalar_t>(v, i, x, dim, descending);
    }
  });
}

}  // namespace kiln::cuda
