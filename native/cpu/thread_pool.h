// SPDX-License-Identifier: MIT
// One process-wide pool of worker threads. parallel_for splits [0, n) into contiguous chunks;
// the calling thread works too. Calls made from inside a worker run serially, so nested
// parallel regions never oversubscribe the machine. Idle workers poll briefly before they
// sleep, so that back-to-back regions do not wait for threads to wake up.
#pragma once
#include <cstdint>

#include "function_ref.h"

namespace kiln::cpu {

// Number of threads kernels may use (workers + the caller). Defaults to KILN_NUM_THREADS,
// else the hardware concurrency.
int num_threads();
void set_num_threads(int n);

using RangeFn = FunctionRef<void(int64_t, int64_t)>;

namespace detail {
// The pool side of parallel_for and parallel_for_balanced, below.
void parallel_for(int64_t n, int64_t grain, RangeFn fn);
void parallel_for_balanced(int64_t n, int64_t grain, RangeFn fn);

template <class F>
__attribute__((noinline)) void run_serial(F& fn, int64_t n) {
  fn(int64_t(0), n);
}
}  // namespace detail

// Runs fn(begin, end) over chunks of [0, n). Work below `grain` elements per thread stays on
// the calling thread. Exceptions thrown by fn are rethrown on the caller (first one wins).
//
// A template so that work too small to split (under two grains) runs on the calling thread
// without touching the pool: tiny tensors, the common case of per-op overhead. fn still runs
// as a function of its own (run_serial): inlined into the kernels' dispatch code, some loops
// were no longer vectorized (the Adam step ran 2.5 times slower).
template <class F>
void parallel_for(int64_t n, int64_t grain, F&& fn) {
  if (n <= 0) return;
  if (grain > 0 && n / grain < 2) {
    detail::run_serial(fn, n);
    return;
  }
  detail::parallel_for(n, grain, fn);
}

// Like parallel_for, but when [0, n) is shared among threads, fn is called on blocks of
// `grain` indices (the last one shorter): each thread runs its own contiguous share of the
// blocks in order, then takes blocks left in the others' shares, from their ends. A thread
// that starts late or is descheduled no longer holds up the region. Which thread runs a block
// varies from call to call: fn must give results that do not depend on it (write per-block
// results, combined afterwards in order).
template <class F>
void parallel_for_balanced(int64_t n, int64_t grain, F&& fn) {
  if (n <= 0) return;
  if (n / (grain > 1 ? grain : 1) < 2) {
    detail::run_serial(fn, n);
    return;
  }
  detail::parallel_for_balanced(n, grain, fn);
}

}  // namespace kiln::cpu
