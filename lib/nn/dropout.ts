// SPDX-License-Identifier: MIT
/** Dropout: random zeroing in training mode, identity in evaluation mode. */
import { KilnError } from '../errors';
import { Tensor } from '../tensor/tensor';
import { Generator } from '../ops/random';
import { dropout } from './functional';
import { Module } from './module';
import { pyFloat } from './repr';

/**
 * In training, zeroes each element with probability p and scales the others by 1/(1-p), so
 * the expected value is unchanged; in eval mode returns the input. Masks are drawn from
 * `generator` when given (an independent, reproducible stream), else from kiln's default one.
 *
 * @example
 * const drop = new nn.Dropout(0.2, { generator: new kiln.Generator(0) });
 * drop.call(x);         // training: about 20% zeros, the rest x / 0.8
 * drop.eval().call(x);  // x
 */
export class Dropout extends Module {
  readonly generator: Generator | undefined;

  constructor(
    readonly p = 0.5,
    opts: { generator?: Generator } = {},
  ) {
    super();
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new KilnError(`Dropout: dropout probability has to be between 0 and 1, but got ${p}`);
    this.generator = opts.generator;
  }

  forward(input: Tensor): Tensor {
    return dropout(input, this.p, this.training, this.generator);
  }

  override extraRepr(): string {
    return `p=${pyFloat(this.p)}, inplace=False`;
  }
}
