// SPDX-License-Identifier: MIT
/**
 * View ops: new shape/strides/offset over the same storage, no data movement (reshape copies
 * only when no view exists, as in PyTorch).
 */
import { IndexError, ShapeError } from '../errors';
import { fmtShape, inferShape, normalizeDim, normalizeDims, numelOf, viewStrides } from '../tensor/shape';
import { Tensor } from '../tensor/tensor';
import { contiguous } from './convert';
import { embedSelect, embedSlice, inversePermutation, positions } from './grad-utils';
import { ArgGrad, defineOp } from './registry';

/** What backward formulas return: one gradient per argument. */
type Grads = ReadonlyArray<ArgGrad>;

/** For views that only change the shape: the gradient read back in the input's shape. */
function backToShape(g: Tensor, { args: [x] }: { args: readonly [Tensor, ...unknown[]] }): Grads {
  return [reshape(g, x.shape)];
}

/** Accepts `f(2, 3)` and `f([2, 3])`. */
export function shapeArgs(args: ReadonlyArray<number | readonly number[]>): number[] {
  if (args.length === 1 && Array.isArray(args[0])) return (args[0] as readonly number[]).slice();
  return args as number[];
}

/** A view with `shape` when the strides allow it, else a copy (PyTorch's reshape). */
export const reshape = defineOp({
  name: 'reshape',
  family: 'view',
  differentiable: true,
  forward: (x: Tensor, ...shapeArg: Array<number | readonly number[]>): Tensor => {
    const shape = inferShape(shapeArgs(shapeArg), x.numel(), 'reshape');
    const strides = viewStrides(x.shape, x.strides, shape);
    if (strides) return x.asStrided(shape, strides);
    const c = contiguous(x);
    const out = c.asStrided(shape, viewStrides(c.shape, c.strides, shape)!);
    c.dispose();
    return out;
  },
  backward: backToShape,
});

/** Like reshape, but never copies: throws ShapeError when the memory layout forbids a view. */
export const view = defineOp({
  name: 'view',
  family: 'view',
  differentiable: true,
  forward: (x: Tensor, ...shapeArg: Array<number | readonly number[]>): Tensor => {
    const shape = inferShape(shapeArgs(shapeArg), x.numel(), 'view');
    const strides = viewStrides(x.shape, x.strides, shape);
    if (!strides)
      throw new ShapeError(
        `view: size ${fmtShape(shape)} is not compatible with input tensor's size ${fmtShape(x.shape)} and stride ` +
          `${fmtShape(x.strides)} (at least one dimension spans across two contiguous subspaces). Use .reshape(...) instead.`,
      );
    return x.asStrided(shape, strides);
  },
  backward: backToShape,
});

export const permute = defineOp({
  name: 'permute',
  family: 'view',
  differentiable: true,
  forward: (x: Tensor, ...dimsArg: Array<number | readonly number[]>): Tensor => {
    const dims = shapeArgs(dimsArg);
    if (dims.length !== x.ndim)
      throw new ShapeError(`permute: number of dims don't match (input has ${x.ndim} dims, got ${dims.length}: ${fmtShape(dims)})`);
    const perm = normalizeDims(dims, x.ndim, 'permute');
    return x.asStrided(perm.map((d) => x.shape[d]), perm.map((d) => x.strides[d]));
  },
  backward: (g, { args: [x, ...dimsArg] }): Grads => [permute(g, inversePermutation(normalizeDims(shapeArgs(dimsArg), x.ndim, 'permute')))],
});

export const transpose = defineOp({
  name: 'transpose',
  family: 'view',
  differentiable: true,
  forward: (x: Tensor, dim0: number, dim1: number): Tensor => {
    if (x.ndim === 0) {
      normalizeDim(dim0, 0, 'transpose');
      normalizeDim(dim1, 0, 'transpose');
      return x.asStrided([], []);
    }
    const a = normalizeDim(dim0, x.ndim, 'transpose');
    const b = normalizeDim(dim1, x.ndim, 'transpose');
    const shape = x.shape.slice();
    const strides = x.strides.slice();
    [shape[a], shape[b]] = [shape[b], shape[a]];
    [strides[a], strides[b]] = [strides[b], strides[a]];
    return x.asStrided(shape, strides);
  },
  backward: (g, { args: [, dim0, dim1] }): Grads => [transpose(g, dim0, dim1)],
});

