// SPDX-License-Identifier: MIT
// Accumulators of the reduction kernels (reduce.cc). Each op reduces in two levels: `Lane`
// values that the vectorized inner loops update element by element, folded every block into
// an `Acc` that carries the result across blocks, rows and threads. For float sums the lanes
// are the input's type (fast) and the accumulator is double, which bounds the rounding error
// by the block length instead of the reduction length. Everything is inline and branch-free
// so that the compiler can vectorize the loops that call it.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

#include "../core/functors.h"

namespace kiln::cpu {

// Bools are read as bytes, so that a stored value is never assumed to be exactly 0 or 1.
template <class T> using storage_t = std::conditional_t<std::is_same_v<T, bool>, uint8_t, T>;

// Integer sums and products wrap around on overflow, as PyTorch's do, without signed UB.
inline int64_t wrap_add(int64_t a, int64_t b) { return int64_t(uint64_t(a) + uint64_t(b)); }
inline int64_t wrap_mul(int64_t a, int64_t b) { return int64_t(uint64_t(a) * uint64_t(b)); }

// Constants of the float exp shared by the portable exp_vec below and the vectorized one of
// float_row_kernels_impl.h: Cody-Waite reduction to r in [-ln2/2, ln2/2], where
// exp(x) = 2^n * exp(r), and the Cephes polynomial for exp(r) (under 2 ulp over the range).
namespace expf_const {
constexpr float kLog2e = 1.44269504088896341f;
constexpr float kLn2Hi = 0.693359375f;     // ln 2 = kLn2Hi + kLn2Lo; kLn2Hi * n is exact
constexpr float kLn2Lo = -2.12194440e-4f;
constexpr float kRound = 12582912.0f;      // 1.5 * 2^23: adding it rounds to an integer
constexpr int32_t kRoundBits = 0x4B400000;  // its bit pattern, whose low bits then hold n
constexpr float kMin = -104.0f;            // below: expf is 0 (after the subnormals)
constexpr float kMax = 89.0f;              // above: expf is inf
constexpr float kPoly[6] = {1.9875691500e-4f, 1.3981999507e-3f, 8.3334519073e-3f,
                            4.1665795894e-2f, 1.6666665459e-1f, 5.0000001201e-1f};
}  // namespace expf_const

// exp() in a form compilers vectorize: no library call and no float comparison or
// float-to-int conversion (under the default -ftrapping-math compilers turn those into
// branches that block vectorization). The scaling by 2^n is split in two factors so that
// results overflow to inf and underflow through the subnormals like expf.
// Double precision uses the library's exp.
inline float exp_vec(float x) {
  using namespace expf_const;
  // Clamps x to [kMin, kMax] on its bit pattern, as integers: the magnitude's bits order
  // like the magnitude. NaN is left as it is and propagates.
  int32_t xb;
  std::memcpy(&xb, &x, sizeof xb);
  const int32_t mag = xb & 0x7FFFFFFF;
  const int32_t lim = xb < 0 ? 0x42D00000 /* 104.0f */ : 0x42B20000 /* 89.0f */;
  const int32_t cmag = mag > 0x7F800000 ? mag : (mag < lim ? mag : lim);
  const int32_t cb = (xb & int32_t(0x80000000u)) | cmag;
  float xc;
  std::memcpy(&xc, &cb, sizeof xc);
  const float t = xc * kLog2e + kRound;
  const float n = t - kRound;
  uint32_t tb;
  std::memcpy(&tb, &t, sizeof tb);
  const int32_t ni = int32_t(tb - uint32_t(kRoundBits));
  const float r = (xc - n * kLn2Hi) - n * kLn2Lo;
  const float z = r * r;
  float p = kPoly[0];
  for (int k = 1; k < 6; ++k) p = p * r + kPoly[k];
  const float y = p * z + r + 1.0f;
  const int32_t n1 = ni >> 1, n2 = ni - n1;
  const uint32_t b1 = uint32_t(n1 + 127) << 23, b2 = uint32_t(n2 + 127) << 23;
  float s1, s2;
  std::memcpy(&s1, &b1, sizeof s1);
  std::memcpy(&s2, &b2, sizeof s2);
  return y * s1 * s2;
}
inline double exp_vec(double x) { return std::exp(x); }

// ---- element maps: input element (and a per-output shift) -> lane value -----------------

struct MapValue {
  template <class L, class S> L operator()(S x, L) const {
    if constexpr (std::is_same_v<S, uint8_t>) return L(x != 0);
    else return L(x);
  }
};
struct MapAbs {
  template <class L, class S> L operator()(S x, L) const { return std::fabs(L(x)); }
};
struct MapSquare {
  template <class L, class S> L operator()(S x, L) const { return L(x) * L(x); }
};
struct MapNonzero {
  template <class L, class S> L operator()(S x, L) const { return x != S(0) ? L(1) : L(0); }
};
struct MapPowAbs {
  double p;
  template <class L, class S> L operator()(S x, L) const {
    return L(std::pow(std::fabs(L(x)), L(p)));
  }
};
// First pass of var: distance to a sample of the output's inputs (see reduce_var).
struct MapDiff {
  template <class L, class S> L operator()(S x, L shift) const { return L(x) - shift; }
};
// Second pass of var: squared distance to the output's mean.
struct MapSqDiff {
  template <class L, class S> L operator()(S x, L mean) const {
    const L d = L(x) - mean;
    return d * d;
  }
};
// Second pass of logsumexp: exp of the distance to the output's max.
struct MapExpDiff {
  template <class L, class S> L operator()(S x, L shift) const { return exp_vec(L(x) - shift); }
};

template <class Map> constexpr bool kShiftedMap =
    std::is_same_v<Map, MapDiff> || std::is_same_v<Map, MapSqDiff> ||
    std::is_same_v<Map, MapExpDiff>;

// ---- accumulators -------------------------------------------------------------------------

template <class T> using sum_lane_t = std::conditional_t<std::is_floating_point_v<T>, T, int64_t>;

// Sums map(x); LaneT may be widened (double lanes for float inputs) where precision matters
// more than speed.
template <class T, class Map = MapValue, class LaneT = sum_lane_t<T>>
struct SumOp {
  using In = storage_t<T>;
  using Lane = LaneT;
  using Acc = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;
  static constexpr bool kShifted = kShiftedMap<Map>;
  Map map{};

