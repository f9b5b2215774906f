// SPDX-License-Identifier: MIT
/**
 * The public elementwise ops, each declared once from the kernel tables in elementwise.ts.
 * Every op is a function here and a Tensor method (methods.ts); most have an in-place
 * variant with a trailing underscore, as in PyTorch.
 */
import { DTypeError } from '../errors';
import { isFloating } from '../tensor/dtype';
import { Tensor } from '../tensor/tensor';
import { BinaryKernel, runBinary, runTernary, runUnary, UnaryKernel } from './elementwise';
import { defineOp } from './registry';
import { TensorOrScalar } from './util';

const unary = (name: string, kernel: UnaryKernel, differentiable = true) =>
  defineOp({ name, family: 'unary', differentiable, forward: (x: Tensor): Tensor => runUnary(kernel, name, x) });

export const neg = unary('neg', 'neg');
export const abs = unary('abs', 'abs');
export const sign = unary('sign', 'sign');
export const exp = unary('exp', 'exp');
export const expm1 = unary('expm1', 'expm1');
export const log = unary('log', 'log');
export const log1p = unary('log1p', 'log1p');
export const log2 = unary('log2', 'log2');
export const sqrt = unary('sqrt', 'sqrt');
export const rsqrt = unary('rsqrt', 'rsqrt');
export const square = unary('square', 'square');
export const reciprocal = unary('reciprocal', 'reciprocal');
export const sin = unary('sin', 'sin');
export const cos = unary('cos', 'cos');
export const tan = unary('tan', 'tan');
export const tanh = unary('tanh', 'tanh');
export const sigmoid = unary('sigmoid', 'sigmoid');
export const relu = unary('relu', 'relu');
export const silu = unary('silu', 'silu');
export const erf = unary('erf', 'erf');
export const floor = unary('floor', 'floor', false);
export const ceil = unary('ceil', 'ceil', false);
export const round = unary('round', 'round', false);
export const trunc = unary('trunc', 'trunc', false);
export const isnan = unary('isnan', 'isnan', false);
export const isinf = unary('isinf', 'isinf', false);
export const isfinite = unary('isfinite', 'isfinite', false);
export const logicalNot = unary('logicalNot', 'logical_not', false);

/** GELU, exact (erf) by default or with `approximate: 'tanh'`. */
export const gelu = defineOp({
  name: 'gelu',
  family: 'unary',
  differentiable: true,
  forward: (x: Tensor, opts: { approximate?: 'none' | 'tanh' } = {}): Tensor =>
    runUnary(opts.approximate === 'tanh' ? 'gelu_tanh' : 'gelu', 'gelu', x),
});

/** softplus(x) = log(1 + exp(beta x)) / beta, linear above `threshold` for stability. */
export const softplus = defineOp({
  name: 'softplus',
  family: 'unary',
  differentiable: true,
  forward: (x: Tensor, opts: { beta?: number; threshold?: number } = {}): Tensor =>
    runUnary('softplus', 'softplus', x, opts.beta ?? 1, opts.threshold ?? 20),
});

export const leakyRelu = defineOp({
  name: 'leakyRelu',
  family: 'unary',
  differentiable: true,
  forward: (x: Tensor, negativeSlope = 0.01): Tensor => runUnary('leaky_relu', 'leakyRelu', x, negativeSlope),
});

export const elu = defineOp({
  name: 'elu',
  family: 'unary',
  differentiable: true,
  forward: (x: Tensor, alpha = 1): Tensor => runUnary('elu', 'elu', x, alpha),
});

/** Clamps to [min, max]; either bound may be omitted (null/undefined). */
export const clamp = defineOp({
  name: 'clamp',
  family: 'unary',
  differentiable: true,
  forward: (x: Tensor, min?: number | null, max?: number | null): Tensor => clampImpl(x, min, max, false),
});

export function clampImpl(x: Tensor, min: number | null | undefined, max: number | null | undefined, inplace: boolean): Tensor {
  if ((min === undefined || min === null) && (max === undefined || max === null))
    throw new DTypeError('clamp: at least one of min or max must not be None');
  const lo = min ?? -Infinity;
  const hi = max ?? Infinity;
  // PyTorch promotes an integer tensor clamped by fractional bounds to float.
  const fractional = !Number.isInteger(lo) && Number.isFinite(lo) || (!Number.isInteger(hi) && Number.isFinite(hi));
  const input = !isFloating(x.dtype) && fractional && !inplace ? x.to('float32') : x;
  const out = runUnary('clamp', 'clamp', input, lo, hi, inplace);
  if (input !== x) input.dispose();
  return out;
}

