// SPDX-License-Identifier: MIT
/**
 * The public elementwise ops, each declared once from the kernel tables in elementwise.ts.
 * Every op is a function here and a Tensor method (methods.ts); most have an in-place
 * variant with a trailing underscore, as in PyTorch.
 */
import { DTypeError } from '../errors';
import { isFloating } from '../tensor/dtype';
import { Tensor } from '../tensor/tensor';
import { BinaryKernel, runBinary, runTernary, runUnary, UnaryKernel, where } from './elementwise';
import { to } from './convert';
import { ArgGrad, defineOp } from './registry';

/** What backward formulas return: one gradient per argument. */
type Grads = ReadonlyArray<ArgGrad>;
import { TensorOrScalar } from './util';

/** d(op)/dx times the incoming gradient, from the input `x` and the output `y`. */
type UnaryGrad = (g: Tensor, x: Tensor, y: Tensor) => Tensor;

const unary = (name: string, kernel: UnaryKernel, grad: UnaryGrad | null): ((x: Tensor) => Tensor) =>
  defineOp({
    name,
    family: 'unary',
    differentiable: grad !== null,
    forward: (x: Tensor): Tensor => runUnary(kernel, name, x),
    backward: grad ? (g, { args: [x], out }): Grads => [grad(g, x, out)] : undefined,
    save: (args, out): Tensor[] => [args[0], out],
  });

const LN2 = Math.LN2;
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

export const neg = unary('neg', 'neg', (g) => neg(g));
export const abs = unary('abs', 'abs', (g, x) => mul(g, sign(x)));
export const sign = unary('sign', 'sign', (g) => zerosLikeOf(g));
export const exp = unary('exp', 'exp', (g, _x, y) => mul(g, y));
export const expm1 = unary('expm1', 'expm1', (g, _x, y) => mul(g, add(y, 1)));
export const log = unary('log', 'log', (g, x) => div(g, x));
export const log1p = unary('log1p', 'log1p', (g, x) => div(g, add(x, 1)));
export const log2 = unary('log2', 'log2', (g, x) => div(g, mul(x, LN2)));
export const sqrt = unary('sqrt', 'sqrt', (g, _x, y) => div(g, mul(y, 2)));
export const rsqrt = unary('rsqrt', 'rsqrt', (g, _x, y) => mul(g, mul(pow(y, 3), -0.5)));
export const square = unary('square', 'square', (g, x) => mul(g, mul(x, 2)));
export const reciprocal = unary('reciprocal', 'reciprocal', (g, _x, y) => neg(mul(g, square(y))));
export const sin = unary('sin', 'sin', (g, x) => mul(g, cos(x)));
export const cos = unary('cos', 'cos', (g, x) => neg(mul(g, sin(x))));
export const tan = unary('tan', 'tan', (g, _x, y) => mul(g, add(square(y), 1)));
export const tanh = unary('tanh', 'tanh', (g, _x, y) => mul(g, sub(1, square(y))));
export const sigmoid = unary('sigmoid', 'sigmoid', (g, _x, y) => mul(g, mul(y, sub(1, y))));
export const relu = unary('relu', 'relu', (g, x) => mul(g, gt(x, 0)));
export const silu = unary('silu', 'silu', (g, x) => {
  const s = sigmoid(x);
  return mul(g, mul(s, add(mul(x, sub(1, s)), 1)));
});
export const erf = unary('erf', 'erf', (g, x) => mul(g, mul(exp(neg(square(x))), TWO_OVER_SQRT_PI)));
// Piecewise constant: their gradient is zero wherever it exists, so none flows.
export const floor = unary('floor', 'floor', null);
export const ceil = unary('ceil', 'ceil', null);
export const round = unary('round', 'round', null);
export const trunc = unary('trunc', 'trunc', null);
export const isnan = unary('isnan', 'isnan', null);
export const isinf = unary('isinf', 'isinf', null);
export const isfinite = unary('isfinite', 'isfinite', null);
export const logicalNot = unary('logicalNot', 'logical_not', null);

function zerosLikeOf(t: Tensor): Tensor {
  return mul(t, 0);
}