  Lane lane_init() const { return Lane(0); }
  Lane step(Lane l, In x, Lane shift) const { return merge(l, map(x, shift)); }
  Lane merge(Lane a, Lane b) const {
    if constexpr (std::is_integral_v<Lane>) return wrap_add(a, b);
    else return a + b;
  }
  Acc acc_init() const { return Acc(0); }
  Acc fold(Acc a, Lane l) const { return combine(a, Acc(l)); }
  Acc combine(Acc a, Acc b) const {
    if constexpr (std::is_integral_v<Acc>) return wrap_add(a, b);
    else return a + b;
  }
};

template <class T>
struct ProdOp {
  using In = storage_t<T>;
  using Lane = std::conditional_t<std::is_floating_point_v<T>, T, int64_t>;
  using Acc = Lane;
  static constexpr bool kShifted = false;

  Lane lane_init() const { return Lane(1); }
  Lane step(Lane l, In x, Lane) const { return merge(l, MapValue()(x, l)); }
  Lane merge(Lane a, Lane b) const {
    if constexpr (std::is_integral_v<Lane>) return wrap_mul(a, b);
    else return a * b;
  }
  Acc acc_init() const { return Acc(1); }
  Acc fold(Acc a, Lane l) const { return merge(a, l); }
  Acc combine(Acc a, Acc b) const { return merge(a, b); }
};

// max (kMax) or min of the mapped values; any NaN makes the result NaN.
template <class T, bool kMax, class Map = MapValue>
struct ExtremumOp {
  using In = storage_t<T>;
  using Lane = In;
  using Acc = In;
  static constexpr bool kShifted = false;
  Map map{};

  static Lane identity() {
    if constexpr (std::is_floating_point_v<Lane>)
      return kMax ? -std::numeric_limits<Lane>::infinity() : std::numeric_limits<Lane>::infinity();
    else
      return kMax ? std::numeric_limits<Lane>::lowest() : std::numeric_limits<Lane>::max();
  }
  Lane lane_init() const { return identity(); }
  Lane step(Lane l, In x, Lane) const { return merge(l, map(x, l)); }
  Lane merge(Lane a, Lane b) const {
    // `b != b` keeps a NaN once it is in; the comparison alone would let later values win.
    // Bitwise `|`: a short-circuit `||` would become a branch and block vectorization.
    const bool take = kMax ? (b > a) : (b < a);
    return (take | (b != b)) ? b : a;
  }
  Acc acc_init() const { return identity(); }
  Acc fold(Acc a, Lane l) const { return merge(a, l); }
  Acc combine(Acc a, Acc b) const { return merge(a, b); }
};

// all (kAll) or any: whether elements are nonzero (NaN counts as nonzero).
template <class T, bool kAll>
struct LogicalOp {
  using In = storage_t<T>;
  using Lane = uint8_t;
  using Acc = uint8_t;
  static constexpr bool kShifted = false;

  Lane lane_init() const { return kAll ? 1 : 0; }
  Lane step(Lane l, In x, Lane) const { return merge(l, x != In(0) ? 1 : 0); }
  Lane merge(Lane a, Lane b) const { return kAll ? Lane(a & b) : Lane(a | b); }
  Acc acc_init() const { return lane_init(); }
  Acc fold(Acc a, Lane l) const { return merge(a, l); }
  Acc combine(Acc a, Acc b) const { return merge(a, b); }
};

}  // namespace kiln::cpu
