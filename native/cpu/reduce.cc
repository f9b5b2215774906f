// SPDX-License-Identifier: MIT
// Reductions (sum, prod, mean, amax/amin, all/any, norm, logsumexp, var), max/min with
// indices, cumulative sum/product and softmax. reduce_plan.h turns every view into kept and
// reduced dims; then one of two drivers runs, both with contiguous inner loops:
//  - inner reductions (the input's fastest dim is reduced): each output reduces its runs of
//    input through independent lanes (see reduce_ops.h);
//  - outer reductions (the fastest dim is kept): rows of outputs accumulate whole input rows.
// Long reductions are cut into chunks of fixed size whose partial results are combined in a
// fixed order, so results never depend on the number of threads.
#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include "../core/reduce_names.h"
#include "../core/error.h"
#include "float_row_kernels.h"
#include "kernels.h"
#include "reduce_ops.h"
#include "reduce_plan.h"
#include "thread_pool.h"

namespace kiln::cpu {
namespace {

constexpr int64_t kGrain = 32768;        // work (elements) below which a loop stays serial
constexpr int64_t kChunk = 32768;        // reduction elements per partial result
constexpr int64_t kBlock = 1024;         // elements reduced in lanes before folding into Acc
constexpr int64_t kRowBlock = 64;        // rows accumulated in lanes before folding into Acc
constexpr int64_t kColBlock = 1024;      // outputs per task when rows of outputs are swept
constexpr int64_t kLaneBytes = 16384;    // the same for outer reductions, as bytes of lanes
constexpr int64_t kRowGroup = 8;         // outer reductions: input rows per pass over the lanes
constexpr int64_t kCombineCols = 512;    // outputs per task when chunk results are combined
constexpr int64_t kMinColTasks = 64;     // fewer tasks than this split long lines too
constexpr int64_t kMaxRowChunks = 64;

// Enough independent accumulators to cover the add latency with SSE2-width vectors.
template <class Lane> constexpr int kLanes = sizeof(Lane) >= 8 ? 16 : 32;

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

template <class To, class From> To convert(From v) {
  if constexpr (std::is_same_v<To, bool>) {
    return v != From(0);
  } else if constexpr (std::is_integral_v<To> && std::is_floating_point_v<From>) {
    return fn::param_cast<To>(double(v));  // saturates instead of UB on NaN, inf, overflow
  } else {
    return static_cast<To>(v);
  }
}

// Bools are stored as bytes; comparisons between elements must see them as 0 or 1.
template <class S> S normalize(S v) {
  if constexpr (std::is_same_v<S, uint8_t>) return S(v != 0);
  else return v;
}

template <class S> bool is_nan(S v) {
  if constexpr (std::is_floating_point_v<S>) return v != v;
  else return false;
}

// How a sweep over an outer layout is cut into tasks: blocks of up to `col_block` adjacent
// outputs along the innermost kept dim (wide, so that each input row segment is a long
// contiguous read), and, when that gives few tasks, chunks of the reduced rows as well.
// Everything here depends on the shape only, never on the thread count.
struct OuterSchedule {
  int64_t width, outer, rows, cb, ncb, pairs, nrc, rpc;

  explicit OuterSchedule(const ReduceGeometry& g, int64_t col_block = kColBlock) {
    width = g.kept.inner_size();
    outer = g.kept.numel() / width;
    rows = g.red.numel();
    cb = std::min(width, col_block);
    ncb = ceil_div(width, cb);
    pairs = outer * ncb;
    nrc = 1;
    if (pairs < kMinColTasks) nrc = std::clamp<int64_t>(rows * cb / kChunk, 1, kMaxRowChunks);
    rpc = ceil_div(rows, nrc);
    nrc = ceil_div(rows, rpc);
  }
  int64_t tasks() const { return pairs * nrc; }
  int64_t grain() const { return std::max<int64_t>(1, kGrain / (rpc * cb)); }