/** GELU, exact (erf) by default or with `approximate: 'tanh'`. */
export const gelu = defineOp({
  name: 'gelu',
  family: 'unary',
  differentiable: true,
  forward: (x: Tensor, opts: { approximate?: 'none' | 'tanh' } = {}): Tensor =>
    runUnary(opts.approximate === 'tanh' ? 'gelu_tanh' : 'gelu', 'gelu', x),
  save: ([x]): Tensor[] => [x],
  backward: (g, { args: [x, opts] }): Grads => {
    if (opts?.approximate === 'tanh') {
      // y = x/2 (1 + tanh(u)), u = k (x + c x^3): dy/dx = (1 + t)/2 + x/2 (1 - t^2) k (1 + 3c x^2).
      const k = Math.sqrt(2 / Math.PI);
      const c = 0.044715;
      const t = tanh(mul(add(x, mul(pow(x, 3), c)), k));
      const du = mul(add(mul(square(x), 3 * c), 1), k);
      return [mul(g, add(mul(add(t, 1), 0.5), mul(mul(x, 0.5), mul(sub(1, square(t)), du))))];
    }
    // y = x Phi(x): dy/dx = Phi(x) + x phi(x).
    const cdf = mul(add(erf(mul(x, Math.SQRT1_2)), 1), 0.5);
    const pdf = mul(exp(mul(square(x), -0.5)), 1 / Math.sqrt(2 * Math.PI));
    return [mul(g, add(cdf, mul(x, pdf)))];
  },
});

/** softplus(x) = log(1 + exp(beta x)) / beta, linear above `threshold` for stability. */
export const softplus = defineOp({
  name: 'softplus',
  family: 'unary',
  differentiable: true,
  forward: (x: Tensor, opts: { beta?: number; threshold?: number } = {}): Tensor =>
    runUnary('softplus', 'softplus', x, opts.beta ?? 1, opts.threshold ?? 20),
  save: ([x]): Tensor[] => [x],
  backward: (g, { args: [x, opts] }): Grads => {
    const beta = opts?.beta ?? 1;
    const bx = mul(x, beta);
    // Above the threshold the forward is the identity, so is the gradient.
    return [mul(g, where(gt(bx, opts?.threshold ?? 20), 1, sigmoid(bx)))];
  },
});

export const leakyRelu = defineOp({
  name: 'leakyRelu',
  family: 'unary',
  differentiable: true,
  forward: (x: Tensor, negativeSlope = 0.01): Tensor => runUnary('leaky_relu', 'leakyRelu', x, negativeSlope),
  save: ([x]): Tensor[] => [x],
  backward: (g, { args: [x, slope] }): Grads => [mul(g, where(gt(x, 0), 1, slope ?? 0.01))],
});

export const elu = defineOp({
  name: 'elu',
  family: 'unary',
  differentiable: true,
  forward: (x: Tensor, alpha = 1): Tensor => runUnary('elu', 'elu', x, alpha),
  save: ([x]): Tensor[] => [x],
  backward: (g, { args: [x, alpha] }): Grads => [mul(g, where(gt(x, 0), 1, mul(exp(x), alpha ?? 1)))],
});

/** Clamps to [min, max]; either bound may be omitted (null/undefined). */
export const clamp = defineOp({
  name: 'clamp',
  family: 'unary',
  differentiable: true,
  forward: (x: Tensor, min?: number | null, max?: number | null): Tensor => clampImpl(x, min, max, false),
  save: ([x]): Tensor[] => [x],
  backward: (g, { args: [x, min, max] }): Grads => {
    // Gradient flows where the input was inside the bounds (inclusive, as in PyTorch).
    const inside = logicalAnd(ge(x, min ?? -Infinity), le(x, max ?? Infinity));
    return [mul(g, inside)];
  },
});

export function clampImpl(x: Tensor, min: number | null | undefined, max: number | null | undefined, inplace: boolean): Tensor {
  if ((min === undefined || min === null) && (max === undefined || max === null))
    throw new DTypeError('clamp: at least one of min or max must not be None');
  const lo = min ?? -Infinity;
  const hi = max ?? Infinity;
  // PyTorch promotes an integer tensor clamped by fractional bounds to float.
  const fractional = !Number.isInteger(lo) && Number.isFinite(lo) || (!Number.isInteger(hi) && Number.isFinite(hi));
  const input = !isFloating(x.dtype) && fractional && !inplace ? to(x, 'float32') : x;
  const out = runUnary('clamp', 'clamp', input, lo, hi, inplace);
  if (input !== x) input.dispose();
  return out;
}

