// SPDX-License-Identifier: MIT
// Sums and extrema over a dim that is not the fastest (the column sweeps of the outer
// reduction driver, with their vectorized row loop for float32 sums) at row counts and
// widths on both sides of the vector widths, row groups and fold lengths, against a float64
// reference; rows of contiguous floats that the inner driver reduces several at a time; and
// results that do not depend on the thread count or on the call.
import * as kiln from '../../lib';

/** Deterministic values in [-1, 1). */
function inputs(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32 - 0.5) * 2;
  }
  return out;
}

/** float64 sums and maxima over dim 0 of a row-major [rows, width] array. */
function columnReference(x: Float32Array, rows: number, width: number): { sum: Float64Array; max: Float64Array } {
  const sum = new Float64Array(width);
  const max = new Float64Array(width).fill(-Infinity);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < width; j++) {
      const v = x[r * width + j];
      sum[j] += v;
      if (v > max[j]) max[j] = v;
    }
  }
  return { sum, max };
}

/** Index of the first element further than `atol` from the reference, or -1. */
function firstMismatch(actual: ArrayLike<number>, expected: ArrayLike<number>, atol: number): number {
  for (let i = 0; i < expected.length; i++) if (!(Math.abs(actual[i] - expected[i]) <= atol)) return i;
  return -1;
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol: number): void {
  expect(actual.length).toBe(expected.length);
  const i = firstMismatch(actual, expected, atol);
  if (i >= 0) throw new Error(`element ${i}: got ${actual[i]}, expected ${expected[i]}`);
}

// Around the row groups (8), the fold length (64) and a split into row chunks (300 rows).
const ROWS = [1, 3, 4, 7, 8, 9, 63, 64, 65, 300];
// Around the vector widths (8, 16) and a wide block of outputs (4096 floats).
const WIDTHS = [1, 15, 16, 17, 4095, 4097];

describe('sums and maxima over dim 0', () => {
  test.each(ROWS)('%i rows, every width', (rows) => {
    for (const width of WIDTHS) {
      const data = inputs(rows * width, rows * 7919 + width);
      const t = kiln.tensor(data).reshape([rows, width]);
      const ref = columnReference(data, rows, width);
      // float32 lanes, folded into float64 every 64 rows: error well under 1e-6 per row.
      expectClose(t.sum(0).data() as Float32Array, ref.sum, 1e-6 * rows);
      expectClose(t.amax(0).data() as Float32Array, ref.max, 0);
    }
  });

  test.each([5, 70])('a middle dim of [3, %i, 33] and a transposed input', (rows) => {
    const data = inputs(3 * rows * 33, rows);
    const t = kiln.tensor(data).reshape([3, rows, 33]);
    const got = t.sum(1).data() as Float32Array;
    for (let a = 0; a < 3; a++) {
      const ref = columnReference(data.subarray(a * rows * 33, (a + 1) * rows * 33), rows, 33).sum;
      expectClose(got.subarray(a * 33, (a + 1) * 33), ref, 1e-6 * rows);
    }
    // Columns of a transpose are strided: the portable loop, not the vector one.
    const m = kiln.tensor(data.subarray(0, rows * 33)).reshape([33, rows]).transpose(0, 1);
    const mData = m.contiguous().data() as Float32Array;
    expectClose(m.sum(0).data() as Float32Array, columnReference(mData, rows, 33).sum, 1e-6 * rows);
  });

  test('NaN and infinities in a column', () => {
    const rows = 20;
    const data = inputs(rows * 17, 11);
    data[5 * 17 + 3] = NaN;
    data[9 * 17 + 4] = Infinity;
    data[2 * 17 + 5] = -Infinity;
    const t = kiln.tensor(data).reshape([rows, 17]);
    const sum = t.sum(0).data() as Float32Array;
    const max = t.amax(0).data() as Float32Array;
    expect(Number.isNaN(sum[3])).toBe(true);
    expect(Number.isNaN(max[3])).toBe(true);
    expect(sum[4]).toBe(Infinity);
    expect(max[4]).toBe(Infinity);
    expect(sum[5]).toBe(-Infinity);
    expect(Number.isFinite(max[5])).toBe(true);
  });
});

describe('rows of contiguous floats reduced several at once', () => {
  // Row lengths around one block (1024), uneven blocks, and rows cut into chunks (32768).
  test.each([
    [7, 1024],
    [9, 1500],
    [5, 40000],
    [3, 70001],
  ])('[%i, %i] over dim 1: each row as when reduced alone', (rows, width) => {
    const data = inputs(rows * width, rows + width);
    data[2 * width + 17] = NaN;
    const t = kiln.tensor(data).reshape([rows, width]);
    const ops: Array<[string, (x: kiln.Tensor) => kiln.Tensor, (x: kiln.Tensor) => kiln.Tensor]> = [
      ['sum', (x) => x.sum(1), (x) => x.sum()],
      ['amax', (x) => x.amax(1), (x) => x.amax()],
      ['amin', (x) => x.amin(1), (x) => x.amin()],
    ];
    for (const [name, byRow, whole] of ops) {
      const got = byRow(t).data() as Float32Array;
      for (let r = 0; r < rows; r++) {
        const alone = whole(t.select(0, r)).item() as number;
        if (!Object.is(got[r], alone)) throw new Error(`${name} of row ${r}: ${got[r]} in the batch, ${alone} alone`);
      }
      expect(Number.isNaN(got[2])).toBe(true);
    }
    const sums = t.sum(1).data() as Float32Array;
    for (let r = 0; r < rows; r++) {
      if (r === 2) continue;
      let ref = 0;
      for (let j = 0; j < width; j++) ref += data[r * width + j];
      expect(Math.abs(sums[r] - ref)).toBeLessThanOrEqual(1e-6 * width);
    }
  });
});

describe('reductions do not depend on the thread count', () => {
  // Large enough to be split into many chunks and shared among threads.
  const v = kiln.tensor(inputs(1 << 20, 1));
  const m = kiln.tensor(inputs(1536 * 1536, 2)).reshape([1536, 1536]);
  const cases: Array<[string, () => kiln.Tensor]> = [
    ['full sum', () => v.sum()],
    ['full amax', () => v.amax()],
    ['sum over dim 0', () => m.sum(0)],
    ['sum over dim 1', () => m.sum(1)],
    ['amax over dim 0', () => m.amax(0)],
  ];

  // The pool grows and shrinks between calls, its new workers meeting regions of other sizes.
  test.each(cases)('%s: same bits with 1 to 8 threads and on every call', (_, run) => {
    const before = kiln.getNumThreads();
    try {
      const results: Float32Array[] = [];
      for (const threads of [1, 2, 3, 8, 2, 2, 4, 1, 3]) {
        kiln.setNumThreads(threads);
        results.push(run().data() as Float32Array);
      }
      for (const r of results.slice(1)) {
        expect(r.length).toBe(results[0].length);
        expect(r.findIndex((x, i) => !Object.is(x, results[0][i]))).toBe(-1);
      }
    } finally {
      kiln.setNumThreads(before);
    }
  });
});