  // Task t covers outputs [j0, j0 + w) of outer position p, over reduced rows [r0, r1).
  struct Task {
    int64_t pair, chunk, p, j0, w, r0, r1;
  };
  Task task(int64_t t) const {
    Task k;
    k.pair = t / nrc;
    k.chunk = t % nrc;
    k.p = k.pair / ncb;
    k.j0 = (k.pair % ncb) * cb;
    k.w = std::min(cb, width - k.j0);
    k.r0 = k.chunk * rpc;
    k.r1 = std::min(rows, k.r0 + rpc);
    return k;
  }
};

// Combines the chunk results of an outer sweep in chunk order: for every block of outputs,
// res[j] = combine(...combine(chunk 0, chunk 1)..., last chunk), with partial holding the
// results of task t at partial[t * cb]. The blocks are cut into pieces of kCombineCols
// outputs, so that one wide block is still shared among threads.
template <class V, class Combine>
void combine_chunks(const OuterSchedule& s, const std::vector<V>& partial, V* res,
                    Combine combine) {
  const int64_t pieces = ceil_div(s.cb, kCombineCols);
  const int64_t grain = std::max<int64_t>(1, kGrain / (s.nrc * kCombineCols));
  parallel_for(s.pairs * pieces, grain, [&](int64_t b, int64_t e) {
    for (int64_t u = b; u < e; ++u) {
      const int64_t pair = u / pieces, j0 = (u % pieces) * kCombineCols;
      const auto k = s.task(pair * s.nrc);
      const int64_t j1 = std::min(k.w, j0 + kCombineCols);
      const V* src = partial.data() + pair * s.nrc * s.cb;
      V* dst = res + k.p * s.width + k.j0;
      for (int64_t j = j0; j < j1; ++j) dst[j] = src[j];
      for (int64_t c = 1; c < s.nrc; ++c)
        for (int64_t j = j0; j < j1; ++j) dst[j] = combine(dst[j], src[c * s.cb + j]);
    }
  });
}

// ---- the two reduction drivers --------------------------------------------------------

// The vectorized loop of float_row_kernels.h that computes `op` over a contiguous float
// run, where the CPU has one; returns false to leave the run to the portable loop.
template <class Op>
bool run_row_kernel(const Op&, const typename Op::In* x, int64_t n, int64_t stride,
                    typename Op::Lane shift, typename Op::Acc& result) {
  if constexpr (std::is_same_v<typename Op::In, float>) {
    const FloatRowKernels* k = stride == 1 ? float_row_kernels() : nullptr;
    if (!k) return false;
    if constexpr (std::is_same_v<Op, SumOp<float>>) {
      result = k->sum(x, n);
      return true;
    } else if constexpr (std::is_same_v<Op, SumOp<float, MapExpDiff>>) {
      result = k->exp_sum(x, n, shift);
      return true;
    } else if constexpr (std::is_same_v<Op, ExtremumOp<float, true>>) {
      result = k->max(x, n);
      return true;
    } else if constexpr (std::is_same_v<Op, ExtremumOp<float, false>>) {
      result = k->min(x, n);
      return true;
    }
  }
  (void)x, (void)n, (void)stride, (void)shift, (void)result;
  return false;
}

// Reduces n elements spaced `stride` apart. Each block of kBlock elements goes through
// kLanes independent lanes (vector registers once compiled), merged pairwise, then folded.
template <class Op>
typename Op::Acc reduce_run(const Op& op, const typename Op::In* x, int64_t n, int64_t stride,
                            typename Op::Lane shift) {
  using Lane = typename Op::Lane;
  constexpr int L = kLanes<Lane>;
  typename Op::Acc acc = op.acc_init();
  if (run_row_kernel(op, x, n, stride, shift, acc)) return acc;
  if (n < L) {
    Lane l = op.lane_init();
    for (int64_t i = 0; i < n; ++i) l = op.step(l, x[i * stride], shift);
    return op.fold(acc, l);
  }
  for (int64_t b = 0; b < n; b += kBlock) {
    const int64_t m = std::min(kBlock, n - b);
    const typename Op::In* p = x + b * stride;
    Lane lane[L];
    for (int k = 0; k < L; ++k) lane[k] = op.lane_init();
    int64_t i = 0;
    if (stride == 1) {
      for (; i + L <= m; i += L)
        for (int k = 0; k < L; ++k) lane[k] = op.step(lane[k], p[i + k], shift);
    } else {
      for (; i + L <= m; i += L)
        for (int k = 0; k < L; ++k) lane[k] = op.step(lane[k], p[(i + k) * stride], shift);
    }
    for (int k = 0; i < m; ++i, ++k) lane[k] = op.step(lane[k], p[i * stride], shift);
    for (int w = L / 2; w > 0; w /= 2)
      for (int k = 0; k < w; ++k) lane[k] = op.merge(lane[k], lane[k + w]);
    acc = op.fold(acc, lane[0]);
  }
  return acc;
}

// Reduces positions [r0, r1) of the row-major flattening of the reduced dims.
template <class Op>
typename Op::Acc reduce_span(const Op& op, const typename Op::In* x, const DimList& red,
                             int64_t r0, int64_t r1, typename Op::Lane shift) {
  const int64_t run = red.inner_size(), stride = red.inner_stride(0);
  if (red.n == 1) return reduce_run(op, x + r0 * stride, r1 - r0, stride, shift);
  typename Op::Acc acc = op.acc_init();
  DimCounter rc(red, red.n - 1, 1, r0 / run);
  int64_t j = r0 % run;
  for (int64_t r = r0; r < r1; rc.next()) {
    const int64_t count = std::min(run - j, r1 - r);
    acc = op.combine(acc, reduce_run(op, x + rc.off[0] + j * stride, count, stride, shift));
    r += count;
    j = 0;
  }
  return acc;
}

// Ops whose contiguous float runs the *_rows kernels of float_row_kernels.h reduce.
template <class Op>
constexpr bool kHasRowsKernel = std::is_same_v<Op, SumOp<float>> ||
                                std::is_same_v<Op, ExtremumOp<float, true>> ||
                                std::is_same_v<Op, ExtremumOp<float, false>>;

template <class Op>
void run_rows_kernel(const FloatRowKernels& k, const float* const* rows, const int64_t* n,
                     int count, typename Op::Acc* out) {
  if constexpr (std::is_same_v<Op, SumOp<float>>) k.sum_rows(rows, n, count, out);
  else if constexpr (std::is_same_v<Op, ExtremumOp<float, true>>) k.max_rows(rows, n, count, out);
  else k.min_rows(rows, n, count, out);
}

// The tasks of inner_reduce (contiguous float runs here) through the *_rows kernels,
// kRowStreams at a time: group i holds tasks i, i + D, i + 2D, ... with D the number of
// groups, so that each thread reads several parts of the input far apart from each other
// side by side. Each task's result is the one-row kernel's, so grouping changes no result.
template <class Op, class Store>
void inner_reduce_rows(const FloatRowKernels& k, const ReduceGeometry& g, const float* x,
                       int64_t nch, int64_t grain, Store store) {
  const int64_t n_red = g.red.numel(), ntasks = g.kept.numel() * nch;
  const int64_t groups = ceil_div(ntasks, kRowStreams);
  parallel_for_balanced(groups, ceil_div(grain, kRowStreams), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const float* rows[kRowStreams];
      int64_t n[kRowStreams];
      int count = 0;
      for (int64_t t = i; t < ntasks && count < kRowStreams; t += groups, ++count) {
        const int64_t r0 = (t % nch) * kChunk;
        rows[count] = x + DimCounter(g.kept, g.kept.n, 1, t / nch).off[0] + r0;
        n[count] = std::min(n_red, r0 + kChunk) - r0;
      }
      typename Op::Acc out[kRowStreams];
      run_rows_kernel<Op>(k, rows, n, count, out);
      for (int c = 0; c < count; ++c) store(i + c * groups, out[c]);
    }
  });
}

// Inner reduction: task t reduces chunk (t % nch) of output (t / nch).
template <class Op>
void inner_reduce(const Op& op, const ReduceGeometry& g, const typename Op::In* x,
                  const typename Op::Lane* shift, typename Op::Acc* res) {
  using Acc = typename Op::Acc;
  const DimList& kept = g.kept;
  const int64_t n_out = kept.numel(), n_red = g.red.numel();
  const int64_t nch = ceil_div(n_red, kChunk);
  std::vector<Acc> partial(nch > 1 ? size_t(n_out * nch) : 0);
  auto store = [&](int64_t t, Acc a) {
    if (nch > 1) partial[size_t(t)] = a;
    else res[t] = a;
  };
  const int64_t grain = nch > 1 ? 1 : std::max<int64_t>(1, kGrain / n_red);
  bool done = false;
  if constexpr (kHasRowsKernel<Op>) {
    // Runs of at least one block, for which reading several at once pays.
    const FloatRowKernels* k = float_row_kernels();
    if (k && g.red.n == 1 && g.red.inner_stride(0) == 1 && n_red >= kRowKernelBlock) {
      inner_reduce_rows<Op>(*k, g, x, nch, grain, store);
      done = true;
    }
  }
  if (!done) {
    parallel_for_balanced(n_out * nch, grain, [&](int64_t b, int64_t e) {
      int64_t o = b / nch;
      DimCounter kc(kept, kept.n, 1, o);
      for (int64_t t = b; t < e; ++t) {
        if (t / nch != o) {
          kc.next();
          ++o;
        }
        typename Op::Lane sh{};
        if constexpr (Op::kShifted) sh = shift[o];
        const int64_t r0 = (t % nch) * kChunk, r1 = std::min(n_red, r0 + kChunk);
        store(t, reduce_span(op, x + kc.off[0], g.red, r0, r1, sh));
      }
    });
  }
  if (nch == 1) return;
  parallel_for(n_out, std::max<int64_t>(1, kGrain / nch), [&](int64_t b, int64_t e) {
    for (int64_t o = b; o < e; ++o) {
      const Acc* p = partial.data() + o * nch;
      Acc a = p[0];
      for (int64_t c = 1; c < nch; ++c) a = op.combine(a, p[c]);
      res[o] = a;
    }
  });
}

