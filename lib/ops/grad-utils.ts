// SPDX-License-Identifier: MIT
/**
 * Helpers shared by backward formulas. They are written with kiln ops, so that formulas
 * built on them run on any device and can themselves be differentiated (createGraph).
 */
import { AutogradError } from '../errors';
import { Tensor } from '../tensor/tensor';
import { arange } from './creation';
import { indexAdd, indexSelect } from './indexing';
import { sum } from './reduce';
import { reshape, unsqueeze } from './views';

/**
 * Reduces a broadcast gradient back to `shape`: sums the leading dims the input lacked and
 * the dims where the input had size 1. The one place broadcasting is undone.
 */
export function sumToShape(grad: Tensor, shape: readonly number[]): Tensor {
  if (grad.shape.length === shape.length && grad.shape.every((s, i) => s === shape[i])) return grad;
  const lead = grad.ndim - shape.length;
  const dims: number[] = [];
  for (let i = 0; i < grad.ndim; i++) {
    if (i < lead || (shape[i - lead] === 1 && grad.shape[i] !== 1)) dims.push(i);
  }
  if (lead < 0 || shape.some((s, i) => s !== 1 && s !== grad.shape[i + lead]))
    throw new AutogradError(`backward: gradient of shape [${grad.shape.join(', ')}] does not broadcast from the input's shape [${shape.join(', ')}]`);
  // Leading dims only (a bias broadcast over a batch): a plain sum gives the shape itself.
  if (dims.every((d) => d < lead) && grad.ndim - dims.length === shape.length) return sum(grad, dims);
  const reduced = dims.length ? sum(grad, dims, { keepdim: true }) : grad;
  return reduced.ndim === shape.length && reduced.shape.every((s, i) => s === shape[i]) ? reduced : reshape(reduced, shape);
}

/** The permutation that undoes `perm`. */
export function inversePermutation(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}

/** Zeros of `shape` with the dtype and device of `like` (fresh allocations are zero-filled). */
export function zerosFor(shape: readonly number[], like: Tensor): Tensor {
  return Tensor.empty(shape, like.dtype, like.device);
}

/** Int64 positions start, start + step, ... below stop, on the device of `like`. */
export function positions(start: number, stop: number, step: number, like: Tensor): Tensor {
  return arange(start, stop, step, { dtype: 'int64', device: like.device });
}

/** `x` reversed along `dim` (a copy, since strides are never negative). */
export function flip(x: Tensor, dim: number): Tensor {
  if (x.ndim === 0) return x;
  const n = x.shape[dim < 0 ? dim + x.ndim : dim];
  return indexSelect(x, dim, positions(n - 1, -1, -1, x));
}

/**
 * The gradient of a slice: zeros of the input's `shape` with `g` added at `index` along
 * `dim` (narrow, select and strided slices). Built with indexAdd, so it is differentiable in g.
 */
export function embedSlice(g: Tensor, shape: readonly number[], dim: number, index: Tensor): Tensor {
  return indexAdd(zerosFor(shape, g), dim, index, g);
}

/** The gradient of select(x, dim, i): g placed in slice i of zeros shaped like x. */
export function embedSelect(g: Tensor, shape: readonly number[], dim: number, i: number): Tensor {
  return embedSlice(unsqueeze(g, dim), shape, dim, positions(i, i + 1, 1, g));
}
