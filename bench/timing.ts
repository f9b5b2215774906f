// SPDX-License-Identifier: MIT
/** Timing helpers: warm-up, then the median of repeated measurements. */

/** Median seconds per call of `fn`, each sample timing `inner` calls. */
export function timeIt(fn: () => void, opts: { warmup?: number; samples?: number; inner?: number; minSeconds?: number } = {}): number {
  const warmup = opts.warmup ?? 2;
  const inner = opts.inner ?? 1;
  for (let i = 0; i < warmup; i++) fn();
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