// lane[j] <- step(lane[j], row[j * cs]) for R input rows at once, so that the lanes are
// loaded and stored once per R rows rather than once per row.
template <int R, class Op>
void step_rows(const Op& op, typename Op::Lane* __restrict lane,
               const typename Op::In* const* rows, int64_t cs, int64_t w,
               const typename Op::Lane* __restrict shift) {
  using Lane = typename Op::Lane;
  using In = typename Op::In;
  const In* __restrict r0 = rows[0];
  const In* __restrict r1 = rows[R > 1 ? 1 : 0];
  const In* __restrict r2 = rows[R > 2 ? 2 : 0];
  const In* __restrict r3 = rows[R > 3 ? 3 : 0];
  auto body = [&](int64_t j, int64_t at) {
    Lane sh{};
    if constexpr (Op::kShifted) sh = shift[j];
    Lane l = op.step(lane[j], r0[at], sh);
    if constexpr (R > 1) l = op.step(l, r1[at], sh);
    if constexpr (R > 2) l = op.step(l, r2[at], sh);
    if constexpr (R > 3) l = op.step(l, r3[at], sh);
    lane[j] = l;
  };
  if (cs == 1) {
    for (int64_t j = 0; j < w; ++j) body(j, j);
  } else {
    for (int64_t j = 0; j < w; ++j) body(j, j * cs);
  }
}

template <class Op>
void fold_row(const Op& op, typename Op::Acc* __restrict acc, typename Op::Lane* __restrict lane,
              int64_t w) {
  for (int64_t j = 0; j < w; ++j) {
    acc[j] = op.fold(acc[j], lane[j]);
    lane[j] = op.lane_init();
  }
}

// Steps the lanes through `count` (at most kRowGroup) input rows, in row order: each lane
// sees the same additions in the same order whichever loop runs, so the vector kernel of
// float sums gives the portable loop's results exactly.
template <class Op>
void step_row_group(const Op& op, typename Op::Lane* lane, const typename Op::In* const* rows,
                    int64_t count, int64_t cs, int64_t w, const typename Op::Lane* shift) {
  if constexpr (std::is_same_v<Op, SumOp<float>>) {
    if (const FloatRowKernels* k = cs == 1 ? float_row_kernels() : nullptr)
      return k->add_rows(lane, rows, int(count), w);
  }
  int64_t i = 0;
  for (; i + 4 <= count; i += 4) step_rows<4>(op, lane, rows + i, cs, w, shift);
  for (; i < count; ++i) step_rows<1>(op, lane, rows + i, cs, w, shift);
}

// Accumulates reduced positions [r0, r1) of w outputs whose inputs start at `base`.
template <class Op>
void accumulate_rows(const Op& op, const typename Op::In* base, int64_t cs, int64_t w,
                     const DimList& red, int64_t r0, int64_t r1, const typename Op::Lane* shift,
                     typename Op::Lane* lane, typename Op::Acc* acc) {
  static_assert(kRowBlock % kRowGroup == 0, "row groups never straddle a fold");
  for (int64_t j = 0; j < w; ++j) {
    lane[j] = op.lane_init();
    acc[j] = op.acc_init();
  }
  DimCounter rc(red, red.n, 1, r0);
  const typename Op::In* rows[kRowGroup];
  int64_t pending = 0;
  for (int64_t r = r0; r < r1;) {
    const int64_t count = std::min(kRowGroup, r1 - r);
    for (int64_t i = 0; i < count; ++i, rc.next()) rows[i] = base + rc.off[0];
    step_row_group(op, lane, rows, count, cs, w, shift);
    r += count;
    if ((pending += count) == kRowBlock) {
      fold_row(op, acc, lane, w);
      pending = 0;
    }
  }
  if (pending) fold_row(op, acc, lane, w);
}

// Outer reduction: task (pair, chunk) of the schedule accumulates its rows into a block of
// outputs; chunk partials are then combined in order.
template <class Op>
void outer_reduce(const Op& op, const ReduceGeometry& g, const typename Op::In* x,
                  const typename Op::Lane* shift, typename Op::Acc* res) {
  using Lane = typename Op::Lane;
  using Acc = typename Op::Acc;
  const DimList& kept = g.kept;
  // Wide blocks of outputs: each task then reads long runs of every input row (whole rows of
  // a [4096, 4096] input), which streams from memory at nearly the speed of one contiguous
  // read; short runs at a large stride read about half as fast.
  const OuterSchedule s(g, kLaneBytes / int64_t(sizeof(Lane)));
  const int64_t cs = kept.inner_stride(0);
  std::vector<Acc> partial(s.nrc > 1 ? size_t(s.tasks() * s.cb) : 0);
  parallel_for_balanced(s.tasks(), s.grain(), [&](int64_t b, int64_t e) {
    std::vector<Lane> lane(static_cast<size_t>(s.cb));
    std::vector<Acc> acc(static_cast<size_t>(s.cb));
    for (int64_t t = b; t < e; ++t) {
      const auto k = s.task(t);
      const DimCounter kc(kept, kept.n - 1, 1, k.p);
      const Lane* sh = nullptr;
      if constexpr (Op::kShifted) sh = shift + k.p * s.width + k.j0;
      accumulate_rows(op, x + kc.off[0] + k.j0 * cs, cs, k.w, g.red, k.r0, k.r1, sh,
                      lane.data(), acc.data());
      Acc* dst = s.nrc > 1 ? partial.data() + t * s.cb : res + k.p * s.width + k.j0;
      std::copy(acc.begin(), acc.begin() + k.w, dst);
    }
  });
  if (s.nrc > 1) combine_chunks(s, partial, res, [&](Acc a, Acc b) { return op.combine(a, b); });
}

// Runs op over the input; returns one Acc per dense output position. `shift` (shifted ops
// only) holds one value per dense output position.
template <class Op>
std::vector<typename Op::Acc> run_reduce(const Op& op, const ReduceGeometry& g,
                                         const TensorView& in,
                                         const typename Op::Lane* shift = nullptr) {
  std::vector<typename Op::Acc> res(static_cast<size_t>(g.kept.numel()));
  const auto* x = in.ptr<const typename Op::In>();
  if (is_outer_reduction(g)) outer_reduce(op, g, x, shift, res.data());
  else inner_reduce(op, g, x, shift, res.data());
  return res;
}

