// SPDX-License-Identifier: MIT
// Shared helpers of the nn tests: reading tensors as plain numbers, tolerance checks, and
// seeded inputs.
import * as kiln from '../../lib';

/** All elements as JS numbers, row-major. */
export function values(t: kiln.Tensor): number[] {
  return Array.from(t.data() as ArrayLike<number | bigint>, Number);
}

/** |a - e| <= atol + rtol |e| elementwise, with the shape checked first. */
export function expectClose(actual: kiln.Tensor, expected: readonly number[], shape: readonly number[], tol: { atol?: number; rtol?: number } = {}): void {
  expect(actual.shape).toEqual(shape);
  const atol = tol.atol ?? 1e-12;
  const rtol = tol.rtol ?? 1e-10;
  const got = values(actual);
  expect(got.length).toBe(expected.length);
  const bad = got.map((a, i) => [i, a, expected[i]] as const).filter(([, a, e]) => !(Math.abs(a - e) <= atol + rtol * Math.abs(e)));
  expect(bad.slice(0, 5)).toEqual([]);
}

/** A seeded standard-normal float64 tensor (reproducible across runs). */
export function randn64(shape: number[], seed: number, opts: { requiresGrad?: boolean } = {}): kiln.Tensor {
  const t = kiln.randn(shape, { dtype: 'float64', generator: new kiln.Generator(seed) } as kiln.TensorOptions);
  if (opts.requiresGrad) t.requiresGrad_(true);
  return t;
}

/** Row-major index helpers for references over flat arrays. */
export const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
