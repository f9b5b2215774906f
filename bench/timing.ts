// SPDX-License-Identifier: MIT
/** Timing helpers: warm-up, then the median of repeated measurements. */

/**
 * Warm-up runs at least this long as well as `warmup` calls: after an idle moment a virtual
 * CPU, its caches and V8's optimizer take tens of milliseconds to reach their steady state,
 * which a few calls of a short workload do not cover. bench/torch_peer.py warms up the same way.
 */
export const WARMUP_SECONDS = 0.1;

/** Median seconds per call of `fn`, each sample timing `inner` calls. */
export function timeIt(fn: () => void, opts: { warmup?: number; samples?: number; inner?: number; minSeconds?: number } = {}): number {
  const warmup = opts.warmup ?? 2;
  const inner = opts.inner ?? 1;
  const warmStart = process.hrtime.bigint();
  for (let i = 0; i < warmup || Number(process.hrtime.bigint() - warmStart) / 1e9 < WARMUP_SECONDS; i++) fn();
  const times: number[] = [];
  const samples = opts.samples ?? 7;
  const start = process.hrtime.bigint();
  for (let s = 0; s < samples || (opts.minSeconds && Number(process.hrtime.bigint() - start) / 1e9 < opts.minSeconds); s++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < inner; i++) fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e9 / inner);
    if (s > 200) break;
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}