// Writes value_of(o) to every dense output position o of operand `op_index` of g.
template <class F>
void store_outputs(const ReduceGeometry& g, int op_index, const TensorView& out, const char* name,
                   F value_of) {
  KILN_DISPATCH_ALL(out.dtype, name, [&] {
    using OutT = scalar_t;
    OutT* dst = out.ptr<OutT>();
    parallel_for(g.kept.numel(), kGrain, [&](int64_t b, int64_t e) {
      DimCounter kc(g.kept, g.kept.n, g.nops, b);
      for (int64_t o = b; o < e; ++o, kc.next()) dst[kc.off[op_index]] = convert<OutT>(value_of(o));
    });
  });
}

// ---- reduce() ---------------------------------------------------------------------------

template <class T>
void reduce_norm(const ReduceGeometry& g, const TensorView& out, const TensorView& in, double p) {
  auto store = [&](const auto& res, auto finish) {
    store_outputs(g, 1, out, "norm", [&](int64_t o) { return finish(res[size_t(o)]); });
  };
  auto same = [](auto v) { return v; };
  if (p == 0) {
    store(run_reduce(SumOp<T, MapNonzero>{}, g, in), same);
  } else if (g.red.numel() == 1) {
    // The norm of one element is its absolute value exactly (PyTorch special-cases it too),
    // not |x|^p rounded and rooted back.
    store(run_reduce(ExtremumOp<T, true, MapAbs>{}, g, in), same);
  } else if (p == 1) {
    store(run_reduce(SumOp<T, MapAbs>{}, g, in), same);
  } else if (p == 2) {
    store(run_reduce(SumOp<T, MapSquare>{}, g, in), [](double v) { return std::sqrt(v); });
  } else if (p == std::numeric_limits<double>::infinity()) {
    store(run_reduce(ExtremumOp<T, true, MapAbs>{}, g, in), same);
  } else if (p == -std::numeric_limits<double>::infinity()) {
    store(run_reduce(ExtremumOp<T, false, MapAbs>{}, g, in), same);
  } else {
    store(run_reduce(SumOp<T, MapPowAbs>{MapPowAbs{p}}, g, in),
          [p](double v) { return std::pow(v, 1.0 / p); });
  }
}

// Stable form: max + log(sum(exp(x - max))), with an infinite max replaced by 0 so that all
// -inf gives -inf and any +inf gives +inf, as PyTorch does.
template <class T>
void reduce_logsumexp(const ReduceGeometry& g, const TensorView& out, const TensorView& in) {
  const std::vector<T> mx = run_reduce(ExtremumOp<T, true>{}, g, in);
  std::vector<T> shift(mx.size());
  for (size_t o = 0; o < mx.size(); ++o) shift[o] = std::isinf(mx[o]) ? T(0) : mx[o];
  const std::vector<double> sum = run_reduce(SumOp<T, MapExpDiff>{}, g, in, shift.data());
  store_outputs(g, 1, out, "logsumexp",
                [&](int64_t o) { return std::log(sum[size_t(o)]) + double(shift[size_t(o)]); });
}

// The first element of each output's reduction, per dense output position.
template <class T>
std::vector<T> first_elements(const ReduceGeometry& g, const TensorView& in) {
  std::vector<T> first(static_cast<size_t>(g.kept.numel()));
  const T* x = in.ptr<const T>();
  parallel_for(g.kept.numel(), kGrain, [&](int64_t b, int64_t e) {
    DimCounter kc(g.kept, g.kept.n, 1, b);
    for (int64_t o = b; o < e; ++o, kc.next()) first[size_t(o)] = x[kc.off[0]];
  });
  return first;
}

// Two passes: the mean, then the sum of squared distances to it. The mean is taken as
// first + mean(x - first), which is exactly the common value when all inputs are equal (so
// constant inputs give exactly 0), and is kept in double: the second pass computes its
// distances in double, so rounding the mean cannot bias a variance that is small next to
// the mean's square.
template <class T>
void reduce_var(const ReduceGeometry& g, const TensorView& out, const TensorView& in,
                double correction) {
  const double n = double(g.red.numel());
  const std::vector<T> first = first_elements<T>(g, in);
  const std::vector<double> dsum = run_reduce(SumOp<T, MapDiff>{}, g, in, first.data());
  std::vector<double> mean(first.size());
  for (size_t o = 0; o < mean.size(); ++o) mean[o] = double(first[o]) + dsum[o] / n;
  const std::vector<double> ss =
      run_reduce(SumOp<T, MapSqDiff, double>{}, g, in, mean.data());
  // N - correction <= 0 divides by zero: inf, or NaN for a zero sum, as PyTorch gives.
  const double denom = std::max(0.0, n - correction);
  store_outputs(g, 1, out, "var", [&](int64_t o) { return ss[size_t(o)] / denom; });
}

}  // namespace

void reduce(ReduceOp op, const TensorView& out, const TensorView& in, double param) {
  const char* name = reduce_name(op);
  bool reduced[kMaxDims] = {};
  for (int d = 0; d < in.ndim; ++d) reduced[d] = out.shape[d] == 1 && in.shape[d] != 1;
  const TensorView* views[2] = {&in, &out};
  const ReduceGeometry g = make_geometry(views, 2, reduced, false);
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
  if (n_red == 0) {
    const double v = empty_result(op);
    store_outputs(g, 1, out, name, [v](int64_t) { return v; });
    return;
  }

  auto store = [&](const auto& res, auto finish) {
    store_outputs(g, 1, out, name, [&](int64_t o) { return finish(res[size_t(o)]); });
  };
  auto same = [](auto v) { return v; };
  switch (op) {
    case ReduceOp::sum:
      return KILN_DISPATCH_ALL(in.dtype, name, [&] {
        store(run_reduce(SumOp<scalar_t>{}, g, in), same);
      });
    case ReduceOp::prod:
      return KILN_DISPATCH_ALL(in.dtype, name, [&] {
        store(run_reduce(ProdOp<scalar_t>{}, g, in), same);
      });
    case ReduceOp::mean:
      return KILN_DISPATCH_FLOAT(in.dtype, name, [&] {
        const double n = double(n_red);
        store(run_reduce(SumOp<scalar_t>{}, g, in), [n](double v) { return v / n; });
      });
    case ReduceOp::amax:
      return KILN_DISPATCH_ALL(in.dtype, name, [&] {
        store(run_reduce(ExtremumOp<scalar_t, true>{}, g, in), same);
      });
    case ReduceOp::amin:
      return KILN_DISPATCH_ALL(in.dtype, name, [&] {
        store(run_reduce(ExtremumOp<scalar_t, false>{}, g, in), same);
      });
    case ReduceOp::all:
      return KILN_DISPATCH_ALL(in.dtype, name, [&] {
        store(run_reduce(LogicalOp<scalar_t, true>{}, g, in), same);
      });
    case ReduceOp::any:
      return KILN_DISPATCH_ALL(in.dtype, name, [&] {
        store(run_reduce(LogicalOp<scalar_t, false>{}, g, in), same);
      });
    case ReduceOp::norm:
      return KILN_DISPATCH_FLOAT(in.dtype, name, [&] { reduce_norm<scalar_t>(g, out, in, param); });
    case ReduceOp::logsumexp:
      return KILN_DISPATCH_FLOAT(in.dtype, name, [&] { reduce_logsumexp<scalar_t>(g, out, in); });
    case ReduceOp::var:
      return KILN_DISPATCH_FLOAT(in.dtype, name, [&] { reduce_var<scalar_t>(g, out, in, param); });
    default: break;
  }
  throw Error(ErrorCode::InvalidArgument, make_string("reduce: unknown op code ", int(op)));
}

