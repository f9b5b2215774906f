// SPDX-License-Identifier: MIT
// The argument checks of the random fills, shared by the CPU kernels (cpu/random.cc) and the
// CUDA kernels (cuda/random.cu) so that both reject the same arguments with the same errors.
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "dtype.h"
#include "error.h"

namespace kiln::random_args {

// uniform(low, high): a finite range with low <= high that the dtype T can hold.
template <class T>
void check_uniform(double low, double high, DType dtype) {
  KILN_CHECK(std::isfinite(low) && std::isfinite(high) && low <= high, InvalidArgument,
             "uniform: expects a finite range with low <= high, got [", low, ", ", high, ")");
  constexpr double kMax = double(std::numeric_limits<T>::max());
  KILN_CHECK(low >= -kMax && high <= kMax && high - low <= kMax, InvalidArgument, "uniform: [",
             low, ", ", high, ") exceeds the range of ", dtype_name(dtype));
}

inline void check_normal(double mean, double stddev) {
  KILN_CHECK(std::isfinite(mean) && std::isfinite(stddev) && stddev >= 0, InvalidArgument,
             "normal: expects a finite mean and std >= 0, got mean ", mean, ", std ", stddev);
}

inline void check_bernoulli(double p) {
  KILN_CHECK(p >= 0 && p <= 1, InvalidArgument, "bernoulli: expects 0 <= p <= 1, got ", p);
}

// An integer-valued double as int64; the range check keeps the conversion defined.
inline int64_t integral_bound(double v, const char* what) {
  KILN_CHECK(std::isfinite(v) && v == std::floor(v) && v >= -9223372036854775808.0 &&
                 v < 9223372036854775808.0,
             InvalidArgument, "randint: ", what, " must be an integer in int64 range, got ", v);
  return int64_t(v);
}

// randint's [low, high) as low and the range's width, checked to fit dtype T.
struct RandintRange {
  int64_t low;
  uint64_t range;
};
template <class T>
RandintRange randint_range(double p0, double p1) {
  const int64_t low = integral_bound(p0, "low");
  const int64_t high = integral_bound(p1, "high");
  KILN_CHECK(low < high, InvalidArgument, "randint: low (", low, ") must be less than high (",
             high, ")");
  // Values the dtype cannot hold would wrap, so the range must fit (as PyTorch requires).
  if constexpr (std::is_same_v<T, bool>) {
    KILN_CHECK(low >= 0 && high <= 2, InvalidArgument, "randint: range [", low, ", ", high,
               ") does not fit dtype bool");
  } else if constexpr (std::is_same_v<T, int32_t>) {
    KILN_CHECK(low >= std::numeric_limits<int32_t>::min() &&
                   high - 1 <= std::numeric_limits<int32_t>::max(),
               InvalidArgument, "randint: range [", low, ", ", high, ") does not fit dtype int32");
  }
  return {low, uint64_t(high) - uint64_t(low)};
}

}  // namespace kiln::random_args
