// SPDX-License-Identifier: MIT
/** Pure shape arithmetic: strides, broadcasting, dim normalization, view strides. */
import { IndexError, ShapeError } from '../errors';

export type Shape = readonly number[];

export function numelOf(shape: Shape): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = acc;
    acc *= Math.max(shape[i], 1);
  }
  return strides;
}

export function fmtShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

export function sameShape(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Numpy/PyTorch broadcasting of any number of shapes; `op` names the caller in errors. */
export function broadcastShapes(op: string, ...shapes: Shape[]): number[] {
  let rank = 0;
  for (const s of shapes) rank = Math.max(rank, s.length);
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const j = rank - s.length + i;
      const size = s[i];
      if (size === out[j] || size === 1) continue;
      if (out[j] === 1) out[j] = size;
      else
        throw new ShapeError(
          `${op}: shapes ${shapes.map(fmtShape).join(' and ')} cannot be broadcast together ` +
            `(size ${out[j]} vs ${size} at dimension ${j - rank})`,
        );
    }
  }
  return out;
}

/** Wraps a possibly negative dim into [0, ndim); 0-d tensors accept -1 and 0 as PyTorch does. */
export function normalizeDim(dim: number, ndim: number, op: string): number {
  const n = Math.max(ndim, 1);
  if (!Number.isInteger(dim) || dim < -n || dim >= n)
    throw new IndexError(`${op}: dimension out of range (expected to be in range of [${-n}, ${n - 1}], but got ${dim})`);
  return dim < 0 ? dim + n : dim;
}

/** Normalizes a list of dims, rejecting repeats. */
export function normalizeDims(dims: readonly number[], ndim: number, op: string): number[] {
  const out = dims.map((d) => normalizeDim(d, ndim, op));
  if (new Set(out).size !== out.length) throw new IndexError(`${op}: dim ${dims.join(', ')} appears more than once in the list of dims`);
  return out;
}

/**
 * Resolves one -1 in a requested shape against `numel`, checking sizes are valid.
 */
export function inferShape(shape: readonly number[], numel: number, op: string): number[] {
  let inferred = -1;
  let known = 1;
  for (let i = 0; i < shape.length; i++) {
    const s = shape[i];
    if (s === -1) {
      if (inferred >= 0) throw new ShapeError(`${op}: only one dimension can be inferred (-1) in ${fmtShape(shape)}`);
      inferred = i;
    } else if (!Number.isInteger(s) || s < 0) {
      throw new ShapeError(`${op}: invalid size ${s} in shape ${fmtShape(shape)}`);
    } else known *= s;
  }
  const out = shape.slice();
  if (inferred >= 0) {
    if (known === 0 || numel % known !== 0)
      throw new ShapeError(`${op}: shape ${fmtShape(shape)} is invalid for input of size ${numel}`);
    out[inferred] = numel / known;
  } else if (known !== numel) {
    throw new ShapeError(`${op}: shape ${fmtShape(shape)} is invalid for input of size ${numel}`);
  }
  return out;
}

/**
 * Strides that let `newShape` view memory laid out as (oldShape, oldStrides), or null when
 * no such view exists (PyTorch's computeStride): dims are grouped into chunks that are
 * contiguous with each other in memory, and each chunk must map onto whole new dims.
 */
export function viewStrides(oldShape: Shape, oldStrides: Shape, newShape: Shape): number[] | null {
  const numel = numelOf(oldShape);
  if (numel === 0) return contiguousStrides(newShape);
  const newStrides = new Array<number>(newShape.length).fill(0);
  if (oldShape.length === 0) return newShape.map(() => 1);
  let viewD = newShape.length - 1;
  let chunkBaseStride = oldStrides[oldStrides.length - 1];
  let tensorNumel = 1;
  let viewNumel = 1;
  for (let tensorD = oldShape.length - 1; tensorD >= 0; tensorD--) {
    tensorNumel *= oldShape[tensorD];
    if (tensorD === 0 || (oldShape[tensorD - 1] !== 1 && oldStrides[tensorD - 1] !== tensorNumel * chunkBaseStride)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] === 1)) {
        newStrides[viewD] = viewNumel * chunkBaseStride;
        viewNumel *= newShape[viewD];
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (tensorD > 0) {
        chunkBaseStride = oldStrides[tensorD - 1];
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  if (viewD !== -1) return null;
  return newStrides;
}
