// SPDX-License-Identifier: MIT
/** Linear, Bilinear and Identity layers, initialized exactly as PyTorch initializes them. */
import { KilnError } from '../errors';
import { DeviceLike } from '../tensor/device';
import { DType } from '../tensor/dtype';
import { Tensor } from '../tensor/tensor';
import { empty } from '../ops/creation';
import { Generator } from '../ops/random';
import * as F from './functional';
import { InitOptions, kaimingUniform_, uniform_ } from './init';
import { Module } from './module';
import { Parameter } from './parameter';
import { pyBool } from './repr';

/** Where and how a layer creates its parameters. */
export interface FactoryOptions {
  dtype?: DType;
  device?: DeviceLike;
  /** Random stream for the initial values (default: kiln's default generator). */
  generator?: Generator;
}

export function checkSize(layer: string, what: string, n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new KilnError(`${layer}: ${what} must be a non-negative integer, got ${n}`);
}

/**
 * y = x W^T + b. Weight [outFeatures, inFeatures] is initialized with kaimingUniform_(a =
 * sqrt(5)), i.e. U(-1/sqrt(inFeatures), 1/sqrt(inFeatures)), and so is the bias.
 *
 * @example
 * const fc = new nn.Linear(4, 8);
 * fc.call(kiln.randn([5, 4])).shape; // [5, 8]
 */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  weight: Tensor;
  bias: Tensor | null;

  constructor(inFeatures: number, outFeatures: number, opts: FactoryOptions & { bias?: boolean } = {}) {
    super();
    checkSize('Linear', 'inFeatures', inFeatures);
    checkSize('Linear', 'outFeatures', outFeatures);
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    const factory = { dtype: opts.dtype, device: opts.device };
    this.weight = Parameter(empty([outFeatures, inFeatures], factory));
    this.bias = opts.bias ?? true ? Parameter(empty([outFeatures], factory)) : null;
    this.resetParameters(opts);
  }

  /** Re-draws the parameters with the default initialization. */
  resetParameters(opts: InitOptions = {}): void {
    kaimingUniform_(this.weight, { a: Math.sqrt(5), generator: opts.generator });
    if (this.bias) {
      const bound = this.inFeatures > 0 ? 1 / Math.sqrt(this.inFeatures) : 0;
      uniform_(this.bias, -bound, bound, opts);
    }
  }

  forward(input: Tensor): Tensor {
    return F.linear(input, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${pyBool(this.bias !== null)}`;
  }
}

/**
 * y = x1^T A x2 + b with weight [outFeatures, in1Features, in2Features]; weight and bias are
 * initialized U(-1/sqrt(in1Features), 1/sqrt(in1Features)), as in PyTorch.
 *
 * @example
 * const bl = new nn.Bilinear(2, 3, 4);
 * bl.call(kiln.randn([5, 2]), kiln.randn([5, 3])).shape; // [5, 4]
 */
export class Bilinear extends Module {
  readonly in1Features: number;
  readonly in2Features: number;
  readonly outFeatures: number;
  weight: Tensor;
  bias: Tensor | null;

  constructor(in1Features: number, in2Features: number, outFeatures: number, opts: FactoryOptions & { bias?: boolean } = {}) {
    super();
    checkSize('Bilinear', 'in1Features', in1Features);
    checkSize('Bilinear', 'in2Features', in2Features);
    checkSize('Bilinear', 'outFeatures', outFeatures);
    this.in1Features = in1Features;
    this.in2Features = in2Features;
    this.outFeatures = outFeatures;
    const factory = { dtype: opts.dtype, device: opts.device };
    this.weight = Parameter(empty([outFeatures, in1Features, in2Features], factory));
    this.bias = opts.bias ?? true ? Parameter(empty([outFeatures], factory)) : null;
    this.resetParameters(opts);
  }

  resetParameters(opts: InitOptions = {}): void {
    const bound = this.in1Features > 0 ? 1 / Math.sqrt(this.in1Features) : 0;
    uniform_(this.weight, -bound, bound, opts);
    if (this.bias) uniform_(this.bias, -bound, bound, opts);
  }

  forward(input1: Tensor, input2: Tensor): Tensor {
    return F.bilinear(input1, input2, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `in1_features=${this.in1Features}, in2_features=${this.in2Features}, out_features=${this.outFeatures}, bias=${pyBool(this.bias !== null)}`;
  }
}

/**
 * Returns its input unchanged (a placeholder, e.g. to switch off a layer).
 *
 * @example
 * new nn.Identity().call(x) === x; // true
 */
export class Identity extends Module {
  forward(input: Tensor): Tensor {
    return input;
  }
}
