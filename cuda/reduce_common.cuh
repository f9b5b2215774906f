// SPDX-License-Identifier: MIT
// What the reduction-family kernels (reduce.cu, softmax.cu, scan.cu) share: the CPU's split
// of a view into kept and reduced dims (native/cpu/reduce_plan.h) turned into device-side
// indexers, value conversion and stores into an output of any dtype, block-wide combination
// of per-thread accumulators, the online softmax normalizer, and the host-side choice of
// block shapes and scratch memory.
//
// Block shape. A block is bx * by threads (powers of two, 32 to 512 in all). Each block
// serves `slots` outputs (or lines), each through `lanes` threads that split its reduced
// elements. Two layouts:
//  - inner (the reduced dims hold the input's fastest dim): slot = threadIdx.y, and the
//    bx lanes of a slot are adjacent threads that read adjacent elements (warp shuffles
//    combine them, shared memory too when a slot spans several warps);
//  - outer (the kept dims hold the fastest dim): slot = threadIdx.x, so that adjacent
//    threads serve adjacent outputs and read adjacent elements of every reduced row; the by
//    lanes of a slot are combined through shared memory.
#pragma once
#include <cuda_runtime.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "../native/core/dtype.h"
#include "../native/core/error.h"
#include "../native/core/functors.h"
#include "../native/cpu/reduce_plan.h"
#include "common.cuh"
#include "runtime.h"

namespace kiln::cuda::rdx {

using cpu::DimList;
using cpu::ReduceGeometry;

// Bools are read as bytes and normalized, so that a stored byte other than 0 or 1 still
// reads as true (as on the CPU).
template <class T> using storage_t = std::conditional_t<std::is_same_v<T, bool>, uint8_t, T>;

template <class S> __device__ __forceinline__ S normalize(S v) {
  if constexpr (std::is_same_v<S, uint8_t>) return S(v != 0);
  else return v;
}

template <class S> __device__ __forceinline__ bool is_nan(S v) {
  if constexpr (std::is_floating_point_v<S>) return v != v;
  else return false;
}

// Integer sums and products wrap around like the CPU's, without signed overflow.
template <class A> __device__ __forceinline__ A wrap_add(A a, A b) {
  if constexpr (std::is_integral_v<A>) return A(uint64_t(a) + uint64_t(b));
  else return a + b;
}
template <class A> __device__ __forceinline__ A wrap_mul(A a, A b) {
  if constexpr (std::is_integral_v<A>) return A(uint64_t(a) * uint64_t(b));
  else return a * b;
}

// The CPU's conversion of a result into the output dtype (native/cpu/reduce.cc, convert):
// nonzero (NaN included) is true; floats saturate into integers, NaN giving 0.
template <class To, class From> __device__ __forceinline__ To convert(From v) {
  if constexpr (std::is_same_v<To, bool>) {
    return v != From(0);
  } else if constexpr (std::is_integral_v<To> && std::is_floating_point_v<From>) {
    return fn::param_cast<To>(double(v));
  } else {
    return static_cast<To>(v);
  }
}

// Stores v at element `off` of an output whose dtype is known only at run time: one kernel
// serves every output dtype (the branch is uniform across the grid).
template <class V>
__device__ __forceinline__ void store_dyn(char* base, DType dt, int64_t off, V v) {
  switch (dt) {
    case DType::F32: reinterpret_cast<float*>(base)[off] = convert<float>(v); break;
    case DType::F64: reinterpret_cast<double*>(base)[off] = convert<double>(v); break;
    case DType::I32: reinterpret_cast<int32_t*>(base)[off] = convert<int32_t>(v); break;
    case DType::I64: reinterpret_cast<int64_t*>(base)[off] = convert<int64_t>(v); break;
    case DType::Bool: reinterpret_cast<bool*>(base)[off] = convert<bool>(v); break;
  }
}

// Division by a divisor fixed on the host, as a multiply-high, an add and a shift (the
// round-up method of Granlund and Montgomery): offsets are recomputed from flat positions
// for every output and every reduced element, and a hardware-free division (the GPU has
// none; 64-bit division is a long subroutine) keeps that cheap.
// FastDiv: 0 <= n < 2^31, 1 <= d <= 2^31. FastDiv64: 0 <= n < 2^63, 1 <= d < 2^63.
struct FastDiv {
  uint32_t magic = 1, shift = 0;

