// SPDX-License-Identifier: MIT
/** Indexing: gather/scatter, index selection, masks, sorting, triangles and slicing. */
import { native } from '../backend/binding';
import { encodeView } from '../backend/view-codec';
import { DTypeError, IndexError, ShapeError } from '../errors';

import { broadcastShapes, fmtShape, normalizeDim } from '../tensor/shape';
import { Tensor } from '../tensor/tensor';
import { contiguous, copyOf, to } from './convert';
import { runBinary, where } from './elementwise';
import { embedSlice, zerosFor } from './grad-utils';
import { cat } from './join';
import { mul } from './math';
import { ArgGrad, defineOp } from './registry';
import { selectedValues, valuesIndices, ValuesIndices, amax, amin } from './reduce';
import { beginInPlace, castTo, commonDevice, encodeOut, releaseTemps } from './util';
import { expand, narrow, reshape, select, sliceDim, unsqueeze } from './views';

/** What backward formulas return: one gradient per argument. */
type Grads = ReadonlyArray<ArgGrad>;

/** Index tensors must hold integers; int32 is widened to the kernels' int64. */
function indexTensor(op: string, index: Tensor): Tensor {
  if (index.dtype === 'int64') return index;
  if (index.dtype === 'int32') return castTo(index, 'int64');
  throw new DTypeError(`${op}: expected an int64 (or int32) index tensor, got ${index.dtype}`);
}

/** out[i][j] = x[index[i][j]][j] (dim 0), and so on for other dims. */
export const gather = defineOp({
  name: 'gather',
  family: 'index',
  differentiable: true,
  forward: (x: Tensor, dim: number, indexArg: Tensor): Tensor => {
    commonDevice('gather', x, indexArg);
    const index = indexTensor('gather', indexArg);
    if (index.ndim !== x.ndim && !(x.ndim === 0 && index.ndim <= 1))
      throw new ShapeError(`gather: index tensor must have the same number of dimensions as input (${x.ndim}), got ${index.ndim}`);
    const d = normalizeDim(dim, x.ndim, 'gather');
    const out = Tensor.uninitialized(index.shape, x.dtype, x.device);
    encodeView(0, out);
    encodeView(1, x);
    encodeView(2, index);
    native.gather(out.buffer, x.buffer, d, index.buffer);
    if (index !== indexArg) index.dispose();
    return out;
  },
  save: ([, , index]): Tensor[] => [index],
  // Every gathered element sends its gradient back to where it came from (repeats add up).
  backward: (g, { args: [x, dim, index] }): Grads => [scatterAdd(zerosFor(x.shape, g), dim, index, g)],
});

/**
 * The gradient of a scatter's src: g gathered at the scattered positions. src may be larger
 * than index (only its leading block is read): the rest gets zeros.
 */
function srcGrad(g: Tensor, dim: number, index: Tensor, src: Tensor | number): Tensor | null {
  if (!(src instanceof Tensor) || !src.requiresGrad) return null;
  return padTo(gather(g, dim, index), src.shape);
}

/** `t` extended with zeros at the end of each dim to `shape`. */
function padTo(t: Tensor, shape: readonly number[]): Tensor {
  let out = t;
  shape.forEach((size, d) => {
    if (out.shape[d] < size) {
      const fill = out.shape.slice();
      fill[d] = size - out.shape[d];
      out = cat([out, zerosFor(fill, out)], d);
    }
  });
  return out;
}

function scatterImpl(op: string, x: Tensor, dim: number, indexArg: Tensor, src: Tensor | number, reduce: 0 | 1, inplace: boolean): Tensor {
  commonDevice(op, x, indexArg, src);
  const index = indexTensor(op, indexArg);
  const d = normalizeDim(dim, x.ndim, op);
  if (inplace) beginInPlace(op, x);
  const self = inplace ? x : copyOf(x);
  const s = typeof src === 'number' ? src : castTo(src, x.dtype);
  encodeView(0, self);
  encodeView(1, index);
  if (typeof s !== 'number') encodeView(2, s);
  native.scatter(self.buffer, d, index.buffer, typeof s === 'number' ? s : s.buffer, reduce);
  if (typeof s !== 'number' && s !== src) s.dispose();
  if (index !== indexArg) index.dispose();
  return self;
}

