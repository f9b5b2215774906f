// SPDX-License-Identifier: MIT
/**
 * Every op declared differentiable must say how its gradient is computed: a backward formula
 * (a primitive) or `composite` (built from recorded ops). Fails when an op is added without
 * either. Also checks that the flags agree with what recording does.
 */
import * as kiln from '../../lib';

const ops = kiln.registeredOps();

test('the registry lists the ops', () => {
  expect(ops.length).toBeGreaterThan(100);
  expect(new Set(ops.map((o) => o.name)).size).toBe(ops.length);
});

test.each(ops.filter((o) => o.differentiable).map((o) => [o.name, o] as const))('%s has a backward formula or is composite', (_name, op) => {
  expect(op.hasBackward || op.composite).toBe(true);
});

test.each(ops.map((o) => [o.name, o] as const))('%s: flags are consistent', (_name, op) => {
  // A primitive is either a formula or a composite, never both; non-differentiable ops have neither.
  expect(op.hasBackward && op.composite).toBe(false);
  if (!op.differentiable) expect(op.hasBackward || op.composite).toBe(false);
});

test('non-differentiable ops do not record', () => {
  const x = kiln.tensor([0.5, -1.5, 2], { requiresGrad: true });
  for (const out of [x.floor(), x.round(), x.sign().eq(1), x.gt(0), x.argmax(), x.argsort(), kiln.nonzero(x)]) {
    expect(out.requiresGrad).toBe(false);
    expect(out.gradFn).toBeNull();
  }
});

test('integer outputs of differentiable ops are not recorded', () => {
  const x = kiln.tensor([0.5, -1.5, 2], { requiresGrad: true });
  const { values, indices } = x.sort();
  expect(values.requiresGrad).toBe(true);
  expect(indices.requiresGrad).toBe(false);
  expect(x.topk(2).indices.requiresGrad).toBe(false);
  expect(x.max(0).indices.requiresGrad).toBe(false);
  expect(x.to('int32').requiresGrad).toBe(false);
});