// ---- binary ---------------------------------------------------------------------------------

const binary = (name: string, kernel: BinaryKernel, differentiable = true) =>
  defineOp({
    name,
    family: 'binary',
    differentiable,
    forward: (a: TensorOrScalar, b: TensorOrScalar): Tensor => runBinary(kernel, name, a, b),
  });

/** a + alpha * b, broadcasting; either side may be a number. */
export const add = defineOp({
  name: 'add',
  family: 'binary',
  differentiable: true,
  forward: (a: TensorOrScalar, b: TensorOrScalar, opts: { alpha?: number } = {}): Tensor =>
    runBinary('add', 'add', a, b, opts.alpha ?? 1),
});

/** a - alpha * b. */
export const sub = defineOp({
  name: 'sub',
  family: 'binary',
  differentiable: true,
  forward: (a: TensorOrScalar, b: TensorOrScalar, opts: { alpha?: number } = {}): Tensor =>
    runBinary('sub', 'sub', a, b, opts.alpha ?? 1),
});

export type RoundingMode = 'trunc' | 'floor' | null;

/** True division (always floating), or rounded with roundingMode 'trunc' or 'floor'. */
export const div = defineOp({
  name: 'div',
  family: 'binary',
  differentiable: true,
  forward: (a: TensorOrScalar, b: TensorOrScalar, opts: { roundingMode?: RoundingMode } = {}): Tensor => {
    const mode = opts.roundingMode ?? null;
    if (mode === null) return runBinary('div', 'div', a, b);
    if (mode === 'trunc') return runBinary('div_trunc', 'div', a, b);
    if (mode === 'floor') return runBinary('div_floor', 'div', a, b);
    throw new DTypeError(`div: expected roundingMode to be null, 'trunc' or 'floor', got ${JSON.stringify(mode)}`);
  },
});

export const mul = binary('mul', 'mul');
export const floorDivide = binary('floorDivide', 'div_floor', false);
export const remainder = binary('remainder', 'remainder');
export const maximum = binary('maximum', 'maximum');
export const minimum = binary('minimum', 'minimum');
export const atan2 = binary('atan2', 'atan2');
export const eq = binary('eq', 'eq', false);
export const ne = binary('ne', 'ne', false);
export const lt = binary('lt', 'lt', false);
export const le = binary('le', 'le', false);
export const gt = binary('gt', 'gt', false);
export const ge = binary('ge', 'ge', false);
export const logicalAnd = binary('logicalAnd', 'logical_and', false);
export const logicalOr = binary('logicalOr', 'logical_or', false);
export const logicalXor = binary('logicalXor', 'logical_xor', false);

/** a ** b. An integer tensor raised to a fractional power becomes float (PyTorch's promotion). */
export const pow = defineOp({
  name: 'pow',
  family: 'binary',
  differentiable: true,
  forward: (a: TensorOrScalar, b: TensorOrScalar): Tensor => runBinary('pow', 'pow', a, b),
});

// ---- ternary --------------------------------------------------------------------------------

/** a + weight * (b - a). */
export const lerp = defineOp({
  name: 'lerp',
  family: 'ternary',
  differentiable: true,
  forward: (a: Tensor, b: TensorOrScalar, weight: TensorOrScalar): Tensor => runTernary('lerp', 'lerp', a, b, weight),
});

/** input + value * t1 * t2. */
export const addcmul = defineOp({
  name: 'addcmul',
  family: 'ternary',
  differentiable: true,
  forward: (input: Tensor, t1: TensorOrScalar, t2: TensorOrScalar, opts: { value?: number } = {}): Tensor =>
    runTernary('addcmul', 'addcmul', input, t1, t2, opts.value ?? 1),
});

/** input + value * t1 / t2. */
export const addcdiv = defineOp({
  name: 'addcdiv',
  family: 'ternary',
  differentiable: true,
  forward: (input: Tensor, t1: TensorOrScalar, t2: TensorOrScalar, opts: { value?: number } = {}): Tensor =>
    runTernary('addcdiv', 'addcdiv', input, t1, t2, opts.value ?? 1),
});