// ---- reduce_arg() -----------------------------------------------------------------------

namespace {

// Whether v replaces best: strictly better keeps the first occurrence; a NaN replaces any
// number and is never replaced, so the first NaN wins.
template <bool kMax, class S> bool arg_better(S v, S best) {
  // Bitwise operators: short-circuit evaluation would put branches in vectorizable loops.
  return (kMax ? v > best : v < best) | (is_nan(v) & !is_nan(best));
}

template <class S> struct ArgResult {
  S value;
  int64_t index;
};

// First extremum of n elements spaced `stride` apart: the extremum by the lane reduction,
// then a scan for its first position.
template <class T, bool kMax>
ArgResult<storage_t<T>> arg_run(const storage_t<T>* x, int64_t n, int64_t stride) {
  using S = storage_t<T>;
  const S best = reduce_run(ExtremumOp<T, kMax>{}, x, n, stride, S());
  int64_t i = 0;
  if (is_nan(best)) {
    while (!is_nan(x[i * stride])) ++i;
  } else {
    while (normalize(x[i * stride]) != best) ++i;
  }
  return {normalize(x[i * stride]), i};
}

// Inner layout: task t scans chunk (t % nch) of output (t / nch).
template <class T, bool kMax>
void arg_inner(const ReduceGeometry& g, const storage_t<T>* x, ArgResult<storage_t<T>>* res) {
  using R = ArgResult<storage_t<T>>;
  const int64_t n_out = g.kept.numel(), n = g.red.shape[0], stride = g.red.stride[0][0];
  const int64_t nch = ceil_div(n, kChunk);
  std::vector<R> partial(nch > 1 ? size_t(n_out * nch) : 0);
  const int64_t grain = nch > 1 ? 1 : std::max<int64_t>(1, kGrain / n);
  parallel_for(n_out * nch, grain, [&](int64_t b, int64_t e) {
    int64_t o = b / nch;
    DimCounter kc(g.kept, g.kept.n, 1, o);
    for (int64_t t = b; t < e; ++t) {
      if (t / nch != o) {
        kc.next();
        ++o;
      }
      const int64_t r0 = (t % nch) * kChunk, r1 = std::min(n, r0 + kChunk);
      R r = arg_run<T, kMax>(x + kc.off[0] + r0 * stride, r1 - r0, stride);
      r.index += r0;
      if (nch > 1) partial[size_t(t)] = r;
      else res[o] = r;
    }
  });
  if (nch == 1) return;
  for (int64_t o = 0; o < n_out; ++o) {
    R best = partial[size_t(o * nch)];
    for (int64_t c = 1; c < nch; ++c) {
      const R& r = partial[size_t(o * nch + c)];
      if (arg_better<kMax>(r.value, best.value)) best = r;
    }
    res[o] = best;
  }
}

// best[j], index[j] <- row[j * cs], r where the row's value is better. I is the narrowest
// index type that holds the row numbers, so that indices share vectors with the values.
template <bool kMax, class S, class I>
void arg_update(S* __restrict best, I* __restrict index, const S* __restrict row, int64_t cs,
                int64_t w, I r) {
  for (int64_t j = 0; j < w; ++j) {
    const S v = normalize(row[j * cs]);
    const bool take = arg_better<kMax>(v, best[j]);
    best[j] = take ? v : best[j];
    index[j] = take ? r : index[j];
  }
}

// The first extremum of rows [r0, r1) for w outputs whose inputs start at `base`.
template <bool kMax, class S, class I>
void arg_rows(const S* base, int64_t cs, int64_t rs, int64_t w, int64_t r0, int64_t r1, S* best,
              I* index, ArgResult<S>* dst) {
  for (int64_t j = 0; j < w; ++j) {
    best[j] = normalize(base[r0 * rs + j * cs]);
    index[j] = I(r0);
  }
  for (int64_t r = r0 + 1; r < r1; ++r) arg_update<kMax>(best, index, base + r * rs, cs, w, I(r));
  for (int64_t j = 0; j < w; ++j) dst[j] = {best[j], int64_t(index[j])};
}

// Outer layout: each task of the schedule tracks the first extremum of a block of outputs
// over its rows; chunk results are then combined in order.
template <class T, bool kMax>
void arg_outer(const ReduceGeometry& g, const storage_t<T>* x, ArgResult<storage_t<T>>* res) {
  using S = storage_t<T>;
  using R = ArgResult<S>;
  using NarrowIndex = std::conditional_t<sizeof(S) <= 4, int32_t, int64_t>;
  const DimList& kept = g.kept;
  const OuterSchedule s(g);
  const int64_t cs = kept.inner_stride(0), rs = g.red.stride[0][0];
  const bool narrow = s.rows <= std::numeric_limits<int32_t>::max();
  std::vector<R> partial(s.nrc > 1 ? size_t(s.tasks() * s.cb) : 0);
  parallel_for(s.tasks(), s.grain(), [&](int64_t b, int64_t e) {
    std::vector<S> best(static_cast<size_t>(s.cb));
    std::vector<int64_t> index(static_cast<size_t>(s.cb));
    std::vector<NarrowIndex> index32(narrow ? static_cast<size_t>(s.cb) : 0);
    for (int64_t t = b; t < e; ++t) {
      const auto k = s.task(t);
      const DimCounter kc(kept, kept.n - 1, 1, k.p);
      const S* base = x + kc.off[0] + k.j0 * cs;
      R* dst = s.nrc > 1 ? partial.data() + t * s.cb : res + k.p * s.width + k.j0;
      if (narrow)
        arg_rows<kMax>(base, cs, rs, k.w, k.r0, k.r1, best.data(), index32.data(), dst);
      else
        arg_rows<kMax>(base, cs, rs, k.w, k.r0, k.r1, best.data(), index.data(), dst);
    }
  });
  if (s.nrc > 1)
    combine_chunks(s, partial, res, [](R a, R b) { return arg_better<kMax>(b.value, a.value) ? b : a; });
}

template <class T, bool kMax>
void arg_reduce(const ReduceGeometry& g, const TensorView* values, const TensorView& indices,
                const TensorView& in, const char* name) {
  using S = storage_t<T>;
  std::vector<ArgResult<S>> res(static_cast<size_t>(g.kept.numel()));
  if (is_outer_reduction(g)) arg_outer<T, kMax>(g, in.ptr<const S>(), res.data());
  else arg_inner<T, kMax>(g, in.ptr<const S>(), res.data());
  store_outputs(g, 1, indices, name, [&](int64_t o) { return res[size_t(o)].index; });
  if (values) store_outputs(g, 2, *values, name, [&](int64_t o) { return res[size_t(o)].value; });
}

}  // namespace

