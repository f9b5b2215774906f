// SPDX-License-Identifier: MIT
/** Activation layers: thin modules over the elementwise ops and softmax. */
import { Tensor } from '../tensor/tensor';
import { elu, gelu, leakyRelu, relu, sigmoid, silu, tanh } from '../ops/math';
import { logSoftmax, softmax } from '../ops/reduce';
import { Module } from './module';
import { pyFloat } from './repr';

/**
 * max(x, 0).
 *
 * @example
 * new nn.ReLU().call(kiln.tensor([-1, 2])); // tensor([0., 2.])
 */
export class ReLU extends Module {
  forward(input: Tensor): Tensor {
    return relu(input);
  }
}

/**
 * x where x > 0, else negativeSlope * x.
 *
 * @example
 * new nn.LeakyReLU(0.1).call(kiln.tensor([-1, 2])); // tensor([-0.1000, 2.0000])
 */
export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) {
    super();
  }

  forward(input: Tensor): Tensor {
    return leakyRelu(input, this.negativeSlope);
  }

  override extraRepr(): string {
    return `negative_slope=${pyFloat(this.negativeSlope)}`;
  }
}

/**
 * x * Phi(x), exact or with the tanh approximation.
 *
 * @example
 * new nn.GELU({ approximate: 'tanh' }).call(x);
 */
export class GELU extends Module {
  readonly approximate: 'none' | 'tanh';

  constructor(opts: { approximate?: 'none' | 'tanh' } = {}) {
    super();
    this.approximate = opts.approximate ?? 'none';
  }

  forward(input: Tensor): Tensor {
    return gelu(input, { approximate: this.approximate });
  }

  override extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}

/**
 * x * sigmoid(x) (also called swish).
 *
 * @example
 * new nn.SiLU().call(x);
 */
export class SiLU extends Module {
  forward(input: Tensor): Tensor {
    return silu(input);
  }
}

/**
 * x where x > 0, else alpha (exp(x) - 1).
 *
 * @example
 * new nn.ELU(0.5).call(x);
 */
export class ELU extends Module {
  constructor(readonly alpha = 1) {
    super();
  }

  forward(input: Tensor): Tensor {
    return elu(input, this.alpha);
  }

  override extraRepr(): string {
    return `alpha=${pyFloat(this.alpha)}`;
  }
}

/**
 * 1 / (1 + exp(-x)).
 *
 * @example
 * new nn.Sigmoid().call(kiln.zeros([2])); // tensor([0.5000, 0.5000])
 */
export class Sigmoid extends Module {
  forward(input: Tensor): Tensor {
    return sigmoid(input);
  }
}

/**
 * tanh(x).
 *
 * @example
 * new nn.Tanh().call(x);
 */
export class Tanh extends Module {
  forward(input: Tensor): Tensor {
    return tanh(input);
  }
}

/**
 * exp(x) / sum(exp(x)) along `dim` (required: PyTorch's implicit dim choice is deprecated).
 *
 * @example
 * new nn.Softmax(1).call(kiln.zeros([2, 4])); // every entry 0.25
 */
export class Softmax extends Module {
  constructor(readonly dim: number) {
    super();
  }

  forward(input: Tensor): Tensor {
    return softmax(input, this.dim);
  }

  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/**
 * log(softmax(x)) along `dim`, computed stably.
 *
 * @example
 * new nn.LogSoftmax(-1).call(logits);
 */
export class LogSoftmax extends Module {
  constructor(readonly dim: number) {
    super();
  }

  forward(input: Tensor): Tensor {
    return logSoftmax(input, this.dim);
  }

  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}
