// SPDX-License-Identifier: MIT
// Scalar helpers used by the formulas in ops.def, and the enums generated from that table.
// Everything here is header-only and marked KILN_HD so the CUDA kernels can share it.
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#ifdef __CUDACC__
#define KILN_HD __host__ __device__ inline
#else
#define KILN_HD inline
#endif

namespace kiln {

enum class UnaryOp : int {
#define KILN_UNARY(name, dtypes, out, expr) name,
#include "ops.def"
  kCount
};
enum class BinaryOp : int {
#define KILN_BINARY(name, dtypes, out, expr) name,
#include "ops.def"
  kCount
};
enum class TernaryOp : int {
#define KILN_TERNARY(name, dtypes, expr) name,
#include "ops.def"
  kCount
};
enum class ReduceOp : int {
#define KILN_REDUCE(name) name,
#include "ops.def"
  kCount
};

namespace fn {

template <class T> constexpr bool is_float_v = std::is_floating_point_v<T>;

// Converts a double parameter to T, saturating for integers so that +-inf bounds are safe.
template <class T> KILN_HD T param_cast(double v) {
  if constexpr (std::is_same_v<T, bool>) {
    return v != 0;
  } else if constexpr (std::is_integral_v<T>) {
    if (v != v) return T(0);
    if (v >= double(std::numeric_limits<T>::max())) return std::numeric_limits<T>::max();
    if (v <= double(std::numeric_limits<T>::min())) return std::numeric_limits<T>::min();
    return T(v);
  } else {
    return T(v);
  }
}

template <class T> KILN_HD T abs(T x) {
  if constexpr (is_float_v<T>) return std::fabs(x);
  else return x < T(0) ? T(-x) : x;
}
template <class T> KILN_HD T sign(T x) {
  // NaN compares neither above nor below zero, so its sign is 0, as in PyTorch.
  return T((T(0) < x) - (x < T(0)));
}
template <class T> KILN_HD T sigmoid(T x) {
  // Two branches keep exp() from overflowing for large |x|.
  if (x >= T(0)) return T(1) / (T(1) + std::exp(-x));
  T e = std::exp(x);
  return e / (T(1) + e);
}
template <class T> KILN_HD T relu(T x) {
  if constexpr (is_float_v<T>) {
    if (x != x) return x;
  }
  return x > T(0) ? x : T(0);
}
template <class T> KILN_HD T gelu_erf(T x) {
  return T(0.5) * x * (T(1) + std::erf(x * T(0.70710678118654752440)));
}
template <class T> KILN_HD T gelu_tanh(T x) {
  const T k = T(0.79788456080286535588);  // sqrt(2/pi)
  return T(0.5) * x * (T(1) + std::tanh(k * (x + T(0.044715) * x * x * x)));
}
template <class T> KILN_HD T softplus(T x, T beta, T threshold) {
  T bx = beta * x;
  return bx > threshold ? x : T(std::log1p(std::exp(bx)) / beta);
}
template <class T> KILN_HD T floor(T x) {
  if constexpr (is_float_v<T>) return std::floor(x);
  else return x;
}
template <class T> KILN_HD T ceil(T x) {
  if constexpr (is_float_v<T>) return std::ceil(x);
  else return x;
}
template <class T> KILN_HD T trunc(T x) {
  if constexpr (is_float_v<T>) return std::trunc(x);
  else return x;
}
template <class T> KILN_HD T round_half_even(T x) {
  if constexpr (is_float_v<T>) return std::nearbyint(x);  // default rounding mode: half to even
  else return x;
}
template <class T> KILN_HD T clamp(T x, T lo, T hi) {
  if constexpr (is_float_v<T>) {
    if (x != x) return x;
  }
  // PyTorch applies min then max, so lo > hi gives hi everywhere.
  T y = x < lo ? lo : x;
  return y > hi ? hi : y;
}
template <class T> KILN_HD bool isnan(T x) {
  if constexpr (is_float_v<T>) return x != x;
  else return false;
}
template <class T> KILN_HD bool isinf(T x) {
  if constexpr (is_float_v<T>) return std::isinf(x);
  else return false;
}
template <class T> KILN_HD bool isfinite(T x) {
  if constexpr (is_float_v<T>) return std::isfinite(x);
  else return true;
}

// Integer division guards: x86 traps on division by zero and on INT_MIN / -1, which would kill
// the process. Division by zero gives 0 for integers (documented); INT_MIN / -1 wraps.
template <class T> KILN_HD T int_div(T a, T b) {
  if (b == 0) return T(0);
  if (b == T(-1)) return T(T(0) - a);
  return T(a / b);
}
template <class T> KILN_HD T int_mod(T a, T b) {
  if (b == 0 || b == T(-1)) return T(0);
  return T(a % b);
}

template <class T> KILN_HD T div_trunc(T a, T b) {
  if constexpr (is_float_v<T>) return std::trunc(a / b);
  else return int_div(a, b);
}
template <class T> KILN_HD T div_floor(T a, T b) {
  if constexpr (is_float_v<T>) {
    // PyTorch's formula: exact for the remainder, then corrected to the floor.
    if (b == T(0)) return a / b;
    T mod = std::fmod(a, b);
    T div = (a - mod) / b;
    if (mod != T(0) && ((b < T(0)) != (mod < T(0)))) div -= T(1);
    T floordiv;
    if (div != T(0)) {
      floordiv = std::floor(div);
      if (div - floordiv > T(0.5)) floordiv += T(1);
    } else {
      floordiv = std::copysign(T(0), a / b);
    }
    return floordiv;
  } else {
    T q = int_div(a, b);
    T r = int_mod(a, b);
    if (r != 0 && ((r < 0) != (b < 0))) q = T(q - 1);
    return q;
  }
}
template <class T> KILN_HD T remainder(T a, T b) {
  if constexpr (is_float_v<T>) {
    T m = std::fmod(a, b);
    if (m != T(0) && ((b < T(0)) != (m < T(0)))) m += b;
    return m;
  } else {
    T m = int_mod(a, b);
    if (m != 0 && ((b < 0) != (m < 0))) m = T(m + b);
    return m;
  }
}
template <class T> KILN_HD T pow(T a, T b) {
  if constexpr (is_float_v<T>) {
    return std::pow(a, b);
  } else {
    if (b < 0) {
      // Integer to a negative power: only +-1 have integer results.
      if (a == 1) return T(1);
      if (a == -1) return (b % 2 == 0) ? T(1) : T(-1);
      return T(0);
    }
    T result = 1, base = a;
    while (b) {
      if (b & 1) result = T(result * base);
      b >>= 1;
      if (b) base = T(base * base);
    }
    return result;
  }
}
template <class T> KILN_HD T mul(T a, T b) {
  if constexpr (std::is_same_v<T, bool>) return a && b;
  else return T(a * b);
}
template <class T> KILN_HD T maximum(T a, T b) {
  if constexpr (is_float_v<T>) {
    if (a != a) return a;
    if (b != b) return b;
  }
  return a > b ? a : b;
}
template <class T> KILN_HD T minimum(T a, T b) {
  if constexpr (is_float_v<T>) {
    if (a != a) return a;
    if (b != b) return b;
  }
  return a < b ? a : b;
}
template <class T> KILN_HD T lerp(T a, T b, T w) {
  // PyTorch's two-sided form keeps lerp(a, b, 1) == b exactly.
  return (fn::abs(w) < T(0.5)) ? T(a + w * (b - a)) : T(b - (b - a) * (T(1) - w));
}

}  // namespace fn
}  // namespace kiln