void reduce_arg(bool is_max, const TensorView* values, const TensorView& indices,
                const TensorView& in, int dim) {
  const char* name = is_max ? (values ? "max" : "argmax") : (values ? "min" : "argmin");
  const int64_t n = in.ndim ? in.shape[dim] : 1;
  KILN_CHECK(n > 0, InvalidArgument, name,
             "(): cannot reduce over a zero-size dimension, as the operation has no identity");
  bool reduced[kMaxDims] = {};
  if (in.ndim) reduced[dim] = true;
  const TensorView* views[3] = {&in, &indices, values};
  const ReduceGeometry g = make_geometry(views, values ? 3 : 2, reduced, false);
  if (g.kept.numel() == 0) return;
  KILN_DISPATCH_ALL(in.dtype, name, [&] {
    if (is_max) arg_reduce<scalar_t, true>(g, values, indices, in, name);
    else arg_reduce<scalar_t, false>(g, values, indices, in, name);
  });
}

// ---- cumulative() -----------------------------------------------------------------------

namespace {

// Scans accumulate in double for floats (as PyTorch's CPU scans do) and in int64 otherwise.
template <class T> using scan_acc_t = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;

template <bool kProd, class A> A scan_step(A acc, A v) {
  if constexpr (std::is_integral_v<A>) return kProd ? wrap_mul(acc, v) : wrap_add(acc, v);
  else return kProd ? acc * v : acc + v;
}

template <class T, class O, bool kProd>
void scan(const ReduceGeometry& g, const TensorView& out, const TensorView& in) {
  using S = storage_t<T>;
  using A = scan_acc_t<T>;
  const S* x = in.ptr<const S>();
  O* y = out.ptr<O>();
  const DimList& kept = g.kept;
  const int64_t n = g.red.shape[0], sx = g.red.stride[0][0], sy = g.red.stride[1][0];
  const A init = A(kProd ? 1 : 0);
  if (!is_outer_reduction(g)) {
    // One sequential scan per line, lines shared among threads. With too few lines to share
    // out, each line is cut into chunks: the chunk totals are scanned first, then every
    // chunk is scanned from its offset.
    const int64_t lines = kept.numel();
    const int64_t nch = lines < kMinColTasks ? ceil_div(n, kChunk) : 1;
    const int64_t len = nch > 1 ? kChunk : n;
    std::vector<A> offset(nch > 1 ? size_t(lines * nch) : 0);
    auto sweep = [&](bool write, bool from_offset) {
      parallel_for(lines * nch, nch > 1 ? 1 : std::max<int64_t>(1, kGrain / n),
                   [&](int64_t b, int64_t e) {
        int64_t o = b / nch;
        DimCounter kc(kept, kept.n, 2, o);
        for (int64_t t = b; t < e; ++t) {
          if (t / nch != o) {
            kc.next();
            ++o;
          }
          const int64_t i0 = (t % nch) * len, i1 = std::min(n, i0 + len);
          const S* xl = x + kc.off[0];
          O* yl = y + kc.off[1];
          A acc = from_offset ? offset[size_t(t)] : init;
          if (write) {
            for (int64_t i = i0; i < i1; ++i) {
              acc = scan_step<kProd>(acc, A(normalize(xl[i * sx])));
              yl[i * sy] = convert<O>(acc);
            }
          } else {
            for (int64_t i = i0; i < i1; ++i) acc = scan_step<kProd>(acc, A(normalize(xl[i * sx])));
            offset[size_t(t)] = acc;
          }
        }
      });
    };
    if (nch == 1) return sweep(true, false);
    sweep(false, false);
    for (int64_t o = 0; o < lines; ++o) {
      A carry = init;
      for (int64_t c = 0; c < nch; ++c) {
        const A chunk_total = offset[size_t(o * nch + c)];
        offset[size_t(o * nch + c)] = carry;
        carry = scan_step<kProd>(carry, chunk_total);
      }
    }
    return sweep(true, true);
  }
  // The scanned dim is not the fastest: blocks of adjacent lines are scanned together, row by
  // row. When the schedule splits the rows into chunks, a first pass totals each chunk, the
  // totals are scanned across chunks, and each chunk is then scanned from its offset.
  const OuterSchedule s(g);
  const int64_t cx = kept.inner_stride(0), cy = kept.inner_stride(1);
  std::vector<A> offset(s.nrc > 1 ? size_t(s.tasks() * s.cb) : 0);
  auto sweep = [&](bool write, bool from_offset) {
    parallel_for(s.tasks(), s.grain(), [&](int64_t b, int64_t e) {
      std::vector<A> acc(static_cast<size_t>(s.cb));
      for (int64_t t = b; t < e; ++t) {
        const auto k = s.task(t);
        const DimCounter kc(kept, kept.n - 1, 2, k.p);
        const S* xb = x + kc.off[0] + k.j0 * cx;
        O* yb = y + kc.off[1] + k.j0 * cy;
        A* off = from_offset || !write ? offset.data() + t * s.cb : nullptr;
        for (int64_t j = 0; j < k.w; ++j) acc[j] = from_offset ? off[j] : init;
        for (int64_t i = k.r0; i < k.r1; ++i) {
          const S* xr = xb + i * sx;
          O* yr = yb + i * sy;
          for (int64_t j = 0; j < k.w; ++j) acc[j] = scan_step<kProd>(acc[j], A(normalize(xr[j * cx])));
          if (write)
            for (int64_t j = 0; j < k.w; ++j) yr[j * cy] = convert<O>(acc[j]);
        }
        if (!write) std::copy(acc.begin(), acc.begin() + k.w, off);
      }
    });
  };
  if (s.nrc == 1) {
    sweep(true, false);
    return;
  }
  sweep(false, false);
  // Exclusive scan of the chunk totals, per output line.
  parallel_for(s.pairs, std::max<int64_t>(1, kGrain / (s.nrc * s.cb)), [&](int64_t b, int64_t e) {
    std::vector<A> carry(static_cast<size_t>(s.cb));
    for (int64_t pair = b; pair < e; ++pair) {
      A* tot = offset.data() + pair * s.nrc * s.cb;
      const int64_t w = s.task(pair * s.nrc).w;
      std::fill(carry.begin(), carry.begin() + w, init);
      for (int64_t c = 0; c < s.nrc; ++c) {
        for (int64_t j = 0; j < w; ++j) {
          const A chunk_total = tot[c * s.cb + j];
          tot[c * s.cb + j] = carry[j];
          carry[j] = scan_step<kProd>(carry[j], chunk_total);
        }
      }
    }
  });
  sweep(true, true);
}

}  // namespace

