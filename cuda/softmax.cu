// SPDX-License-Identifier: MIT
// softmax and log_softmax along one dim on CUDA devices, with the results of
// native/cpu/reduce.cc: max-subtracted, softmax = exp(x - max) * (1 / sum), log_softmax =
// (x - max) - log(sum), NaN wherever the CPU gives NaN (a NaN in the line, a +inf, or a line
// of -inf only), float32 and float64 only.
//
// Each line is read twice. The first read folds it into an online (max, sum) pair: the sum
// of exp(x - max) is rescaled whenever the max grows, so max and sum come from one read
// (Milakov and Gimelshein, "Online normalizer calculation for softmax"). The pairs of a
// line's lanes are combined with block_allreduce; the second read writes the results.
// Layouts (reduce_common.cuh): a warp or a block per line when the dim is the fastest one,
// else threads walking adjacent lines for coalesced loads. Lines too few to fill the device
// are also split across blocks, their chunks' pairs combined in between the two reads.
#include <cmath>
#include <limits>

#include "kernels.h"
#include "reduce_common.cuh"

namespace kiln::cuda {
namespace {

using namespace rdx;

struct LineParams {
  KeptIndexer<2> kept;  // operand 0: the input; 1: the output
  int64_t n_lines = 0, n = 0;
  int64_t sx = 0, sy = 0;  // element strides along a line
  int64_t tiles = 0;       // groups of slots() lines, one per block at a time
  int64_t chunk = 0;       // elements of a line per blockIdx.y
  bool outer = false;
  bool contig = false;  // inner layout with sx == sy == 1: vector loads
};

// First read: the online pair of elements i0 + lane, i0 + lane + lanes, ... below i1.
template <class T>
__device__ __forceinline__ Pair<T> fold_line(const LineParams& p, const T* __restrict__ xl,
                                             int64_t i0, int64_t i1, int lane, int lanes) {
  const OnlineOp<T> op;
  Pair<T> st = op.init();
  if (p.contig) {
    constexpr int V = 16 / int(sizeof(T));
    const T* base = xl + i0;
    const int64_t n = i1 - i0;
    const int mis = int((reinterpret_cast<uintptr_t>(base) & 15) / sizeof(T));
    const int64_t head = std::min<int64_t>(n, mis ? V - mis : 0);
    for (int64_t i = lane; i < head; i += lanes) st = op.step(st, base[i]);
    const int64_t nv = (n - head) / V;
    const VecOf<T, V>* vp = reinterpret_cast<const VecOf<T, V>*>(base + head);
    auto fold = [&](const VecOf<T, V>& v) {
#pragma unroll
      for (int k = 0; k < V; ++k) st = op.step(st, v.v[k]);
    };
    // Two loads in flight per thread before their values are used.
    int64_t i = lane;
    for (; i + lanes < nv; i += 2 * int64_t(lanes)) {
      const VecOf<T, V> v0 = vp[i], v1 = vp[i + lanes];
      fold(v0);
      fold(v1);
    }
    if (i < nv) fold(vp[i]);
    for (int64_t i = head + nv * V + lane; i < n; i += lanes) st = op.step(st, base[i]);
    return st;
  }
  // Loads issued K at a time; two for double, whose exp needs more registers.
  constexpr int K = sizeof(T) == 8 ? 2 : 4;
  int64_t i = i0 + lane;
  for (; i + (K - 1) * int64_t(lanes) < i1; i += K * int64_t(lanes)) {
    T v[K];
#pragma unroll
    for (int k = 0; k < K; ++k) v[k] = xl[(i + k * lanes) * p.sx];
#pragma unroll
    for (int k = 0; k < K; ++k) st = op.step(st, v[k]);
  }
  for (; i < i1; i += lanes) st = op.step(st, xl[i * p.sx]);
  return st;
}

// Second read: the results of elements i0 + lane, i0 + lane + lanes, ... below i1.
template <class T, bool kLog>
__device__ __forceinline__ void write_line(const LineParams& p, const T* __restrict__ xl,
                                           T* __restrict__ yl, int64_t i0, int64_t i1, int lane,
                                           int lanes, Pair<T> st) {
  const T m = st.m;
  // The CPU's factors: log(sum) for log_softmax, 1 / sum for softmax, rounded once to T.
  const T f = kLog ? T(std::log(double(st.s))) : T(1.0 / double(st.s));
  auto value = [&](T x) -> T {
    if constexpr (kLog) return (x - m) - f;
    else return std::exp(x - m) * f;
  };
  if (p.contig) {
    constexpr int V = 16 / int(sizeof(T));
    const T* xb = xl + i0;
    T* yb = yl + i0;
    const int64_t n = i1 - i0;
    const int mis = int((reinterpret_cast<uintptr_t>(xb) & 15) / sizeof(T));
    const int mis_y = int((reinterpret_cast<uintptr_t>(yb) & 15) / sizeof(T));
    if (mis == mis_y) {
      const int64_t head = std::min<int64_t>(n, mis ? V - mis : 0);
      for (int64_t i = lane; i < head; i += lanes) yb[i] = value(xb[i]);
      const int64_t nv = (n - head) / V;
      const VecOf<T, V>* xv = reinterpret_cast<const VecOf<T, V>*>(xb + head);
      VecOf<T, V>* yv = reinterpret_cast<VecOf<T, V>*>(yb + head);
      auto map = [&](VecOf<T, V> v) {
#pragma unroll
        for (int k = 0; k < V; ++k) v.v[k] = value(v.v[k]);
        return v;
      };
      int64_t i = lane;
      for (; i + lanes < nv; i += 2 * int64_t(lanes)) {
        const VecOf<T, V> v0 = xv[i], v1 = xv[i + lanes];
        yv[i] = map(v0);
        yv[i + lanes] = map(v1);
      }
      if (i < nv) yv[i] = map(xv[i]);
      for (int64_t i = head + nv * V + lane; i < n; i += lanes) yb[i] = value(xb[i]);
      return;
    }
  }
  for (int64_t i = i0 + lane; i < i1; i += lanes) yl[i * p.sy] = value(xl[i * p.sx]);
}

// blockIdx.y picks a chunk of every line. With neither `partial` nor `pairs`, a line is
// one chunk, folded and written at once. Long lines too few to fill the device are split:
// a first launch stores each chunk's pair in partial[chunk * n_lines + line], and after
// combine_kernel a second one writes each chunk from the line's pair in pairs[line].
// double softmax (two exps an element) needs a few more than the 64 registers that two
// blocks of 512 threads leave.
template <class T, bool kLog>
__global__ void __launch_bounds__(512, sizeof(T) == 8 ? 1 : 2)
softmax_kernel(const __grid_constant__ LineParams p, const T* __restrict__ x, T* __restrict__ y,
               Pair<T>* __restrict__ partial, const Pair<T>* __restrict__ pairs) {
  extern __shared__ __align__(16) unsigned char smem_raw[];
  Pair<T>* smem = reinterpret_cast<Pair<T>*>(smem_raw);
  const OnlineOp<T> op;
  const int slot = p.outer ? threadIdx.x : threadIdx.y;
  const int lane = p.outer ? threadIdx.y : threadIdx.x;
  const int slots = p.outer ? blockDim.x : blockDim.y;
  const int lanes = p.outer ? blockDim.y : blockDim.x;
  const int64_t i0 = int64_t(blockIdx.y) * p.chunk;
  const int64_t i1 = i0 + p.chunk < p.n ? i0 + p.chunk : p.n;
  for (int64_t tile = blockIdx.x; tile < p.tiles; tile += gridDim.x) {
    const int64_t o = tile * slots + slot;
    const bool active = o < p.n_lines;
    int64_t off[2] = {0, 0};
    if (active) p.kept.get(o, off);
    Pair<T> st = op.init();
    if (pairs) {
      if (active) st = pairs[o];
    } else {
      if (active) st = fold_line(p, x + off[0], i0, i1, lane, lanes);
      st = block_allreduce(op, st, p.outer, smem);
      if (partial) {
        if (active && lane == 0) partial[int64_t(blockIdx.y) * p.n_lines + o] = st;
        continue;
      }
    }
    if (active) write_line<T, kLog>(p, x + off[0], y + off[1], i0, i1, lane, lanes, st);
  }
}

// One warp per line combines its chunks' pairs.
template <class T>
__global__ void __launch_bounds__(256, 4)
combine_kernel(const Pair<T>* __restrict__ partial, Pair<T>* __restrict__ pairs, int64_t n_lines,
               int parts) {
  const OnlineOp<T> op;
  const int wl = threadIdx.x & 31;
  const int64_t warps = int64_t(gridDim.x) * (blockDim.x >> 5);
  for (int64_t o = (int64_t(blockIdx.x) * blockDim.x + threadIdx.x) >> 5; o < n_lines; o += warps) {
    Pair<T> a = op.init();
    for (int c = wl; c < parts; c += 32) a = op.combine(a, partial[int64_t(c) * n_lines + o]);
    for (int s = 16; s > 0; s >>= 1) a = op.combine(a, shfl_xor(a, s));
    if (wl == 0) pairs[o] = a;
  }
}

template <class T, bool kLog>
void run_softmax(LineParams p, int device, const TensorView& out, const TensorView& in,
                 const char* name) {
  const int64_t fill = target_blocks(device, 256);
  const BlockShape b = choose_block(p.outer, p.n_lines, p.n, 32, fill);
  p.tiles = ceil_div(p.n_lines, b.slots());
  int64_t parts = 1;
  if (p.tiles < fill) {
    // Few lines: split them into chunks of at least 32 elements a lane.
    const int64_t work = p.n / (int64_t(b.lanes()) * 32);
    parts = std::clamp<int64_t>(std::min(ceil_div(fill, p.tiles), work), 1, 1024);
  }
  p.chunk = ceil_div(ceil_div(p.n, parts), 16) * 16;
  parts = ceil_div(p.n, p.chunk);
  const dim3 block(unsigned(b.bx), unsigned(b.by));
  const dim3 grid(grid_x(p.tiles), unsigned(parts));
  const size_t smem = size_t(b.threads()) * sizeof(Pair<T>);
  const T* x = in.ptr<const T>();
  T* y = out.ptr<T>();
  cudaStream_t stream = stream_for(device);
  if (parts == 1) {
    softmax_kernel<T, kLog><<<grid, block, smem, stream>>>(p, x, y, nullptr, nullptr);
    after_launch(device, name);
    return;
  }
  DeviceBuffer partial(device, size_t(parts * p.n_lines) * sizeof(Pair<T>));
  DeviceBuffer pairs(device, size_t(p.n_lines) * sizeof(Pair<T>));
  softmax_kernel<T, kLog><<<grid, block, smem, stream>>>(p, x, y, partial.as<Pair<T>>(), nullptr);
  after_launch(device, name);
  combine_kernel<T><<<grid_x(ceil_div(p.n_lines, 8)), 256, 0, stream>>>(
      partial.as<Pair<T>>(), pairs.as<Pair<T>>(), p.n_lines, int(parts));
  after_launch(device, name);
  softmax_kernel<T, kLog><<<grid, block, smem, stream>>>(p, x, y, nullptr, pairs.as<Pair<T>>());
  after_launch(device, name);
}

}  // namespace

void softmax(bool log, const TensorView& out, const TensorView& in, int dim) {
  const char* name = log ? "log_softmax" : "softmax";
  bool reduced[kMaxDims] = {};
  if (in.ndim) reduced[dim] = true;
  const TensorView* views[2] = {&in, &out};
  const ReduceGeometry g = cpu::make_geometry(views, 2, reduced, true);
  KILN_DISPATCH_FLOAT(in.dtype, name, [&] {
    if (g.kept.numel() == 0 || g.red.numel() == 0) return;
    LineParams p;
    p.kept = make_kept_indexer<2>(g.kept, 2);
    p.n_lines = g.kept.numel();
    p.n = g.red.shape[0];
    p.sx = g.red.stride[0][0];
    p.sy = g.red.stride[1][0];
    p.outer = cpu::is_outer_reduction(g);
    p.contig = !p.outer && p.sx == 1 && p.sy == 1;
    if (log) run_softmax<scalar_t, true>(p, out.device, out, in, name);
    else run_softmax<scalar_t, false>(p, out.device, out, in, name);
  });
}

}  // namespace kiln::cuda
