// SPDX-License-Identifier: MIT
/**
 * Reductions over one dim, several dims or all of them, with keepdim; plus scans and
 * softmax. The kernel writes into an output shaped like the input with size 1 (stride 0) at
 * the reduced dims; dropping those dims afterwards is a free view.
 */
import { native, opCodes } from '../backend/binding';
import { encodeRaw, encodeView } from '../backend/view-codec';
import { DTypeError, IndexError } from '../errors';
import { DType, DTYPE_CODE, isFloating } from '../tensor/dtype';
import { contiguousStrides, normalizeDim, normalizeDims } from '../tensor/shape';
import { Tensor } from '../tensor/tensor';
import { castTo, expectTensor, releaseTemps } from './util';
import { ArgGrad, defineOp, willRecord } from './registry';
import { abs, add, div, eq, exp, logicalAnd, logicalOr, mul, pow, sign, sqrt, sub } from './math';
import { where } from './elementwise';
import { fill_ } from './convert';
import { gather } from './indexing';
import { cat } from './join';
import { flip, inversePermutation, zerosFor } from './grad-utils';
import { expand, narrow, permute, reshape, squeeze } from './views';

/** What backward formulas return: one gradient per argument. */
type Grads = ReadonlyArray<ArgGrad>;

export type Dims = number | readonly number[] | null | undefined;

export interface ReduceOptions {
  keepdim?: boolean;
}

/** Normalized reduced dims; undefined/null or [] mean all dims. */
function reducedDims(x: Tensor, dim: Dims, op: string): number[] {
  if (dim === undefined || dim === null) return x.shape.map((_, i) => i);
  const list = typeof dim === 'number' ? [dim] : dim;
  if (list.length === 0) return x.shape.map((_, i) => i);
  return normalizeDims(list, x.ndim, op).filter((d) => d < x.ndim);
}

/** Allocates the output, runs `kernel(outBuffer)` with the output encoded in slot `outSlot`. */
function reduceInto(x: Tensor, dims: number[], keepdim: boolean, outDType: DType, run: (out: Tensor) => void): Tensor {
  const keepShape = x.shape.map((s, i) => (dims.includes(i) ? 1 : s));
  const out = Tensor.uninitialized(keepShape, outDType, x.device);
  run(out);
  if (keepdim) return out;
  const shape = x.shape.filter((_, i) => !dims.includes(i));
  const result = out.asStrided(shape, contiguousStrides(shape));
  out.dispose();
  return result;
}

function encodeReducedOut(slot: number, out: Tensor, dims: number[]): void {
  encodeRaw(slot, DTYPE_CODE[out.dtype], out.shape, out.strides.map((s, i) => (dims.includes(i) ? 0 : s)), out.bufferOffset);
}

type ReduceKernel = 'sum' | 'prod' | 'mean' | 'amax' | 'amin' | 'all' | 'any' | 'norm' | 'logsumexp' | 'var';

function runReduce(kernel: ReduceKernel, op: string, xArg: Tensor, dim: Dims, keepdim: boolean, param: number, outDType: DType, inDType?: DType): Tensor {
  const x0 = expectTensor(xArg, op, 'input');
  const x = inDType ? castTo(x0, inDType) : x0;
  const dims = reducedDims(x, dim, op);
  if ((kernel === 'amax' || kernel === 'amin') && dims.some((d) => x.shape[d] === 0))
    throw new IndexError(`${op}: expected reduction dim to have non-zero size; input shape [${x.shape.join(', ')}]`);
  const out = reduceInto(x, dims, keepdim, outDType, (o) => {
    encodeReducedOut(0, o, dims);
    encodeView(1, x);
    native.reduce(opCodes.reduce[kernel], o.buffer, x.buffer, param);
  });
  if (x !== x0) x.dispose();
  return out;
}

function requireFloat(op: string, x: Tensor, dtype?: DType): DType {
  const d = dtype ?? x.dtype;
  if (!isFloating(d))
    throw new DTypeError(`${op}: could not infer output dtype. Input dtype must be a floating point dtype, got ${d}; pass {dtype: 'float32'} or convert with .float()`);
  return d;
}

/** Integer and bool sums widen to int64, as in PyTorch. */
function sumDType(d: DType): DType {
  return isFloating(d) ? d : 'int64';
}

export interface SumOptions extends ReduceOptions {
  dtype?: DType;
}