  FastDiv() = default;
  explicit FastDiv(uint32_t d) {
    if (d < 1) d = 1;  // an empty dim is never divided by
    while (shift < 31 && (uint32_t(1) << shift) < d) ++shift;
    const uint64_t one = 1;
    magic = uint32_t(((one << 32) * ((one << shift) - d)) / d + 1);
  }
  __device__ __forceinline__ uint32_t div(uint32_t n) const {
    return (__umulhi(n, magic) + n) >> shift;
  }
};

struct FastDiv64 {
  uint64_t magic = 1;
  uint32_t shift = 0;

  FastDiv64() = default;
  explicit FastDiv64(uint64_t d) {
    if (d < 1) d = 1;
    while (shift < 63 && (uint64_t(1) << shift) < d) ++shift;
    using u128 = unsigned __int128;
    magic = uint64_t(((u128(1) << 64) * ((u128(1) << shift) - d)) / d + 1);
  }
  __device__ __forceinline__ uint64_t div(uint64_t n) const {
    return (__umul64hi(n, magic) + n) >> shift;
  }
};

// Element offsets, in each of N views, of dense position o (row-major over `size`,
// outermost first, as in a DimList).
template <int N>
struct KeptIndexer {
  int n = 0;
  int64_t size[kMaxDims] = {};
  int64_t stride[N][kMaxDims] = {};
  FastDiv64 div[kMaxDims];

  __device__ __forceinline__ void get(int64_t o, int64_t (&off)[N]) const {
#pragma unroll
    for (int k = 0; k < N; ++k) off[k] = 0;
    uint64_t q = uint64_t(o);
    for (int d = n - 1; d >= 1; --d) {
      const uint64_t nq = div[d].div(q);
      const int64_t i = int64_t(q - nq * uint64_t(size[d]));
#pragma unroll
      for (int k = 0; k < N; ++k) off[k] += i * stride[k][d];
      q = nq;
    }
    if (n > 0) {
#pragma unroll
      for (int k = 0; k < N; ++k) off[k] += int64_t(q) * stride[k][0];
    }
  }
};

template <int N>
KeptIndexer<N> make_kept_indexer(const DimList& list, int nops) {
  KeptIndexer<N> k;
  k.n = list.n;
  for (int d = 0; d < list.n; ++d) {
    k.size[d] = list.shape[d];
    k.div[d] = FastDiv64(uint64_t(list.shape[d]));
    for (int op = 0; op < N; ++op) k.stride[op][d] = op < nops ? list.stride[op][d] : 0;
  }
  return k;
}

// Input offset of reduced position r (row-major over the reduced dims).
struct RedIndexer {
  int n = 1;
  bool small = true;  // every position fits 31 bits: 32-bit arithmetic
  int64_t size[kMaxDims] = {};
  int64_t stride[kMaxDims] = {};
  FastDiv div[kMaxDims];
  FastDiv64 div64[kMaxDims];

