// SPDX-License-Identifier: MIT
// Runs op-database samples and compares kiln's results with the float64 references: shared by
// the CPU op tests (ops.test.ts) and the CUDA op tests (test/cuda), which run the same samples
// with their inputs made on a CUDA device.
import * as kiln from '../../lib';
import { logical, materialize, OpEntry, Ref, Rng, Sample, seedFor } from './op-db';

// Jest's vm context makes every global lookup slow; the comparison loop uses these.
const { Math, Number, Array } = globalThis;

/**
 * Tolerances, in one place: |actual - expected| <= atol + rtol * |expected|, with both scaled
 * by the entry's `tol` (composite formulas, long sums). float32 results are compared with a
 * float64 reference; integer and bool results must be exact; NaN must sit where the reference
 * has NaN, and infinities must match exactly.
 */
const TOLERANCE: Record<'float32' | 'float64', { rtol: number; atol: number }> = {
  float32: { rtol: 1e-5, atol: 1e-6 },
  float64: { rtol: 1e-12, atol: 1e-12 },
};

function valuesOf(t: kiln.Tensor): number[] {
  return Array.from(t.data() as ArrayLike<number | bigint>, Number);
}

/** Describes the first mismatches between kiln's result and the reference, or null. */
export function mismatch(actual: kiln.Tensor, expected: Ref, scale: number): string | null {
  if (JSON.stringify(actual.shape) !== JSON.stringify(expected.shape))
    return `shape ${JSON.stringify(actual.shape)}, expected ${JSON.stringify(expected.shape)}`;
  if (actual.dtype !== expected.dtype) return `dtype ${actual.dtype}, expected ${expected.dtype}`;
  const got = valuesOf(actual);
  const tol = actual.dtype === 'float32' || actual.dtype === 'float64' ? TOLERANCE[actual.dtype] : { rtol: 0, atol: 0 };
  const bad: string[] = [];
  let count = 0;
  got.forEach((a, i) => {
    const e = expected.data[i];
    const ok = Number.isNaN(e)
      ? Number.isNaN(a)
      : !Number.isFinite(e)
        ? a === e
        : Math.abs(a - e) <= scale * (tol.atol + tol.rtol * Math.abs(e));
    if (!ok && count++ < 5) bad.push(`[${i}] got ${a}, expected ${e}`);
  });
  return count === 0 ? null : `${count} of ${got.length} values differ: ${bad.join('; ')}`;
}

/**
 * Runs one sample on `device` ('cpu' or 'cuda:N'; inputs made there) and checks every output against the
 * reference; there, outputs must also be on `device`. `scale` widens float tolerances.
 */
export function runSample(entry: OpEntry, smp: Sample, device = 'cpu', scale = 1): void {
  kiln.scope(() => {
    const inputs = smp.args.map((a) => materialize(a, device));
    if (smp.error) {
      expect(() => entry.run(inputs, smp.opts)).toThrow(kiln.KilnError);
      return;
    }
    const refs = smp.args.map(logical);
    const expected = entry.reference(refs, smp.opts);
    const result = entry.run(inputs, smp.opts);
    const outs = Array.isArray(result) ? result : [result];
    const exps = Array.isArray(expected) ? expected : [expected];
    expect(outs.length).toBe(exps.length);
    for (const o of outs) expect(o.device.toString()).toBe(device);
    const problems = outs.map((o, i) => mismatch(o, exps[i], entry.tol * scale)).map((p, i) => (p && outs.length > 1 ? `output ${i}: ${p}` : p));
    expect(problems.filter(Boolean).join('\n')).toBe('');
  });
}

export function casesOf(entry: OpEntry): Array<[string, Sample]> {
  const rows: Array<[string, Sample]> = [];
  for (const d of [...entry.dtypes, 'mixed' as const]) {
    for (const smp of entry.samples(d, new Rng(seedFor(`${entry.id}/${d}`)))) rows.push([`${d}: ${smp.desc}${smp.error ? ' throws' : ''}`, smp]);
  }
  // Keep test names unique (jest reports them by name).
  const seen = new Map<string, number>();
  return rows.map(([name, smp]) => {
    const n = seen.get(name) ?? 0;
    seen.set(name, n + 1);
    return [n ? `${name} #${n + 1}` : name, smp];
  });
}