/** A copy of x with src (or a value) written at the positions index names along dim. */
export const scatter = defineOp({
  name: 'scatter',
  family: 'index',
  differentiable: true,
  forward: (x: Tensor, dim: number, index: Tensor, src: Tensor | number, opts: { reduce?: 'add' } = {}): Tensor =>
    scatterImpl('scatter', x, dim, index, src, opts.reduce === 'add' ? 1 : 0, false),
  save: ([, , index]): Tensor[] => [index],
  // Overwritten elements of x get no gradient; with reduce 'add' all of x passes through.
  backward: (g, { args: [, dim, index, src, opts] }): Grads => [
    opts?.reduce === 'add' ? g : scatter(g, dim, index, 0),
    null,
    null,
    srcGrad(g, dim, index, src),
  ],
});

/** A copy of x with src added at the positions index names along dim (duplicates accumulate). */
export const scatterAdd = defineOp({
  name: 'scatterAdd',
  family: 'index',
  differentiable: true,
  forward: (x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor => scatterImpl('scatterAdd', x, dim, index, src, 1, false),
  save: ([, , index]): Tensor[] => [index],
  backward: (g, { args: [, dim, index, src] }): Grads => [g, null, null, srcGrad(g, dim, index, src)],
});

export function scatter_(x: Tensor, dim: number, index: Tensor, src: Tensor | number, opts: { reduce?: 'add' } = {}): Tensor {
  return scatterImpl('scatter_', x, dim, index, src, opts.reduce === 'add' ? 1 : 0, true);
}

/** The entries of x along dim named by a 1-d index. */
export const indexSelect = defineOp({
  name: 'indexSelect',
  family: 'index',
  differentiable: true,
  forward: (x: Tensor, dim: number, indexArg: Tensor): Tensor => {
    commonDevice('indexSelect', x, indexArg);
    const index = indexTensor('indexSelect', indexArg);
    if (index.ndim > 1) throw new ShapeError(`indexSelect: index must be 0-d or 1-d, got shape ${fmtShape(index.shape)}`);
    const d = normalizeDim(dim, x.ndim, 'indexSelect');
    const shape = x.ndim === 0 ? [] : x.shape.slice();
    if (x.ndim > 0) shape[d] = index.numel();
    const out = Tensor.uninitialized(shape, x.dtype, x.device);
    encodeView(0, out);
    encodeView(1, x);
    encodeView(2, index);
    native.indexSelect(out.buffer, x.buffer, d, index.buffer);
    if (index !== indexArg) index.dispose();
    return out;
  },
  save: ([, , index]): Tensor[] => [index],
  backward: (g, { args: [x, dim, index] }): Grads => [embedSlice(g, x.shape, dim, index)],
});

function indexAddImpl(x: Tensor, dim: number, indexArg: Tensor, source: Tensor, alpha: number, inplace: boolean): Tensor {
  commonDevice('indexAdd', x, indexArg, source);
  const index = indexTensor('indexAdd', indexArg);
  const d = normalizeDim(dim, x.ndim, 'indexAdd');
  if (inplace) beginInPlace('indexAdd_', x);
  const self = inplace ? x : copyOf(x);
  const src = castTo(source, x.dtype);
  encodeView(0, self);
  encodeView(1, index);
  encodeView(2, src);
  native.indexAdd(self.buffer, d, index.buffer, src.buffer, alpha);
  if (src !== source) src.dispose();
  if (index !== indexArg) index.dispose();
  return self;
}

/** A copy of x with alpha * source's slices added at the entries index names along dim. */
export const indexAdd = defineOp({
  name: 'indexAdd',
  family: 'index',
  differentiable: true,
  forward: (x: Tensor, dim: number, index: Tensor, source: Tensor, opts: { alpha?: number } = {}): Tensor =>
    indexAddImpl(x, dim, index, source, opts.alpha ?? 1, false),
  save: ([, , index]): Tensor[] => [index],
  backward: (g, { args: [, dim, index, source, opts] }): Grads => {
    if (!source.requiresGrad) return [g];
    const picked = reshape(indexSelect(g, dim, index), source.shape);
    return [g, null, null, (opts?.alpha ?? 1) === 1 ? picked : mul(picked, opts!.alpha!)];
  },
});

export function indexAdd_(x: Tensor, dim: number, index: Tensor, source: Tensor, opts: { alpha?: number } = {}): Tensor {
  return indexAddImpl(x, dim, index, source, opts.alpha ?? 1, true);
}

/** A 0-d tensor of `dtype` on x's device holding `value` (converted as a cast would). */
function scalarTensor(value: number | boolean, dtype: Tensor['dtype'], like: Tensor): Tensor {
  const t = Tensor.empty([], dtype, like.device);
  encodeView(0, t);
  native.fill(t.buffer, Number(value));
  return t;
}

function checkMask(op: string, mask: Tensor): void {
  if (mask.dtype !== 'bool') throw new DTypeError(`${op}: expected a bool mask, got ${mask.dtype}`);
}

/** x with `value` where mask (broadcast) is true. */
export const maskedFill = defineOp({
  name: 'maskedFill',
  family: 'index',
  differentiable: true,
  composite: true, // a where
  forward: (x: Tensor, mask: Tensor, value: number | Tensor): Tensor => {
    checkMask('maskedFill', mask);
    if (value instanceof Tensor && value.ndim !== 0)
      throw new ShapeError(`maskedFill: only supports a 0-dimensional value tensor, but got one with ${value.ndim} dimension(s)`);
    const shape = broadcastShapes('maskedFill', x.shape, mask.shape);
    if (shape.length !== x.ndim || shape.some((s, i) => s !== x.shape[i]))
      throw new ShapeError(`maskedFill: mask of shape ${fmtShape(mask.shape)} cannot be broadcast to input ${fmtShape(x.shape)}`);
    // The result keeps x's dtype, as in PyTorch (int x filled with 2.5 stays int), so the value
    // is converted first; a JS number would otherwise take part in type promotion.
    if (typeof value === 'number' && !Number.isFinite(value) && (x.dtype === 'int32' || x.dtype === 'int64'))
      throw new DTypeError(`maskedFill: value ${value} cannot be converted to ${x.dtype}`);
    // to() rather than a plain cast, so that a value tensor that requires grad gets its gradient.
    const v = value instanceof Tensor ? to(value, x.dtype) : scalarTensor(value, x.dtype, x);
    const out = where(mask, v, x);
    if (v !== value) releaseTemps(out, [v]);
    return out;
  },
});

/** The coordinates of nonzero elements, [count, ndim] int64. */
export const nonzero = defineOp({
  name: 'nonzero',
  family: 'index',
  differentiable: false,
  forward: (x: Tensor): Tensor => {
    encodeView(0, x);
    const count = native.countNonzero(x.buffer);
    const out = Tensor.uninitialized([count, x.ndim], 'int64', x.device);
    encodeView(0, out);
    encodeView(1, x);
    native.nonzero(out.buffer, x.buffer);
    return out;
  },
});

/** The elements where mask (broadcast with x) is true, as a 1-d tensor. */
export const maskedSelect = defineOp({
  name: 'maskedSelect',
  family: 'index',
  differentiable: true,
  composite: true, // expand, reshape and indexSelect
  forward: (x: Tensor, mask: Tensor): Tensor => {
    checkMask('maskedSelect', mask);
    commonDevice('maskedSelect', x, mask);
    const shape = broadcastShapes('maskedSelect', x.shape, mask.shape);
    const xb = expand(x, shape);
    const mb = expand(mask, shape);
    const flatX = reshape(xb, -1);
    const flatM = reshape(mb, -1);
    const positions = nonzero(flatM);
    const idx = reshape(positions, -1);
    const out = indexSelect(flatX, 0, idx);
    releaseTemps(out, [xb, mb, flatX, flatM, positions, idx]);
    return out;
  },
});

/** Elements of x (read as flat, row-major) at the given flat indices; result has index's shape. */
export const take = defineOp({
  name: 'take',
  family: 'index',
  differentiable: true,
  composite: true, // reshape and indexSelect
  forward: (x: Tensor, indexArg: Tensor): Tensor => {
    const index = indexTensor('take', indexArg);
    const flat = reshape(x, -1);
    const idx = reshape(index, -1);
    const n = flat.shape[0];
    // Checked here so that the error names take and the index as given (before wrapping).
    if (idx.numel() > 0) {
      const lo = amin(idx);
      const hi = amax(idx);
      const [l, h] = [Number(lo.item()), Number(hi.item())];
      lo.dispose();
      hi.dispose();
      const bad = l < -n ? l : h >= n ? h : null;
      if (bad !== null) {
        for (const t of [flat, idx]) t.dispose();
        if (index !== indexArg) index.dispose();
        throw new IndexError(`take: index ${bad} is out of range for a tensor of ${n} elements (shape ${fmtShape(x.shape)})`);
      }
    }
    // take() accepts negative indices, counted from the end.
    const negative = runBinary('lt', 'take', idx, 0);
    const shift = where(negative, n, 0);
    const wrapped = runBinary('add', 'take', idx, shift);
    const picked = indexSelect(flat, 0, wrapped);
    const out = reshape(picked, index.shape);
    const temps = [flat, idx, wrapped, negative, shift, picked];
    if (index !== indexArg) temps.push(index);
    releaseTemps(out, temps.filter((t) => t !== x && t !== indexArg));
    return out;
  },
});

/** One-hot encoding of int64 class labels: [..., numClasses] int64. */
export const oneHot = defineOp({
  name: 'oneHot',
  family: 'index',
  differentiable: false,
  forward: (labels: Tensor, numClasses = -1): Tensor => {
    if (labels.dtype !== 'int64' && labels.dtype !== 'int32') throw new DTypeError(`oneHot: class values must be int64, got ${labels.dtype}`);
    let n = numClasses;
    if (n === -1) {
      if (labels.numel() === 0) throw new ShapeError('oneHot: cannot infer the number of classes from an empty tensor');
      n = Number((amax(labels) as Tensor).item()) + 1;
    }
    const idx = unsqueeze(castTo(labels, 'int64'), -1);
    const zeros = Tensor.empty([...labels.shape, n], 'int64', labels.device);
    try {
      return scatterImpl('oneHot', zeros, -1, idx, 1, 0, true);
    } catch (e) {
      if (e instanceof IndexError) throw new IndexError(`oneHot: class values must be in [0, ${n}); ${e.message}`);
      throw e;
    }
  },
});

function triangle(op: string, x: Tensor, diagonal: number, lower: boolean): Tensor {
  if (x.ndim < 2) throw new ShapeError(`${op}: input tensor must have at least 2 dimensions, got ${x.ndim}`);
  const rows = x.shape[x.ndim - 2];
  const cols = x.shape[x.ndim - 1];
  // keep[i][j] = j - i <= diagonal (lower) or >= diagonal (upper), built from two aranges.
  const i = Tensor.uninitialized([rows, 1], 'int64', x.device);
  const j = Tensor.uninitialized([1, cols], 'int64', x.device);
  encodeView(0, i);
  native.arange(i.buffer, 0, 1);
  encodeView(0, j);
  native.arange(j.buffer, 0, 1);
  const diff = runBinary('sub', op, j, i);
  const keep = runBinary(lower ? 'le' : 'ge', op, diff, diagonal);
  // A zero of x's own dtype, so that the result keeps it (a JS 0 would promote bool to int64).
  const zero = scalarTensor(0, x.dtype, x);
  const out = where(keep, x, zero);
  for (const t of [i, j, diff, keep, zero]) t.dispose();
  return out;
}

function triangleOp(name: 'tril' | 'triu', lower: boolean) {
  const op = defineOp({
    name,
    family: 'index',
    differentiable: true,
    forward: (x: Tensor, diagonal = 0): Tensor => triangle(name, x, diagonal, lower),
    // The kept triangle passes its gradient through; the zeroed part gets none.
    backward: (g, { args: [, diagonal] }): Grads => [op(g, diagonal)],
  });
  return op;
}

/** The lower triangle of the last two dims (elements with j - i <= diagonal), zero elsewhere. */
export const tril = triangleOp('tril', true);
/** The upper triangle of the last two dims (elements with j - i >= diagonal), zero elsewhere. */
export const triu = triangleOp('triu', false);

export interface SortOptions {
  descending?: boolean;
  /** Sorting is always stable in kiln; accepted for PyTorch compatibility. */
  stable?: boolean;
}

/** Sorted values and their original indices along dim (stable; NaN sorts as the largest). */
export const sort = defineOp({
  name: 'sort',
  family: 'index',
  differentiable: true,
  composite: true, // recorded values are a gather at the indices
  forward: (x: Tensor, dim = -1, opts: SortOptions = {}): ValuesIndices => {
    const d = normalizeDim(dim, x.ndim, 'sort');
    const { values, indices } = sortKernel(x, d, opts.descending ?? false);
    return selectedValues(x, d, values, indices);
  },
});

function sortKernel(x: Tensor, d: number, descending: boolean): ValuesIndices {
  const values = Tensor.uninitialized(x.shape, x.dtype, x.device);
  const indices = Tensor.uninitialized(x.shape, 'int64', x.device);
  encodeView(0, values);
  encodeView(1, indices);
  encodeView(2, x);
  native.sort(values.buffer, indices.buffer, x.buffer, d, descending);
  return valuesIndices(values, indices);
}

/** Indices that sort x along dim. */
export const argsort = defineOp({
  name: 'argsort',
  family: 'index',
  differentiable: false,
  forward: (x: Tensor, dim = -1, opts: SortOptions = {}): Tensor => {
    const r = sort(x, dim, opts);
    r.values.dispose();
    return r.indices;
  },
});

/** The k largest (or smallest) elements along dim, sorted. */
export const topk = defineOp({
  name: 'topk',
  family: 'index',
  differentiable: true,
  composite: true, // recorded values are a gather at the indices
  forward: (x: Tensor, k: number, dim = -1, opts: { largest?: boolean; sorted?: boolean } = {}): ValuesIndices => {
    const d = normalizeDim(dim, x.ndim, 'topk');
    const size = x.ndim === 0 ? 1 : x.shape[d];
    if (!Number.isInteger(k) || k < 0 || k > size) throw new IndexError(`topk: k (${k}) is out of range for dimension ${d} of size ${size}`);
    const s = sortKernel(x, d, opts.largest ?? true);
    if (x.ndim === 0) return selectedValues(x, d, s.values, s.indices);
    const values = contiguous(narrow(s.values, d, 0, k));
    const indices = contiguous(narrow(s.indices, d, 0, k));
    s.values.dispose();
    s.indices.dispose();
    return selectedValues(x, d, values, indices);
  },
});

// ---- slicing --------------------------------------------------------------------------------

/** A Python-style slice start:stop:step (null parts take their defaults). */
export class Slice {
  constructor(
    readonly start: number | null = null,
    readonly stop: number | null = null,
    readonly step: number | null = null,
  ) {}
}

/** `kiln.slice(1, 3)` is Python's `1:3`; `kiln.slice(null, null, 2)` is `::2`. */
export function slice(start: number | null = null, stop: number | null = null, step: number | null = null): Slice {
  return new Slice(start, stop, step);
}

/** One index item: an integer, a slice (object or 'a:b:c' string), null (new axis), '...', or an index/mask tensor. */
export type IndexItem = number | string | Slice | null | Tensor;

function parseItem(item: IndexItem): number | Slice | null | '...' | Tensor {
  if (typeof item !== 'string') return item;
  const s = item.trim();
  if (s === '...') return '...';
  if (s === 'None' || s === 'null') return null;
  if (!s.includes(':')) {
    if (!/^-?\d+$/.test(s)) throw new IndexError(`index: cannot parse index item ${JSON.stringify(item)}`);
    return Number(s);
  }
  const parts = s.split(':');
  if (parts.length > 3) throw new IndexError(`index: cannot parse slice ${JSON.stringify(item)}`);
  const num = (p: string | undefined) => {
    if (p === undefined || p.trim() === '') return null;
    if (!/^-?\d+$/.test(p.trim())) throw new IndexError(`index: cannot parse slice ${JSON.stringify(item)}`);
    return Number(p.trim());
  };
  return new Slice(num(parts[0]), num(parts[1]), num(parts[2]));
}

function resolveSlice(sl: Slice, size: number): [number, number, number] {
  const step = sl.step ?? 1;
  if (!Number.isInteger(step) || step <= 0) throw new IndexError(`index: slice step must be a positive integer, got ${step}`);
  const clampIndex = (v: number | null, dflt: number) => {
    if (v === null) return dflt;
    const w = v < 0 ? v + size : v;
    return Math.min(Math.max(w, 0), size);
  };
  return [clampIndex(sl.start, 0), clampIndex(sl.stop, size), step];
}

/**
 * PyTorch's `x[...]` indexing: `x.index(0, '1:3', '::2')` is `x[0, 1:3, ::2]`, and the whole
 * expression may be one string: `x.index('0, 1:3, ::2')`. Integers and slices give views;
 * a 1-d integer tensor selects entries along its dim (a copy); a bool mask selects elements.
 */
export const index = defineOp({
  name: 'index',
  family: 'view',
  differentiable: true,
  composite: true, // select, sliceDim, unsqueeze, indexSelect, maskedSelect
  forward: (x: Tensor, ...rawItems: IndexItem[]): Tensor => {
    let items: IndexItem[] = rawItems;
    if (rawItems.length === 1 && typeof rawItems[0] === 'string' && rawItems[0].includes(',')) items = rawItems[0].split(',');
    const parsed = items.map(parseItem);
    if (parsed.length === 1 && parsed[0] instanceof Tensor && parsed[0].dtype === 'bool') return maskedSelect(x, parsed[0]);
    const consumes = parsed.filter((p) => p !== null && p !== '...').length;
    const ellipses = parsed.filter((p) => p === '...').length;
    if (ellipses > 1) throw new IndexError('index: an index can only have a single ellipsis');
    // PyTorch pairs several tensor indices elementwise (x[[0, 1], [2, 3]] picks 2 elements);
    // applying them one dim at a time would silently give the outer product instead.
    if (parsed.filter((p) => p instanceof Tensor).length > 1)
      throw new IndexError('index: only one tensor index per call is supported; index one dim at a time, or use gather/take for paired indices');
    if (consumes > x.ndim) throw new IndexError(`index: too many indices for tensor of dimension ${x.ndim} (got ${consumes})`);
    let cur = x;
    let dim = 0;
    const temps: Tensor[] = [];
    const step = (next: Tensor) => {
      if (cur !== x) temps.push(cur);
      cur = next;
    };
    for (const p of parsed) {
      if (p === '...') dim += x.ndim - consumes;
      else if (p === null) step(unsqueeze(cur, dim++));
      else if (typeof p === 'number') step(select(cur, dim, p));
      else if (p instanceof Slice) {
        const [start, stop, st] = resolveSlice(p, cur.shape[dim]);
        step(sliceDim(cur, dim++, start, stop, st));
      } else {
        if (p.dtype === 'bool') throw new IndexError('index: a bool mask is only supported as the sole index');
        if (p.ndim !== 1) throw new IndexError(`index: tensor indices must be 1-d, got shape ${fmtShape(p.shape)}`);
        const size = cur.shape[dim];
        const wrapped = runBinary('add', 'index', p, where(runBinary('lt', 'index', p, 0), size, 0));
        step(indexSelect(cur, dim++, wrapped));
        temps.push(wrapped);
      }
    }
    // With nothing to apply, the result is a new view of x (an expand to its own shape, so
    // that it is recorded like every other view).
    const out = cur === x ? expand(x, x.shape) : cur;
    releaseTemps(out, temps);
    return out;
  },
});

