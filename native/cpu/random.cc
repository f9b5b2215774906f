// SPDX-License-Identifier: MIT
// Random fills and randperm on the counter-based Philox generator (core/philox.h). Element i
// of the view (row-major) uses counter offset + i, so results depend on (seed, offset) only:
// not on the thread count, the view's strides, or the device.
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

#include "../core/error.h"
#include "../core/philox.h"
#include "../core/random_args.h"
#include "indexing_iter.h"
#include "indexing_sort.h"
#include "kernels.h"

namespace kiln::cpu {
namespace {

// Writes gen(counter) into every element of `out`, element i receiving counter offset + i.
template <class T, class Gen>
void fill_random(const TensorView& out, uint64_t offset, Gen gen) {
  const TensorView v = coalesce_row_major(out);
  const int64_t n = v.numel();
  T* base = v.ptr<T>();
  parallel_for(n, kIndexGrain, [&](int64_t b, int64_t e) {
    for_each_run(v, b, e, [&](int64_t off, int64_t st, int64_t first, int64_t len) {
      T* p = base + off;
      const uint64_t c = offset + uint64_t(first);
      if (st == 1) {
        for (int64_t t = 0; t < len; ++t) p[t] = gen(c + uint64_t(t));
      } else {
        for (int64_t t = 0; t < len; ++t) p[t * st] = gen(c + uint64_t(t));
      }
    });
  });
}

template <class T>
void randint_typed(const TensorView& out, uint64_t seed, uint64_t offset, double p0, double p1) {
  const random_args::RandintRange r = random_args::randint_range<T>(p0, p1);
  const int64_t low = r.low;
  const uint64_t range = r.range;
  fill_random<T>(out, offset, [=](uint64_t c) {
    const int64_t v = philox_randint(philox(seed, c), low, range);
    if constexpr (std::is_same_v<T, bool>) return v != 0;
    else return T(v);
  });
}

}  // namespace

void random(const TensorView& out, Distribution dist, uint64_t seed, uint64_t offset, double p0,
            double p1) {
  switch (dist) {
    case Distribution::Uniform: {
      const double range = p1 - p0;
      KILN_DISPATCH_FLOAT(out.dtype, "uniform", [&] {
        using T = scalar_t;
        random_args::check_uniform<T>(p0, p1, out.dtype);
        if constexpr (std::is_same_v<T, float>) {
          const float below = philox_float_below(p1);
          fill_random<T>(out, offset, [=](uint64_t c) {
            return philox_uniform_f32(philox(seed, c), p0, range, p1, below);
          });
        } else {
          fill_random<T>(out, offset,
                         [=](uint64_t c) { return philox_uniform_f64(philox(seed, c), p0, range); });
        }
      });
      return;
    }
    case Distribution::Normal: {
      random_args::check_normal(p0, p1);
      KILN_DISPATCH_FLOAT(out.dtype, "normal", [&] {
        using T = scalar_t;
        fill_random<T>(out, offset, [=](uint64_t c) { return T(philox_normal(philox(seed, c), p0, p1)); });
      });
      return;
    }
    case Distribution::Randint: {
      KILN_DISPATCH_ALL(out.dtype, "randint",
                        [&] { randint_typed<scalar_t>(out, seed, offset, p0, p1); });
      return;
    }
    case Distribution::Bernoulli: {
      random_args::check_bernoulli(p0);
      KILN_DISPATCH_ALL(out.dtype, "bernoulli", [&] {
        using T = scalar_t;
        fill_random<T>(out, offset,
                       [=](uint64_t c) { return T(philox_bernoulli(philox(seed, c), p0) ? 1 : 0); });
      });
      return;
    }
  }
  throw Error(ErrorCode::InvalidArgument,
              make_string("random: unknown distribution ", static_cast<int>(dist)));
}

namespace {

template <class I>
void randperm_typed(const TensorView& out, uint64_t seed, uint64_t offset) {
  using Rec = KeyIndex<uint64_t, I>;
  const int64_t n = out.numel();
  std::vector<Rec> recs(static_cast<size_t>(n)), scratch(static_cast<size_t>(n));
  parallel_for(n, kIndexGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const PhiloxWords w = philox(seed, offset + uint64_t(i));
      recs[size_t(i)] = Rec{philox_bits64(w.w[0], w.w[1]), I(i)};
    }
  });
  sort_by_key(recs.data(), scratch.data(), n);
  int64_t* o = out.ptr<int64_t>();
  const int64_t st = out.ndim == 0 ? 0 : out.strides[0];
  parallel_for(n, kIndexGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) o[i * st] = int64_t(recs[size_t(i)].index);
  });
}

}  // namespace

// Sorting uniformly random 64-bit keys gives a uniform permutation; equal keys (probability
// about n^2 / 2^65) keep index order, so the result is fully determined by (seed, offset).
void randperm(const TensorView& out, uint64_t seed, uint64_t offset) {
  const int64_t n = out.numel();
  if (n == 0) return;
  if (n <= int64_t(UINT32_MAX)) randperm_typed<uint32_t>(out, seed, offset);
  else randperm_typed<int64_t>(out, seed, offset);
}

}  // namespace kiln::cpu
