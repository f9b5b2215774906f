// SPDX-License-Identifier: MIT
#include "peak_flops.h"

#include <chrono>
#include <cmath>
#include <vector>

#include "../core/error.h"
#include "cpu_isa.h"
#include "thread_pool.h"

namespace kiln::cpu {
namespace {

// Without AVX2 there is no FMA instruction in the baseline x86-64 set: the chains use a
// multiply and an add, counted as the 2 flops of an FMA. Written as scalars, which the
// compiler packs into SSE vectors of 4: 48 chains make 12 vectors in flight, enough to cover
// the latency of a multiply followed by an add on two pipes of each.
constexpr int kScalarChains = 48;

float scalar_chains(int64_t iterations) {
  float acc[kScalarChains];
  for (int k = 0; k < kScalarChains; ++k) acc[k] = 1.0f + 0.125f * float(k);
  for (int64_t i = 0; i < iterations; ++i)
    for (float& x : acc) x = x * 0.999f + 0.001f;
  float sum = 0;
  for (float x : acc) sum += x;
  return sum;
}

FmaLoop fma_loop_for_this_cpu() {
  switch (cpu_isa()) {
    case CpuIsa::Avx512: return fma_loop_avx512();
    case CpuIsa::Avx2: return fma_loop_avx2();
    default: return {&scalar_chains, kScalarChains * 2};
  }
}

// Iterations between two reads of the clock: tens of microseconds on any core, so reading it
// costs nothing measurable and a thread overruns the deadline by little.
constexpr int64_t kBlock = 4096;

// One thread's count, on a cache line of its own so that the threads never share one.
struct alignas(64) Tally {
  int64_t iterations = 0;
  float checksum = 0;
};

}  // namespace

double peak_gflops(int threads, double seconds) {
  using Clock = std::chrono::steady_clock;
  const FmaLoop loop = fma_loop_for_this_cpu();
  std::vector<Tally> tally(static_cast<size_t>(threads));
  const Clock::time_point start = Clock::now();
  const Clock::time_point deadline =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  // One index per pool thread (threads <= num_threads()), all running at once until the
  // deadline. The rate is the total over the whole region's wall time, so a thread that
  // started late lowers it rather than inflating it.
  parallel_for(threads, 1, [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) {
      Tally& mine = tally[static_cast<size_t>(t)];
      do {
        mine.checksum += loop.run(kBlock);
        mine.iterations += kBlock;
      } while (Clock::now() < deadline);
    }
  });
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  double iterations = 0, checksum = 0;
  for (const Tally& t : tally) {
    iterations += double(t.iterations);
    checksum += t.checksum;
  }
  // Also what keeps the loops' results in use.
  KILN_CHECK(std::isfinite(checksum), Internal, "cpuPeakGflops: the FMA chains diverged");
  return iterations * double(loop.flops_per_iteration) / elapsed / 1e9;
}

}  // namespace kiln::cpu
