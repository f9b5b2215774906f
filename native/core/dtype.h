// SPDX-License-Identifier: MIT
// Element types known to kiln. The numeric codes are part of the JS <-> native contract
// (lib/tensor/dtype.ts holds the same list; a test checks they agree).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace kiln {

enum class DType : int { F32 = 0, F64 = 1, I32 = 2, I64 = 3, Bool = 4 };
constexpr int kNumDTypes = 5;

inline size_t dtype_size(DType t) {
  switch (t) {
    case DType::F32: return 4;
    case DType::F64: return 8;
    case DType::I32: return 4;
    case DType::I64: return 8;
    case DType::Bool: return 1;
  }
  return 0;
}

inline const char* dtype_name(DType t) {
  switch (t) {
    case DType::F32: return "float32";
    case DType::F64: return "float64";
    case DType::I32: return "int32";
    case DType::I64: return "int64";
    case DType::Bool: return "bool";
  }
  return "unknown";
}

inline bool is_floating(DType t) { return t == DType::F32 || t == DType::F64; }

template <class T> struct DTypeOf;
template <> struct DTypeOf<float> { static constexpr DType value = DType::F32; };
template <> struct DTypeOf<double> { static constexpr DType value = DType::F64; };
template <> struct DTypeOf<int32_t> { static constexpr DType value = DType::I32; };
template <> struct DTypeOf<int64_t> { static constexpr DType value = DType::I64; };
template <> struct DTypeOf<bool> { static constexpr DType value = DType::Bool; };

// Accumulator type for reductions: float32 sums accumulate in float64 would be slower than
// PyTorch's float32 cascade; we accumulate float32 in float32 with pairwise blocking (see
// reduce.cc) and integers in int64, as PyTorch does.
template <class T> struct AccOf { using type = T; };
template <> struct AccOf<int32_t> { using type = int64_t; };
template <> struct AccOf<bool> { using type = int64_t; };

}  // namespace kiln

// Runs BODY with `scalar_t` bound to the C++ type of DT. Unsupported dtypes reach the default
// branch, which throws a typed error naming the op.
#define KILN_DISPATCH_ALL(DT, OPNAME, ...)                                       \
  [&] {                                                                          \
    switch (DT) {                                                                \
      case ::kiln::DType::F32: { using scalar_t = float; return __VA_ARGS__(); }   \
      case ::kiln::DType::F64: { using scalar_t = double; return __VA_ARGS__(); }  \
      case ::kiln::DType::I32: { using scalar_t = int32_t; return __VA_ARGS__(); } \
      case ::kiln::DType::I64: { using scalar_t = int64_t; return __VA_ARGS__(); } \
      case ::kiln::DType::Bool: { using scalar_t = bool; return __VA_ARGS__(); }   \
    }                                                                            \
    ::kiln::throw_unsupported_dtype(OPNAME, DT);                                 \
  }()

#define KILN_DISPATCH_NUMERIC(DT, OPNAME, ...)                                   \
  [&] {                                                                          \
    switch (DT) {                                                                \
      case ::kiln::DType::F32: { using scalar_t = float; return __VA_ARGS__(); }   \
      case ::kiln::DType::F64: { using scalar_t = double; return __VA_ARGS__(); }  \
      case ::kiln::DType::I32: { using scalar_t = int32_t; return __VA_ARGS__(); } \
      case ::kiln::DType::I64: { using scalar_t = int64_t; return __VA_ARGS__(); } \
      default: break;                                                            \
    }                                                                            \
    ::kiln::throw_unsupported_dtype(OPNAME, DT);                                 \
  }()

#define KILN_DISPATCH_FLOAT(DT, OPNAME, ...)                                     \
  [&] {                                                                          \
    switch (DT) {                                                                \
      case ::kiln::DType::F32: { using scalar_t = float; return __VA_ARGS__(); }   \
      case ::kiln::DType::F64: { using scalar_t = double; return __VA_ARGS__(); }  \
      default: break;                                                            \
    }                                                                            \
    ::kiln::throw_unsupported_dtype(OPNAME, DT);                                 \
  }()