/** Transpose of a tensor with at most 2 dims. */
export const t = defineOp({
  name: 't',
  family: 'view',
  differentiable: true,
  forward: (x: Tensor): Tensor => {
    if (x.ndim > 2) throw new ShapeError(`t: expects a tensor with <= 2 dimensions, but got ${x.ndim}D; use .mT or transpose()`);
    return x.ndim < 2 ? x.asStrided(x.shape, x.strides) : transpose(x, 0, 1);
  },
  backward: (g): Grads => [t(g)],
});

/** Transpose of the last two dims (batched matrices). */
export const mT = defineOp({
  name: 'mT',
  family: 'view',
  differentiable: true,
  composite: true, // a transpose
  forward: (x: Tensor): Tensor => {
    if (x.ndim < 2) throw new ShapeError(`mT: tensor of dimension ${x.ndim} has no matrix transpose; it needs at least 2 dims`);
    return transpose(x, -2, -1);
  },
});

export const unsqueeze = defineOp({
  name: 'unsqueeze',
  family: 'view',
  differentiable: true,
  forward: (x: Tensor, dim: number): Tensor => {
    const d = normalizeDim(dim, x.ndim + 1, 'unsqueeze');
    const shape = x.shape.slice();
    const strides = x.strides.slice();
    const stride = d < x.ndim ? x.shape[d] * x.strides[d] : 1;
    shape.splice(d, 0, 1);
    strides.splice(d, 0, stride);
    return x.asStrided(shape, strides);
  },
  backward: backToShape,
});

/** Removes size-1 dims: all of them, or the given ones (others are left alone, as in PyTorch). */
export const squeeze = defineOp({
  name: 'squeeze',
  family: 'view',
  differentiable: true,
  forward: (x: Tensor, dim?: number | readonly number[]): Tensor => {
    const dims =
      dim === undefined
        ? x.shape.map((_, i) => i)
        : normalizeDims(typeof dim === 'number' ? [dim] : dim, x.ndim, 'squeeze');
    const shape: number[] = [];
    const strides: number[] = [];
    for (let i = 0; i < x.ndim; i++) {
      if (x.shape[i] === 1 && dims.includes(i)) continue;
      shape.push(x.shape[i]);
      strides.push(x.strides[i]);
    }
    return x.asStrided(shape, strides);
  },
  backward: backToShape,
});

/** Broadcasts size-1 dims (and new leading dims) to `sizes`; -1 keeps a size. */
export const expand = defineOp({
  name: 'expand',
  family: 'view',
  differentiable: true,
  forward: (x: Tensor, ...sizesArg: Array<number | readonly number[]>): Tensor => {
    const sizes = shapeArgs(sizesArg);
    if (sizes.length < x.ndim)
      throw new ShapeError(`expand: the number of sizes provided (${sizes.length}) must be greater or equal to the number of dimensions in the tensor (${x.ndim})`);
    const lead = sizes.length - x.ndim;
    const shape: number[] = [];
    const strides: number[] = [];
    for (let i = 0; i < sizes.length; i++) {
      const j = i - lead;
      const want = sizes[i];
      if (j < 0) {
        if (want < 0) throw new ShapeError(`expand: -1 is not allowed in a leading, non-existing dimension (${fmtShape(sizes)})`);
        shape.push(want);
        strides.push(0);
        continue;
      }
      const have = x.shape[j];
      if (want === -1 || want === have) {
        shape.push(have);
        strides.push(x.strides[j]);
      } else if (have === 1 && Number.isInteger(want) && want >= 0) {
        shape.push(want);
        strides.push(0);
      } else {
        throw new ShapeError(
          `expand: the expanded size of the tensor (${want}) must match the existing size (${have}) at non-singleton dimension ${i}. ` +
            `Target sizes: ${fmtShape(sizes)}. Tensor sizes: ${fmtShape(x.shape)}`,
        );
      }
    }
    return x.asStrided(shape, strides);
  },
  // The registry's fitter sums the expanded dims back to the input's shape.
  backward: (g): Grads => [g],
});

export const expandAs = defineOp({
  name: 'expandAs',
  family: 'view',
  differentiable: true,
  composite: true, // an expand
  forward: (x: Tensor, other: Tensor): Tensor => expand(x, other.shape),
});

