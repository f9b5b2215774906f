// SPDX-License-Identifier: MIT
// Generated tests over the op database (op-db.ts): for every op, every dtype it accepts (plus
// the mixed-dtype promotion samples) and every sample input, kiln's output must have the
// reference's shape and dtype and match its values within the tolerances below. Also checks
// that every registered elementwise, reduction and matmul op has an entry, and that the
// reference erf is itself accurate.
import * as kiln from '../../lib';
import { ALL, DType, erf, erfc, logical, materialize, OP_DB, OpEntry, Ref, Rng, Sample, seedFor } from './op-db';

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

const FAMILIES = ['unary', 'binary', 'ternary', 'reduce', 'matmul'] as const;

function valuesOf(t: kiln.Tensor): number[] {
  return Array.from(t.data() as ArrayLike<number | bigint>, Number);
}

/** Describes the first mismatches between kiln's result and the reference, or null. */
function mismatch(actual: kiln.Tensor, expected: Ref, scale: number): string | null {
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

function runSample(entry: OpEntry, smp: Sample): void {
  kiln.scope(() => {
    const inputs = smp.args.map(materialize);
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
    const problems = outs.map((o, i) => mismatch(o, exps[i], entry.tol)).map((p, i) => (p && outs.length > 1 ? `output ${i}: ${p}` : p));
    expect(problems.filter(Boolean).join('\n')).toBe('');
  });
}

function casesOf(entry: OpEntry): Array<[string, Sample]> {
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

const CASES = new Map(OP_DB.map((e) => [e.id, casesOf(e)]));

describe.each(OP_DB.map((e) => [e.id, e] as const))('%s', (_id, entry) => {
  test.each(CASES.get(entry.id)!)('%s', (_name, smp) => runSample(entry, smp));

  if (entry.rejects.length > 0) {
    test.each(entry.rejects.map((d) => [d]))('rejects %s inputs', (d: DType) => {
      const smp = entry.samples(d, new Rng(seedFor(`${entry.id}/${d}`)))[0];
      kiln.scope(() => {
        const inputs = smp.args.map(materialize);
        expect(() => entry.run(inputs, smp.opts)).toThrow(kiln.KilnError);
      });
    });
  }
});

describe('op database', () => {
  test('every registered elementwise, reduction and matmul op has an entry', () => {
    const covered = new Set(OP_DB.filter((e) => e.registered).map((e) => `${e.family}:${e.name}`));
    const registered = kiln
      .registeredOps()
      .filter((op) => (FAMILIES as readonly string[]).includes(op.family))
      .map((op) => `${op.family}:${op.name}`);
    expect(registered.filter((op) => !covered.has(op))).toEqual([]);
    // And no entry claims an op kiln does not register (a renamed op must update its entry).
    expect([...covered].filter((op) => !registered.includes(op))).toEqual([]);
  });

  test('entry ids are unique and dtypes are known', () => {
    const ids = OP_DB.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const e of OP_DB) for (const d of [...e.dtypes, ...e.rejects]) expect(ALL).toContain(d);
  });

  test('every entry exercises 0-d, empty and non-contiguous inputs', () => {
    for (const e of OP_DB) {
      const descs = CASES.get(e.id)!.map(([name]) => name).join('\n');
      expect({ id: e.id, zeroD: /\[\]/.test(descs) || e.family === 'matmul', empty: /\[(\d+,)*0(,\d+)*\]/.test(descs), strided: /\.(t|transpose|index|narrow|expand)\(/.test(descs) }).toEqual({
        id: e.id,
        zeroD: true,
        empty: true,
        strided: true,
      });
    }
  });

  test('the reference erf matches tabulated values to 1e-15', () => {
    // Values from Abramowitz and Stegun table 7.1 / high-precision computations.
    const table: Array<[number, number]> = [
      [0.1, 0.1124629160182849],
      [0.5, 0.5204998778130465],
      [1, 0.8427007929497149],
      [1.5, 0.9661051464753108],
      [2, 0.9953222650189527],
      [2.9, 0.9999589021219005],
      [3, 0.9999779095030014],
      [4, 0.9999999845827421],
    ];
    for (const [x, v] of table) {
      expect(Math.abs(erf(x) - v)).toBeLessThan(2e-16 * 8);
      expect(erf(-x)).toBe(-erf(x));
    }
    expect(Math.abs(erfc(4) / 1.541725790028002e-8 - 1)).toBeLessThan(1e-13);
    expect(erf(Infinity)).toBe(1);
    expect(erf(-Infinity)).toBe(-1);
  });
});