  __device__ __forceinline__ int64_t offset(int64_t r) const {
    int64_t off = 0;
    if (small) {
      uint32_t q = uint32_t(r);
      for (int d = n - 1; d >= 1; --d) {
        const uint32_t nq = div[d].div(q);
        off += int64_t(q - nq * uint32_t(size[d])) * stride[d];
        q = nq;
      }
      return off + int64_t(q) * stride[0];
    }
    uint64_t q = uint64_t(r);
    for (int d = n - 1; d >= 1; --d) {
      const uint64_t nq = div64[d].div(q);
      off += int64_t(q - nq * uint64_t(size[d])) * stride[d];
      q = nq;
    }
    return off + int64_t(q) * stride[0];
  }
};

inline RedIndexer make_red_indexer(const DimList& list, int op) {
  RedIndexer r;
  r.n = list.n;
  r.small = list.numel() <= std::numeric_limits<int32_t>::max();
  for (int d = 0; d < list.n; ++d) {
    r.size[d] = list.shape[d];
    r.stride[d] = list.stride[op][d];
    if (r.small) r.div[d] = FastDiv(uint32_t(list.shape[d]));
    else r.div64[d] = FastDiv64(uint64_t(list.shape[d]));
  }
  return r;
}

// 16 bytes of T, for vector loads and stores of aligned runs.
template <class T, int V> struct alignas(16) VecOf {
  T v[V];
};

// ---- block-wide combination -----------------------------------------------------------

template <class T> __device__ __forceinline__ T shfl_xor(T v, int off) {
  if constexpr (std::is_class_v<T>) return v.shfl_xor(off);
  else if constexpr (sizeof(T) < sizeof(int)) return T(__shfl_xor_sync(0xffffffffu, int(v), off));
  else return __shfl_xor_sync(0xffffffffu, v, off);
}

// Combines the accumulators of each slot's lanes (see the layouts above) and returns the
// result to every thread of the slot. Every thread of the block must call it, with
// blockDim a power-of-two shape of at least one warp. `smem` holds one Acc per thread.
template <class Op, class Acc>
__device__ __forceinline__ Acc block_allreduce(const Op& op, Acc acc, bool outer, Acc* smem) {
  const int bx = blockDim.x, by = blockDim.y, tx = threadIdx.x, ty = threadIdx.y;
  const int lin = ty * bx + tx, wl = lin & 31, warp = lin >> 5;
  if (!outer) {
    // The lanes of a slot are bx adjacent threads: a power-of-two group inside one warp,
    // or whole warps.
    for (int off = (bx < 32 ? bx : 32) >> 1; off > 0; off >>= 1)
      acc = op.combine(acc, shfl_xor(acc, off));
    if (bx <= 32) return acc;
    const int ws = bx >> 5;  // warps per slot, at most 16
    if (wl == 0) smem[warp] = acc;
    __syncthreads();
    Acc v = wl < ws ? smem[ty * ws + wl] : op.init();
    for (int off = 16; off > 0; off >>= 1) v = op.combine(v, shfl_xor(v, off));
    __syncthreads();  // smem may be reused by the caller
    return v;
  }
  // Outer: lanes of a slot are bx threads apart. Inside a warp, lanes of one slot differ by
  // multiples of bx; fold those first.
  for (int off = 16; off >= bx; off >>= 1) acc = op.combine(acc, shfl_xor(acc, off));
  const int rows = bx < 32 ? (bx * by) >> 5 : by;
  if (rows == 1) return acc;
  const int row = bx < 32 ? warp : ty;
  if (bx >= 32 || wl < bx) smem[row * bx + tx] = acc;
  __syncthreads();
  Acc v = smem[tx];
  for (int r = 1; r < rows; ++r) v = op.combine(v, smem[r * bx + tx]);
  __syncthreads();
  return v;
}

// ---- online softmax normalizer -----------------------------------------------------------
// The (max, sum of exp(x - max)) pair of a run of elements, from one read: the sum is
// rescaled whenever the max grows (Milakov and Gimelshein, "Online normalizer calculation
// for softmax"). Used by softmax.cu and by reduce.cu's logsumexp. Special values follow the
// CPU's two-pass formulas: a NaN makes the max NaN; a +inf makes the sum NaN (exp(inf - inf));
// -inf elements add nothing.
template <class T>
struct Pair {
  T m;  // max so far (NaN once a NaN is seen)
  T s;  // sum of exp(x - m) so far
  __device__ Pair shfl_xor(int off) const { return {rdx::shfl_xor(m, off), rdx::shfl_xor(s, off)}; }
};

template <class T>
struct OnlineOp {
  using Input = T;
  using Acc = Pair<T>;
  static constexpr int kAccs = 2;  // accumulators a thread of reduce.cu keeps (exp is long)
  __device__ Pair<T> init() const { return {-std::numeric_limits<T>::infinity(), T(0)}; }

