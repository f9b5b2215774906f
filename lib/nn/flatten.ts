// SPDX-License-Identifier: MIT
/** Flatten and Unflatten: reshaping layers for use inside Sequential. */
import { Tensor } from '../tensor/tensor';
import { flatten, unflatten } from '../ops/views';
import { Module } from './module';
import { pyTuple } from './repr';

/**
 * Flattens dims startDim..endDim (default 1..-1, keeping the batch dim).
 *
 * @example
 * new nn.Flatten().call(kiln.zeros([2, 3, 4])).shape; // [2, 12]
 */
export class Flatten extends Module {
  constructor(
    readonly startDim = 1,
    readonly endDim = -1,
  ) {
    super();
  }

  forward(input: Tensor): Tensor {
    return flatten(input, this.startDim, this.endDim);
  }

  override extraRepr(): string {
    return `start_dim=${this.startDim}, end_dim=${this.endDim}`;
  }
}

/**
 * Splits dim into `unflattenedSize` (one entry may be -1).
 *
 * @example
 * new nn.Unflatten(1, [2, 3]).call(kiln.zeros([4, 6])).shape; // [4, 2, 3]
 */
export class Unflatten extends Module {
  readonly unflattenedSize: readonly number[];

  constructor(
    readonly dim: number,
    unflattenedSize: readonly number[],
  ) {
    super();
    this.unflattenedSize = [...unflattenedSize];
  }

  forward(input: Tensor): Tensor {
    return unflatten(input, this.dim, this.unflattenedSize);
  }

  override extraRepr(): string {
    return `dim=${this.dim}, unflattened_size=${pyTuple(this.unflattenedSize)}`;
  }
}