/** Flattens dims startDim..endDim into one (a view when possible). */
export const flatten = defineOp({
  name: 'flatten',
  family: 'view',
  differentiable: true,
  composite: true, // a reshape
  forward: (x: Tensor, startDim = 0, endDim = -1): Tensor => {
    if (x.ndim === 0) return reshape(x, [1]);
    const s = normalizeDim(startDim, x.ndim, 'flatten');
    const e = normalizeDim(endDim, x.ndim, 'flatten');
    if (s > e) throw new IndexError(`flatten: startDim (${startDim}) cannot come after endDim (${endDim})`);
    const shape = [...x.shape.slice(0, s), numelOf(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)];
    return reshape(x, shape);
  },
});

/** Splits dim into `sizes` (one may be -1). */
export const unflatten = defineOp({
  name: 'unflatten',
  family: 'view',
  differentiable: true,
  composite: true, // a view
  forward: (x: Tensor, dim: number, sizes: readonly number[]): Tensor => {
    const d = normalizeDim(dim, x.ndim, 'unflatten');
    const inner = inferShape(sizes, x.shape[d], 'unflatten');
    return view(x, [...x.shape.slice(0, d), ...inner, ...x.shape.slice(d + 1)]);
  },
});

/** Elements start..start+length-1 along dim. */
export const narrow = defineOp({
  name: 'narrow',
  family: 'view',
  differentiable: true,
  forward: (x: Tensor, dim: number, start: number, length: number): Tensor => {
    if (x.ndim === 0) throw new IndexError('narrow: cannot be applied to a 0-dim tensor');
    const d = normalizeDim(dim, x.ndim, 'narrow');
    const size = x.shape[d];
    const s = start < 0 ? start + size : start;
    if (!Number.isInteger(s) || s < 0 || s > size) throw new IndexError(`narrow: start (${start}) is out of range for dimension ${dim} of size ${size}`);
    if (!Number.isInteger(length) || length < 0 || s + length > size)
      throw new IndexError(`narrow: start (${start}) + length (${length}) exceeds dimension size (${size})`);
    const shape = x.shape.slice();
    shape[d] = length;
    return x.asStrided(shape, x.strides, x.offset + s * x.strides[d]);
  },
  backward: (g, { args: [x, dim, start, length] }): Grads => {
    const d = normalizeDim(dim, x.ndim, 'narrow');
    const s = start < 0 ? start + x.shape[d] : start;
    return [embedSlice(g, x.shape, d, positions(s, s + length, 1, g))];
  },
});

/** The slice at `index` along dim, removing that dim. */
export const select = defineOp({
  name: 'select',
  family: 'view',
  differentiable: true,
  forward: (x: Tensor, dim: number, index: number): Tensor => {
    if (x.ndim === 0) throw new IndexError('select: cannot be applied to a 0-dim tensor');
    const d = normalizeDim(dim, x.ndim, 'select');
    const size = x.shape[d];
    const i = index < 0 ? index + size : index;
    if (!Number.isInteger(i) || i < 0 || i >= size)
      throw new IndexError(`select: index ${index} is out of bounds for dimension ${d} with size ${size}`);
    const shape = x.shape.slice();
    const strides = x.strides.slice();
    shape.splice(d, 1);
    strides.splice(d, 1);
    return x.asStrided(shape, strides, x.offset + i * x.strides[d]);
  },
  backward: (g, { args: [x, dim, index] }): Grads => {
    const d = normalizeDim(dim, x.ndim, 'select');
    return [embedSelect(g, x.shape, d, index < 0 ? index + x.shape[d] : index)];
  },
});

/**
 * A step-sliced view along one dim: elements start, start+step, ... below stop (bounds
 * already resolved; the building block of `x.index('a:b:c')`).
 */
export const sliceDim = defineOp({
  name: 'sliceDim',
  family: 'view',
  differentiable: true,
  forward: (x: Tensor, dim: number, start: number, stop: number, step: number): Tensor => {
    const shape = x.shape.slice();
    const strides = x.strides.slice();
    shape[dim] = start < stop ? Math.ceil((stop - start) / step) : 0;
    strides[dim] = x.strides[dim] * step;
    const offset = shape[dim] > 0 ? x.offset + start * x.strides[dim] : x.offset;
    return x.asStrided(shape, strides, offset);
  },
  backward: (g, { args: [x, dim, start, stop, step] }): Grads => [embedSlice(g, x.shape, dim, positions(start, Math.max(start, stop), step, g))],
});
