// SPDX-License-Identifier: MIT
/** Helpers shared by backward formulas. */
import { AutogradError } from '../errors';
import { Tensor } from '../tensor/tensor';
import { sum } from './reduce';
import { reshape } from './views';

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
  const reduced = dims.length ? sum(grad, dims, { keepdim: true }) : grad;
  return reduced.ndim === shape.length && reduced.shape.every((s, i) => s === shape[i]) ? reduced : reshape(reduced, shape);
}
