// SPDX-License-Identifier: MIT
// Philox-4x32-10, the counter-based generator of Salmon et al. ("Parallel random numbers: as
// easy as 1, 2, 3", SC 2011), and the conversions from its output words to numbers. Each
// element draws from its own counter, so a tensor's values depend only on (seed, offset) and
// never on how the work was split. Everything is KILN_HD so the CUDA kernels compute the same
// words and, apart from the transcendental functions of the normal distribution, the same
// numbers bit for bit.
//
// Layout: key = {seed low 32 bits, seed high 32 bits}; counter = {c low 32 bits, c high 32
// bits, 0, 0} where c = offset + (row-major index of the element).
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>

#include "functors.h"

namespace kiln {

struct PhiloxWords {
  uint32_t w[4];
};

namespace philox_detail {

constexpr uint32_t kM0 = 0xD2511F53u;
constexpr uint32_t kM1 = 0xCD9E8D57u;
constexpr uint32_t kW0 = 0x9E3779B9u;
constexpr uint32_t kW1 = 0xBB67AE85u;

KILN_HD void philox_round(uint32_t& c0, uint32_t& c1, uint32_t& c2, uint32_t& c3,
                          uint32_t k0, uint32_t k1) {
  const uint64_t p0 = uint64_t(kM0) * c0;
  const uint64_t p1 = uint64_t(kM1) * c2;
  const uint32_t hi0 = uint32_t(p0 >> 32), lo0 = uint32_t(p0);
  const uint32_t hi1 = uint32_t(p1 >> 32), lo1 = uint32_t(p1);
  const uint32_t n0 = hi1 ^ c1 ^ k0;
  const uint32_t n2 = hi0 ^ c3 ^ k1;
  c0 = n0;
  c1 = lo1;
  c2 = n2;
  c3 = lo0;
}

// Round-to-nearest products and sums that the compiler may not fuse into an FMA: nvcc fuses
// across statements by default, which would change the last bit relative to the CPU.
KILN_HD double mul_rn(double a, double b) {
#ifdef __CUDA_ARCH__
  return __dmul_rn(a, b);
#else
  return a * b;
#endif
}
KILN_HD double add_rn(double a, double b) {
#ifdef __CUDA_ARCH__
  return __dadd_rn(a, b);
#else
  return a + b;
#endif
}

}  // namespace philox_detail

// The full 128-bit counter / 64-bit key form.
KILN_HD PhiloxWords philox4x32_10(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3,
                                  uint32_t k0, uint32_t k1) {
  using namespace philox_detail;
  philox_round(c0, c1, c2, c3, k0, k1);
  for (int r = 1; r < 10; ++r) {
    k0 += kW0;
    k1 += kW1;
    philox_round(c0, c1, c2, c3, k0, k1);
  }
  PhiloxWords out;
  out.w[0] = c0;
  out.w[1] = c1;
  out.w[2] = c2;
  out.w[3] = c3;
  return out;
}

// The words for counter `c` (the high 64 counter bits are zero) under `seed`.
KILN_HD PhiloxWords philox(uint64_t seed, uint64_t c) {
  return philox4x32_10(uint32_t(c), uint32_t(c >> 32), 0u, 0u, uint32_t(seed),
                       uint32_t(seed >> 32));
}

KILN_HD uint64_t philox_bits64(uint32_t hi, uint32_t lo) { return (uint64_t(hi) << 32) | lo; }

// [0, 1) with 53 random bits: every value is an exact multiple of 2^-53.
KILN_HD double philox_u01_f64(uint32_t hi, uint32_t lo) {
  return double(philox_bits64(hi, lo) >> 11) * (1.0 / 9007199254740992.0);
}
// (0, 1] with 53 random bits, for logarithms that must not see zero.
KILN_HD double philox_u01_open_f64(uint32_t hi, uint32_t lo) {
  return double((philox_bits64(hi, lo) >> 11) + 1) * (1.0 / 9007199254740992.0);
}
// [0, 1) with 24 random bits, exact in float.
KILN_HD float philox_u01_f32(uint32_t w) { return float(w >> 8) * (1.0f / 16777216.0f); }

// Uniform [low, low + range) in float64 from words 0 and 1.
KILN_HD double philox_uniform_f64(const PhiloxWords& r, double low, double range) {
  using namespace philox_detail;
  return add_rn(low, mul_rn(philox_u01_f64(r.w[0], r.w[1]), range));
}

// Uniform [low, high) in float32 from word 0. The sum is formed in double and rounded once;
// when that rounding reaches `high`, the result becomes `below_high` (philox_float_below).
KILN_HD float philox_uniform_f32(const PhiloxWords& r, double low, double range, double high,
                                 float below_high) {
  using namespace philox_detail;
  const float f = float(add_rn(low, mul_rn(double(philox_u01_f32(r.w[0])), range)));
  return double(f) >= high && range > 0 ? below_high : f;
}

// The largest float strictly below `high` (computed once per launch, on the host).
inline float philox_float_below(double high) {
  float f = float(high);
  if (double(f) >= high) f = std::nextafter(f, -std::numeric_limits<float>::infinity());
  return f;
}

// Box-Muller: u1 in (0, 1] from words 0 and 1, u2 in [0, 1) from words 2 and 3.
KILN_HD double philox_normal(const PhiloxWords& r, double mean, double stddev) {
  using namespace philox_detail;
  const double u1 = philox_u01_open_f64(r.w[0], r.w[1]);
  const double u2 = philox_u01_f64(r.w[2], r.w[3]);
  const double radius = std::sqrt(mul_rn(-2.0, std::log(u1)));
  const double z = mul_rn(radius, std::cos(mul_rn(6.283185307179586476925286766559, u2)));
  return add_rn(mean, mul_rn(stddev, z));
}

// low + (64-bit word pair mod range); `range` > 0. The sum wraps in unsigned arithmetic so
// ranges reaching the ends of int64 stay defined.
KILN_HD int64_t philox_randint(const PhiloxWords& r, int64_t low, uint64_t range) {
  return int64_t(uint64_t(low) + philox_bits64(r.w[0], r.w[1]) % range);
}

KILN_HD bool philox_bernoulli(const PhiloxWords& r, double p) {
  return philox_u01_f64(r.w[0], r.w[1]) < p;
}

}  // namespace kiln