export const sum = defineOp({
  name: 'sum',
  family: 'reduce',
  differentiable: true,
  forward: (x: Tensor, dim?: Dims, opts: SumOptions = {}): Tensor => {
    const d = opts.dtype ?? sumDType(x.dtype);
    return runReduce('sum', 'sum', x, dim, opts.keepdim ?? false, 0, d, opts.dtype);
  },
  // Every input element contributes once: the gradient is broadcast back over the reduced dims.
  backward: (g, { args: [x, dim, opts] }): Grads => [expand(keepReducedDims(g, x, dim, opts?.keepdim ?? false), x.shape)],
});

/** A reduction's gradient reshaped with size-1 dims where `dim` removed them, ready to broadcast. */
export function keepReducedDims(g: Tensor, x: Tensor, dim: Dims, keepdim: boolean): Tensor {
  if (keepdim) return g;
  const dims = reducedDims(x, dim, 'backward');
  return reshape(g, x.shape.map((s, i) => (dims.includes(i) ? 1 : s)));
}

/** How many input elements went into each output element. */
function reducedCount(x: Tensor, dim: Dims): number {
  return reducedDims(x, dim, 'backward').reduce((n, d) => n * x.shape[d], 1);
}

export const prod = defineOp({
  name: 'prod',
  family: 'reduce',
  differentiable: true,
  forward: (x: Tensor, dim?: Dims, opts: SumOptions = {}): Tensor => {
    const d = opts.dtype ?? sumDType(x.dtype);
    return runReduce('prod', 'prod', x, dim, opts.keepdim ?? false, 0, d, opts.dtype);
  },
  save: ([x], out): Tensor[] => [x, out],
  backward: (g, { args: [x, dim, opts], out }): Grads => {
    const keepdim = opts?.keepdim ?? false;
    // d prod / d x_i is the product of the other elements: prod / x_i, unless that divides by zero.
    const others = hasZero(x) ? productOfOthers(x, reducedDims(x, dim, 'prod')) : div(keepReducedDims(out, x, dim, keepdim), x);
    return [mul(keepReducedDims(g, x, dim, keepdim), others)];
  },
});

function hasZero(x: Tensor): boolean {
  return Boolean(any(eq(x, 0)).item());
}

/**
 * For each element, the product of the others in its reduction group, without dividing:
 * the reduced dims are moved last and merged, and an exclusive cumprod from each end is
 * multiplied (PyTorch's prod_safe_zeros_backward).
 */
function productOfOthers(x: Tensor, dims: number[]): Tensor {
  if (dims.length === 0) return fill_(zerosFor(x.shape, x), 1);
  const kept = x.shape.map((_, i) => i).filter((i) => !dims.includes(i));
  const perm = [...kept, ...dims];
  const moved = permute(x, perm);
  const flat = reshape(moved, [...kept.map((i) => x.shape[i]), -1]);
  const last = flat.ndim - 1;
  const before = exclusiveCumprod(flat, last);
  const after = flip(exclusiveCumprod(flip(flat, last), last), last);
  return permute(reshape(mul(before, after), moved.shape), inversePermutation(perm));
}

/** out[i] = x[0] * ... * x[i - 1] along the last dim `d` (1 for the first). */
function exclusiveCumprod(x: Tensor, d: number): Tensor {
  const ones = fill_(zerosFor([...x.shape.slice(0, -1), 1], x), 1);
  return cumprod(cat([ones, narrow(x, d, 0, x.shape[d] - 1)], d), d);
}

export const mean = defineOp({
  name: 'mean',
  family: 'reduce',
  differentiable: true,
  forward: (x: Tensor, dim?: Dims, opts: SumOptions = {}): Tensor => {
    const d = requireFloat('mean', x, opts.dtype);
    return runReduce('mean', 'mean', x, dim, opts.keepdim ?? false, 0, d, d);
  },
  backward: (g, { args: [x, dim, opts] }): Grads => [
    div(expand(keepReducedDims(g, x, dim, opts?.keepdim ?? false), x.shape), reducedCount(x, dim)),
  ],
});

/**
 * The gradient of amax/amin (and of the infinity norms, with `selected` the |x| matches):
 * split evenly among the elements equal to the result, as PyTorch does.
 */
function tiedGrad(g: Tensor, x: Tensor, selected: Tensor, dim: Dims): Tensor {
  const count = sum(selected, reducedDims(x, dim, 'backward'), { keepdim: true });
  return mul(div(g, count), selected);
}

function extremumOp(name: 'amax' | 'amin') {
  return defineOp({
    name,
    family: 'reduce',
    differentiable: true,
    forward: (x: Tensor, dim?: Dims, opts: ReduceOptions = {}): Tensor => runReduce(name, name, x, dim, opts.keepdim ?? false, 0, x.dtype),
    save: ([x], out): Tensor[] => [x, out],
    backward: (g, { args: [x, dim, opts], out }): Grads => {
      const keepdim = opts?.keepdim ?? false;
      const selected = eq(x, keepReducedDims(out, x, dim, keepdim));
      return [tiedGrad(keepReducedDims(g, x, dim, keepdim), x, selected, dim)];
    },
  });
}

