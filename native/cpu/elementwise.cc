// SPDX-License-Identifier: MIT
// Elementwise kernels: each formula of ops.def instantiated over the StridedLoop, with a
// contiguous fast path (unit strides, or a stride-0 scalar operand) that compilers vectorize.
#include <cmath>
#include <cstring>

#include "../core/error.h"
#include "float_row_kernels.h"
#include "kernels.h"
#include "loops.h"
#include "streaming_store.h"

namespace kiln::cpu {
namespace {

using fn::param_cast;

#define KILN_DISPATCH_NUM KILN_DISPATCH_NUMERIC
#define KILN_OUT_SAME scalar_t
#define KILN_OUT_BOOL bool

template <class TOut, class TIn, class F>
void unary_loop(const TensorView& out, const TensorView& in, F f) {
  StridedLoop<2>({&out, &in}).run([&](char** p, const int64_t* st, int64_t n) {
    TOut* o = reinterpret_cast<TOut*>(p[0]);
    const TIn* x = reinterpret_cast<const TIn*>(p[1]);
    if (st[0] == sizeof(TOut) && st[1] == sizeof(TIn)) {
      for (int64_t i = 0; i < n; ++i) o[i] = f(x[i]);
    } else {
      const int64_t so = st[0] / int64_t(sizeof(TOut)), sx = st[1] / int64_t(sizeof(TIn));
      for (int64_t i = 0; i < n; ++i) o[i * so] = f(x[i * sx]);
    }
  });
}

template <class TOut, class TIn, class F>
void binary_loop(const TensorView& out, const TensorView& a, const TensorView& b, F f) {
  StridedLoop<3>({&out, &a, &b}).run([&](char** p, const int64_t* st, int64_t n) {
    TOut* o = reinterpret_cast<TOut*>(p[0]);
    const TIn* x = reinterpret_cast<const TIn*>(p[1]);
    const TIn* y = reinterpret_cast<const TIn*>(p[2]);
    constexpr int64_t so = sizeof(TOut), si = sizeof(TIn);
    if (st[0] == so && st[1] == si && st[2] == si) {
      for (int64_t i = 0; i < n; ++i) o[i] = f(x[i], y[i]);
    } else if (st[0] == so && st[1] == si && st[2] == 0) {
      const TIn s = *y;
      for (int64_t i = 0; i < n; ++i) o[i] = f(x[i], s);
    } else if (st[0] == so && st[1] == 0 && st[2] == si) {
      const TIn s = *x;
      for (int64_t i = 0; i < n; ++i) o[i] = f(s, y[i]);
    } else {
      const int64_t s0 = st[0] / so, s1 = st[1] / si, s2 = st[2] / si;
      for (int64_t i = 0; i < n; ++i) o[i * s0] = f(x[i * s1], y[i * s2]);
    }
  });
}

template <class T, class F>
void ternary_loop(const TensorView& out, const TensorView& a, const TensorView& b,
                  const TensorView& c, F f) {
  StridedLoop<4>({&out, &a, &b, &c}).run([&](char** p, const int64_t* st, int64_t n) {
    T* o = reinterpret_cast<T*>(p[0]);
    const T* x = reinterpret_cast<const T*>(p[1]);
    const T* y = reinterpret_cast<const T*>(p[2]);
    const T* z = reinterpret_cast<const T*>(p[3]);
    constexpr int64_t s = sizeof(T);
    if (st[0] == s && st[1] == s && st[2] == s && st[3] == s) {
      for (int64_t i = 0; i < n; ++i) o[i] = f(x[i], y[i], z[i]);
    } else {
      const int64_t s0 = st[0] / s, s1 = st[1] / s, s2 = st[2] / s, s3 = st[3] / s;
      for (int64_t i = 0; i < n; ++i) o[i * s0] = f(x[i * s1], y[i * s2], z[i * s3]);
    }
  });
}

// Whether the `bytes` bytes at out and at in do not overlap (an op may then stream its output:
// an in-place op's output lines are in the cache already, having just been read).
bool apart(const TensorView& out, const TensorView& in, int64_t bytes) {
  return out.data + bytes <= in.data || in.data + bytes <= out.data;
}

template <class TOut, class TIn>
void copy_loop(const TensorView& out, const TensorView& in) {
  if constexpr (std::is_same_v<TOut, TIn>) {
    // A large contiguous copy, with streaming stores.
    const int64_t n = out.numel(), bytes = n * int64_t(sizeof(TOut));
    if (bytes >= kStreamingMinBytes && out.is_contiguous() && in.is_contiguous() && apart(out, in, bytes)) {
      parallel_for(n, kElementwiseGrain, [&](int64_t begin, int64_t end) {
        streaming_copy(out.ptr<TOut>() + begin, in.ptr<TIn>() + begin, size_t(end - begin) * sizeof(TOut));
        streaming_fence();
      });
      return;
    }
  }
  StridedLoop<2>({&out, &in}).run([&](char** p, const int64_t* st, int64_t n) {
    TOut* o = reinterpret_cast<TOut*>(p[0]);
    const TIn* x = reinterpret_cast<const TIn*>(p[1]);
    if constexpr (std::is_same_v<TOut, TIn>) {
      if (st[0] == sizeof(TOut) && st[1] == sizeof(TIn)) {
        std::memcpy(o, x, size_t(n) * sizeof(TOut));
        return;
      }
    }
    const int64_t so = st[0] / int64_t(sizeof(TOut)), sx = st[1] / int64_t(sizeof(TIn));
    for (int64_t i = 0; i < n; ++i) {
      if constexpr (std::is_same_v<TOut, bool>) {
        o[i * so] = x[i * sx] != TIn(0);
      } else if constexpr (std::is_integral_v<TOut> && std::is_floating_point_v<TIn>) {
        o[i * so] = fn::param_cast<TOut>(double(x[i * sx]));  // no UB on NaN/inf/overflow
      } else {
        o[i * so] = static_cast<TOut>(x[i * sx]);
      }
    }
  });
}

// exp and relu of contiguous float32 through float_row_kernels.h: exp always (the scalar
// std::exp loop is compute-bound at a fraction of memory speed; this is the exp softmax
// uses), and both with streaming stores into a large output that does not overlap the input.
// Returns false where that does not apply.
bool vector_unary(UnaryOp op, const TensorView& out, const TensorView& in) {
  const int kind = op == UnaryOp::exp ? kStreamedExp : op == UnaryOp::relu ? kStreamedRelu : -1;
  if (kind < 0 || in.dtype != DType::F32 || out.dtype != DType::F32 || !in.is_contiguous() ||
      !out.is_contiguous())
    return false;
  const FloatRowKernels* k = float_row_kernels();
  if (k == nullptr) return false;
  const int64_t n = out.numel(), bytes = n * int64_t(sizeof(float));
  const bool stream = bytes >= kStreamingMinBytes && apart(out, in, bytes);
  if (!stream && kind == kStreamedRelu) return false;  // the scalar relu loop vectorizes
  const float* x = in.ptr<float>();
  float* y = out.ptr<float>();
  parallel_for(n, kElementwiseGrain, [&](int64_t begin, int64_t end) {
    if (stream) k->unary_streamed(kind, x + begin, y + begin, end - begin);
    else k->exp_store_sum(x + begin, y + begin, end - begin, 0.0f);  // x - 0 is x exactly
  });
  return true;
}

// add, sub and mul of contiguous float32 operands into a large output that overlaps neither,
// through the streaming kernel of float_row_kernels.h. Returns false where that does not apply.
bool streamed_binary(BinaryOp op, const TensorView& out, const TensorView& a, const TensorView& b,
                     double alpha) {
  const int kind = op == BinaryOp::add ? kStreamedAdd : op == BinaryOp::sub ? kStreamedSub
                 : op == BinaryOp::mul ? kStreamedMul : -1;
  if (kind < 0 || out.dtype != DType::F32 || a.dtype != DType::F32 || b.dtype != DType::F32) return false;
  const int64_t n = out.numel(), bytes = n * int64_t(sizeof(float));
  if (bytes < kStreamingMinBytes || !out.is_contiguous() || !a.is_contiguous() || !b.is_contiguous())
    return false;
  const FloatRowKernels* k = float_row_kernels();
  if (k == nullptr || !apart(out, a, bytes) || !apart(out, b, bytes)) return false;
  const float* x = a.ptr<float>();
  const float* y = b.ptr<float>();
  float* o = out.ptr<float>();
  const float f = param_cast<float>(alpha);
  parallel_for(n, kElementwiseGrain, [&](int64_t begin, int64_t end) {
    k->binary_streamed(kind, x + begin, y + begin, o + begin, end - begin, f);
  });
  return true;
}

}  // namespace

void unary(UnaryOp op, const TensorView& out, const TensorView& in, double p0_, double p1_) {
  if (vector_unary(op, out, in)) return;
  switch (op) {
#define KILN_UNARY(name, dtypes, outkind, expr)                                    \
  case UnaryOp::name:                                                              \
    return KILN_DISPATCH_##dtypes(in.dtype, #name, [&] {                           \
      using T = scalar_t;                                                          \
      const T p0 = param_cast<T>(p0_), p1 = param_cast<T>(p1_);                    \
      (void)p0; (void)p1;                                                          \
      unary_loop<KILN_OUT_##outkind, T>(out, in, [=](T x) { return expr; });       \
    });
#include "../core/ops.def"
    default: break;
  }
  throw Error(ErrorCode::InvalidArgument, make_string("unary: unknown op code ", int(op)));
}

