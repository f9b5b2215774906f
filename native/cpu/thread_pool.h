// SPDX-License-Identifier: MIT
// One process-wide pool of worker threads. parallel_for splits [0, n) into contiguous chunks;
// the calling thread works too. Calls made from inside a worker run serially, so nested
// parallel regions never oversubscribe the machine.
#pragma once
#include <cstdint>
#include <functional>

namespace kiln::cpu {

// Number of threads kernels may use (workers + the caller). Defaults to KILN_NUM_THREADS,
// else the hardware concurrency.
int num_threads();
void set_num_threads(int n);

// Runs fn(begin, end) over chunks of [0, n). Work below `grain` elements per thread stays on
// the calling thread. Exceptions thrown by fn are rethrown on the caller (first one wins).
void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

}  // namespace kiln::cpu
