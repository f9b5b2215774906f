// SPDX-License-Identifier: MIT
// The machine's peak float32 FMA rate, measured with independent chains of fused
// multiply-adds in the widest vectors the CPU runs (the benchmark suite compares matmul with
// it). peak_flops.cc times the loops; one instance of peak_flops_impl.h per instruction set
// (peak_flops_avx2.cc, peak_flops_avx512.cc) provides them, chosen at run time (cpu_isa.h).
#pragma once
#include <cstdint>

namespace kiln::cpu {

// GFLOP/s of `threads` pool threads running FMA chains together for about `seconds`, counting
// 2 flops per lane of each FMA. Needs 1 <= threads <= num_threads() and seconds > 0.
double peak_gflops(int threads, double seconds);

// One instruction set's loop: run(n) performs n iterations, each `flops_per_iteration`
// flops, and returns its accumulators folded into one number (finite).
struct FmaLoop {
  float (*run)(int64_t iterations);
  int64_t flops_per_iteration;
};

// Null `run` when the addon is built for another architecture than x86-64.
FmaLoop fma_loop_avx2();
FmaLoop fma_loop_avx512();

}  // namespace kiln::cpu