void binary(BinaryOp op, const TensorView& out, const TensorView& a, const TensorView& b,
            double alpha_) {
  if (streamed_binary(op, out, a, b, alpha_)) return;
  switch (op) {
#define KILN_BINARY(name, dtypes, outkind, expr)                                   \
  case BinaryOp::name:                                                             \
    return KILN_DISPATCH_##dtypes(a.dtype, #name, [&] {                            \
      using T = scalar_t;                                                          \
      const T alpha = param_cast<T>(alpha_);                                       \
      (void)alpha;                                                                 \
      binary_loop<KILN_OUT_##outkind, T>(out, a, b, [=](T a, T b) { return expr; }); \
    });
#include "../core/ops.def"
    default: break;
  }
  throw Error(ErrorCode::InvalidArgument, make_string("binary: unknown op code ", int(op)));
}

void ternary(TernaryOp op, const TensorView& out, const TensorView& a, const TensorView& b,
             const TensorView& c, double alpha_) {
  switch (op) {
#define KILN_TERNARY(name, dtypes, expr)                                           \
  case TernaryOp::name:                                                            \
    return KILN_DISPATCH_##dtypes(a.dtype, #name, [&] {                            \
      using T = scalar_t;                                                          \
      const T alpha = param_cast<T>(alpha_);                                       \
      (void)alpha;                                                                 \
      ternary_loop<T>(out, a, b, c, [=](T a, T b, T c) { return expr; });          \
    });
