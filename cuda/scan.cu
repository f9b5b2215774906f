// SPDX-License-Identifier: MIT
// Inclusive scans along one dim on CUDA devices: cumulative() (cumsum, cumprod), with the
// semantics of native/cpu/reduce.cc: floats accumulate in float64, integers and bools in
// wrapping int64, and the result is converted to the output's dtype (int64 for integer and
// bool inputs, as lib/ops asks).
//
// Two layouts (reduce_common.cuh): when the scanned dim is the fastest, a group of lanes (a
// warp or a whole block) scans a line tile by tile, each lane taking kItems adjacent
// elements and the group combining lane totals with warp shuffles; otherwise each thread
// scans one line and adjacent threads take adjacent lines, so every row is read coalesced.
// When lines are too few to fill the device, each line is cut into chunks: a first pass
// totals every chunk, the totals are scanned per line, and a last pass scans each chunk from
// its offset (the CPU's chunked scan).
#include <type_traits>

#include "kernels.h"
#include "reduce_common.cuh"

namespace kiln::cuda {
namespace {

using namespace rdx;

constexpr int kItems = 4;  // adjacent elements per lane and tile (inner layout)

struct ScanParams {
  KeptIndexer<2> kept;  // operand 0: the input; 1: the output
  int64_t n_lines = 0, n = 0;
  int64_t sx = 0, sy = 0;  // element strides along a line
  int64_t tiles = 0;       // inner layout: groups of blockDim.y lines
  int64_t chunk = 0;       // elements per chunk of a line
  int nch = 1;             // chunks per line
};

template <class T> using scan_acc_t = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;

template <class A, bool kProd>
struct ScanOp {
  __device__ static A identity() { return kProd ? A(1) : A(0); }
  __device__ static A step(A acc, A v) { return kProd ? wrap_mul(acc, v) : wrap_add(acc, v); }
};

template <class A>
__device__ __forceinline__ A shfl_up(A v, int delta, int width) {
  return __shfl_up_sync(0xffffffffu, v, delta, width);
}

// Exclusive scan of `v` over the bx lanes of each slot (threadIdx.y); `total` receives the
// slot's total. Every thread of the block calls it. smem: one A per warp.
template <class Op, class A>
__device__ __forceinline__ A group_exclusive_scan(A v, A& total, A* smem) {
  const int bx = blockDim.x, lane = threadIdx.x, slot = threadIdx.y;
  const int w = bx < 32 ? bx : 32;
  const int lw = lane & (w - 1);
  A incl = v;
  for (int d = 1; d < w; d <<= 1) {
    const A t = shfl_up(incl, d, w);
    if (lw >= d) incl = Op::step(t, incl);
  }
  const A warp_total = __shfl_sync(0xffffffffu, incl, w - 1, w);
  A excl = shfl_up(incl, 1, w);
  if (lw == 0) excl = Op::identity();
  if (bx <= 32) {
    total = warp_total;
    return excl;
  }
  // Several warps per slot: each adds the totals of the warps before it.
  const int ws = bx >> 5, wi = lane >> 5;
  if (lw == 31) smem[slot * ws + wi] = warp_total;
  __syncthreads();
  A before = Op::identity(), all = Op::identity();
  for (int k = 0; k < ws; ++k) {
    const A t = smem[slot * ws + k];
    if (k < wi) before = Op::step(before, t);
    all = Op::step(all, t);
  }
  __syncthreads();
  total = all;
  return Op::step(before, excl);
}

// Inner layout. blockIdx.y is the chunk. With `write`, scans the chunk of every line into y,
// starting from offsets[o * nch + c] when offsets is set; without, stores the chunk totals
// there instead.
template <class In, class A, bool kProd>
__global__ void __launch_bounds__(512, 2)
scan_inner_kernel(const __grid_constant__ ScanParams p, const In* __restrict__ x, char* y,
                  DType ydt, A* offsets, bool write) {
  using Op = ScanOp<A, kProd>;
  extern __shared__ __align__(16) unsigned char smem_raw[];
  A* smem = reinterpret_cast<A*>(smem_raw);
  const int lane = threadIdx.x, slot = threadIdx.y;
  const int c = blockIdx.y;
  const int64_t i0 = int64_t(c) * p.chunk;
  const int64_t i1 = i0 + p.chunk < p.n ? i0 + p.chunk : p.n;
  const int64_t tile_len = int64_t(blockDim.x) * kItems;
  for (int64_t tile = blockIdx.x; tile < p.tiles; tile += gridDim.x) {
    const int64_t o = tile * blockDim.y + slot;
    const bool active = o < p.n_lines;
    int64_t off[2] = {0, 0};
    A carry = Op::identity();
    if (active) {
      p.kept.get(o, off);
      if (write && offsets) carry = offsets[o * p.nch + c];
    }
    const In* xl = x + off[0];
    for (int64_t base = i0; base < i1; base += tile_len) {
      const int64_t first = base + int64_t(lane) * kItems;
      A v[kItems];
      A local = Op::identity();
#pragma unroll
      for (int k = 0; k < kItems; ++k) {
        const int64_t i = first + k;
        if (active && i < i1) local = Op::step(local, A(normalize(xl[i * p.sx])));
        v[k] = local;
      }
      A total;
      const A excl = group_exclusive_scan<Op>(local, total, smem);
      if (write && active) {
        const A pre = Op::step(carry, excl);
#pragma unroll
        for (int k = 0; k < kItems; ++k) {
          const int64_t i = first + k;
          if (i < i1) store_dyn(y, ydt, off[1] + i * p.sy, Op::step(pre, v[k]));
        }
      }
      carry = Op::step(carry, total);
    }
    if (!write && active && lane == 0) offsets[o * p.nch + c] = carry;
  }
}

// Outer layout: thread (x, y) scans chunk blockIdx.y * blockDim.y + y of line
// blockIdx.x * blockDim.x + x; `write` and `offsets` as above.
template <class In, class A, bool kProd>
__global__ void __launch_bounds__(256, 4)
scan_outer_kernel(const __grid_constant__ ScanParams p, const In* __restrict__ x, char* y,
                  DType ydt, A* offsets, bool write) {
  using Op = ScanOp<A, kProd>;
  const int64_t c = int64_t(blockIdx.y) * blockDim.y + threadIdx.y;
  if (c >= p.nch) return;
  const int64_t i0 = c * p.chunk;
  const int64_t i1 = i0 + p.chunk < p.n ? i0 + p.chunk : p.n;
  const int64_t step = int64_t(gridDim.x) * blockDim.x;
  for (int64_t o = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; o < p.n_lines; o += step) {
    int64_t off[2];
    p.kept.get(o, off);
    const In* xl = x + off[0];
    A carry = (write && offsets) ? offsets[o * p.nch + c] : Op::identity();
    if (write) {
      for (int64_t i = i0; i < i1; ++i) {
        carry = Op::step(carry, A(normalize(xl[i * p.sx])));
        store_dyn(y, ydt, off[1] + i * p.sy, carry);
      }
    } else {
#pragma unroll 4
      for (int64_t i = i0; i < i1; ++i) carry = Op::step(carry, A(normalize(xl[i * p.sx])));
      offsets[o * p.nch + c] = carry;
    }
  }
}

// Turns the chunk totals of every line into the exclusive scan of them: each chunk's offset.
template <class A, bool kProd>
__global__ void __launch_bounds__(256)
scan_totals_kernel(A* totals, int64_t n_lines, int nch) {
  using Op = ScanOp<A, kProd>;
  const int64_t step = int64_t(gridDim.x) * blockDim.x;
  for (int64_t o = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; o < n_lines; o += step) {
    A carry = Op::identity();
    for (int c = 0; c < nch; ++c) {
      const A t = totals[o * nch + c];
      totals[o * nch + c] = carry;
      carry = Op::step(carry, t);
    }
  }
}

template <class T, bool kProd>
void run_scan(ScanParams p, bool outer, int device, const TensorView& out, const TensorView& in,
              const char* name) {
  using In = storage_t<T>;
  using A = scan_acc_t<T>;
  const In* x = in.ptr<const In>();
  const int64_t fill = target_blocks(device, 256);
  dim3 grid, block;
  size_t smem = 0;
  int64_t nch = 1;
  if (!outer) {
    const BlockShape b = choose_block(false, p.n_lines, ceil_div(p.n, kItems), 8, fill);
    p.tiles = ceil_div(p.n_lines, b.by);
    if (p.tiles < fill) {
      // Chunks of at least 8 tiles.
      const int64_t work = p.n / (int64_t(b.bx) * kItems * 8);
      nch = std::clamp<int64_t>(std::min(ceil_div(fill, p.tiles), work), 1, 1024);
    }
    block = dim3(unsigned(b.bx), unsigned(b.by));
    smem = size_t(b.threads() / 32 + 1) * sizeof(A);
  } else {
    const int bx = pow2_at_least(p.n_lines, 256);
    const int by = 256 / bx;
    const int64_t threads = ceil_div(p.n_lines, bx) * bx;
    if (threads < fill * 256) {
      // Chunks of at least 32 rows.
      nch = std::clamp<int64_t>(std::min(ceil_div(fill * 256, threads), p.n / 32), 1, 1024);
    }
    block = dim3(unsigned(bx), unsigned(by));
  }
  p.chunk = ceil_div(p.n, nch);
  p.nch = int(ceil_div(p.n, p.chunk));
  if (!outer) grid = dim3(grid_x(p.tiles), unsigned(p.nch));
  else grid = dim3(grid_x(ceil_div(p.n_lines, block.x)), unsigned(ceil_div(p.nch, block.y)));

  cudaStream_t stream = stream_for(device);
  auto launch = [&](A* offsets, bool write) {
    if (!outer)
      scan_inner_kernel<In, A, kProd><<<grid, block, smem, stream>>>(p, x, out.data, out.dtype, offsets, write);
    else
      scan_outer_kernel<In, A, kProd><<<grid, block, 0, stream>>>(p, x, out.data, out.dtype, offsets, write);
    after_launch(device, name);
  };
  if (p.nch == 1) return launch(nullptr, true);
  DeviceBuffer offsets(device, size_t(p.n_lines * p.nch) * sizeof(A));
  launch(offsets.as<A>(), false);
  scan_totals_kernel<A, kProd><<<grid_for(p.n_lines), kBlockSize, 0, stream>>>(offsets.as<A>(), p.n_lines, p.nch);
  after_launch(device, name);
  launch(offsets.as<A>(), true);
}

}  // namespace

void cumulative(bool is_prod, const TensorView& out, const TensorView& in, int dim) {
  const char* name = is_prod ? "cumprod" : "cumsum";
  bool reduced[kMaxDims] = {};
  if (in.ndim) reduced[dim] = true;
  const TensorView* views[2] = {&in, &out};
  const ReduceGeometry g = cpu::make_geometry(views, 2, reduced, true);
  if (g.kept.numel() == 0 || g.red.numel() == 0) return;
  ScanParams p;
  p.kept = make_kept_indexer<2>(g.kept, 2);
  p.n_lines = g.kept.numel();
  p.n = g.red.shape[0];
  p.sx = g.red.stride[0][0];
  p.sy = g.red.stride[1][0];
  const bool outer = cpu::is_outer_reduction(g);
  // Every output dtype is stored through store_dyn, so only the input's dtype is dispatched.
  KILN_DISPATCH_ALL(in.dtype, name, [&] {
    if (is_prod) run_scan<scalar_t, true>(p, outer, out.device, out, in, name);
    else run_scan<scalar_t, false>(p, outer, out.device, out, in, name);
  });
}

}  // namespace kiln::cuda