export const amax = extremumOp('amax');
export const amin = extremumOp('amin');

export const all = defineOp({
  name: 'all',
  family: 'reduce',
  differentiable: false,
  forward: (x: Tensor, dim?: Dims, opts: ReduceOptions = {}): Tensor => runReduce('all', 'all', x, dim, opts.keepdim ?? false, 0, 'bool'),
});

export const any = defineOp({
  name: 'any',
  family: 'reduce',
  differentiable: false,
  forward: (x: Tensor, dim?: Dims, opts: ReduceOptions = {}): Tensor => runReduce('any', 'any', x, dim, opts.keepdim ?? false, 0, 'bool'),
});

/** Vector p-norm: p = 1, 2 (default, also 'fro'), Infinity, -Infinity, 0 or any positive p. */
export const norm = defineOp({
  name: 'norm',
  family: 'reduce',
  differentiable: true,
  forward: (x: Tensor, p: number | 'fro' = 2, dim?: Dims, opts: SumOptions = {}): Tensor => {
    const pv = p === 'fro' ? 2 : p;
    if (typeof pv !== 'number' || Number.isNaN(pv)) throw new DTypeError(`norm: unsupported p ${String(p)}`);
    const d = requireFloat('norm', x, opts.dtype);
    return runReduce('norm', 'norm', x, dim, opts.keepdim ?? false, pv, d, d);
  },
  save: ([x], out): Tensor[] => [x, out],
  backward: (g, { args: [x, p, dim, opts], out }): Grads => {
    const keepdim = opts?.keepdim ?? false;
    const pv = p === 'fro' || p === undefined ? 2 : p;
    const n = keepReducedDims(out, x, dim, keepdim);
    const gk = keepReducedDims(g, x, dim, keepdim);
    if (pv === 0) return [mul(expand(gk, x.shape), 0)]; // a count of nonzeros: flat
    if (pv === 1) return [mul(gk, sign(x))];
    if (!Number.isFinite(pv)) return [mul(tiedGrad(gk, x, eq(abs(x), n), dim), sign(x))];
    // d/dx_i = sign(x_i) |x_i|^(p-1) / norm^(p-1). A zero norm means x is all zeros there:
    // dividing by 1 instead gives the subgradient 0 (PyTorch's choice) without 0/0.
    const safe = where(eq(n, 0), 1, n);
    if (pv === 2) return [mul(gk, div(x, safe))];
    return [mul(gk, div(mul(sign(x), pow(abs(x), pv - 1)), pow(safe, pv - 1)))];
  },
});

/** log(sum(exp(x))) over dim, computed stably. */
export const logsumexp = defineOp({
  name: 'logsumexp',
  family: 'reduce',
  differentiable: true,
  forward: (x: Tensor, dim: Dims, opts: ReduceOptions = {}): Tensor => {
    const d = isFloating(x.dtype) ? x.dtype : 'float32';
    return runReduce('logsumexp', 'logsumexp', x, dim, opts.keepdim ?? false, 0, d, d);
  },
  save: ([x], out): Tensor[] => [x, out],
  // The gradient is softmax(x) over the reduced dims: exp(x - logsumexp(x)).
  backward: (g, { args: [x, dim, opts], out }): Grads => {
    const keepdim = opts?.keepdim ?? false;
    return [mul(keepReducedDims(g, x, dim, keepdim), exp(sub(x, keepReducedDims(out, x, dim, keepdim))))];
  },
});

export interface VarOptions extends ReduceOptions {
  /** Degrees-of-freedom correction (default 1, Bessel's). */
  correction?: number;
  /** Legacy spelling: unbiased=false means correction 0. */
  unbiased?: boolean;
}

function correctionOf(opts: VarOptions): number {
  if (opts.correction !== undefined) return opts.correction;
  return opts.unbiased === false ? 0 : 1;
}

export const variance = defineOp({
  name: 'var',
  family: 'reduce',
  differentiable: true,
  forward: (x: Tensor, dim?: Dims, opts: VarOptions = {}): Tensor => {
    const d = requireFloat('var', x);
    return runReduce('var', 'var', x, dim, opts.keepdim ?? false, correctionOf(opts), d);
  },
  save: ([x]): Tensor[] => [x],
  // d var / d x_i = 2 (x_i - mean) / (N - correction).
  backward: (g, { args: [x, dim, opts] }): Grads => {
    const centered = sub(x, mean(x, reducedDims(x, dim, 'var'), { keepdim: true }));
    const scale = 2 / (reducedCount(x, dim) - correctionOf(opts ?? {}));
    return [mul(keepReducedDims(g, x, dim, opts?.keepdim ?? false), mul(centered, scale))];
  },
});

