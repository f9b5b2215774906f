// SPDX-License-Identifier: MIT
// Elementwise kernels on CUDA devices: the formulas of ops.def (unary, binary, ternary), where,
// copy with dtype conversion, fill, arange and linspace. Semantics are those of
// cpu/elementwise.cc (dtype sets, parameters converted with param_cast, casts that saturate);
// the loops are the engine of elementwise_loops.cuh.
#include <cstring>
#include <type_traits>

#include "../native/core/error.h"
#include "elementwise_loops.cuh"
#include "kernels.h"

namespace kiln::cuda {
namespace {

using fn::param_cast;

#define KILN_DISPATCH_NUM KILN_DISPATCH_NUMERIC
#define KILN_OUT_SAME T
#define KILN_OUT_BOOL bool

// One functor per formula; parameters arrive already converted to T, as the CPU converts them.
#define KILN_UNARY(name, dtypes, outkind, expr)            \
  template <class T>                                       \
  struct unary_##name {                                    \
    using out_type = KILN_OUT_##outkind;                   \
    T p0, p1;                                              \
    __device__ auto operator()(T x) const { return expr; } \
  };
#define KILN_BINARY(name, dtypes, outkind, expr)                \
  template <class T>                                            \
  struct binary_##name {                                        \
    using out_type = KILN_OUT_##outkind;                        \
    T alpha;                                                    \
    __device__ auto operator()(T a, T b) const { return expr; } \
  };
#define KILN_TERNARY(name, dtypes, expr)                             \
  template <class T>                                                 \
  struct ternary_##name {                                            \
    T alpha;                                                         \
    __device__ auto operator()(T a, T b, T c) const { return expr; } \
  };
#include "../native/core/ops.def"

}  // namespace

// Double pow is an out-of-line call in CUDA's math library: one element per chunk keeps the
// lanes' live state from spilling around the calls (see kMaxLanes).
template <>
constexpr int ew::kMaxLanes<binary_pow<double>> = 1;

namespace {

template <class T>
struct where_fn {
  __device__ T operator()(bool c, T a, T b) const { return c ? a : b; }
};

// The CPU's conversions: to bool by comparison with zero; float to integer saturating, NaN
// to 0 (a plain cast is undefined there); everything else a C++ conversion.
template <class TOut, class TIn>
struct cast_fn {
  __device__ TOut operator()(TIn x) const {
    if constexpr (std::is_same_v<TOut, bool>) return x != TIn(0);
    else if constexpr (std::is_integral_v<TOut> && std::is_floating_point_v<TIn>)
      return param_cast<TOut>(double(x));
    else return static_cast<TOut>(x);
  }
};

// Same-dtype copies and fills move bytes, so one kernel per element size serves every dtype.
template <size_t Size> struct BitsOf;
template <> struct BitsOf<1> { using type = uint8_t; };
template <> struct BitsOf<4> { using type = uint32_t; };
template <> struct BitsOf<8> { using type = uint64_t; };

template <class U>
struct identity_fn {
  __device__ U operator()(U x) const { return x; }
};
template <class U>
struct constant_fn {
  U value;
  __device__ U operator()(int64_t) const { return value; }
};

// Double-precision products and sums rounded one by one, as the CPU computes them: nvcc would
// otherwise fuse them into an FMA and change the last bit.
__device__ __forceinline__ double mul_rn(double a, double b) { return __dmul_rn(a, b); }
__device__ __forceinline__ double add_rn(double a, double b) { return __dadd_rn(a, b); }
__device__ __forceinline__ double sub_rn(double a, double b) { return __dsub_rn(a, b); }

template <class T>
struct arange_fn {
  double start, step;
  __device__ T operator()(int64_t i) const {
    return param_cast<T>(add_rn(start, mul_rn(double(i), step)));
  }
};

// The first half counts up from start, the second half down from end (PyTorch's way, which
// makes the last value exactly `end`); a single element is `start`.
template <class T>
struct linspace_fn {
  double start, end, step;
  int64_t n, half;
  __device__ T operator()(int64_t i) const {
    if (n == 1) return param_cast<T>(start);
    return param_cast<T>(i < half ? add_rn(start, mul_rn(step, double(i)))
                                  : sub_rn(end, mul_rn(step, double(n - 1 - i))));
  }
};

void check_dtype(const TensorView& v, DType expected, const char* op, const char* what) {
  KILN_CHECK(v.dtype == expected, DType, op, ": ", what, " must be ", dtype_name(expected),
             ", got ", dtype_name(v.dtype));
}

}  // namespace

// Output and operand dtypes are checked before launching (the binding checks most of them
// too): a wrong one would make a kernel read or write past its buffer, which on a device
// surfaces much later as an unrelated fault.

void unary(UnaryOp op, const TensorView& out, const TensorView& in, double p0_, double p1_) {
  switch (op) {
#define KILN_UNARY(name, dtypes, outkind, expr)                                       \
  case UnaryOp::name:                                                                 \
    return KILN_DISPATCH_##dtypes(in.dtype, #name, [&] {                              \
      using T = scalar_t;                                                             \
      using F = unary_##name<T>;                                                      \
      using TOut = typename F::out_type;                                              \
      check_dtype(out, DTypeOf<TOut>::value, #name, "output");                        \
      ew::launch<TOut, T>(#name, F{param_cast<T>(p0_), param_cast<T>(p1_)}, out, {&in}); \
    });
#include "../native/core/ops.def"
    default: break;
  }
  throw Error(ErrorCode::InvalidArgument, make_string("unary: unknown op code ", int(op)));
}

