// SPDX-License-Identifier: MIT
/**
 * Copies of 16 MiB and more, and large float32 add, sub, mul, exp and relu into fresh outputs,
 * are written with streaming stores (native/cpu/streaming_store.h, float_row_kernels.h).
 * Every element must still land in its place: checked at the edges of the threads' chunks and
 * the 64-byte lines, with outputs and inputs that start off a line boundary; large
 * elementwise outputs alongside. Also the vectorized float32 exp at special values.
 */
import * as kiln from '../../lib';

const N = (16 << 20) / 4 + 1001; // just over 16 MiB of float32, not a whole number of lines

/** Positions worth checking in a run of n: both ends, and around every power of two. */
function probes(n: number): number[] {
  const out = new Set<number>([0, 1, 2, 15, 16, 17, n - 2, n - 1]);
  for (let p = 4; p < n; p *= 2) for (const d of [-1, 0, 1]) if (p + d < n) out.add(p + d);
  for (let i = 0; i < 200; i++) out.add(Math.floor((i * 7919 * 104729) % n));
  return [...out];
}

describe('streaming outputs', () => {
  const base = kiln.arange(N + 3, { dtype: 'float32' });
  const values = base.data() as Float32Array;

  test('a large copy from an input that starts off a line boundary', () => {
    const src = base.narrow(0, 3, N); // starts 12 bytes into its buffer
    const dst = kiln.empty([N]);
    dst.copy_(src);
    const out = dst.data() as Float32Array;
    for (const i of probes(N)) expect(out[i]).toBe(values[i + 3]);
  });

  test('a large copy into an output that starts off a line boundary', () => {
    const big = kiln.zeros([N + 5]);
    const dst = big.narrow(0, 5, N);
    dst.copy_(base.narrow(0, 0, N));
    const out = big.data() as Float32Array;
    expect(Array.from(out.subarray(0, 5))).toEqual([0, 0, 0, 0, 0]);
    for (const i of probes(N)) expect(out[i + 5]).toBe(values[i]);
  });

  test('large add, sub and mul into fresh outputs (streamed), and with a scalar operand', () => {
    const a = base.narrow(0, 1, N).mul(0.37); // operands that round when combined
    const b = base.narrow(0, 0, N);
    const x = a.data() as Float32Array;
    const sum = a.add(b, { alpha: 0.3 }).data() as Float32Array;
    const diff = a.sub(b, { alpha: 3 }).data() as Float32Array;
    const prod = a.mul(b).data() as Float32Array;
    const halves = a.mul(0.5).data() as Float32Array;
    const f = Math.fround;
    for (const i of probes(N)) {
      const y = values[i];
      expect(sum[i]).toBe(f(x[i] + f(f(0.3) * y)));
      expect(diff[i]).toBe(f(x[i] - f(3 * y)));
      expect(prod[i]).toBe(f(x[i] * y));
      expect(halves[i]).toBe(f(x[i] * 0.5));
    }
  });

  test('large relu and exp (streamed): relu exactly as on small tensors, exp within 2 ulps', () => {
    // Values in [-60, 60), with -0, NaN and infinities planted among them.
    const src = base.narrow(0, 0, N).remainder(120).sub(60).mul(1.001);
    const special = [-0, NaN, Infinity, -Infinity, 0, -1e-30];
    const planted = probes(N).slice(0, 40);
    const raw = src.data() as Float32Array;
    planted.forEach((i, k) => (raw[i] = special[k % special.length]));
    const relu = src.relu().data() as Float32Array;
    const exp = src.exp().data() as Float32Array;
    const picks = probes(N);
    const small = kiln.tensor(Float32Array.from(picks, (i) => raw[i]));
    const smallRelu = small.relu().data() as Float32Array;
    picks.forEach((i, k) => {
      expect(Object.is(relu[i], smallRelu[k])).toBe(true);
      const v = raw[i];
      const e = Math.fround(Math.exp(v));
      if (Number.isNaN(e)) expect(exp[i]).toBeNaN();
      else if (!Number.isFinite(e) || e === 0) expect(exp[i]).toBe(e);
      else expect(Math.abs(exp[i] - e)).toBeLessThanOrEqual(e * 2 ** -22);
      expect(Object.is(relu[i], Number.isNaN(v) ? NaN : v > 0 ? v : 0)).toBe(true);
    });
  });

  test('a large in-place op (not streamed) and a large op with a float64 output', () => {
    const a = base.narrow(0, 0, N).clone();
    a.add_(1);
    const d = base.narrow(0, 0, N).double().data() as Float64Array;
    const out = a.data() as Float32Array;
    for (const i of probes(N)) {
      expect(out[i]).toBe(Math.fround(values[i] + 1));
      expect(d[i]).toBe(values[i]);
    }
  });
});

describe('vectorized float32 exp', () => {
  test('special values and the ends of the range', () => {
    const inputs = [0, -0, 1, -1, 88, 88.72, 89, -87, -100, -104, -200, NaN, Infinity, -Infinity, 1e-8];
    const y = kiln.tensor(inputs).exp().toArray() as number[];
    // float64 exp of the float32 inputs: 89 overflows, -104 and below underflow to 0.
    const expected = inputs.map((v) => Math.exp(Math.fround(v)));
    y.forEach((v, i) => {
      const e = Math.fround(expected[i]);
      if (Number.isNaN(e)) expect(v).toBeNaN();
      else if (!Number.isFinite(e) || e === 0) expect(v).toBe(e);
      else expect(Math.abs(v - e)).toBeLessThanOrEqual(Math.abs(e) * 2 ** -22);
    });
  });

  test('a strided input (scalar path) agrees with the contiguous one within a few ulps', () => {
    const x = kiln.linspace(-80, 80, 2001);
    const contiguous = x.exp().toArray() as number[];
    const strided = kiln.stack([x, x], 1).select(1, 0).exp().toArray() as number[];
    contiguous.forEach((v, i) => expect(Math.abs(v - strided[i])).toBeLessThanOrEqual(Math.abs(strided[i]) * 2 ** -21));
  });
});