export const std = defineOp({
  name: 'std',
  family: 'reduce',
  differentiable: true,
  composite: true, // sqrt of var
  forward: (x: Tensor, dim?: Dims, opts: VarOptions = {}): Tensor => {
    const v = variance(x, dim, opts);
    const out = sqrt(v);
    releaseTemps(out, [v]);
    return out;
  },
});

/** Values and indices of a max/min along a dim, destructurable as `[values, indices]`. */
export type ValuesIndices = [Tensor, Tensor] & { values: Tensor; indices: Tensor };

export function valuesIndices(values: Tensor, indices: Tensor): ValuesIndices {
  return Object.assign([values, indices] as [Tensor, Tensor], { values, indices });
}

/**
 * Values and indices from a kernel that computed both. When autograd records `x`, the values
 * are gathered from x at the indices instead, so that the gradient reaches the chosen elements
 * (max/min along a dim, sort, topk). `indices` must keep `dim` (size 1 for a reduction).
 */
export function selectedValues(x: Tensor, dim: number, values: Tensor, indices: Tensor): ValuesIndices {
  if (!willRecord(x)) return valuesIndices(values, indices);
  values.dispose();
  return valuesIndices(gather(x, dim, indices), indices);
}

function argReduce(isMax: boolean, op: string, x: Tensor, dim: number | undefined, keepdim: boolean, withValues: boolean): { values: Tensor | null; indices: Tensor } {
  let input = x;
  let d: number;
  if (dim === undefined) {
    input = reshape(x, -1);
    d = 0;
  } else {
    d = normalizeDim(dim, x.ndim, op);
  }
  if (input.ndim > 0 && input.shape[d] === 0)
    throw new IndexError(`${op}: expected reduction dim ${d} to have non-zero size; input shape [${x.shape.join(', ')}]`);
  const dims = input.ndim === 0 ? [] : [d];
  let values: Tensor | null = null;
  let indices = reduceInto(input, dims, keepdim && dim !== undefined, 'int64', (idx) => {
    if (withValues) {
      values = Tensor.uninitialized(idx.shape, input.dtype, input.device);
      encodeReducedOut(0, values, dims);
    }
    encodeReducedOut(1, idx, dims);
    encodeView(2, input);
    native.reduceArg(isMax, values ? values.buffer : null, idx.buffer, input.buffer, input.ndim === 0 ? 0 : d);
  });
  if (values !== null && !(keepdim && dim !== undefined)) {
    const v: Tensor = values;
    values = v.asStrided(indices.shape, indices.strides);
    v.dispose();
  }
  if (dim === undefined && keepdim) {
    // Reducing the flattened input with keepdim keeps every input dim, as size 1 (PyTorch).
    const ones = x.shape.map(() => 1);
    const kept = indices.asStrided(ones, contiguousStrides(ones));
    indices.dispose();
    indices = kept;
  }
  if (input !== x) input.dispose();
  return { values, indices };
}

export const argmax = defineOp({
  name: 'argmax',
  family: 'reduce',
  differentiable: false,
  forward: (x: Tensor, dim?: number, opts: ReduceOptions = {}): Tensor => argReduce(true, 'argmax', x, dim, opts.keepdim ?? false, false).indices,
});

export const argmin = defineOp({
  name: 'argmin',
  family: 'reduce',
  differentiable: false,
  forward: (x: Tensor, dim?: number, opts: ReduceOptions = {}): Tensor => argReduce(false, 'argmin', x, dim, opts.keepdim ?? false, false).indices,
});

/** Max and its index along `dim`; without dim, the max of all elements. */
export function maxAlong(isMax: boolean, x: Tensor, dim: number, keepdim: boolean): ValuesIndices {
  const op = isMax ? 'max' : 'min';
  if (!willRecord(x)) {
    const r = argReduce(isMax, op, x, dim, keepdim, true);
    return valuesIndices(r.values!, r.indices);
  }
  const d = normalizeDim(dim, x.ndim, op);
  const r = argReduce(isMax, op, x, dim, true, true);
  const kept = selectedValues(x, d, r.values!, r.indices);
  return keepdim ? kept : valuesIndices(squeeze(kept.values, d), squeeze(kept.indices, d));
}

