// SPDX-License-Identifier: MIT
/** Joining (cat, stack copy) and splitting (split, chunk, unbind are views). */
import { ShapeError } from '../errors';
import { resultType } from '../tensor/dtype';
import { fmtShape, normalizeDim } from '../tensor/shape';
import { Tensor } from '../tensor/tensor';
import { copyInto } from './elementwise';
import { zerosFor } from './grad-utils';
import { ArgGrad, defineOp } from './registry';
import { commonDevice, releaseTemps } from './util';
import { narrow, select, unsqueeze } from './views';

/** What backward formulas return: one gradient per argument. */
type Grads = ReadonlyArray<ArgGrad>;

/** Legacy PyTorch behaviour of cat: 1-d empty tensors are skipped. */
function skippedByCat(t: Tensor): boolean {
  return t.ndim === 1 && t.shape[0] === 0;
}

/** Concatenates along an existing dim, promoting dtypes as PyTorch does. */
export const cat = defineOp({
  name: 'cat',
  family: 'join',
  differentiable: true,
  forward: (tensors: readonly Tensor[], dim = 0): Tensor => {
    if (!Array.isArray(tensors) || tensors.length === 0) throw new ShapeError('cat: expected a non-empty list of tensors');
    const device = commonDevice('cat', ...tensors);
    const parts = tensors.filter((t) => !skippedByCat(t));
    const dtype = resultType(tensors.map((t) => ({ dtype: t.dtype, ndim: 1 })));
    if (parts.length === 0) return Tensor.empty([0], dtype, device);
    const ref = parts[0];
    if (ref.ndim === 0) throw new ShapeError('cat: zero-dimensional tensor cannot be concatenated');
    const d = normalizeDim(dim, ref.ndim, 'cat');
    let total = 0;
    parts.forEach((t, i) => {
      if (t.ndim !== ref.ndim)
        throw new ShapeError(`cat: tensors must have same number of dimensions: got ${ref.ndim} and ${t.ndim} (tensor ${i})`);
      for (let k = 0; k < ref.ndim; k++)
        if (k !== d && t.shape[k] !== ref.shape[k])
          throw new ShapeError(
            `cat: sizes of tensors must match except in dimension ${d}. Expected size ${ref.shape[k]} but got size ${t.shape[k]} for tensor number ${i} in the list (shapes ${fmtShape(ref.shape)} and ${fmtShape(t.shape)})`,
          );
      total += t.shape[d];
    });
    const shape = ref.shape.slice();
    shape[d] = total;
    const out = Tensor.uninitialized(shape, dtype, device);
    let start = 0;
    for (const t of parts) {
      const slot = narrow(out, d, start, t.shape[d]);
      copyInto(slot, t);
      slot.dispose();
      start += t.shape[d];
    }
    return out;
  },
  // Each input gets its own stretch of the gradient along dim.
  backward: (g, { args: [tensors, dim] }): Grads => {
    const d = normalizeDim(dim ?? 0, g.ndim, 'cat');
    let start = 0;
    const grads = tensors.map((t) => {
      if (skippedByCat(t)) return zerosFor(t.shape, g);
      start += t.shape[d];
      return narrow(g, d, start - t.shape[d], t.shape[d]);
    });
    return [grads];
  },
});

/** Stacks equally shaped tensors along a new dim. */
export const stack = defineOp({
  name: 'stack',
  family: 'join',
  differentiable: true,
  composite: true, // unsqueeze and cat
  forward: (tensors: readonly Tensor[], dim = 0): Tensor => {
    if (!Array.isArray(tensors) || tensors.length === 0) throw new ShapeError('stack: expected a non-empty list of tensors');
    const ref = tensors[0];
    tensors.forEach((t, i) => {
      if (t.ndim !== ref.ndim || t.shape.some((s: number, k: number) => s !== ref.shape[k]))
        throw new ShapeError(`stack: expects each tensor to be equal size, but got ${fmtShape(ref.shape)} at entry 0 and ${fmtShape(t.shape)} at entry ${i}`);
    });
    const d = normalizeDim(dim, ref.ndim + 1, 'stack');
    const expanded = tensors.map((t) => unsqueeze(t, d));
    const out = cat(expanded, d);
    releaseTemps(out, expanded);
    return out;
  },
});

/** Splits into chunks of `size` along dim (the last may be smaller), or into the given sizes. */
export const split = defineOp({
  name: 'split',
  family: 'join',
  differentiable: true,
  composite: true, // narrow
  forward: (x: Tensor, splitSizeOrSections: number | readonly number[], dim = 0): Tensor[] => {
    const d = normalizeDim(dim, x.ndim, 'split');
    const size = x.shape[d];
    let sizes: number[];
    if (typeof splitSizeOrSections === 'number') {
      const s = splitSizeOrSections;
      if (!Number.isInteger(s) || s < 0 || (s === 0 && size !== 0))
        throw new ShapeError(`split: split size must be a positive integer, got ${s}`);
      sizes = [];
      if (s === 0) sizes.push(0);
      for (let start = 0; start < size; start += s) sizes.push(Math.min(s, size - start));
      if (sizes.length === 0) sizes.push(0);
    } else {
      sizes = splitSizeOrSections.slice();
      const sum = sizes.reduce((p, q) => p + q, 0);
      if (sum !== size || sizes.some((s) => !Number.isInteger(s) || s < 0))
        throw new ShapeError(`split: split sizes ${fmtShape(sizes)} must sum to the dimension size ${size} (dim ${d})`);
    }
    const out: Tensor[] = [];
    let start = 0;
    for (const s of sizes) {
      out.push(narrow(x, d, start, s));
      start += s;
    }
    return out;
  },
});

/** Splits into `chunks` pieces of ceil(size / chunks) (fewer when the size is small). */
export const chunk = defineOp({
  name: 'chunk',
  family: 'join',
  differentiable: true,
  composite: true, // split
  forward: (x: Tensor, chunks: number, dim = 0): Tensor[] => {
    if (!Number.isInteger(chunks) || chunks <= 0) throw new ShapeError(`chunk: expected chunks to be a positive integer, got ${chunks}`);
    const d = normalizeDim(dim, x.ndim, 'chunk');
    const each = Math.ceil(x.shape[d] / chunks);
    return split(x, Math.max(each, x.shape[d] === 0 ? 0 : 1), d);
  },
});

/** The slices along dim, each without that dim. */
export const unbind = defineOp({
  name: 'unbind',
  family: 'join',
  differentiable: true,
  composite: true, // select
  forward: (x: Tensor, dim = 0): Tensor[] => {
    const d = normalizeDim(dim, x.ndim, 'unbind');
    const out: Tensor[] = [];
    for (let i = 0; i < x.shape[d]; i++) out.push(select(x, d, i));
    return out;
  },
});
