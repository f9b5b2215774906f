// SPDX-License-Identifier: MIT
// The elementwise launch engine of elementwise.cu and random.cu (optim.cu borrows its vector
// helpers): a functor applied to every element of an output view, reading zero or more inputs
// (device views or host scalars).
//
// Two kernels per (functor, types), both grid-stride loops with int64 element numbers:
// - contiguous: the output and every device input are row-major contiguous (or an input is one
//   device element broadcast everywhere); each thread takes chunks of 16 bytes of the widest
//   operand, moved as one vector load/store per operand when every pointer is aligned;
// - strided: any strides (stride 0 = broadcast); element numbers become memory offsets through
//   the dims that make_offset_calc (common.cuh) merged, dividing by multiply-high while the
//   element count fits 31 bits, by 64-bit division beyond.
// A functor with no inputs is a generator: it receives the row-major element number instead.
#pragma once
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>

#include "common.cuh"

namespace kiln::cuda::ew {

// ---- element access ---------------------------------------------------------------------

// Bytes a vector access covers per operand: one 16-byte transaction for the widest type.
constexpr int kVectorBytes = 16;

template <class... T>
constexpr int vector_width() {
  size_t widest = 1;
  ((widest = sizeof(T) > widest ? sizeof(T) : widest), ...);
  return int(kVectorBytes / widest);
}

// At most this many elements per thread and chunk for functor F. A functor that calls an
// out-of-line math routine (double pow) lowers it: every lane computed before the vector store
// is live across the calls, and past the ABI's callee-saved registers that live state spills.
template <class F>
constexpr int kMaxLanes = 16;

template <class F, class... T>
constexpr int lanes() {
  const int v = vector_width<T...>();
  return v < kMaxLanes<F> ? v : kMaxLanes<F>;
}

template <class T, int V>
struct alignas(sizeof(T) * V) Vec {
  T v[V];
};

// The inputs of one launch. A host scalar travels by value: its view's memory is on the host.
template <int N>
struct Operands {
  static constexpr int kSlots = N > 0 ? N : 1;
  const char* ptr[kSlots] = {};  // device memory; nullptr for a host scalar
  bool broadcast[kSlots] = {};   // contiguous kernel: ptr holds the value of every element
  uint64_t scalar[kSlots] = {};  // a host scalar's bytes, in the low bytes
};

template <class T>
__device__ __forceinline__ T from_bits(uint64_t bits) {
  T v;
  memcpy(&v, &bits, sizeof(T));
  return v;
}

// Input K at element offset `off` (ignored for a host scalar).
template <class T, int K, int N>
__device__ __forceinline__ T load_at(const Operands<N>& in, int64_t off) {
  const char* p = in.ptr[K];
  return p ? reinterpret_cast<const T*>(p)[off] : from_bits<T>(in.scalar[K]);
}

// f(inputs...), or f(element number) for a generator.
template <class F, class... X>
__device__ __forceinline__ auto call(const F& f, int64_t i, X... x) {
  if constexpr (sizeof...(X) == 0) {
    return f(i);
  } else {
    (void)i;
    return f(x...);
  }
}

// ---- strided offsets --------------------------------------------------------------------

// Division by a fixed d in [1, 2^31] as a multiply-high, an add and a shift (Granlund and
// Montgomery's method, as in PyTorch's IntDivider); exact for dividends below 2^31.
struct FastDivisor {
  uint32_t magic = 1, shift = 0;

