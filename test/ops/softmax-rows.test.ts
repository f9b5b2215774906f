// SPDX-License-Identifier: MIT
// softmax, logSoftmax and logsumexp (and the contiguous sum/amax/amin runs that share their
// vectorized loops) at sizes on both sides of every vector width, unroll factor and block
// length of the kernels, along the last, first and middle dims and on non-contiguous
// views, against a float64 reference computed here from the float32 inputs.
import * as kiln from '../../lib';

/** Deterministic values in [-scale, scale), with a spread wide enough to exercise exp. */
function inputs(n: number, seed: number, scale = 8): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32 - 0.5) * 2 * scale;
  }
  return out;
}

/** Element strides of a contiguous shape. */
function stridesOf(shape: number[]): number[] {
  const st = new Array<number>(shape.length).fill(1);
  for (let d = shape.length - 2; d >= 0; d--) st[d] = st[d + 1] * shape[d + 1];
  return st;
}

/**
 * Calls fn(line) for every line of `shape` along `dim`: the flat indices of its elements.
 */
function forEachLine(shape: number[], dim: number, fn: (idx: number[]) => void): void {
  const st = stridesOf(shape);
  const total = shape.reduce((a, b) => a * b, 1);
  for (let flat = 0; flat < total; flat++) {
    if (Math.floor(flat / st[dim]) % shape[dim] !== 0) continue;
    fn(Array.from({ length: shape[dim] }, (_, i) => flat + i * st[dim]));
  }
}

type Kind = 'softmax' | 'logSoftmax';

/** float64 softmax or logSoftmax of x (row-major `shape`) along dim. */
function reference(kind: Kind, x: ArrayLike<number>, shape: number[], dim: number): Float64Array {
  const y = new Float64Array(x.length);
  forEachLine(shape, dim, (idx) => {
    const m = Math.max(...idx.map((i) => x[i]));
    const sum = idx.reduce((acc, i) => acc + Math.exp(x[i] - m), 0);
    for (const i of idx) y[i] = kind === 'softmax' ? Math.exp(x[i] - m) / sum : x[i] - m - Math.log(sum);
  });
  return y;
}

/** float64 max + log(sum(exp(x - max))) of every line. */
function referenceLogsumexp(x: ArrayLike<number>, shape: number[], dim: number): number[] {
  const out: number[] = [];
  forEachLine(shape, dim, (idx) => {
    const m = Math.max(...idx.map((i) => x[i]));
    out.push(m + Math.log(idx.reduce((acc, i) => acc + Math.exp(x[i] - m), 0)));
  });
  return out;
}

/** Index of the first element outside atol + rtol * |expected|, or -1. */
function firstMismatch(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, atol: number): number {
  for (let i = 0; i < expected.length; i++) {
    if (!(Math.abs(actual[i] - expected[i]) <= atol + rtol * Math.abs(expected[i]))) return i;
  }
  return -1;
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, atol: number): void {
  expect(actual.length).toBe(expected.length);
  const i = firstMismatch(actual, expected, rtol, atol);
  if (i >= 0) throw new Error(`element ${i}: got ${actual[i]}, expected ${expected[i]}`);
}

// float32 results of a float64 reference: a few units in the last place, relative for
// softmax (whose values span many magnitudes) and absolute-plus-relative for the logs.
const TOL: Record<Kind, [number, number]> = { softmax: [4e-6, 1e-30], logSoftmax: [2e-6, 2e-6] };

// 40000 is past the chunk length (32768) beyond which a few long rows are split across threads.
const ROW_LENGTHS = [1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 1023, 1024, 1025, 2049, 4097, 40000];

