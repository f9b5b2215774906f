// SPDX-License-Identifier: MIT
/**
 * Tensor methods: every op taking a tensor first is also `tensor.op(...)`, by declaration
 * merging (the tensor layer stays free of imports from ops). In-place variants end in `_`.
 */
import { Tensor } from '../tensor/tensor';
import { runBinary, runUnary, BinaryKernel, UnaryKernel, copyInto } from './elementwise';
import * as convert from './convert';
import * as indexing from './indexing';
import * as join from './join';
import * as math from './math';
import * as mm from './matmul';
import * as reduce from './reduce';
import * as views from './views';
import { randLike } from './random';
import { TensorOrScalar } from './util';

/** The method form of an op: the same function without its first (tensor) argument. */
type Method<F> = F extends (self: Tensor, ...args: infer A) => infer R ? (...args: A) => R : never;

const FUNCTIONAL = {
  // elementwise
  neg: math.neg, abs: math.abs, sign: math.sign, exp: math.exp, expm1: math.expm1, log: math.log, log1p: math.log1p,
  log2: math.log2, sqrt: math.sqrt, rsqrt: math.rsqrt, square: math.square, reciprocal: math.reciprocal, sin: math.sin,
  cos: math.cos, tan: math.tan, tanh: math.tanh, sigmoid: math.sigmoid, relu: math.relu, gelu: math.gelu, silu: math.silu,
  softplus: math.softplus, leakyRelu: math.leakyRelu, elu: math.elu, erf: math.erf, floor: math.floor, ceil: math.ceil,
  round: math.round, trunc: math.trunc, clamp: math.clamp, isnan: math.isnan, isinf: math.isinf, isfinite: math.isfinite,
  logicalNot: math.logicalNot, add: math.add, sub: math.sub, mul: math.mul, div: math.div, floorDivide: math.floorDivide,
  remainder: math.remainder, pow: math.pow, maximum: math.maximum, minimum: math.minimum, atan2: math.atan2, eq: math.eq,
  ne: math.ne, lt: math.lt, le: math.le, gt: math.gt, ge: math.ge, logicalAnd: math.logicalAnd, logicalOr: math.logicalOr,
  logicalXor: math.logicalXor, lerp: math.lerp, addcmul: math.addcmul, addcdiv: math.addcdiv,
  // reductions
  sum: reduce.sum, prod: reduce.prod, mean: reduce.mean, amax: reduce.amax, amin: reduce.amin, all: reduce.all,
  any: reduce.any, norm: reduce.norm, logsumexp: reduce.logsumexp, var: reduce.variance, std: reduce.std,
  argmax: reduce.argmax, argmin: reduce.argmin, cumsum: reduce.cumsum, cumprod: reduce.cumprod,
  softmax: reduce.softmax, logSoftmax: reduce.logSoftmax,
  // matmul
  matmul: mm.matmul, mm: mm.mm, bmm: mm.bmm, outer: mm.outer, dot: mm.dot,
  // views and joins
  reshape: views.reshape, view: views.view, permute: views.permute, transpose: views.transpose, t: views.t,
  unsqueeze: views.unsqueeze, squeeze: views.squeeze, expand: views.expand, expandAs: views.expandAs,
  flatten: views.flatten, unflatten: views.unflatten, narrow: views.narrow, select: views.select,
  split: join.split, chunk: join.chunk, unbind: join.unbind, index: indexing.index,
  // indexing
  gather: indexing.gather, scatter: indexing.scatter, scatterAdd: indexing.scatterAdd, indexSelect: indexing.indexSelect,
  indexAdd: indexing.indexAdd, maskedFill: indexing.maskedFill, maskedSelect: indexing.maskedSelect,
  nonzero: indexing.nonzero, take: indexing.take, tril: indexing.tril, triu: indexing.triu, sort: indexing.sort,
  argsort: indexing.argsort, topk: indexing.topk,
  // conversion
  contiguous: convert.contiguous, clone: convert.clone, to: convert.to,
  copy_: copyInto, fill_: convert.fill_, scatter_: indexing.scatter_, indexAdd_: indexing.indexAdd_,
  randLike,
};

const UNARY_INPLACE = {
  neg_: 'neg', abs_: 'abs', sign_: 'sign', exp_: 'exp', expm1_: 'expm1', log_: 'log', log1p_: 'log1p', log2_: 'log2',
  sqrt_: 'sqrt', rsqrt_: 'rsqrt', square_: 'square', reciprocal_: 'reciprocal', sin_: 'sin', cos_: 'cos', tan_: 'tan',
  tanh_: 'tanh', sigmoid_: 'sigmoid', relu_: 'relu', silu_: 'silu', erf_: 'erf', floor_: 'floor', ceil_: 'ceil',
  round_: 'round', trunc_: 'trunc',
} as const satisfies Record<string, UnaryKernel>;

const BINARY_INPLACE = {
  mul_: 'mul', remainder_: 'remainder', pow_: 'pow', maximum_: 'maximum', minimum_: 'minimum', atan2_: 'atan2',
} as const satisfies Record<string, BinaryKernel>;

