// SPDX-License-Identifier: MIT
/**
 * kiln.nn.init: in-place initializers with PyTorch's formulas (torch.nn.init). Each fills its
 * tensor under noGrad (so parameters can be initialized) from kiln's random ops, with an
 * optional {generator} for a reproducible, independent stream, and returns the tensor.
 */
import { noGrad } from '../autograd/grad-mode';
import { KilnError, ShapeError } from '../errors';
import { Tensor } from '../tensor/tensor';
import { add, mul } from '../ops/math';
import { rand, randn, Generator, RandomOptions } from '../ops/random';

export interface InitOptions {
  generator?: Generator;
}

export type Nonlinearity =
  | 'linear' | 'conv1d' | 'conv2d' | 'conv3d' | 'conv_transpose1d' | 'conv_transpose2d' | 'conv_transpose3d'
  | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'selu';

/** Writes `make()` into `t` in place, without recording, and frees the temporary. */
function fillFrom(t: Tensor, make: () => Tensor): Tensor {
  if (t.numel() === 0) return t;
  noGrad(() => {
    const src = make();
    t.copy_(src);
    src.dispose();
  });
  return t;
}

/** U(a, b). */
export function uniform_(t: Tensor, a = 0, b = 1, opts: InitOptions = {}): Tensor {
  return fillFrom(t, () => add(mul(rand(t.shape, randomOptions(t, opts)), b - a), a));
}

/** N(mean, std^2). */
export function normal_(t: Tensor, mean = 0, std = 1, opts: InitOptions = {}): Tensor {
  return fillFrom(t, () => add(mul(randn(t.shape, randomOptions(t, opts)), std), mean));
}

/** Fills with `value`. */
export function constant_(t: Tensor, value: number): Tensor {
  noGrad(() => t.fill_(value));
  return t;
}

export function zeros_(t: Tensor): Tensor {
  return constant_(t, 0);
}

export function ones_(t: Tensor): Tensor {
  return constant_(t, 1);
}

/** Samples in the tensor's float dtype (float32 for integer tensors), from the chosen stream. */
function randomOptions(t: Tensor, opts: InitOptions): RandomOptions {
  // rand/randn accept {generator} at run time; their declared shape-args type omits it.
  return { dtype: t.dtype === 'float64' ? 'float64' : 'float32', generator: opts.generator };
}

/**
 * PyTorch's recommended gain for a nonlinearity: 1 for linear/conv/sigmoid, 5/3 for tanh,
 * sqrt(2) for relu, sqrt(2 / (1 + slope^2)) for leaky_relu (slope `param`, default 0.01),
 * 3/4 for selu.
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear':
    case 'conv1d':
    case 'conv2d':
    case 'conv3d':
    case 'conv_transpose1d':
    case 'conv_transpose2d':
    case 'conv_transpose3d':
    case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leaky_relu': {
      const slope = param ?? 0.01;
      if (typeof slope !== 'number' || Number.isNaN(slope)) throw new KilnError(`calculateGain: negative_slope ${String(param)} is not a valid number`);
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
    default:
      throw new KilnError(`calculateGain: unsupported nonlinearity ${JSON.stringify(nonlinearity)}`);
  }
}

/** fan_in = size(1) * receptive field, fan_out = size(0) * receptive field (receptive field = product of dims 2..). */
export function calculateFanInAndFanOut(t: Tensor): { fanIn: number; fanOut: number } {
  if (t.ndim < 2) throw new ShapeError(`fan in and fan out can not be computed for a tensor with fewer than 2 dimensions (shape [${t.shape.join(', ')}])`);
  const receptive = t.shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: t.shape[1] * receptive, fanOut: t.shape[0] * receptive };
}

/** Glorot uniform: U(-a, a) with a = gain sqrt(6 / (fan_in + fan_out)). */
export function xavierUniform_(t: Tensor, gain = 1, opts: InitOptions = {}): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  const a = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform_(t, -a, a, opts);
}

/** Glorot normal: N(0, std^2) with std = gain sqrt(2 / (fan_in + fan_out)). */
export function xavierNormal_(t: Tensor, gain = 1, opts: InitOptions = {}): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  return normal_(t, 0, gain * Math.sqrt(2 / (fanIn + fanOut)), opts);
}

export interface KaimingOptions extends InitOptions {
  /** Negative slope of the following leaky_relu (used when nonlinearity is 'leaky_relu'); default 0. */
  a?: number;
  /** Preserve the variance of activations ('fan_in', default) or of gradients ('fan_out'). */
  mode?: 'fan_in' | 'fan_out';
  nonlinearity?: Nonlinearity;
}

function kaimingStd(t: Tensor, opts: KaimingOptions): number {
  const mode = opts.mode ?? 'fan_in';
  if (mode !== 'fan_in' && mode !== 'fan_out') throw new KilnError(`kaiming init: mode ${JSON.stringify(mode)} not supported, please use one of 'fan_in', 'fan_out'`);
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  const fan = mode === 'fan_in' ? fanIn : fanOut;
  return calculateGain(opts.nonlinearity ?? 'leaky_relu', opts.a ?? 0) / Math.sqrt(fan);
}

/** He uniform: U(-b, b) with b = gain sqrt(3 / fan). */
export function kaimingUniform_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  if (t.numel() === 0) return t;
  const bound = Math.sqrt(3) * kaimingStd(t, opts);
  return uniform_(t, -bound, bound, opts);
}

/** He normal: N(0, std^2) with std = gain / sqrt(fan). */
export function kaimingNormal_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  if (t.numel() === 0) return t;
  return normal_(t, 0, kaimingStd(t, opts), opts);
}