describe.each<Kind>(['softmax', 'logSoftmax'])('%s', (kind) => {
  const [rtol, atol] = TOL[kind];

  test.each(ROW_LENGTHS)('contiguous rows of length %i (odd row count), last dim', (n) => {
    const shape = [3, n];
    const data = inputs(3 * n, n);
    const y = kiln.tensor(data).reshape(shape)[kind](1);
    expectClose(y.data() as Float32Array, reference(kind, data, shape, 1), rtol, atol);
  });

  test.each([1, 9, 17, 1025])('dim 0 of [%i, 37] and a middle dim of [5, %i, 3]', (n) => {
    const a = inputs(n * 37, 100 + n);
    expectClose(kiln.tensor(a).reshape([n, 37])[kind](0).data() as Float32Array, reference(kind, a, [n, 37], 0), rtol, atol);
    const b = inputs(5 * n * 3, 200 + n);
    expectClose(kiln.tensor(b).reshape([5, n, 3])[kind](1).data() as Float32Array, reference(kind, b, [5, n, 3], 1), rtol, atol);
  });

  test.each([9, 1025])('non-contiguous rows: every other row and a transposed input, length %i', (n) => {
    const data = inputs(6 * n, 300 + n);
    const full = kiln.tensor(data).reshape([6, n]);
    // Rows 0, 2, 4 of a [6, n] tensor: each row contiguous, rows 2n apart.
    const picked = full.reshape([3, 2, n]).select(1, 0);
    const pickedData = picked.contiguous().data() as Float32Array;
    expectClose(picked[kind](1).data() as Float32Array, reference(kind, pickedData, [3, n], 1), rtol, atol);
    // The transpose reduces along a strided dim.
    const tr = full.transpose(0, 1);
    const trData = tr.contiguous().data() as Float32Array;
    expectClose(tr[kind](0).contiguous().data() as Float32Array, reference(kind, trData, [n, 6], 0), rtol, atol);
  });

  test('rows with NaN, +inf and -inf follow PyTorch', () => {
    const inf = Infinity;
    const rows = [
      [1, NaN, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17],
      [1, inf, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17],
      [-inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf],
      [0, -inf, 0, -inf, 0, -inf, 0, -inf, 0, -inf, 0, -inf, 0, -inf, 0, -inf, 0, -inf],
    ];
    const y = kiln.tensor(rows, { dtype: 'float32' })[kind](1).toArray() as number[][];
    for (const r of [0, 1, 2]) expect(y[r].every((v) => Number.isNaN(v))).toBe(true);
    // Half the entries are -inf: those get 0 (log: -inf), the others 1/9 (log: -log 9).
    for (let i = 0; i < 18; i++) {
      const expected = i % 2 ? (kind === 'softmax' ? 0 : -inf) : kind === 'softmax' ? 1 / 9 : -Math.log(9);
      if (Number.isFinite(expected)) expect(y[3][i]).toBeCloseTo(expected, 6);
      else expect(y[3][i]).toBe(expected);
    }
  });
});

describe('logsumexp', () => {
  test.each(ROW_LENGTHS)('rows of length %i, last dim and dim 0', (n) => {
    const data = inputs(3 * n, 400 + n, 30);
    const t = kiln.tensor(data).reshape([3, n]);
    expectClose(t.logsumexp(1).data() as Float32Array, referenceLogsumexp(data, [3, n], 1), 2e-6, 2e-6);
    expectClose(t.logsumexp(0).data() as Float32Array, referenceLogsumexp(data, [3, n], 0), 2e-6, 2e-6);
  });

  test('a row with NaN gives NaN, all -inf gives -inf, any +inf gives +inf', () => {
    const inf = Infinity;
    const row = (v: number) => Array.from({ length: 20 }, (_, i) => (i === 11 ? v : i));
    const r = kiln.tensor([row(NaN), row(inf), Array(20).fill(-inf)], { dtype: 'float32' }).logsumexp(1).toArray() as number[];
    expect(Number.isNaN(r[0])).toBe(true);
    expect(r[1]).toBe(inf);
    expect(r[2]).toBe(-inf);
  });
});

describe('contiguous runs of sum, amax and amin', () => {
  test.each([1, 15, 16, 17, 63, 64, 65, 1023, 1024, 1025, 4097, 70001])('length %i', (n) => {
    const data = inputs(n, 500 + n, 1);
    const t = kiln.tensor(data);
    let sum = 0;
    for (const v of data) sum += v;
    expect(Math.abs(Number(t.sum().item()) - sum)).toBeLessThanOrEqual(1e-6 * n);
    expect(t.amax().item()).toBe(Math.max(...data));
    expect(t.amin().item()).toBe(Math.min(...data));
  });

  test.each([3, 17, 64, 1025])('a NaN anywhere in a run of %i makes amax and amin NaN', (n) => {
    for (const at of [0, n >> 1, n - 1]) {
      const data = inputs(n, 600 + n, 1);
      data[at] = NaN;
      const t = kiln.tensor(data);
      expect(Number.isNaN(t.amax().item())).toBe(true);
      expect(Number.isNaN(t.amin().item())).toBe(true);
    }
  });
});