  static FastDivisor make(uint32_t d) {
    FastDivisor r;
    while ((uint64_t(1) << r.shift) < d) ++r.shift;
    r.magic = uint32_t(((uint64_t(1) << 32) * ((uint64_t(1) << r.shift) - d)) / d + 1);
    return r;
  }
  __device__ __forceinline__ uint32_t divide(uint32_t n) const {
#ifdef __CUDA_ARCH__
    const uint32_t t = __umulhi(n, magic);
#else
    const uint32_t t = uint32_t((uint64_t(n) * magic) >> 32);
#endif
    return (t + n) >> shift;
  }
};

// OffsetCalc's merged dims, plus the divisors of the narrow path. The outermost dim needs no
// division (what is left of the element number is its coordinate). The first dims are
// unrolled, so their parameters are read at constant addresses; ranks beyond that (rare after
// merging) and the wide path, for views past 2^31 elements, run as loops to keep code small.
constexpr int kUnrolledDims = 4;

template <int N>
struct IndexMap {
  int ndim = 0;
  bool narrow = false;  // element numbers fit 31 bits: `get(uint32_t)` may be used
  FastDivisor div[kMaxDims];
  uint32_t size32[kMaxDims] = {};
  int64_t sizes[kMaxDims] = {};       // innermost first
  int64_t strides[N][kMaxDims] = {};  // innermost first, in elements

  template <class I>
  __device__ __forceinline__ void add(I coord, int d, int64_t (&off)[N]) const {
#pragma unroll
    for (int k = 0; k < N; ++k) off[k] += int64_t(coord) * strides[k][d];
  }
  __device__ __forceinline__ void peel(uint32_t& i, int d, int64_t (&off)[N]) const {
    const uint32_t q = div[d].divide(i);
    add(i - q * size32[d], d, off);
    i = q;
  }

  __device__ __forceinline__ void get(uint32_t i, int64_t (&off)[N]) const {
#pragma unroll
    for (int k = 0; k < N; ++k) off[k] = 0;
    if (ndim == 0) return;
    const int last = ndim - 1;
#pragma unroll
    for (int d = 0; d < kUnrolledDims; ++d) {
      if (d == last) {
        add(i, d, off);
        return;
      }
      peel(i, d, off);
    }
#pragma unroll 1
    for (int d = kUnrolledDims; d < last; ++d) peel(i, d, off);
    add(i, last, off);
  }

  __device__ __forceinline__ void get(int64_t i, int64_t (&off)[N]) const {
#pragma unroll
    for (int k = 0; k < N; ++k) off[k] = 0;
    if (ndim == 0) return;
    const int last = ndim - 1;
#pragma unroll 1
    for (int d = 0; d < last; ++d) {
      const int64_t q = i / sizes[d];
      add(i - q * sizes[d], d, off);
      i = q;
    }
    add(i, last, off);
  }
};

// `views` share views[0]'s shape; `numel` is that shape's element count.
template <int N>
IndexMap<N> make_index_map(const TensorView* const (&views)[N], int64_t numel) {
  const OffsetCalc<N> c = make_offset_calc<N>(views);
  IndexMap<N> m;
  m.ndim = c.ndim;
  m.narrow = numel <= int64_t(INT32_MAX);
  for (int d = 0; d < c.ndim; ++d) {
    m.sizes[d] = c.sizes[d];
    for (int k = 0; k < N; ++k) m.strides[k][d] = c.strides[k][d];
    if (m.narrow) {
      m.size32[d] = uint32_t(c.sizes[d]);
      m.div[d] = FastDivisor::make(uint32_t(c.sizes[d]));
    }
  }
  return m;
}

// ---- kernels ------------------------------------------------------------------------------

template <class F, class TOut, class... TIn>
struct Loops {
  static constexpr int N = int(sizeof...(TIn));
  static constexpr int V = lanes<F, TOut, TIn...>();