#include "../core/ops.def"
    default: break;
  }
  throw Error(ErrorCode::InvalidArgument, make_string("ternary: unknown op code ", int(op)));
}

void where(const TensorView& out, const TensorView& cond, const TensorView& a,
           const TensorView& b) {
  KILN_DISPATCH_ALL(a.dtype, "where", [&] {
    using T = scalar_t;
    StridedLoop<4>({&out, &cond, &a, &b}).run([&](char** p, const int64_t* st, int64_t n) {
      T* o = reinterpret_cast<T*>(p[0]);
      const bool* c = reinterpret_cast<const bool*>(p[1]);
      const T* x = reinterpret_cast<const T*>(p[2]);
      const T* y = reinterpret_cast<const T*>(p[3]);
      const int64_t s0 = st[0] / int64_t(sizeof(T)), s1 = st[1], s2 = st[2] / int64_t(sizeof(T)),
                    s3 = st[3] / int64_t(sizeof(T));
      for (int64_t i = 0; i < n; ++i) o[i * s0] = c[i * s1] ? x[i * s2] : y[i * s3];
    });
  });
}

void copy(const TensorView& out, const TensorView& in) {
  KILN_DISPATCH_ALL(out.dtype, "copy", [&] {
    using TOut = scalar_t;
    KILN_DISPATCH_ALL(in.dtype, "copy", [&] {
      using TIn = scalar_t;
      copy_loop<TOut, TIn>(out, in);
    });
  });
}

void fill(const TensorView& out, double value) {
  KILN_DISPATCH_ALL(out.dtype, "fill", [&] {
    using T = scalar_t;
    const T v = param_cast<T>(value);
    StridedLoop<1>({&out}).run([&](char** p, const int64_t* st, int64_t n) {
      T* o = reinterpret_cast<T*>(p[0]);
      const int64_t s = st[0] / int64_t(sizeof(T));
      if (s == 1) {
        for (int64_t i = 0; i < n; ++i) o[i] = v;
      } else {
        for (int64_t i = 0; i < n; ++i) o[i * s] = v;
      }
    });
  });
}

namespace {
// Writes value_of(i) into the flattened (row-major) position i of `out`.
template <class F>
void fill_indexed(const TensorView& out, F value_of) {
  KILN_DISPATCH_NUMERIC(out.dtype, "arange", [&] {
    using T = scalar_t;
    const int64_t n = out.numel();
    int64_t idx[kMaxDims] = {};
    for (int64_t i = 0; i < n; ++i) {
      int64_t off = 0;
      for (int d = 0; d < out.ndim; ++d) off += idx[d] * out.strides[d];
      out.ptr<T>()[off] = param_cast<T>(value_of(i));
      for (int d = out.ndim - 1; d >= 0; --d) {
        if (++idx[d] < out.shape[d]) break;
        idx[d] = 0;
      }
    }
  });
}
}  // namespace

void arange(const TensorView& out, double start, double step) {
  fill_indexed(out, [&](int64_t i) { return start + double(i) * step; });
}

void linspace(const TensorView& out, double start, double end) {
  const int64_t n = out.numel();
  const double step = n > 1 ? (end - start) / double(n - 1) : 0.0;
  const int64_t half = n / 2;
  fill_indexed(out, [&](int64_t i) {
    if (n == 1) return start;  // a single step is the start, as in PyTorch
    return i < half ? start + step * double(i) : end - step * double(n - 1 - i);
  });
}

}  // namespace kiln::cpu
