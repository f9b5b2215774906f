// SPDX-License-Identifier: MIT
/**
 * The CPU's peak float32 FMA rate, measured by the addon, for the benchmark suite: bench/
 * reports matmul as a share of it. Deliberately not part of kiln's top-level API.
 */
import { native } from './binding';

/**
 * GFLOP/s of `threads` pool threads running independent chains of fused multiply-adds
 * together for about `seconds`, in the widest vectors this CPU supports (AVX-512, else
 * AVX2+FMA, else SSE multiply-adds), counting 2 flops per lane of each FMA.
 * `threads` must be an integer from 1 to the pool's size (kiln.getNumThreads()); `seconds`
 * must be in (0, 10]. Blocks the calling thread for that time.
 */
export function cpuPeakGflops(threads: number, seconds: number): number {
  return native.cpuPeakGflops(threads, seconds);
}