  // Each thread takes chunks of V consecutive elements. A whole chunk with aligned pointers
  // moves as one vector per operand; a partial chunk (the tail, or any chunk when unaligned)
  // moves element by element. Either way the results are computed in one unrolled loop, so
  // the functor is inlined V times, not more.
  template <size_t... K>
  __device__ __forceinline__ static void contiguous(const F& f, TOut* out, const Operands<N>& in,
                                                    int64_t n, bool vectorize,
                                                    std::index_sequence<K...>) {
    const int64_t first = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    const int64_t step = int64_t(gridDim.x) * blockDim.x;
    const int64_t chunks = (n + V - 1) / V;
    for (int64_t c = first; c < chunks; c += step) {
      const int64_t base = c * V;
      const int64_t left = n - base;
      const int count = left < V ? int(left) : V;
      const bool whole = vectorize && count == V;
      compute_chunk(f, out, base, count, whole, load_chunk<TIn, int(K)>(in, base, count, whole)...);
    }
  }

  template <class T, int K>
  __device__ __forceinline__ static Vec<T, V> load_chunk(const Operands<N>& in, int64_t base,
                                                         int count, bool whole) {
    const char* p = in.ptr[K];
    Vec<T, V> r;
    if (p && !in.broadcast[K]) {
      const T* src = reinterpret_cast<const T*>(p) + base;
      if (whole) return *reinterpret_cast<const Vec<T, V>*>(src);
      // Past the end, repeat element 0: every lane computes on a valid value.
#pragma unroll
      for (int j = 0; j < V; ++j) r.v[j] = src[j < count ? j : 0];
      return r;
    }
    const T s = p ? *reinterpret_cast<const T*>(p) : from_bits<T>(in.scalar[K]);
#pragma unroll
    for (int j = 0; j < V; ++j) r.v[j] = s;
    return r;
  }

  __device__ __forceinline__ static void compute_chunk(const F& f, TOut* out, int64_t base,
                                                       int count, bool whole,
                                                       const Vec<TIn, V>&... x) {
    Vec<TOut, V> o;
#pragma unroll
    for (int j = 0; j < V; ++j) o.v[j] = TOut(call(f, base + j, x.v[j]...));
    if (whole) {
      *reinterpret_cast<Vec<TOut, V>*>(out + base) = o;
    } else {
#pragma unroll
      for (int j = 0; j < V; ++j)
        if (j < count) out[base + j] = o.v[j];
    }
  }

