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
import { castTo, expectTensor } from './util';
import { ArgGrad, defineOp } from './registry';

type Grads = ReadonlyArray<ArgGrad>;
import { sqrt } from './math';
import { expand, reshape } from './views';

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
  const out = Tensor.empty(keepShape, outDType, x.device);
  run(out);
  if (keepdim) return out;
  const shape = x.shape.filter((_, i) => !dims.includes(i));
  const result = out.asStrided(shape, contiguousStrides(shape));
  out.dispose();
  return result;
}

function encodeReducedOut(slot: number, out: Tensor, dims: number[]): void {
  encodeRaw(slot, DTYPE_CODE[out.dtype], out.shape, out.strides.map((s, i) => (dims.includes(i) ? 0 : s)), 0);
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

export const prod = defineOp({
  name: 'prod',
  family: 'reduce',
  differentiable: true,
  forward: (x: Tensor, dim?: Dims, opts: SumOptions = {}): Tensor => {
    const d = opts.dtype ?? sumDType(x.dtype);
    return runReduce('prod', 'prod', x, dim, opts.keepdim ?? false, 0, d, opts.dtype);
  },
});

export const mean = defineOp({
  name: 'mean',
  family: 'reduce',
  differentiable: true,
  forward: (x: Tensor, dim?: Dims, opts: SumOptions = {}): Tensor => {
    const d = requireFloat('mean', x, opts.dtype);
    return runReduce('mean', 'mean', x, dim, opts.keepdim ?? false, 0, d, d);
  },
});

export const amax = defineOp({
  name: 'amax',
  family: 'reduce',
  differentiable: true,
  forward: (x: Tensor, dim?: Dims, opts: ReduceOptions = {}): Tensor => runReduce('amax', 'amax', x, dim, opts.keepdim ?? false, 0, x.dtype),
});

export const amin = defineOp({
  name: 'amin',
  family: 'reduce',
  differentiable: true,
  forward: (x: Tensor, dim?: Dims, opts: ReduceOptions = {}): Tensor => runReduce('amin', 'amin', x, dim, opts.keepdim ?? false, 0, x.dtype),
});

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
});

export const std = defineOp({
  name: 'std',
  family: 'reduce',
  differentiable: true,
  forward: (x: Tensor, dim?: Dims, opts: VarOptions = {}): Tensor => {
    const v = variance(x, dim, opts);
    const out = sqrt(v);
    v.dispose();
    return out;
  },
});

/** Values and indices of a max/min along a dim, destructurable as `[values, indices]`. */
export type ValuesIndices = [Tensor, Tensor] & { values: Tensor; indices: Tensor };

export function valuesIndices(values: Tensor, indices: Tensor): ValuesIndices {
  return Object.assign([values, indices] as [Tensor, Tensor], { values, indices });
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
      values = Tensor.empty(idx.shape, input.dtype, input.device);
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
  const r = argReduce(isMax, isMax ? 'max' : 'min', x, dim, keepdim, true);
  return valuesIndices(r.values!, r.indices);
}

/** Inclusive cumulative sum along dim (integers widen to int64). */
export const cumsum = defineOp({
  name: 'cumsum',
  family: 'reduce',
  differentiable: true,
  forward: (x: Tensor, dim: number, opts: { dtype?: DType } = {}): Tensor => scan(false, 'cumsum', x, dim, opts.dtype),
});

export const cumprod = defineOp({
  name: 'cumprod',
  family: 'reduce',
  differentiable: true,
  forward: (x: Tensor, dim: number, opts: { dtype?: DType } = {}): Tensor => scan(true, 'cumprod', x, dim, opts.dtype),
});

function scan(isProd: boolean, op: string, x0: Tensor, dim: number, dtype?: DType): Tensor {
  const x = dtype ? castTo(x0, dtype) : x0;
  const d = normalizeDim(dim, x.ndim, op);
  const out = Tensor.empty(x.shape, sumDType(x.dtype), x.device);
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
  const out = Tensor.empty(x.shape, target, x.device);
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
});

export const logSoftmax = defineOp({
  name: 'logSoftmax',
  family: 'reduce',
  differentiable: true,
  forward: (x: Tensor, dim: number, opts: { dtype?: DType } = {}): Tensor => softmaxImpl(true, 'logSoftmax', x, dim, opts.dtype),
});