void cumulative(bool is_prod, const TensorView& out, const TensorView& in, int dim) {
  const char* name = is_prod ? "cumprod" : "cumsum";
  bool reduced[kMaxDims] = {};
  if (in.ndim) reduced[dim] = true;
  const TensorView* views[2] = {&in, &out};
  const ReduceGeometry g = make_geometry(views, 2, reduced, true);
  if (g.kept.numel() == 0 || g.red.numel() == 0) return;
  KILN_DISPATCH_ALL(in.dtype, name, [&] {
    using T = scalar_t;
    KILN_DISPATCH_ALL(out.dtype, name, [&] {
      using O = scalar_t;
      if (is_prod) scan<T, O, true>(g, out, in);
      else scan<T, O, false>(g, out, in);
    });
  });
}

// ---- softmax() --------------------------------------------------------------------------

namespace {

// y[i] = exp(x[i] - m) over a contiguous row; returns the sum of the stored values.
template <class T>
double exp_store_sum(const T* x, T* y, int64_t n, T m) {
  constexpr int L = kLanes<T>;
  double total = 0;
  for (int64_t b = 0; b < n; b += kBlock) {
    const int64_t len = std::min(kBlock, n - b);
    const T* xb = x + b;
    T* yb = y + b;
    T lane[L] = {};
    int64_t i = 0;
    for (; i + L <= len; i += L) {
      for (int k = 0; k < L; ++k) {
        const T e = exp_vec(xb[i + k] - m);
        yb[i + k] = e;
        lane[k] += e;
      }
    }
    for (int k = 0; i < len; ++i, ++k) {
      const T e = exp_vec(xb[i] - m);
      yb[i] = e;
      lane[k] += e;
    }
    for (int w = L / 2; w > 0; w /= 2)
      for (int k = 0; k < w; ++k) lane[k] += lane[k + w];
    total += double(lane[0]);
  }
  return total;
}

// A contiguous float row through the vector kernels, in three passes over the row (which
// stays in cache between them): the max, the exponentials (stored for softmax) with their
// sum, and the normalized values. Same formulas as softmax_line below.
template <bool kLog>
void softmax_row(const FloatRowKernels& k, const float* x, float* y, int64_t n) {
  const float m = k.max(x, n);
  if (kLog) {
    k.sub_sub(x, y, n, m, float(std::log(k.exp_sum(x, n, m))));
  } else {
    k.scale(y, n, float(1.0 / k.exp_store_sum(x, y, n, m)));
  }
}

// One line of length n: max, sum of exponentials, then the normalized values. The
// arithmetic follows PyTorch: softmax multiplies by 1/sum; log_softmax is (x - max) - log(sum).
template <class T, bool kLog>
void softmax_line(const T* x, T* y, int64_t n, int64_t sx, int64_t sy) {
  if constexpr (std::is_same_v<T, float>) {
    if (sx == 1 && sy == 1)
      if (const FloatRowKernels* k = float_row_kernels()) return softmax_row<kLog>(*k, x, y, n);
  }
  const T m = reduce_run(ExtremumOp<T, true>{}, x, n, sx, T());
  if (kLog) {
    const double sum = reduce_run(SumOp<T, MapExpDiff>{}, x, n, sx, m);
    const T ls = T(std::log(sum));
    if (sx == 1 && sy == 1) {
      for (int64_t i = 0; i < n; ++i) y[i] = (x[i] - m) - ls;
    } else {
      for (int64_t i = 0; i < n; ++i) y[i * sy] = (x[i * sx] - m) - ls;
    }
    return;
  }
  double sum;
  if (sx == 1 && sy == 1) {
    sum = exp_store_sum(x, y, n, m);
  } else {
    sum = 0;
    for (int64_t i = 0; i < n; ++i) {
      const T e = exp_vec(x[i * sx] - m);
      y[i * sy] = e;
      sum += double(e);
    }
  }
  const T inv = T(1.0 / sum);
  if (sy == 1) {
    for (int64_t i = 0; i < n; ++i) y[i] *= inv;
  } else {
    for (int64_t i = 0; i < n; ++i) y[i * sy] *= inv;
  }
}

// exp(x - m) of rows [r0, r1) of w adjacent lines into y, and the sums of the stored values
// per line into acc (float lanes folded into double every kRowBlock rows).
template <class T>
void exp_store_rows(const T* x, T* y, int64_t sx, int64_t sy, int64_t cx, int64_t cy, int64_t w,
                    int64_t r0, int64_t r1, const T* m, T* lane, double* acc) {
  std::fill(lane, lane + w, T(0));
  std::fill(acc, acc + w, 0.0);
  int64_t pending = 0;
  for (int64_t i = r0; i < r1; ++i) {
    const T* xr = x + i * sx;
    T* yr = y + i * sy;
    if (cx == 1 && cy == 1) {
      for (int64_t j = 0; j < w; ++j) {
        const T e = exp_vec(xr[j] - m[j]);
        yr[j] = e;
        lane[j] += e;
      }
    } else {
      for (int64_t j = 0; j < w; ++j) {
        const T e = exp_vec(xr[j * cx] - m[j]);
        yr[j * cy] = e;
        lane[j] += e;
      }
    }
    if (++pending == kRowBlock || i + 1 == r1) {
      for (int64_t j = 0; j < w; ++j) {
        acc[j] += double(lane[j]);
        lane[j] = T(0);
      }
      pending = 0;
    }
  }
}

// Softmax along a dim that is not the fastest, over the outer schedule (whole input rows,
// long lines split across threads): the max of every line from the outer reduction driver;
// then for softmax the exponentials are stored while they are summed and finally scaled,
// and for log_softmax the sums come from the reduction driver and one pass writes results.
template <class T, bool kLog>
void softmax_outer(const ReduceGeometry& g, const T* x, T* y) {
  const DimList& kept = g.kept;
  const int64_t sx = g.red.stride[0][0], sy = g.red.stride[1][0];
  const int64_t cx = kept.inner_stride(0), cy = kept.inner_stride(1);
  const OuterSchedule s(g);
  std::vector<T> mx(static_cast<size_t>(kept.numel()));
  std::vector<double> sum(mx.size());
  outer_reduce(ExtremumOp<T, true>{}, g, x, nullptr, mx.data());
  if (kLog) {
    outer_reduce(SumOp<T, MapExpDiff>{}, g, x, mx.data(), sum.data());
  } else {
    std::vector<double> partial(s.nrc > 1 ? size_t(s.tasks() * s.cb) : 0);
    parallel_for(s.tasks(), s.grain(), [&](int64_t b, int64_t e) {
      std::vector<T> lane(static_cast<size_t>(s.cb));
      for (int64_t t = b; t < e; ++t) {
        const auto k = s.task(t);
        const DimCounter kc(kept, kept.n - 1, 2, k.p);
        double* acc = s.nrc > 1 ? partial.data() + t * s.cb : sum.data() + k.p * s.width + k.j0;
        exp_store_rows(x + kc.off[0] + k.j0 * cx, y + kc.off[1] + k.j0 * cy, sx, sy, cx, cy, k.w,
                       k.r0, k.r1, mx.data() + k.p * s.width + k.j0, lane.data(), acc);
      }
    });
    if (s.nrc > 1) combine_chunks(s, partial, sum.data(), [](double a, double b) { return a + b; });
  }
  // Per line: log(sum) for log_softmax, 1/sum for softmax.
  std::vector<T> factor(mx.size());
  for (size_t o = 0; o < factor.size(); ++o)
    factor[o] = kLog ? T(std::log(sum[o])) : T(1.0 / sum[o]);
  parallel_for(s.tasks(), s.grain(), [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) {
      const auto k = s.task(t);
      const DimCounter kc(kept, kept.n - 1, 2, k.p);
      const T* m = mx.data() + k.p * s.width + k.j0;
      const T* f = factor.data() + k.p * s.width + k.j0;
      for (int64_t i = k.r0; i < k.r1; ++i) {
        const T* xr = x + kc.off[0] + k.j0 * cx + i * sx;
        T* yr = y + kc.off[1] + k.j0 * cy + i * sy;
        if (kLog && cx == 1 && cy == 1) {
          for (int64_t j = 0; j < k.w; ++j) yr[j] = (xr[j] - m[j]) - f[j];
        } else if (kLog) {
          for (int64_t j = 0; j < k.w; ++j) yr[j * cy] = (xr[j * cx] - m[j]) - f[j];
        } else if (cy == 1) {
          for (int64_t j = 0; j < k.w; ++j) yr[j] *= f[j];
        } else {
          for (int64_t j = 0; j < k.w; ++j) yr[j * cy] *= f[j];
        }
      }
    }
  });
}