// ---- binary ---------------------------------------------------------------------------------

/** Gradients for (a, b) from the incoming gradient, inputs and output (any may be a JS number). */
type BinaryGrad = (g: Tensor, a: TensorOrScalar, b: TensorOrScalar, y: Tensor) => [Tensor | null, Tensor | null];

const binary = (name: string, kernel: BinaryKernel, grad: BinaryGrad | null): ((a: TensorOrScalar, b: TensorOrScalar) => Tensor) =>
  defineOp({
    name,
    family: 'binary',
    differentiable: grad !== null,
    forward: (a: TensorOrScalar, b: TensorOrScalar): Tensor => runBinary(kernel, name, a, b),
    backward: grad ? (g, { args: [a, b], out }): Grads => grad(g, a, b, out) : undefined,
    save: ([a, b], out): Tensor[] => [a, b, out].filter((t): t is Tensor => t instanceof Tensor),
  });

/** Whether a gradient for this argument is wanted (a tensor that requires grad). */
function wants(x: TensorOrScalar): x is Tensor {
  return x instanceof Tensor && x.requiresGrad;
}

/**
 * a * b or a - b where both operands may be JS numbers (a kernel needs a tensor operand):
 * backward formulas combine the other arguments, which can be numbers.
 */
function arith(op: 'mul' | 'sub', a: TensorOrScalar, b: TensorOrScalar): TensorOrScalar {
  if (a instanceof Tensor || b instanceof Tensor) return op === 'mul' ? mul(a, b) : sub(a, b);
  return op === 'mul' ? Number(a) * Number(b) : Number(a) - Number(b);
}

/** a + alpha * b, broadcasting; either side may be a number. */
export const add = defineOp({
  name: 'add',
  family: 'binary',
  differentiable: true,
  forward: (a: TensorOrScalar, b: TensorOrScalar, opts: { alpha?: number } = {}): Tensor =>
    runBinary('add', 'add', a, b, opts.alpha ?? 1),
  backward: (g, { args: [, , opts] }): Grads => {
    const alpha = opts?.alpha ?? 1;
    return [g, alpha === 1 ? g : mul(g, alpha)];
  },
});

/** a - alpha * b. */
export const sub = defineOp({
  name: 'sub',
  family: 'binary',
  differentiable: true,
  forward: (a: TensorOrScalar, b: TensorOrScalar, opts: { alpha?: number } = {}): Tensor =>
    runBinary('sub', 'sub', a, b, opts.alpha ?? 1),
  backward: (g, { args: [, , opts] }): Grads => [g, mul(g, -(opts?.alpha ?? 1))],
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
  save: ([a, b]): Tensor[] => [a, b].filter((t): t is Tensor => t instanceof Tensor),
  backward: (g, { args: [a, b, opts] }): Grads => {
    // Rounded division is piecewise constant: no gradient flows.
    if ((opts?.roundingMode ?? null) !== null) return [null, null];
    return [wants(a) ? div(g, b) : null, wants(b) ? neg(div(mul(g, a), mul(b, b))) : null];
  },
});

export const mul = binary('mul', 'mul', (g, a, b) => [wants(a) ? mul(g, b) : null, wants(b) ? mul(g, a) : null]);
export const floorDivide = binary('floorDivide', 'div_floor', null);
// a - b * floor(a / b): d/da = 1, d/db = -floor(a / b).
export const remainder = binary('remainder', 'remainder', (g, a, b) => [g, wants(b) ? neg(mul(g, floorDivide(a, b))) : null]);
// Ties split the gradient evenly between the two inputs, as PyTorch does.
export const maximum = binary('maximum', 'maximum', (g, a, b) => selectGrad(g, a, b, true));
export const minimum = binary('minimum', 'minimum', (g, a, b) => selectGrad(g, a, b, false));
export const atan2 = binary('atan2', 'atan2', (g, a, b) => {
  const denom = add(arith('mul', a, a), arith('mul', b, b));
  return [wants(a) ? div(mul(g, b), denom) : null, wants(b) ? div(mul(neg(g), a), denom) : null];
});
export const eq = binary('eq', 'eq', null);
export const ne = binary('ne', 'ne', null);
export const lt = binary('lt', 'lt', null);
export const le = binary('le', 'le', null);
export const gt = binary('gt', 'gt', null);
export const ge = binary('ge', 'ge', null);
export const logicalAnd = binary('logicalAnd', 'logical_and', null);
export const logicalOr = binary('logicalOr', 'logical_or', null);
export const logicalXor = binary('logicalXor', 'logical_xor', null);

