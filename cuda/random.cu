// SPDX-License-Identifier: MIT
// Random fills and randperm on CUDA devices, with the CPU's numbers (cpu/random.cc): element i
// of the output in row-major order draws from Philox counter offset + i (core/philox.h), so a
// (seed, offset) pair gives the same tensor on either device, whatever the output's strides.
// randperm sorts (64-bit Philox key, index) pairs with CUB's stable radix sort, which orders
// them exactly as the CPU's sort does.
#include <cub/device/device_radix_sort.cuh>

#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "../native/core/error.h"
#include "../native/core/philox.h"
#include "../native/core/random_args.h"
#include "../native/cpu/kernels.h"
#include "elementwise_loops.cuh"
#include "kernels.h"

namespace kiln::cuda {
namespace {

using cpu::Distribution;

// The Philox words of element i.
struct Counter {
  uint64_t seed, offset;
  __device__ PhiloxWords at(int64_t i) const { return philox(seed, offset + uint64_t(i)); }
};

struct uniform_f32_fn {
  Counter c;
  double low, range, high;
  float below_high;
  __device__ float operator()(int64_t i) const {
    return philox_uniform_f32(c.at(i), low, range, high, below_high);
  }
};

struct uniform_f64_fn {
  Counter c;
  double low, range;
  __device__ double operator()(int64_t i) const { return philox_uniform_f64(c.at(i), low, range); }
};

template <class T>
struct normal_fn {
  Counter c;
  double mean, stddev;
  __device__ T operator()(int64_t i) const { return T(philox_normal(c.at(i), mean, stddev)); }
};

template <class T>
struct randint_fn {
  Counter c;
  int64_t low;
  uint64_t range;
  __device__ T operator()(int64_t i) const {
    const int64_t v = philox_randint(c.at(i), low, range);
    if constexpr (std::is_same_v<T, bool>) return v != 0;
    else return T(v);
  }
};

template <class T>
struct bernoulli_fn {
  Counter c;
  double p;
  __device__ T operator()(int64_t i) const { return T(philox_bernoulli(c.at(i), p) ? 1 : 0); }
};

template <class T>
void randint_typed(const TensorView& out, Counter c, double p0, double p1) {
  const random_args::RandintRange r = random_args::randint_range<T>(p0, p1);
  const int64_t low = r.low;
  const uint64_t range = r.range;
  ew::generate<T>("randint", randint_fn<T>{c, low, range}, out);
}

}  // namespace

void random(const TensorView& out, int dist, uint64_t seed, uint64_t offset, double p0,
            double p1) {
  const Counter c{seed, offset};
  switch (static_cast<Distribution>(dist)) {
    case Distribution::Uniform: {
      const double range = p1 - p0;
      KILN_DISPATCH_FLOAT(out.dtype, "uniform", [&] {
        using T = scalar_t;
        random_args::check_uniform<T>(p0, p1, out.dtype);
        if constexpr (std::is_same_v<T, float>) {
          ew::generate<float>("uniform",
                              uniform_f32_fn{c, p0, range, p1, philox_float_below(p1)}, out);
        } else {
          ew::generate<double>("uniform", uniform_f64_fn{c, p0, range}, out);
        }
      });
      return;
    }
    case Distribution::Normal: {
      random_args::check_normal(p0, p1);
      KILN_DISPATCH_FLOAT(out.dtype, "normal", [&] {
        ew::generate<scalar_t>("normal", normal_fn<scalar_t>{c, p0, p1}, out);
      });
      return;
    }
    case Distribution::Randint: {
      KILN_DISPATCH_ALL(out.dtype, "randint",
                        [&] { randint_typed<scalar_t>(out, c, p0, p1); });
      return;
    }
    case Distribution::Bernoulli: {
      random_args::check_bernoulli(p0);
      KILN_DISPATCH_ALL(out.dtype, "bernoulli", [&] {
        ew::generate<scalar_t>("bernoulli", bernoulli_fn<scalar_t>{c, p0}, out);
      });
      return;
    }
  }
  throw Error(ErrorCode::InvalidArgument, make_string("random: unknown distribution ", dist));
}

namespace {

// Sort records: key = the 64-bit Philox draw of element i, value = i.
__global__ void __launch_bounds__(kBlockSize)
    randperm_keys_kernel(uint64_t* keys, int64_t* values, Counter c, int64_t n) {
  const int64_t step = int64_t(gridDim.x) * blockDim.x;
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += step) {
    const PhiloxWords w = c.at(i);
    keys[i] = philox_bits64(w.w[0], w.w[1]);
    values[i] = i;
  }
}

}  // namespace

// Sorting uniformly random 64-bit keys gives a uniform permutation. The radix sort is stable
// and the values start in index order, so equal keys keep index order: the CPU's (key, index)
// order exactly.
void randperm(const TensorView& out, uint64_t seed, uint64_t offset) {
  KILN_CHECK(out.dtype == DType::I64, DType, "randperm: output must be int64, got ",
             dtype_name(out.dtype));
  KILN_CHECK(out.ndim == 1 || out.is_contiguous(), Shape,
             "randperm: output must be 1-d, got ", out.ndim, " dims");
  const int64_t n = out.numel();
  if (n == 0) return;
  const int device = out.device;
  const size_t bytes = size_t(n) * sizeof(int64_t);
  // The sorted indices go straight into `out` when it is contiguous, else through a buffer
  // and a strided copy.
  const bool direct = out.is_contiguous();
  DeviceBuffer keys_in(device, bytes), keys_out(device, bytes), values_in(device, bytes);
  DeviceBuffer values_tmp(device, direct ? 0 : bytes);
  int64_t* values_out = direct ? out.ptr<int64_t>() : values_tmp.as<int64_t>();

  cudaStream_t stream = stream_for(device);
  randperm_keys_kernel<<<grid_for(n), kBlockSize, 0, stream>>>(keys_in.as<uint64_t>(),
                                                              values_in.as<int64_t>(),
                                                              Counter{seed, offset}, n);
  after_launch(device, "randperm");

  size_t temp_bytes = 0;
  KILN_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(nullptr, temp_bytes, keys_in.as<uint64_t>(),
                                                  keys_out.as<uint64_t>(), values_in.as<int64_t>(),
                                                  values_out, n, 0, 64, stream),
                  "randperm");
  // A null scratch pointer would make the second call a size query again.
  DeviceBuffer temp(device, temp_bytes > 0 ? temp_bytes : 1);
  KILN_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(temp.as<void>(), temp_bytes,
                                                  keys_in.as<uint64_t>(), keys_out.as<uint64_t>(),
                                                  values_in.as<int64_t>(), values_out, n, 0, 64,
                                                  stream),
                  "randperm");
  after_launch(device, "randperm");

  if (!direct) {
    TensorView sorted = out;
    sorted.data = reinterpret_cast<char*>(values_out);
    sorted.strides[0] = 1;
    copy(out, sorted);
  }
}

}  // namespace kiln::cuda