// One chunk of a long contiguous float line through the vector kernels, where the CPU has
// them: (x - m) - f for log_softmax, exp(x - m) * f for softmax. Returns false otherwise.
template <bool kLog, class T>
bool write_chunk_with_row_kernels(const T* x, T* y, int64_t n, int64_t sx, int64_t sy, T m, T f) {
  if constexpr (std::is_same_v<T, float>) {
    const FloatRowKernels* k = sx == 1 && sy == 1 ? float_row_kernels() : nullptr;
    if (!k) return false;
    if (kLog) {
      k->sub_sub(x, y, n, m, f);
    } else {
      k->exp_store_sum(x, y, n, m);
      k->scale(y, n, f);
    }
    return true;
  }
  (void)x, (void)y, (void)n, (void)sx, (void)sy, (void)m, (void)f;
  return false;
}

// Few long lines along the fastest dim: the max and the sum of exponentials come from the
// inner reduction driver (which splits long lines across threads), then chunks of every line
// are written in parallel.
template <class T, bool kLog>
void softmax_long_lines(const ReduceGeometry& g, const T* x, T* y) {
  const DimList& kept = g.kept;
  const int64_t lines = kept.numel(), n = g.red.shape[0];
  const int64_t sx = g.red.stride[0][0], sy = g.red.stride[1][0];
  std::vector<T> mx(static_cast<size_t>(lines));
  std::vector<double> sum(mx.size());
  inner_reduce(ExtremumOp<T, true>{}, g, x, nullptr, mx.data());
  inner_reduce(SumOp<T, MapExpDiff>{}, g, x, mx.data(), sum.data());
  const int64_t nch = ceil_div(n, kChunk);
  parallel_for(lines * nch, 1, [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) {
      const int64_t o = t / nch, i0 = (t % nch) * kChunk, i1 = std::min(n, i0 + kChunk);
      const DimCounter kc(kept, kept.n, 2, o);
      const T m = mx[size_t(o)];
      const T f = kLog ? T(std::log(sum[size_t(o)])) : T(1.0 / sum[size_t(o)]);
      const T* xl = x + kc.off[0];
      T* yl = y + kc.off[1];
      if (write_chunk_with_row_kernels<kLog>(xl + i0, yl + i0, i1 - i0, sx, sy, m, f)) continue;
      if (sx == 1 && sy == 1) {
        for (int64_t i = i0; i < i1; ++i) yl[i] = kLog ? (xl[i] - m) - f : exp_vec(xl[i] - m) * f;
      } else {
        for (int64_t i = i0; i < i1; ++i)
          yl[i * sy] = kLog ? (xl[i * sx] - m) - f : exp_vec(xl[i * sx] - m) * f;
      }
    }
  });
}

template <class T, bool kLog>
void softmax_impl(const ReduceGeometry& g, const TensorView& out, const TensorView& in) {
  const T* x = in.ptr<const T>();
  T* y = out.ptr<T>();
  if (is_outer_reduction(g)) return softmax_outer<T, kLog>(g, x, y);
  const DimList& kept = g.kept;
  const int64_t n = g.red.shape[0], sx = g.red.stride[0][0], sy = g.red.stride[1][0];
  if (kept.numel() < kMinColTasks && n > kChunk) return softmax_long_lines<T, kLog>(g, x, y);
  parallel_for(kept.numel(), std::max<int64_t>(1, kGrain / n), [&](int64_t b, int64_t e) {
    DimCounter kc(kept, kept.n, 2, b);
    for (int64_t o = b; o < e; ++o, kc.next())
      softmax_line<T, kLog>(x + kc.off[0], y + kc.off[1], n, sx, sy);
  });
}

}  // namespace

void softmax(bool log, const TensorView& out, const TensorView& in, int dim) {
  const char* name = log ? "log_softmax" : "softmax";
  bool reduced[kMaxDims] = {};
  if (in.ndim) reduced[dim] = true;
  const TensorView* views[2] = {&in, &out};
  const ReduceGeometry g = make_geometry(views, 2, reduced, true);
  KILN_DISPATCH_FLOAT(in.dtype, name, [&] {
    if (g.kept.numel() == 0 || g.red.numel() == 0) return;
    if (log) softmax_impl<scalar_t, true>(g, out, in);
    else softmax_impl<scalar_t, false>(g, out, in);
  });
}

}  // namespace kiln::cpu