function selectGrad(g: Tensor, a: TensorOrScalar, b: TensorOrScalar, isMax: boolean): [Tensor | null, Tensor | null] {
  const aWins = isMax ? gt(a, b) : lt(a, b);
  const tie = eq(a, b);
  const share = add(aWins, mul(tie, 0.5));
  return [wants(a) ? mul(g, share) : null, wants(b) ? mul(g, sub(1, share)) : null];
}

/** a ** b. An integer tensor raised to a fractional power becomes float (PyTorch's promotion). */
export const pow = defineOp({
  name: 'pow',
  family: 'binary',
  differentiable: true,
  forward: (a: TensorOrScalar, b: TensorOrScalar): Tensor => runBinary('pow', 'pow', a, b),
  save: ([a, b], out): Tensor[] => [a, b, out].filter((t): t is Tensor => t instanceof Tensor),
  backward: (g, { args: [a, b], out }): Grads => [
    // d/da = b a^(b-1); d/db = a^b ln(a), taken as 0 where a == 0 (PyTorch's convention).
    wants(a) ? mul(g, mul(b, pow(a, b instanceof Tensor ? sub(b, 1) : Number(b) - 1))) : null,
    wants(b) ? mul(g, typeof a === 'number' || typeof a === 'boolean' ? mul(out, Number(a) === 0 ? 0 : Math.log(Number(a))) : where(eq(a, 0), 0, mul(out, log(a)))) : null,
  ],
});

// ---- ternary --------------------------------------------------------------------------------

/** a + weight * (b - a). */
export const lerp = defineOp({
  name: 'lerp',
  family: 'ternary',
  differentiable: true,
  forward: (a: Tensor, b: TensorOrScalar, weight: TensorOrScalar): Tensor => runTernary('lerp', 'lerp', a, b, weight),
  save: ([a, b, w]): Tensor[] => [a, b, w].filter((t): t is Tensor => t instanceof Tensor),
  backward: (g, { args: [a, b, w] }): Grads => [
    wants(a) ? mul(g, arith('sub', 1, w)) : null,
    wants(b) ? mul(g, w) : null,
    wants(w) ? mul(g, sub(b, a)) : null,
  ],
});

/** input + value * t1 * t2. */
export const addcmul = defineOp({
  name: 'addcmul',
  family: 'ternary',
  differentiable: true,
  forward: (input: Tensor, t1: TensorOrScalar, t2: TensorOrScalar, opts: { value?: number } = {}): Tensor =>
    runTernary('addcmul', 'addcmul', input, t1, t2, opts.value ?? 1),
  save: ([, t1, t2]): Tensor[] => [t1, t2].filter((t): t is Tensor => t instanceof Tensor),
  backward: (g, { args: [, t1, t2, opts] }): Grads => {
    const v = opts?.value ?? 1;
    return [g, wants(t1) ? mul(mul(g, v), t2) : null, wants(t2) ? mul(mul(g, v), t1) : null];
  },
});

/** input + value * t1 / t2. */
export const addcdiv = defineOp({
  name: 'addcdiv',
  family: 'ternary',
  differentiable: true,
  forward: (input: Tensor, t1: TensorOrScalar, t2: TensorOrScalar, opts: { value?: number } = {}): Tensor =>
    runTernary('addcdiv', 'addcdiv', input, t1, t2, opts.value ?? 1),
  save: ([, t1, t2]): Tensor[] => [t1, t2].filter((t): t is Tensor => t instanceof Tensor),
  backward: (g, { args: [, t1, t2, opts] }): Grads => {
    const v = opts?.value ?? 1;
    return [
      g,
      wants(t1) ? div(mul(g, v), t2) : null,
      wants(t2) ? neg(div(mul(mul(g, v), t1), mul(t2, t2))) : null,
    ];
  },
});