type FunctionalMethods = { [K in keyof typeof FUNCTIONAL]: Method<(typeof FUNCTIONAL)[K]> };
type UnaryInplaceMethods = { [K in keyof typeof UNARY_INPLACE]: () => Tensor };
type BinaryInplaceMethods = { [K in keyof typeof BINARY_INPLACE]: (other: TensorOrScalar) => Tensor };

/** Max/min: of all elements, along a dim with indices, or elementwise against another tensor. */
interface MaxMin {
  (): Tensor;
  (dim: number, opts?: { keepdim?: boolean }): reduce.ValuesIndices;
  (other: Tensor): Tensor;
}

declare module '../tensor/tensor' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Tensor extends FunctionalMethods, UnaryInplaceMethods, BinaryInplaceMethods {
    max: MaxMin;
    min: MaxMin;
    add_(other: TensorOrScalar, opts?: { alpha?: number }): Tensor;
    sub_(other: TensorOrScalar, opts?: { alpha?: number }): Tensor;
    div_(other: TensorOrScalar, opts?: { roundingMode?: math.RoundingMode }): Tensor;
    clamp_(min?: number | null, max?: number | null): Tensor;
    leakyRelu_(negativeSlope?: number): Tensor;
    zero_(): Tensor;
    float(): Tensor;
    double(): Tensor;
    int(): Tensor;
    long(): Tensor;
    bool(): Tensor;
    cpu(): Tensor;
    cuda(device?: number): Tensor;
    /** Transpose of the last two dims. */
    readonly mT: Tensor;
    /** All dims reversed. */
    readonly T: Tensor;
  }
}

function define(name: string, value: unknown): void {
  Object.defineProperty(Tensor.prototype, name, { value, writable: true, configurable: true, enumerable: false });
}

for (const [name, fn] of Object.entries(FUNCTIONAL)) {
  const f = fn as (self: Tensor, ...args: unknown[]) => unknown;
  define(name, function (this: Tensor, ...args: unknown[]) {
    return f(this, ...args);
  });
}
for (const [name, kernel] of Object.entries(UNARY_INPLACE)) {
  define(name, function (this: Tensor) {
    return runUnary(kernel, name, this, 0, 0, true);
  });
}
for (const [name, kernel] of Object.entries(BINARY_INPLACE)) {
  define(name, function (this: Tensor, other: TensorOrScalar) {
    return runBinary(kernel, name, this, other, 1, true);
  });
}

function maxMin(isMax: boolean) {
  return function (this: Tensor, arg?: number | Tensor, opts: { keepdim?: boolean } = {}) {
    if (arg === undefined) return isMax ? reduce.amax(this) : reduce.amin(this);
    if (arg instanceof Tensor) return isMax ? math.maximum(this, arg) : math.minimum(this, arg);
    return reduce.maxAlong(isMax, this, arg, opts.keepdim ?? false);
  };
}
define('max', maxMin(true));
define('min', maxMin(false));

define('add_', function (this: Tensor, other: TensorOrScalar, opts: { alpha?: number } = {}) {
  return runBinary('add', 'add_', this, other, opts.alpha ?? 1, true);
});
define('sub_', function (this: Tensor, other: TensorOrScalar, opts: { alpha?: number } = {}) {
  return runBinary('sub', 'sub_', this, other, opts.alpha ?? 1, true);
});
define('div_', function (this: Tensor, other: TensorOrScalar, opts: { roundingMode?: math.RoundingMode } = {}) {
  const mode = opts.roundingMode ?? null;
  return runBinary(mode === 'trunc' ? 'div_trunc' : mode === 'floor' ? 'div_floor' : 'div', 'div_', this, other, 1, true);
});
define('clamp_', function (this: Tensor, min?: number | null, max?: number | null) {
  return math.clampImpl(this, min, max, true);
});
define('leakyRelu_', function (this: Tensor, slope = 0.01) {
  return runUnary('leaky_relu', 'leakyRelu_', this, slope, 0, true);
});
define('zero_', function (this: Tensor) {
  return convert.fill_(this, 0);
});
for (const [name, dtype] of [['float', 'float32'], ['double', 'float64'], ['int', 'int32'], ['long', 'int64'], ['bool', 'bool']] as const) {
  define(name, function (this: Tensor) {
    return convert.to(this, dtype);
  });
}
define('cpu', function (this: Tensor) {
  return convert.to(this, 'cpu');
});
define('cuda', function (this: Tensor, device = 0) {
  return convert.to(this, `cuda:${device}`);
});
Object.defineProperty(Tensor.prototype, 'mT', {
  get(this: Tensor) {
    return views.mT(this);
  },
  configurable: true,
});
Object.defineProperty(Tensor.prototype, 'T', {
  get(this: Tensor) {
    return views.permute(this, this.shape.map((_, i) => this.ndim - 1 - i));
  },
  configurable: true,
});

export { copyInto };