void binary(BinaryOp op, const TensorView& out, const TensorView& a, const TensorView& b,
            double alpha_) {
  switch (op) {
#define KILN_BINARY(name, dtypes, outkind, expr)                                       \
  case BinaryOp::name:                                                                 \
    return KILN_DISPATCH_##dtypes(a.dtype, #name, [&] {                                \
      using T = scalar_t;                                                              \
      using F = binary_##name<T>;                                                      \
      using TOut = typename F::out_type;                                               \
      KILN_CHECK(b.dtype == a.dtype, DType, "binary: operand dtypes differ: ",         \
                 dtype_name(a.dtype), " vs ", dtype_name(b.dtype));                    \
      check_dtype(out, DTypeOf<TOut>::value, #name, "output");                         \
      ew::launch<TOut, T, T>(#name, F{param_cast<T>(alpha_)}, out, {&a, &b});          \
    });
#include "../native/core/ops.def"
    default: break;
  }
  throw Error(ErrorCode::InvalidArgument, make_string("binary: unknown op code ", int(op)));
}

void ternary(TernaryOp op, const TensorView& out, const TensorView& a, const TensorView& b,
             const TensorView& c, double alpha_) {
  switch (op) {
#define KILN_TERNARY(name, dtypes, expr)                                               \
  case TernaryOp::name:                                                                \
    return KILN_DISPATCH_##dtypes(a.dtype, #name, [&] {                                \
      using T = scalar_t;                                                              \
      for (const TensorView* v : {&out, &b, &c}) check_dtype(*v, a.dtype, #name, "operand"); \
      ew::launch<T, T, T, T>(#name, ternary_##name<T>{param_cast<T>(alpha_)}, out,     \
                             {&a, &b, &c});                                            \
    });
#include "../native/core/ops.def"
    default: break;
  }
  throw Error(ErrorCode::InvalidArgument, make_string("ternary: unknown op code ", int(op)));
}

void where(const TensorView& out, const TensorView& cond, const TensorView& a,
           const TensorView& b) {
  KILN_DISPATCH_ALL(a.dtype, "where", [&] {
    using T = scalar_t;
    check_dtype(cond, DType::Bool, "where", "condition");
    check_dtype(b, a.dtype, "where", "other");
    check_dtype(out, a.dtype, "where", "output");
    ew::launch<T, bool, T, T>("where", where_fn<T>{}, out, {&cond, &a, &b});
  });
}

void copy(const TensorView& out, const TensorView& in) {
  if (out.dtype == in.dtype) {
    const int64_t n = out.numel();
    if (n == 0) return;
    if (out.is_contiguous() && in.is_contiguous() && !in.is_host_scalar()) {
      cudaStream_t stream = stream_for(out.device);
      KILN_CUDA_CHECK(cudaMemcpyAsync(out.data, in.data, size_t(n) * out.itemsize(),
                                      cudaMemcpyDeviceToDevice, stream),
                      "copy");
      return;
    }
    KILN_DISPATCH_ALL(out.dtype, "copy", [&] {
      using U = typename BitsOf<sizeof(scalar_t)>::type;
      ew::launch<U, U>("copy", identity_fn<U>{}, out, {&in});
    });
    return;
  }
  KILN_DISPATCH_ALL(out.dtype, "copy", [&] {
    using TOut = scalar_t;
    KILN_DISPATCH_ALL(in.dtype, "copy", [&] {
      using TIn = scalar_t;
      if constexpr (!std::is_same_v<TOut, TIn>)
        ew::launch<TOut, TIn>("copy", cast_fn<TOut, TIn>{}, out, {&in});
    });
  });
}

void fill(const TensorView& out, double value) {
  KILN_DISPATCH_ALL(out.dtype, "fill", [&] {
    using U = typename BitsOf<sizeof(scalar_t)>::type;
    const scalar_t v = param_cast<scalar_t>(value);
    U bits;
    std::memcpy(&bits, &v, sizeof(U));
    ew::generate<U>("fill", constant_fn<U>{bits}, out);
  });
}

// Both dispatch under the name "arange", as the CPU's shared helper does.
void arange(const TensorView& out, double start, double step) {
  KILN_DISPATCH_NUMERIC(out.dtype, "arange", [&] {
    ew::generate<scalar_t>("arange", arange_fn<scalar_t>{start, step}, out);
  });
}

void linspace(const TensorView& out, double start, double end) {
  const int64_t n = out.numel();
  const double step = n > 1 ? (end - start) / double(n - 1) : 0.0;
  KILN_DISPATCH_NUMERIC(out.dtype, "arange", [&] {
    ew::generate<scalar_t>("linspace", linspace_fn<scalar_t>{start, end, step, n, n / 2}, out);
  });
}

}  // namespace kiln::cuda
