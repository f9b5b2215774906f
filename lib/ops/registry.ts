// SPDX-License-Identifier: MIT
/**
 * The op registry: every public op is declared once with defineOp, which records its name,
 * family and whether it is differentiable. The test op database checks its entries against
 * this list, and the autograd layer attaches backward formulas through the same declaration.
 */

export type OpFamily = 'unary' | 'binary' | 'ternary' | 'reduce' | 'matmul' | 'view' | 'index' | 'creation' | 'convert' | 'join';

export interface OpSpec<F extends (...args: never[]) => unknown> {
  name: string;
  family: OpFamily;
  /** Differentiable ops get a backward formula in the autograd layer. */
  differentiable: boolean;
  forward: F;
}

const REGISTRY = new Map<string, OpSpec<(...args: never[]) => unknown>>();

/** Declares an op once; returns its forward function. */
export function defineOp<F extends (...args: never[]) => unknown>(spec: OpSpec<F>): F {
  if (REGISTRY.has(spec.name)) throw new Error(`op ${spec.name} declared twice`);
  REGISTRY.set(spec.name, spec as unknown as OpSpec<(...args: never[]) => unknown>);
  return spec.forward;
}

/** Every declared op, for tests and documentation. */
export function registeredOps(): ReadonlyArray<Omit<OpSpec<(...args: never[]) => unknown>, 'forward'>> {
  return [...REGISTRY.values()].map(({ name, family, differentiable }) => ({ name, family, differentiable }));
}
