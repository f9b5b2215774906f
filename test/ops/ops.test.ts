// SPDX-License-Identifier: MIT
// Generated tests over the op database (op-db.ts): for every op, every dtype it accepts (plus
// the mixed-dtype promotion samples) and every sample input, kiln's output must have the
// reference's shape and dtype and match its values within the tolerances below. Also checks
// that every registered elementwise, reduction and matmul op has an entry, and that the
// reference erf is itself accurate.
import * as kiln from '../../lib';
import { ALL, DType, erf, erfc, materialize, OP_DB, Rng, seedFor } from './op-db';
import { casesOf, runSample } from './op-runner';

const FAMILIES = ['unary', 'binary', 'ternary', 'reduce', 'matmul'] as const;

const CASES = new Map(OP_DB.map((e) => [e.id, casesOf(e)]));

describe.each(OP_DB.map((e) => [e.id, e] as const))('%s', (_id, entry) => {
  test.each(CASES.get(entry.id)!)('%s', (_name, smp) => runSample(entry, smp));

  if (entry.rejects.length > 0) {
    test.each(entry.rejects.map((d) => [d]))('rejects %s inputs', (d: DType) => {
      const smp = entry.samples(d, new Rng(seedFor(`${entry.id}/${d}`)))[0];
      kiln.scope(() => {
        const inputs = smp.args.map((a) => materialize(a));
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