/** Inclusive cumulative sum along dim (integers widen to int64). */
export const cumsum = defineOp({
  name: 'cumsum',
  family: 'reduce',
  differentiable: true,
  forward: (x: Tensor, dim: number, opts: { dtype?: DType } = {}): Tensor => scan(false, 'cumsum', x, dim, opts.dtype),
  // Element i reaches every out[k] with k >= i: a cumsum from the end.
  backward: (g, { args: [x, dim] }): Grads => [reverseCumsum(g, normalizeDim(dim, x.ndim, 'cumsum'))],
});

function reverseCumsum(g: Tensor, d: number): Tensor {
  return g.ndim === 0 ? g : flip(cumsum(flip(g, d), d), d);
}

export const cumprod = defineOp({
  name: 'cumprod',
  family: 'reduce',
  differentiable: true,
  forward: (x: Tensor, dim: number, opts: { dtype?: DType } = {}): Tensor => scan(true, 'cumprod', x, dim, opts.dtype),
  save: ([x], out): Tensor[] => [x, out],
  backward: (g, { args: [x, dim], out }): Grads => [x.ndim === 0 ? g : cumprodGrad(g, x, out, normalizeDim(dim, x.ndim, 'cumprod'))],
});

/**
 * d out_k / d x_i = prod_{j <= k, j != i} x_j for i <= k. Ahead of the first zero z of a slice
 * that is out_k / x_i; at z the factors x_j (j < z) and the products after z are kept apart;
 * beyond z every term holds the zero x_z.
 */
function cumprodGrad(g: Tensor, x: Tensor, out: Tensor, d: number): Tensor {
  const isZero = eq(x, 0);
  const zerosSoFar = cumsum(isZero, d);
  const ahead = eq(zerosSoFar, 0);
  const firstZero = logicalAnd(isZero, eq(zerosSoFar, 1));
  const beforeZ = div(reverseCumsum(where(ahead, mul(g, out), 0), d), where(ahead, x, 1));
  const afterZ = cumprod(where(logicalOr(ahead, firstZero), 1, x), d);
  const headZ = prod(where(ahead, x, 1), d, { keepdim: true });
  const atZ = mul(headZ, sum(where(ahead, 0, mul(g, afterZ)), d, { keepdim: true }));
  return add(where(ahead, beforeZ, 0), where(firstZero, atZ, 0));
}

function scan(isProd: boolean, op: string, x0: Tensor, dim: number, dtype?: DType): Tensor {
  const x = dtype ? castTo(x0, dtype) : x0;
  const d = normalizeDim(dim, x.ndim, op);
  const out = Tensor.uninitialized(x.shape, sumDType(x.dtype), x.device);
  encodeView(0, out);
  encodeView(1, x);
  native.cumulative(isProd, out.buffer, x.buffer, d);
  if (x !== x0) x.dispose();
  return out;
}

function softmaxImpl(log: boolean, op: string, x0: Tensor, dim: number, dtype?: DType): Tensor {
  const target = dtype ?? x0.dtype;
  if (!isFloating(target)) throw new DTypeError(`${op}: expected a floating point input, got ${x0.dtype}; pass {dtype: 'float32'}`);
  const x = castTo(x0, target);
  const d = normalizeDim(dim, x.ndim, op);
  const out = Tensor.uninitialized(x.shape, target, x.device);
  encodeView(0, out);
  encodeView(1, x);
  native.softmax(log, out.buffer, x.buffer, d);
  if (x !== x0) x.dispose();
  return out;
}

/** exp(x) / sum(exp(x)) along dim, computed stably in one kernel. */
export const softmax = defineOp({
  name: 'softmax',
  family: 'reduce',
  differentiable: true,
  forward: (x: Tensor, dim: number, opts: { dtype?: DType } = {}): Tensor => softmaxImpl(false, 'softmax', x, dim, opts.dtype),
  save: (_args, out): Tensor[] => [out],
  // dx = y * (g - sum(g * y)) along dim.
  backward: (g, { args: [, dim], out }): Grads => [mul(out, sub(g, sum(mul(g, out), dim, { keepdim: true })))],
});

export const logSoftmax = defineOp({
  name: 'logSoftmax',
  family: 'reduce',
  differentiable: true,
  forward: (x: Tensor, dim: number, opts: { dtype?: DType } = {}): Tensor => softmaxImpl(true, 'logSoftmax', x, dim, opts.dtype),
  save: (_args, out): Tensor[] => [out],
  // dx = g - softmax(x) * sum(g) along dim.
  backward: (g, { args: [, dim], out }): Grads => [sub(g, mul(exp(out), sum(g, dim, { keepdim: true })))],
});
