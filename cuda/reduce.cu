// SPDX-License-Identifier: MIT
// Reductions on CUDA devices: reduce() (sum, prod, mean, amax, amin, all, any, norm,
// logsumexp, var over any set of dims) and reduce_arg() (max/min with their first index
// along one dim), with the semantics of native/cpu/reduce.cc: the same accepted dtypes and
// errors, integer sums and products in wrapping int64, NaN propagation, first occurrence,
// empty reductions, the CPU's two-pass var (mean first, in double) and its special values of
// logsumexp (which here takes one read, through the online normalizer of softmax).
//
// One kernel serves every op: each thread folds its share of an output's reduced elements
// into accumulators (vector loads on contiguous rows), the lanes of each output are combined
// by block_allreduce (reduce_common.cuh), and a sink finishes and stores the result. When the
// outputs are too few to fill the device, blockIdx.y also splits the reduced positions into
// chunks whose partial results a second kernel combines (a two-pass grid reduction).
#include <cmath>
#include <limits>

#include "../native/core/reduce_names.h"
#include "kernels.h"
#include "reduce_common.cuh"

namespace kiln::cuda {
namespace {

using namespace rdx;

struct ReduceParams {
  KeptIndexer<3> kept;  // operand 0: the input; 1: the output (or indices); 2: values
  RedIndexer red;       // input offsets of the reduced positions
  int64_t n_out = 0, n_red = 0;
  int64_t tiles = 0;    // groups of slots() outputs, one per block at a time
  int64_t chunk = 0;    // reduced positions per blockIdx.y
  bool outer = false;   // layout (reduce_common.cuh)
  bool contig = false;  // inner layout over one reduced dim of stride 1: vector loads
};

ReduceParams make_params(const ReduceGeometry& g, int nops) {
  ReduceParams p;
  p.kept = make_kept_indexer<3>(g.kept, nops);
  p.red = make_red_indexer(g.red, 0);
  p.n_out = g.kept.numel();
  p.n_red = g.red.numel();
  p.outer = cpu::is_outer_reduction(g);
  p.contig = !p.outer && g.red.n == 1 && g.red.stride[0][0] == 1;
  return p;
}

// ---- element maps: input element (and the output's shift) -> accumulated value ---------

struct MapValue {
  template <class A, class In, class S> __device__ A apply(In x, S) const {
    if constexpr (std::is_same_v<In, uint8_t>) return A(x != 0);
    else return A(x);
  }
};
// var, first pass: distance to the output's first element.
struct MapDiff {
  template <class A, class In, class S> __device__ A apply(In x, S s) const { return A(x) - A(s); }
};
// var, second pass: squared distance to the output's mean, in double as on the CPU.
struct MapSqDiff {
  template <class A, class In, class S> __device__ A apply(In x, S mean) const {
    const double d = double(x) - double(mean);
    return A(d * d);
  }
};

// ---- accumulators: init, step (one element at reduced position r), combine ---------------
// `combine` is commutative and associative up to rounding, so lanes and chunks may be
// combined in any tree. Variants that differ only in a scalar choice (max or min, which
// norm) take it at run time, which keeps the number of compiled kernels down.

// Integer and bool sums: wrapping int64. var: float sums of a shifted map.
template <class In, class A, class Map = MapValue>
struct SumOp {
  using Input = In;
  using Acc = A;
  Map map{};
  __device__ A init() const { return A(0); }
  template <class S> __device__ A step(A a, In x, int64_t, S s) const {
    return wrap_add(a, map.template apply<A>(x, s));
  }
  __device__ A combine(A a, A b) const { return wrap_add(a, b); }
};

// Float sums of x (sum, mean; kMapped false) or of a map of x chosen at run time (the
// norms). float32 accumulates in float32 per thread (four interleaved accumulators), then
// in a tree.
enum class FloatMap : int { Value, Abs, Square, Nonzero, PowAbs };
template <class T, bool kMapped>
struct FloatSumOp {
  using Input = T;
  using Acc = T;
  FloatMap map = FloatMap::Value;
  T p = T(0);  // PowAbs exponent
  __device__ T init() const { return T(0); }
  __device__ T apply(T x) const {
    if constexpr (kMapped) {
      switch (map) {
        case FloatMap::Abs: return std::fabs(x);
        case FloatMap::Square: return x * x;
        case FloatMap::Nonzero: return x != T(0) ? T(1) : T(0);
        case FloatMap::PowAbs: return std::pow(std::fabs(x), p);
        default: break;
      }
    }
    return x;
  }
  template <class S> __device__ T step(T a, T x, int64_t, S) const { return a + apply(x); }
  __device__ T combine(T a, T b) const { return a + b; }
};

template <class In, class A>
struct ProdOp {
  using Input = In;
  using Acc = A;
  __device__ A init() const { return A(1); }
  template <class S> __device__ A step(A a, In x, int64_t, S) const { return wrap_mul(a, A(x)); }
  __device__ A combine(A a, A b) const { return wrap_mul(a, b); }
};

// max or min of x (or of |x| for the norms); a NaN, once in, stays. Not for bools, which
// go to LogicalOp.
template <class In>
struct ExtremumOp {
  using Input = In;
  using Acc = In;
  bool is_max = true;
  bool abs = false;
  __device__ In init() const {
    if constexpr (std::is_floating_point_v<In>)
      return is_max ? -std::numeric_limits<In>::infinity() : std::numeric_limits<In>::infinity();
    else
      return is_max ? std::numeric_limits<In>::lowest() : std::numeric_limits<In>::max();
  }
  template <class S> __device__ In step(In a, In x, int64_t, S) const {
    if constexpr (std::is_floating_point_v<In>) {
      if (abs) x = std::fabs(x);
    }
    return combine(a, x);
  }
  __device__ In combine(In a, In b) const {
    const bool take = is_max ? (b > a) : (b < a);
    return (take || is_nan(b)) ? b : a;
  }
};

// all or any: whether elements are nonzero (NaN counts as nonzero). Also serves the bool
// prod (all), amax (any) and amin (all).
template <class In>
struct LogicalOp {
  using Input = In;
  using Acc = int;
  bool is_all = true;
  __device__ int init() const { return is_all ? 1 : 0; }
  template <class S> __device__ int step(int a, In x, int64_t, S) const {
    return combine(a, x != In(0) ? 1 : 0);
  }
  __device__ int combine(int a, int b) const { return is_all ? (a & b) : (a | b); }
};

template <class S>
struct ArgAcc {
  S v;
  int64_t i;  // -1: no element yet
  __device__ ArgAcc shfl_xor(int off) const { return {rdx::shfl_xor(v, off), rdx::shfl_xor(i, off)}; }
};

// The first extremum: a strictly better value wins, a NaN beats any number, and between
// equal values (or two NaNs) the lower index wins, whatever order lanes are combined in.
template <class In>
struct ArgOp {
  using Input = In;
  using Acc = ArgAcc<In>;
  static constexpr int kAccs = 2;
  bool is_max = true;
  __device__ bool better(In v, In best) const {
    return (is_max ? v > best : v < best) || (is_nan(v) && !is_nan(best));
  }
  __device__ Acc init() const { return {In(0), -1}; }
  // Each accumulator sees its positions in increasing order: only a strictly better value
  // replaces the one it holds.
  template <class S> __device__ Acc step(Acc a, In x, int64_t r, S) const {
    const In v = normalize(x);
    return (a.i < 0 || better(v, a.v)) ? Acc{v, r} : a;
  }
  __device__ Acc combine(Acc a, Acc b) const {
    if (a.i < 0) return b;
    if (b.i < 0) return a;
    if (better(b.v, a.v)) return b;
    if (better(a.v, b.v)) return a;
    return b.i < a.i ? b : a;
  }
};

// ---- per-output shifts: a value each output's elements are mapped against ---------------

struct NoShift {
  using type = char;
  template <class In> __device__ char operator()(int64_t, const In*) const { return 0; }
};
// The output's first element (position 0 of its reduction).
template <class S> struct FirstShift {
  using type = S;
  template <class In> __device__ S operator()(int64_t, const In* xb) const { return S(xb[0]); }
};
// A value per dense output position, computed by an earlier pass.
template <class S> struct BufShift {
  using type = S;
  const S* buf;
  template <class In> __device__ S operator()(int64_t o, const In*) const { return buf[o]; }
};

// ---- finishing: accumulator (and shift) -> result ---------------------------------------

struct Same {
  template <class A, class S> __device__ A operator()(A a, S) const { return a; }
};
struct DivBy {
  double n;
  template <class A, class S> __device__ double operator()(A a, S) const { return double(a) / n; }
};
// Float sums: divided (sum by 1, mean by the count), square-rooted (2-norm) or raised to
// 1/p (p-norm).
struct FloatFinish {
  enum Kind : int { Div, Sqrt, Pow } kind;
  double arg;
  template <class A, class S> __device__ double operator()(A a, S) const {
    const double v = double(a);
    switch (kind) {
      case Sqrt: return std::sqrt(v);
      case Pow: return std::pow(v, arg);
      default: return v / arg;
    }
  }
};
// var: the mean as first + mean(x - first), exactly the common value of constant inputs.
struct MeanFromFirst {
  double n;
  template <class A, class S> __device__ double operator()(A a, S first) const {
    return double(first) + double(a) / n;
  }
};

// ---- sinks: where a finished result goes -------------------------------------------------

// The output view (operand 1), in its own dtype.
template <class F> struct OutSink {
  char* data;
  DType dtype;
  F finish;
  template <class A, class S>
  __device__ void operator()(int64_t, const int64_t (&off)[3], A a, S s) const {
    store_dyn(data, dtype, off[1], finish(a, s));
  }
};
template <class F> OutSink<F> to_output(const TensorView& out, F finish) {
  return {out.data, out.dtype, finish};
}

// A scratch buffer indexed by dense output position, for the next pass.
template <class B, class F> struct BufSink {
  B* buf;
  F finish;
  template <class A, class S>
  __device__ void operator()(int64_t o, const int64_t (&)[3], A a, S s) const {
    buf[o] = B(finish(a, s));
  }
};

// reduce_arg: indices (operand 1, int64) and optional values (operand 2).
template <class In> struct ArgSink {
  int64_t* indices;
  char* values;  // null for argmax/argmin
  DType values_dtype;
  template <class S>
  __device__ void operator()(int64_t, const int64_t (&off)[3], ArgAcc<In> a, S) const {
    indices[off[1]] = a.i;
    if (values) store_dyn(values, values_dtype, off[2], a.v);
  }
};

// ---- kernels ----------------------------------------------------------------------------

// Independent accumulators per thread: four (separate dependency chains, and shorter float
// sums), unless the op says fewer (its accumulators are large).
template <class Op, class = void> struct AccCount { static constexpr int value = 4; };
template <class Op> struct AccCount<Op, std::void_t<decltype(Op::kAccs)>> {
  static constexpr int value = Op::kAccs;
};

// Folds reduced positions [r0, r1) of the output whose input starts at xb, positions
// lane, lane + lanes, ... of the range (in vectors of 16 bytes on contiguous rows).
template <class Op, class S>
__device__ __forceinline__ typename Op::Acc accumulate(const Op& op, const ReduceParams& p,
                                                       const typename Op::Input* __restrict__ xb,
                                                       int64_t r0, int64_t r1, int lane, int lanes,
                                                       S sh) {
  using Acc = typename Op::Acc;
  using In = typename Op::Input;
  constexpr int K = AccCount<Op>::value;
  Acc a[K];
#pragma unroll
  for (int k = 0; k < K; ++k) a[k] = op.init();
  if (p.contig) {
    constexpr int V = 16 / int(sizeof(In));
    using Vec = VecOf<In, V>;
    const In* base = xb + r0;
    const int64_t n = r1 - r0;
    const int mis = int((reinterpret_cast<uintptr_t>(base) & 15) / sizeof(In));
    const int64_t head = std::min<int64_t>(n, mis ? V - mis : 0);
    for (int64_t i = lane; i < head; i += lanes) a[0] = op.step(a[0], base[i], r0 + i, sh);
    const int64_t nv = (n - head) / V;
    const Vec* vp = reinterpret_cast<const Vec*>(base + head);
    auto fold = [&](const Vec& v, int64_t i) {
      const int64_t r = r0 + head + i * V;
#pragma unroll
      for (int k = 0; k < V; ++k) a[k % K] = op.step(a[k % K], v.v[k], r + k, sh);
    };
    // Two loads in flight per thread before their values are used.
    int64_t i = lane;
    for (; i + lanes < nv; i += 2 * int64_t(lanes)) {
      const Vec v0 = vp[i], v1 = vp[i + lanes];
      fold(v0, i);
      fold(v1, i + lanes);
    }
    if (i < nv) fold(vp[i], i);
    for (int64_t i = head + nv * V + lane; i < n; i += lanes) a[0] = op.step(a[0], base[i], r0 + i, sh);
  } else if (p.red.n == 1) {
    const int64_t st = p.red.stride[0];
    int64_t r = r0 + lane;
    for (; r + (K - 1) * int64_t(lanes) < r1; r += K * int64_t(lanes)) {
      In v[K];
#pragma unroll
      for (int k = 0; k < K; ++k) v[k] = xb[(r + k * lanes) * st];
#pragma unroll
      for (int k = 0; k < K; ++k) a[k] = op.step(a[k], v[k], r + k * lanes, sh);
    }
    for (; r < r1; r += lanes) a[0] = op.step(a[0], xb[r * st], r, sh);
  } else {
    int64_t r = r0 + lane;
    for (; r + (K - 1) * int64_t(lanes) < r1; r += K * int64_t(lanes)) {
      In v[K];
#pragma unroll
      for (int k = 0; k < K; ++k) v[k] = xb[p.red.offset(r + k * lanes)];
#pragma unroll
      for (int k = 0; k < K; ++k) a[k] = op.step(a[k], v[k], r + k * lanes, sh);
    }
    for (; r < r1; r += lanes) a[0] = op.step(a[0], xb[p.red.offset(r)], r, sh);
  }
#pragma unroll
  for (int k = 1; k < K; ++k) a[0] = op.combine(a[0], a[k]);
  return a[0];
}

// Pass one. Block (bx, by) serves tiles of outputs; blockIdx.y picks the chunk of reduced
// positions. With one chunk the sink stores the result; otherwise it goes to
// partial[chunk * n_out + o].
template <class Op, class Src, class Sink>
__global__ void __launch_bounds__(512, 2)
reduce_kernel(const __grid_constant__ ReduceParams p, const typename Op::Input* __restrict__ x,
              const Op op, const Src src, const Sink sink, typename Op::Acc* __restrict__ partial) {
  using Acc = typename Op::Acc;
  extern __shared__ __align__(16) unsigned char smem_raw[];
  Acc* smem = reinterpret_cast<Acc*>(smem_raw);
  const int slot = p.outer ? threadIdx.x : threadIdx.y;
  const int lane = p.outer ? threadIdx.y : threadIdx.x;
  const int slots = p.outer ? blockDim.x : blockDim.y;
  const int lanes = p.outer ? blockDim.y : blockDim.x;
  const int64_t r0 = int64_t(blockIdx.y) * p.chunk;
  const int64_t r1 = r0 + p.chunk < p.n_red ? r0 + p.chunk : p.n_red;
  for (int64_t tile = blockIdx.x; tile < p.tiles; tile += gridDim.x) {
    const int64_t o = tile * slots + slot;
    const bool active = o < p.n_out;
    int64_t off[3] = {0, 0, 0};
    typename Src::type sh{};
    Acc acc = op.init();
    if (active) {
      p.kept.get(o, off);
      sh = src(o, x + off[0]);
      acc = accumulate(op, p, x + off[0], r0, r1, lane, lanes, sh);
    }
    acc = block_allreduce(op, acc, p.outer, smem);
    if (active && lane == 0) {
      if (partial) partial[int64_t(blockIdx.y) * p.n_out + o] = acc;
      else sink(o, off, acc, sh);
    }
  }
}

// Pass two: one warp per output combines its `parts` chunk results and stores the result.
template <class Op, class Src, class Sink>
__global__ void __launch_bounds__(256, 4)
finish_kernel(const __grid_constant__ ReduceParams p, const typename Op::Input* __restrict__ x,
              const Op op, const Src src, const Sink sink,
              const typename Op::Acc* __restrict__ partial, int parts) {
  using Acc = typename Op::Acc;
  const int wl = threadIdx.x & 31;
  const int64_t warps = int64_t(gridDim.x) * (blockDim.x >> 5);
  for (int64_t o = (int64_t(blockIdx.x) * blockDim.x + threadIdx.x) >> 5; o < p.n_out; o += warps) {
    Acc a = op.init();
    for (int c = wl; c < parts; c += 32) a = op.combine(a, partial[int64_t(c) * p.n_out + o]);
    for (int s = 16; s > 0; s >>= 1) a = op.combine(a, shfl_xor(a, s));
    if (wl == 0) {
      int64_t off[3];
      p.kept.get(o, off);
      sink(o, off, a, src(o, x + off[0]));
    }
  }
}

// Writes `v` to every output (reductions over no elements).
__global__ void __launch_bounds__(256, 4)
fill_outputs_kernel(const __grid_constant__ KeptIndexer<3> kept, int64_t n_out, char* data,
                    DType dtype, double v) {
  const int64_t step = int64_t(gridDim.x) * blockDim.x;
  for (int64_t o = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; o < n_out; o += step) {
    int64_t off[3];
    kept.get(o, off);
    store_dyn(data, dtype, off[1], v);
  }
}

// Runs op over every output of p: picks the block shape, splits the reduced positions into
// chunks when the outputs alone leave the device idle, and launches one or two passes.
template <class Op, class Src, class Sink>
void run(ReduceParams p, int device, const void* data, const Op& op, const Src& src,
         const Sink& sink, const char* name) {
  using Acc = typename Op::Acc;
  using In = typename Op::Input;
  const int64_t fill = target_blocks(device, 256);
  const BlockShape b = choose_block(p.outer, p.n_out, p.n_red, 32, fill);
  p.tiles = ceil_div(p.n_out, b.slots());
  int64_t parts = 1;
  if (p.tiles < fill) {
    // Enough chunks to fill the device, each still worth at least 16 elements a lane.
    const int64_t want = ceil_div(fill, p.tiles);
    const int64_t work = p.n_red / (int64_t(b.lanes()) * 16);
    parts = std::clamp<int64_t>(std::min(want, work), 1, 1024);
  }
  // Chunks of a multiple of 16 positions keep a contiguous row's vectors aligned alike.
  p.chunk = ceil_div(ceil_div(p.n_red, parts), 16) * 16;
  parts = ceil_div(p.n_red, p.chunk);
  const dim3 block(unsigned(b.bx), unsigned(b.by));
  const dim3 grid(grid_x(p.tiles), unsigned(parts));
  const size_t smem = size_t(b.threads()) * sizeof(Acc);
  const In* x = static_cast<const In*>(static_cast<const void*>(data));
  cudaStream_t stream = stream_for(device);
  if (parts == 1) {
    reduce_kernel<Op, Src, Sink><<<grid, block, smem, stream>>>(p, x, op, src, sink, nullptr);
    after_launch(device, name);
    return;
  }
  DeviceBuffer partial(device, size_t(parts * p.n_out) * sizeof(Acc));
  reduce_kernel<Op, Src, Sink><<<grid, block, smem, stream>>>(p, x, op, src, sink, partial.as<Acc>());
  after_launch(device, name);
  finish_kernel<Op, Src, Sink><<<grid_x(ceil_div(p.n_out, 8)), 256, 0, stream>>>(
      p, x, op, src, sink, partial.as<Acc>(), int(parts));
  after_launch(device, name);
}

// ---- reduce() ---------------------------------------------------------------------------

template <class T>
void reduce_norm(const ReduceParams& p, int dev, const TensorView& out, const TensorView& in,
                 double pw) {
  const char* name = "norm";
  const double inf = std::numeric_limits<double>::infinity();
  auto sum_of = [&](FloatMap map, FloatFinish finish) {
    run(p, dev, in.data, FloatSumOp<T, true>{map, T(pw)}, NoShift{}, to_output(out, finish), name);
  };
  auto extremum_of_abs = [&](bool is_max) {
    run(p, dev, in.data, ExtremumOp<T>{is_max, true}, NoShift{}, to_output(out, Same{}), name);
  };
  if (pw == 0) {
    sum_of(FloatMap::Nonzero, {FloatFinish::Div, 1.0});
  } else if (p.n_red == 1) {
    // The norm of one element is its absolute value exactly, not |x|^p rounded and rooted.
    extremum_of_abs(true);
  } else if (pw == 1) {
    sum_of(FloatMap::Abs, {FloatFinish::Div, 1.0});
  } else if (pw == 2) {
    sum_of(FloatMap::Square, {FloatFinish::Sqrt, 0.0});
  } else if (pw == inf || pw == -inf) {
    extremum_of_abs(pw == inf);
  } else {
    sum_of(FloatMap::PowAbs, {FloatFinish::Pow, 1.0 / pw});
  }
}

// logsumexp in one read, from the online (max, sum) pair: max + log(sum(exp(x - max))),
// with the CPU's results for special values: NaN for a NaN, +inf for a +inf (the CPU shifts
// by 0 then), -inf when every element is -inf.
struct LogSumExpFinish {
  template <class T, class S> __device__ double operator()(Pair<T> a, S) const {
    if (is_nan(a.m) || fn::isinf(a.m)) return double(a.m);
    return std::log(double(a.s)) + double(a.m);
  }
};

template <class T>
void reduce_logsumexp(const ReduceParams& p, int dev, const TensorView& out, const TensorView& in) {
  run(p, dev, in.data, OnlineOp<T>{}, NoShift{}, to_output(out, LogSumExpFinish{}), "logsumexp");
}

// Two passes as on the CPU: the mean as first + mean(x - first), kept in double, then the
// sum of squared distances to it in double.
template <class T>
void reduce_var(const ReduceParams& p, int dev, const TensorView& out, const TensorView& in,
                double correction) {
  const char* name = "var";
  const double n = double(p.n_red);
  DeviceBuffer mean(dev, size_t(p.n_out) * sizeof(double));
  run(p, dev, in.data, SumOp<T, T, MapDiff>{}, FirstShift<T>{},
      BufSink<double, MeanFromFirst>{mean.as<double>(), MeanFromFirst{n}}, name);
  // N - correction <= 0 divides by zero: inf, or NaN for a zero sum, as PyTorch gives.
  const double denom = std::max(0.0, n - correction);
  run(p, dev, in.data, SumOp<T, double, MapSqDiff>{}, BufShift<double>{mean.as<double>()},
      to_output(out, DivBy{denom}), name);
}

// ---- reduce_arg() -----------------------------------------------------------------------

// Runs the reduction of scalar type T for `op` (sum, prod, mean, amax, amin, all, any) into
// `out`. Bools go to LogicalOp for prod (all), amax (any) and amin (all), which give the
// same 0/1 results as the CPU's byte arithmetic.
template <class T>
void reduce_simple(ReduceOp op, const ReduceParams& p, int dev, const TensorView& out,
                   const TensorView& in, const char* name) {
  using In = storage_t<T>;
  constexpr bool kFloat = std::is_floating_point_v<T>;
  constexpr bool kBool = std::is_same_v<T, bool>;
  const auto same = to_output(out, Same{});
  auto logical = [&](bool is_all) { run(p, dev, in.data, LogicalOp<In>{is_all}, NoShift{}, same, name); };
  switch (op) {
    case ReduceOp::sum:
    case ReduceOp::mean:
      if constexpr (kFloat) {
        const double n = op == ReduceOp::mean ? double(p.n_red) : 1.0;
        run(p, dev, in.data, FloatSumOp<T, false>{}, NoShift{},
            to_output(out, FloatFinish{FloatFinish::Div, n}), name);
      } else {
        run(p, dev, in.data, SumOp<In, int64_t>{}, NoShift{}, same, name);
      }
      return;
    case ReduceOp::prod:
      if constexpr (kBool) logical(true);
      else run(p, dev, in.data, ProdOp<In, std::conditional_t<kFloat, T, int64_t>>{}, NoShift{}, same, name);
      return;
    case ReduceOp::amax:
    case ReduceOp::amin:
      if constexpr (kBool) logical(op == ReduceOp::amin);
      else run(p, dev, in.data, ExtremumOp<In>{op == ReduceOp::amax, false}, NoShift{}, same, name);
      return;
    case ReduceOp::all:
    case ReduceOp::any:
      logical(op == ReduceOp::all);
      return;
    default: break;
  }
  throw Error(ErrorCode::Internal, make_string(name, ": not a simple reduction"));
}

template <class T>
void arg_reduce(const ReduceParams& p, int dev, bool is_max, const TensorView* values,
                const TensorView& indices, const TensorView& in, const char* name) {
  using In = storage_t<T>;
  const ArgSink<In> sink{indices.ptr<int64_t>(), values ? values->data : nullptr,
                         values ? values->dtype : DType::I64};
  run(p, dev, in.data, ArgOp<In>{is_max}, NoShift{}, sink, name);
}

}  // namespace

void reduce(ReduceOp op, const TensorView& out, const TensorView& in, double param) {
  const char* name = reduce_name(op);
  bool reduced[kMaxDims] = {};
  for (int d = 0; d < in.ndim; ++d) reduced[d] = out.shape[d] == 1 && in.shape[d] != 1;
  const TensorView* views[2] = {&in, &out};
  const ReduceGeometry g = cpu::make_geometry(views, 2, reduced, false);
  const int64_t n_out = g.kept.numel(), n_red = g.red.numel();

  const bool float_only = op == ReduceOp::mean || op == ReduceOp::norm ||
                          op == ReduceOp::logsumexp || op == ReduceOp::var;
  if (float_only && !is_floating(in.dtype)) throw_unsupported_dtype(name, in.dtype);
  if (n_red == 0) {
    KILN_CHECK(op != ReduceOp::amax && op != ReduceOp::amin, InvalidArgument, name,
               "(): cannot reduce over a zero-size dimension, as the operation has no identity");
    KILN_CHECK(op != ReduceOp::norm || (param >= 0 && !std::isinf(param)), InvalidArgument,
               "norm(): cannot compute the ", param,
               " norm over a zero-size dimension, as the operation has no identity");
  }
  if (n_out == 0) return;
  const int dev = out.device;
  const ReduceParams p = make_params(g, 2);
  if (n_red == 0) {
    fill_outputs_kernel<<<grid_for(n_out), kBlockSize, 0, stream_for(dev)>>>(
        p.kept, n_out, out.data, out.dtype, empty_result(op));
    after_launch(dev, name);
    return;
  }

  switch (op) {
    case ReduceOp::sum:
    case ReduceOp::prod:
    case ReduceOp::amax:
    case ReduceOp::amin:
    case ReduceOp::all:
    case ReduceOp::any:
      return KILN_DISPATCH_ALL(in.dtype, name, [&] { reduce_simple<scalar_t>(op, p, dev, out, in, name); });
    case ReduceOp::mean:
      return KILN_DISPATCH_FLOAT(in.dtype, name, [&] { reduce_simple<scalar_t>(op, p, dev, out, in, name); });
    case ReduceOp::norm:
      return KILN_DISPATCH_FLOAT(in.dtype, name, [&] { reduce_norm<scalar_t>(p, dev, out, in, param); });
    case ReduceOp::logsumexp:
      return KILN_DISPATCH_FLOAT(in.dtype, name, [&] { reduce_logsumexp<scalar_t>(p, dev, out, in); });
    case ReduceOp::var:
      return KILN_DISPATCH_FLOAT(in.dtype, name, [&] { reduce_var<scalar_t>(p, dev, out, in, param); });
    default: break;
  }
  throw Error(ErrorCode::InvalidArgument, make_string("reduce: unknown op code ", int(op)));
}

void reduce_arg(bool is_max, const TensorView* values, const TensorView& indices,
                const TensorView& in, int dim) {
  const char* name = is_max ? (values ? "max" : "argmax") : (values ? "min" : "argmin");
  const int64_t n = in.ndim ? in.shape[dim] : 1;
  KILN_CHECK(n > 0, InvalidArgument, name,
             "(): cannot reduce over a zero-size dimension, as the operation has no identity");
  bool reduced[kMaxDims] = {};
  if (in.ndim) reduced[dim] = true;
  const TensorView* views[3] = {&in, &indices, values};
  const int nops = values ? 3 : 2;
  const ReduceGeometry g = cpu::make_geometry(views, nops, reduced, false);
  if (g.kept.numel() == 0) return;
  const ReduceParams p = make_params(g, nops);
  KILN_DISPATCH_ALL(in.dtype, name, [&] {
    arg_reduce<scalar_t>(p, indices.device, is_max, values, indices, in, name);
  });
}

}  // namespace kiln::cuda