  // One call site of the functor; only the offset computation depends on the index width.
  template <size_t... K>
  __device__ __forceinline__ static void strided(const F& f, char* out, const Operands<N>& in,
                                                 const IndexMap<N + 1>& map, int64_t n,
                                                 std::index_sequence<K...>) {
    const int64_t first = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    const int64_t step = int64_t(gridDim.x) * blockDim.x;
    for (int64_t i = first; i < n; i += step) {
      int64_t off[N + 1];
      if (map.narrow) map.get(uint32_t(i), off);
      else map.get(i, off);
      reinterpret_cast<TOut*>(out)[off[0]] =
          TOut(call(f, i, load_at<TIn, int(K)>(in, off[K + 1])...));
    }
  }
};

template <class F, class TOut, class... TIn>
__global__ void __launch_bounds__(kBlockSize)
    contiguous_kernel(F f, TOut* out, Operands<int(sizeof...(TIn))> in, int64_t n,
                      bool vectorize) {
  Loops<F, TOut, TIn...>::contiguous(f, out, in, n, vectorize, std::index_sequence_for<TIn...>{});
}

template <class F, class TOut, class... TIn>
__global__ void __launch_bounds__(kBlockSize)
    strided_kernel(F f, char* out, Operands<int(sizeof...(TIn))> in,
                   IndexMap<int(sizeof...(TIn)) + 1> map, int64_t n) {
  Loops<F, TOut, TIn...>::strided(f, out, in, map, n, std::index_sequence_for<TIn...>{});
}

// ---- host side ------------------------------------------------------------------------------

// Every dim of size > 1 has stride 0: one element read everywhere.
inline bool is_broadcast_element(const TensorView& v) {
  for (int d = 0; d < v.ndim; ++d)
    if (v.shape[d] != 1 && v.strides[d] != 0) return false;
  return true;
}

template <class T, int V>
bool vector_aligned(const void* p) {
  return reinterpret_cast<uintptr_t>(p) % (sizeof(T) * V) == 0;
}

// The index map of a strided launch. A map functor may visit elements in any order, so its
// dims are ordered by the output's strides, largest first, as the CPU loop orders them:
// consecutive threads then write consecutive addresses even into a transposed output. A
// generator keeps the row-major order, which defines the element number it receives.
template <int M>
IndexMap<M> strided_map(const std::array<const TensorView*, M>& views, int64_t n) {
  const TensorView& out = *views[0];
  int order[kMaxDims];
  for (int d = 0; d < out.ndim; ++d) order[d] = d;
  if (M > 1)
    std::stable_sort(order, order + out.ndim,
                     [&](int x, int y) { return out.strides[x] > out.strides[y]; });
  TensorView permuted[M];
  const TensorView* ptrs[M];
  for (int k = 0; k < M; ++k) {
    permuted[k] = *views[size_t(k)];
    for (int d = 0; d < out.ndim; ++d) {
      permuted[k].shape[d] = views[size_t(k)]->shape[order[d]];
      permuted[k].strides[d] = views[size_t(k)]->strides[order[d]];
    }
    ptrs[k] = &permuted[k];
  }
  return make_index_map<M>(ptrs, n);
}

// Applies `f` over `out` (a device view) reading `ins` (same shape as out; device views or host
// scalars of types TIn), on out's device stream. `op` names the kernel in launch errors.
template <class TOut, class... TIn, class F, size_t... K>
void launch_impl(const char* op, const F& f, const TensorView& out,
                 const std::array<const TensorView*, sizeof...(TIn)>& ins,
                 std::index_sequence<K...>) {
  using L = Loops<F, TOut, TIn...>;
  constexpr int N = L::N, V = L::V;
  const int64_t n = out.numel();
  if (n == 0) return;

  Operands<N> opnds;
  bool contiguous = out.is_contiguous();
  for (int k = 0; k < N; ++k) {
    const TensorView& v = *ins[size_t(k)];
    if (v.is_host_scalar()) {
      memcpy(&opnds.scalar[k], v.data, v.itemsize());
      continue;
    }
    opnds.ptr[k] = v.data;
    if (!v.is_contiguous()) {
      opnds.broadcast[k] = is_broadcast_element(v);
      contiguous = contiguous && opnds.broadcast[k];
    }
  }

  cudaStream_t stream = stream_for(out.device);
  if (contiguous) {
    // Vector accesses need every streamed pointer aligned to its vector's size.
    bool vectorize = vector_aligned<TOut, V>(out.data);
    ((vectorize = vectorize && (opnds.ptr[K] == nullptr || opnds.broadcast[K] ||
                                vector_aligned<TIn, V>(opnds.ptr[K]))),
     ...);
    const unsigned grid = grid_for((n + V - 1) / V);
    contiguous_kernel<F, TOut, TIn...><<<grid, kBlockSize, 0, stream>>>(f, out.ptr<TOut>(), opnds,
                                                                        n, vectorize);
  } else {
    const IndexMap<N + 1> map = strided_map<N + 1>({&out, ins[K]...}, n);
    strided_kernel<F, TOut, TIn...><<<grid_for(n), kBlockSize, 0, stream>>>(f, out.data, opnds,
                                                                            map, n);
  }
  after_launch(out.device, op);
}

template <class TOut, class... TIn, class F>
void launch(const char* op, const F& f, const TensorView& out,
            const std::array<const TensorView*, sizeof...(TIn)>& ins) {
  launch_impl<TOut, TIn...>(op, f, out, ins, std::index_sequence_for<TIn...>{});
}

// A generator: out[i] = f(i) for the row-major element number i.
template <class TOut, class F>
void generate(const char* op, const F& f, const TensorView& out) {
  launch<TOut>(op, f, out, {});
}

}  // namespace kiln::cuda::ew