  __device__ Pair<T> step(Pair<T> a, T x) const {
    if (is_nan(x) || is_nan(a.m)) return {is_nan(x) ? x : a.m, a.s};
    // exp(-inf - max) adds 0, unless every element is -inf: then the max is -inf and
    // x - max is NaN everywhere, as on the CPU, whatever the sum.
    if (x == -std::numeric_limits<T>::infinity()) return a;
    if (x > a.m) {
      // The new max's own term is exp(x - x): 1, or NaN for +inf, which makes the whole
      // line NaN as the CPU's exp(inf - inf) does.
      const T own = fn::isinf(x) ? std::numeric_limits<T>::quiet_NaN() : T(1);
      return {x, a.s * std::exp(a.m - x) + own};
    }
    return {a.m, a.s + std::exp(x - a.m)};
  }
  // The reduction interface of reduce.cu (position and shift unused).
  template <class S> __device__ Pair<T> step(Pair<T> a, T x, int64_t, S) const { return step(a, x); }

  __device__ Pair<T> combine(Pair<T> a, Pair<T> b) const {
    if (is_nan(a.m)) return a;
    if (is_nan(b.m)) return b;
    const T m = a.m > b.m ? a.m : b.m;
    // An empty side (sum 0, max -inf) adds nothing; exp(-inf - -inf) would be NaN.
    T s = T(0);
    if (a.s != T(0)) s += a.s * std::exp(a.m - m);
    if (b.s != T(0)) s += b.s * std::exp(b.m - m);
    return {m, s};
  }
};

// ---- host side ------------------------------------------------------------------------

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Smallest power of two >= n, capped at `cap` (a power of two).
inline int pow2_at_least(int64_t n, int cap) {
  int p = 1;
  while (p < cap && p < n) p <<= 1;
  return p;
}

// Streaming multiprocessors of `device`, asked once per device.
inline int sm_count(int device) {
  static std::atomic<int> cache[64];
  const bool cached = device >= 0 && device < 64;
  if (cached) {
    const int v = cache[device].load(std::memory_order_relaxed);
    if (v > 0) return v;
  }
  int n = 0;
  KILN_CUDA_CHECK(cudaDeviceGetAttribute(&n, cudaDevAttrMultiProcessorCount, device),
                  "cudaDeviceGetAttribute");
  if (n < 1) n = 1;
  if (cached) cache[device].store(n, std::memory_order_relaxed);
  return n;
}

// Blocks that fill the device once at full occupancy.
inline int64_t target_blocks(int device, int threads_per_block) {
  return int64_t(sm_count(device)) * (2048 / threads_per_block);
}

// Grid x for `tiles` tiles: kernels loop over the tiles past it.
inline unsigned grid_x(int64_t tiles) {
  return unsigned(std::min<int64_t>(std::max<int64_t>(tiles, 1), int64_t(1) << 20));
}


// A block shape for n_out outputs (or lines) of n_red elements each, in the given layout.
// `per_lane` is the number of elements a lane should at least get before a slot takes more
// lanes (inner layout), and `fill` the blocks under which the slots grow wider to use more
// of the device.
struct BlockShape {
  int bx = 32, by = 1;
  bool outer = false;
  int slots() const { return outer ? bx : by; }
  int lanes() const { return outer ? by : bx; }
  int threads() const { return bx * by; }
};

inline BlockShape choose_block(bool outer, int64_t n_out, int64_t n_red, int64_t per_lane,
                               int64_t fill) {
  BlockShape b;
  b.outer = outer;
  if (!outer) {
    b.bx = pow2_at_least(n_red, 32);
    while (b.bx < 512 && n_red >= int64_t(b.bx) * 2 * per_lane) b.bx <<= 1;
    b.by = std::max(1, 256 / b.bx);
    while (b.by > 1 && b.by / 2 >= n_out) b.by >>= 1;
    // Few outputs: give each one more lanes while they still have work.
    while (b.bx < 512 && ceil_div(n_out, b.by) < fill && n_red >= int64_t(b.bx) * 2 * 16) {
      b.bx <<= 1;
      if (b.by > 1) b.by >>= 1;
    }
  } else {
    b.bx = pow2_at_least(n_out, 32);
    b.by = std::min(256 / b.bx, pow2_at_least(n_red, 256));
    b.bx = std::min(pow2_at_least(n_out, 256), 256 / b.by);
  }
  // At least one full warp: the warp shuffles name every lane. Extra slots (inner) sit
  // idle; extra lanes (outer) find no elements.
  while (b.bx * b.by < 32) b.by <<= 1;
  return b;
}

}  // namespace kiln::cuda::rdx
