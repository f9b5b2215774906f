// SPDX-License-Identifier: MIT
/** LayerNorm and BatchNorm1d. */
import { noGrad } from '../autograd/grad-mode';
import { KilnError, ShapeError } from '../errors';
import { Tensor } from '../tensor/tensor';
import { empty, tensor, zeros } from '../ops/creation';
import { batchNorm, layerNorm } from './functional';
import { ones_, zeros_ } from './init';
import { checkSize, FactoryOptions } from './linear';
import { Module } from './module';
import { Parameter } from './parameter';
import { pyBool, pyFloat, pyOptionalFloat, pyTuple } from './repr';

type Factory = Omit<FactoryOptions, 'generator'>;

export interface LayerNormLayerOptions extends Factory {
  eps?: number;
  /** Learnable per-element weight (ones) and bias (zeros); default true. */
  elementwiseAffine?: boolean;
  /** With elementwiseAffine, whether to learn the bias; default true. */
  bias?: boolean;
}

/**
 * Normalizes over the trailing `normalizedShape` dims with the biased variance, then applies
 * the elementwise affine weight (ones) and bias (zeros).
 *
 * @example
 * const ln = new nn.LayerNorm(8);
 * ln.call(kiln.randn([4, 8])); // each row: mean 0, variance 1
 */
export class LayerNorm extends Module {
  readonly normalizedShape: readonly number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;
  weight: Tensor | null = null;
  bias: Tensor | null = null;

  constructor(normalizedShape: number | readonly number[], opts: LayerNormLayerOptions = {}) {
    super();
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    for (const s of this.normalizedShape) checkSize('LayerNorm', 'normalizedShape', s);
    this.eps = opts.eps ?? 1e-5;
    this.elementwiseAffine = opts.elementwiseAffine ?? true;
    if (this.elementwiseAffine) {
      const factory = { dtype: opts.dtype, device: opts.device };
      this.weight = Parameter(empty(this.normalizedShape, factory));
      if (opts.bias ?? true) this.bias = Parameter(empty(this.normalizedShape, factory));
    }
    this.resetParameters();
  }

  resetParameters(): void {
    if (this.weight) ones_(this.weight);
    if (this.bias) zeros_(this.bias);
  }

  forward(input: Tensor): Tensor {
    return layerNorm(input, this.normalizedShape, { weight: this.weight, bias: this.bias, eps: this.eps });
  }

  override extraRepr(): string {
    return `${pyTuple(this.normalizedShape)}, eps=${pyFloat(this.eps)}, elementwise_affine=${pyBool(this.elementwiseAffine)}`;
  }
}

export interface BatchNormLayerOptions extends Factory {
  eps?: number;
  /** Weight of each new batch in the running statistics (default 0.1); null for a cumulative average. */
  momentum?: number | null;
  /** Learnable per-channel weight (ones) and bias (zeros); default true. */
  affine?: boolean;
  /** Keep running mean/variance for eval mode; default true. */
  trackRunningStats?: boolean;
}

/**
 * Batch normalization over [N, C] or [N, C, L] input, per channel C. In training it uses
 * the batch mean and biased variance, and updates the buffers running_mean / running_var
 * (with the unbiased variance, as PyTorch) and num_batches_tracked; in eval mode it uses the
 * running statistics. The buffers keep PyTorch's names, so state dicts share keys with it
 * ('bn.running_mean'); runningMean / runningVar / numBatchesTracked read them too.
 *
 * @example
 * const bn = new nn.BatchNorm1d(4);
 * bn.call(kiln.randn([8, 4]));   // normalized with the batch statistics
 * bn.eval().call(kiln.randn([2, 4])); // normalized with the running statistics
 */
export class BatchNorm1d extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  weight: Tensor | null = null;
  bias: Tensor | null = null;
  declare running_mean: Tensor | null;
  declare running_var: Tensor | null;
  declare num_batches_tracked: Tensor | null;

  constructor(numFeatures: number, opts: BatchNormLayerOptions = {}) {
    super();
    checkSize('BatchNorm1d', 'numFeatures', numFeatures);
    this.numFeatures = numFeatures;
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum === undefined ? 0.1 : opts.momentum;
    this.affine = opts.affine ?? true;
    this.trackRunningStats = opts.trackRunningStats ?? true;
    const factory = { dtype: opts.dtype, device: opts.device };
    if (this.affine) {
      this.weight = Parameter(empty([numFeatures], factory));
      this.bias = Parameter(empty([numFeatures], factory));
    }
    if (this.trackRunningStats) {
      this.registerBuffer('running_mean', zeros([numFeatures], factory));
      this.registerBuffer('running_var', empty([numFeatures], factory));
      this.registerBuffer('num_batches_tracked', tensor(0, { dtype: 'int64', device: opts.device }));
    } else {
      this.registerBuffer('running_mean', null);
      this.registerBuffer('running_var', null);
      this.registerBuffer('num_batches_tracked', null);
    }
    this.resetParameters();
  }

  get runningMean(): Tensor | null {
    return this.running_mean;
  }

  get runningVar(): Tensor | null {
    return this.running_var;
  }

  get numBatchesTracked(): Tensor | null {
    return this.num_batches_tracked;
  }

  /** Running mean 0, running variance 1, no batches seen. */
  resetRunningStats(): void {
    if (this.running_mean) zeros_(this.running_mean);
    if (this.running_var) ones_(this.running_var);
    if (this.num_batches_tracked) zeros_(this.num_batches_tracked);
  }

  resetParameters(): void {
    this.resetRunningStats();
    if (this.weight) ones_(this.weight);
    if (this.bias) zeros_(this.bias);
  }

  forward(input: Tensor): Tensor {
    if (input.ndim !== 2 && input.ndim !== 3) throw new ShapeError(`BatchNorm1d: expected 2D or 3D input (got ${input.ndim}D input)`);
    if (input.shape[1] !== this.numFeatures)
      throw new ShapeError(`BatchNorm1d: expected input with ${this.numFeatures} channels in dim 1, got shape [${input.shape.join(', ')}]`);
    // PyTorch's exponential_average_factor: momentum, or 1/n for the cumulative average.
    let factor = this.momentum ?? 0;
    if (this.training && this.trackRunningStats && this.num_batches_tracked) {
      const counter = this.num_batches_tracked;
      noGrad(() => counter.add_(1));
      factor = this.momentum === null ? 1 / Number(counter.item()) : this.momentum;
    }
    const useBatchStats = this.training || (this.running_mean === null && this.running_var === null);
    const useRunning = !this.training || this.trackRunningStats;
    if (!useBatchStats && (this.running_mean === null || this.running_var === null))
      throw new KilnError('BatchNorm1d: running statistics are missing in eval mode');
    return batchNorm(input, useRunning ? this.running_mean : null, useRunning ? this.running_var : null, {
      weight: this.weight,
      bias: this.bias,
      training: useBatchStats,
      momentum: factor,
      eps: this.eps,
    });
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${pyOptionalFloat(this.momentum)}, affine=${pyBool(this.affine)}, track_running_stats=${pyBool(this.trackRunningStats)}`;
  }
}
