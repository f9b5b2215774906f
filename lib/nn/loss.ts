// SPDX-License-Identifier: MIT
/**
 * Loss modules: each holds its options (and, like PyTorch, its class weights as buffers named
 * 'weight' / 'pos_weight') and calls the functional form in functional-loss.ts.
 */
import { KilnError } from '../errors';
import { Tensor } from '../tensor/tensor';
import {
  binaryCrossEntropy, binaryCrossEntropyWithLogits, crossEntropy, huberLoss, klDiv, l1Loss, mseLoss, nllLoss, Reduction, smoothL1Loss,
} from './functional-loss';
import { Module } from './module';

function checkReduction(name: string, reduction: string, extra: readonly string[] = []): void {
  if (!['none', 'mean', 'sum', ...extra].includes(reduction))
    throw new KilnError(`${name}: ${JSON.stringify(reduction)} is not a valid value for reduction (expected ${['none', 'mean', 'sum', ...extra].map((r) => `'${r}'`).join(', ')})`);
}

/** Base of the losses: the reduction applied to the per-element losses. */
abstract class Loss extends Module {
  readonly reduction: Reduction;

  constructor(opts: { reduction?: Reduction }) {
    super();
    this.reduction = opts.reduction ?? 'mean';
    checkReduction(this.typeName(), this.reduction);
  }
}

/**
 * (input - target)^2, averaged by default.
 *
 * @example
 * new nn.MSELoss().call(kiln.tensor([1, 2]), kiln.tensor([1, 4])); // tensor(2.)
 */
export class MSELoss extends Loss {
  constructor(opts: { reduction?: Reduction } = {}) {
    super(opts);
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return mseLoss(input, target, { reduction: this.reduction });
  }
}

/**
 * |input - target|.
 *
 * @example
 * new nn.L1Loss({ reduction: 'sum' }).call(kiln.tensor([1, 2]), kiln.tensor([0, 4])); // tensor(3.)
 */
export class L1Loss extends Loss {
  constructor(opts: { reduction?: Reduction } = {}) {
    super(opts);
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return l1Loss(input, target, { reduction: this.reduction });
  }
}

/**
 * Quadratic below beta, linear above (see F.smoothL1Loss).
 *
 * @example
 * new nn.SmoothL1Loss({ beta: 0.5 }).call(pred, target);
 */
export class SmoothL1Loss extends Loss {
  readonly beta: number;

  constructor(opts: { reduction?: Reduction; beta?: number } = {}) {
    super(opts);
    this.beta = opts.beta ?? 1;
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return smoothL1Loss(input, target, { reduction: this.reduction, beta: this.beta });
  }
}

/**
 * Quadratic below delta, delta-scaled linear above (see F.huberLoss).
 *
 * @example
 * new nn.HuberLoss({ delta: 2 }).call(pred, target);
 */
export class HuberLoss extends Loss {
  readonly delta: number;

  constructor(opts: { reduction?: Reduction; delta?: number } = {}) {
    super(opts);
    this.delta = opts.delta ?? 1;
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return huberLoss(input, target, { reduction: this.reduction, delta: this.delta });
  }
}

export interface WeightedLossOptions {
  reduction?: Reduction;
  /** Per-class weights [C] (a buffer named 'weight'). */
  weight?: Tensor | null;
  /** Targets equal to this are skipped; default -100. */
  ignoreIndex?: number;
}

/**
 * Negative log likelihood over log-probabilities (see F.nllLoss).
 *
 * @example
 * new nn.NLLLoss().call(logProbs, kiln.tensor([0, 2], { dtype: 'int64' }));
 */
export class NLLLoss extends Loss {
  readonly ignoreIndex: number;
  declare weight: Tensor | null;

  constructor(opts: WeightedLossOptions = {}) {
    super(opts);
    this.ignoreIndex = opts.ignoreIndex ?? -100;
    this.registerBuffer('weight', opts.weight ?? null);
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return nllLoss(input, target, { reduction: this.reduction, weight: this.weight, ignoreIndex: this.ignoreIndex });
  }
}

/**
 * Cross-entropy of logits against class indices or class probabilities, with optional class
 * weights, ignored index and label smoothing (see F.crossEntropy).
 *
 * @example
 * const ce = new nn.CrossEntropyLoss({ labelSmoothing: 0.1 });
 * ce.call(logits, kiln.tensor([0, 2], { dtype: 'int64' }));
 */
export class CrossEntropyLoss extends Loss {
  readonly ignoreIndex: number;
  readonly labelSmoothing: number;
  declare weight: Tensor | null;

  constructor(opts: WeightedLossOptions & { labelSmoothing?: number } = {}) {
    super(opts);
    this.ignoreIndex = opts.ignoreIndex ?? -100;
    this.labelSmoothing = opts.labelSmoothing ?? 0;
    this.registerBuffer('weight', opts.weight ?? null);
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return crossEntropy(input, target, {
      reduction: this.reduction,
      weight: this.weight,
      ignoreIndex: this.ignoreIndex,
      labelSmoothing: this.labelSmoothing,
    });
  }
}

/**
 * Binary cross-entropy on probabilities in [0, 1] (see F.binaryCrossEntropy).
 *
 * @example
 * new nn.BCELoss().call(kiln.sigmoid(logits), targets);
 */
export class BCELoss extends Loss {
  declare weight: Tensor | null;

  constructor(opts: { reduction?: Reduction; weight?: Tensor | null } = {}) {
    super(opts);
    this.registerBuffer('weight', opts.weight ?? null);
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropy(input, target, { reduction: this.reduction, weight: this.weight });
  }
}

/**
 * Binary cross-entropy on logits, computed stably; posWeight weighs the positive class
 * (buffers 'weight' and 'pos_weight', as in PyTorch).
 *
 * @example
 * new nn.BCEWithLogitsLoss({ posWeight: kiln.tensor([3]) }).call(logits, targets);
 */
export class BCEWithLogitsLoss extends Loss {
  declare weight: Tensor | null;
  declare pos_weight: Tensor | null;

  constructor(opts: { reduction?: Reduction; weight?: Tensor | null; posWeight?: Tensor | null } = {}) {
    super(opts);
    this.registerBuffer('weight', opts.weight ?? null);
    this.registerBuffer('pos_weight', opts.posWeight ?? null);
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropyWithLogits(input, target, { reduction: this.reduction, weight: this.weight, posWeight: this.pos_weight });
  }
}

/**
 * KL divergence with log-probability input; reduction 'batchmean' gives the true KL per
 * sample (see F.klDiv).
 *
 * @example
 * new nn.KLDivLoss({ reduction: 'batchmean' }).call(kiln.logSoftmax(logits, 1), probs);
 */
export class KLDivLoss extends Module {
  readonly reduction: Reduction | 'batchmean';
  readonly logTarget: boolean;

  constructor(opts: { reduction?: Reduction | 'batchmean'; logTarget?: boolean } = {}) {
    super();
    this.reduction = opts.reduction ?? 'mean';
    checkReduction('KLDivLoss', this.reduction, ['batchmean']);
    this.logTarget = opts.logTarget ?? false;
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return klDiv(input, target, { reduction: this.reduction, logTarget: this.logTarget });
  }
}
