// SPDX-License-Identifier: MIT
/**
 * kiln.nn.functional: the stateless forms of the layers (PyTorch's torch.nn.functional), plus
 * the losses (from functional-loss.ts). Each is a composition of kiln ops, so gradients come
 * from the ops' own backward formulas; none of these has a backward of its own.
 */
import { isGradEnabled, noGrad } from '../autograd/grad-mode';
import { where } from '../ops/elementwise';
import { DTypeError, KilnError, ShapeError } from '../errors';
import { isFloating } from '../tensor/dtype';
import { Tensor } from '../tensor/tensor';
import { add, div, elu, gelu, leakyRelu, mul, ne, relu, rsqrt, sigmoid, silu, softplus, square, sub, tanh } from '../ops/math';
import { logSoftmax, softmax, sum } from '../ops/reduce';
import { matmul } from '../ops/matmul';
import { flatten, reshape, t, unflatten, unsqueeze } from '../ops/views';
import { indexSelect, oneHot } from '../ops/indexing';
import { bernoulli, Generator } from '../ops/random';

export * from './functional-loss';
export { relu, leakyRelu, gelu, silu, elu, sigmoid, tanh, softplus, softmax, logSoftmax, flatten, unflatten, oneHot };

function fmt(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/**
 * y = x W^T + b, for x of shape [..., inFeatures] and W of shape [outFeatures, inFeatures].
 *
 * @example
 * F.linear(kiln.ones([2, 3]), kiln.ones([4, 3])); // [2, 4], all 3
 */
export function linear(input: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  if (weight.ndim !== 2) throw new ShapeError(`linear: weight must be 2-D [outFeatures, inFeatures], got shape ${fmt(weight.shape)}`);
  if (input.ndim === 0 || input.shape[input.ndim - 1] !== weight.shape[1])
    throw new ShapeError(`linear: input shape ${fmt(input.shape)} cannot be multiplied with weight of shape ${fmt(weight.shape)} (expected last dim ${weight.shape[1]})`);
  const y = matmul(input, t(weight));
  return bias ? add(y, bias) : y;
}

/**
 * y[..., o] = sum_ij x1[..., i] W[o, i, j] x2[..., j] + b[o].
 */
export function bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  if (weight.ndim !== 3) throw new ShapeError(`bilinear: weight must be 3-D [out, in1, in2], got shape ${fmt(weight.shape)}`);
  const [O, I, J] = weight.shape;
  const lead = input1.shape.slice(0, -1);
  if (input1.ndim === 0 || input1.shape[input1.ndim - 1] !== I || input2.ndim !== input1.ndim || input2.shape[input2.ndim - 1] !== J || input2.shape.slice(0, -1).some((s, i) => s !== lead[i]))
    throw new ShapeError(`bilinear: inputs of shapes ${fmt(input1.shape)} and ${fmt(input2.shape)} do not match weight ${fmt(weight.shape)} (expected [..., ${I}] and [..., ${J}] with equal leading dims)`);
  const n = lead.reduce((a, b) => a * b, 1);
  // Two broadcast matmuls: [n,1,1,I] @ [O,I,J] -> [n,O,1,J], then @ [n,1,J,1] -> [n,O,1,1].
  const u = matmul(reshape(input1, [n, 1, 1, I]), weight);
  const y = reshape(matmul(u, reshape(input2, [n, 1, J, 1])), [...lead, O]);
  return bias ? add(y, bias) : y;
}

function checkProbability(op: string, p: number): void {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new KilnError(`${op}: dropout probability has to be between 0 and 1, but got ${p}`);
}

/**
 * Zeroes each element with probability p and scales the rest by 1/(1-p), in training;
 * the identity otherwise. The mask comes from `generator` (default: kiln's default generator).
 */
export function dropout(input: Tensor, p = 0.5, training = true, generator?: Generator): Tensor {
  checkProbability('dropout', p);
  if (!isFloating(input.dtype)) throw new DTypeError(`dropout: expected a floating point input, got ${input.dtype}`);
  if (!training || p === 0) return input;
  if (p === 1) return mul(input, 0);
  // Same order as PyTorch: the mask is scaled first, then multiplied in (one recorded op).
  const noise = noGrad(() => div(bernoulli(input, 1 - p, { generator }), 1 - p));
  return mul(input, noise);
}

export interface EmbeddingOptions {
  /** Rows at this index get no gradient (their values are returned as stored). */
  paddingIdx?: number | null;
}

/** Rows of `weight` ([numEmbeddings, dim]) at the integer `input` indices: shape [...input.shape, dim]. */
export function embedding(input: Tensor, weight: Tensor, opts: EmbeddingOptions = {}): Tensor {
  if (input.dtype !== 'int64' && input.dtype !== 'int32')
    throw new DTypeError(`embedding: expected indices of dtype int64 or int32, got ${input.dtype}`);
  if (weight.ndim !== 2) throw new ShapeError(`embedding: weight must be 2-D [numEmbeddings, embeddingDim], got shape ${fmt(weight.shape)}`);
  const flat = reshape(input, [input.numel()]);
  let rows = indexSelect(weight, 0, flat);
  const pad = opts.paddingIdx ?? null;
  if (pad !== null && weight.requiresGrad && isGradEnabled()) {
    const p = normalizePaddingIdx(pad, weight.shape[0]);
    // Same values, but the padding positions are taken from a detached copy, so the padding
    // row gets no gradient (PyTorch's embedding backward skips it).
    rows = where(unsqueeze(ne(flat, p), 1), rows, rows.detach());
  }
  return reshape(rows, [...input.shape, weight.shape[1]]);
}

function normalizePaddingIdx(paddingIdx: number, numEmbeddings: number): number {
  if (!Number.isInteger(paddingIdx) || paddingIdx >= numEmbeddings || paddingIdx < -numEmbeddings)
    throw new KilnError(`embedding: paddingIdx must be within [-${numEmbeddings}, ${numEmbeddings}), got ${paddingIdx}`);
  return paddingIdx < 0 ? paddingIdx + numEmbeddings : paddingIdx;
}

export interface LayerNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  eps?: number;
}

/**
 * Normalizes over the trailing dims given by `normalizedShape` (biased variance), then scales
 * by weight and shifts by bias when given.
 */
export function layerNorm(input: Tensor, normalizedShape: number | readonly number[], opts: LayerNormOptions = {}): Tensor {
  const shape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
  const k = shape.length;
  const trailing = input.shape.slice(input.ndim - k);
  if (k === 0 || input.ndim < k || trailing.some((s, i) => s !== shape[i]))
    throw new ShapeError(`layerNorm: given normalizedShape=${fmt(shape)}, expected input with shape [*, ${shape.join(', ')}], but got input of size ${fmt(input.shape)}`);
  const eps = opts.eps ?? 1e-5;
  const dims = shape.map((_, i) => input.ndim - k + i);
  const n = shape.reduce((a, b) => a * b, 1);
  const centered = sub(input, div(sum(input, dims, { keepdim: true }), n));
  const variance = div(sum(square(centered), dims, { keepdim: true }), n);
  let y = mul(centered, rsqrt(add(variance, eps)));
  if (opts.weight) y = mul(y, opts.weight);
  if (opts.bias) y = add(y, opts.bias);
  return y;
}

export interface BatchNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  /** Use batch statistics (and update the running ones when given); default false. */
  training?: boolean;
  /** Weight of the new batch in the running statistics; default 0.1. */
  momentum?: number;
  eps?: number;
}

/** A per-channel vector [C] shaped to broadcast against [N, C, *] input. */
function perChannel(v: Tensor, ndim: number): Tensor {
  return ndim <= 2 ? v : reshape(v, [v.numel(), ...new Array<number>(ndim - 2).fill(1)]);
}

/**
 * Batch normalization over input [N, C, *] per channel C. In training, normalizes with the
 * batch's mean and biased variance and, when running statistics are given, updates them in
 * place: running = (1 - momentum) running + momentum batch, with the unbiased variance (as
 * PyTorch). Otherwise normalizes with the running statistics.
 */
export function batchNorm(input: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, opts: BatchNormOptions = {}): Tensor {
  const training = opts.training ?? false;
  const momentum = opts.momentum ?? 0.1;
  const eps = opts.eps ?? 1e-5;
  if (input.ndim < 2) throw new ShapeError(`batchNorm: expected input of shape [N, C, *], got ${fmt(input.shape)}`);
  const C = input.shape[1];
  for (const [what, v] of [['runningMean', runningMean], ['runningVar', runningVar], ['weight', opts.weight], ['bias', opts.bias]] as const)
    if (v && v.numel() !== C) throw new ShapeError(`batchNorm: ${what} should contain ${C} elements, not ${v.numel()}`);
  let y: Tensor;
  if (training) {
    const count = input.numel() / C;
    if (count <= 1) throw new KilnError(`batchNorm: expected more than 1 value per channel when training, got input size ${fmt(input.shape)}`);
    const dims = input.shape.map((_, i) => i).filter((i) => i !== 1);
    const mean = div(sum(input, dims, { keepdim: true }), count);
    const centered = sub(input, mean);
    const variance = div(sum(square(centered), dims, { keepdim: true }), count);
    y = mul(centered, rsqrt(add(variance, eps)));
    if (runningMean || runningVar)
      noGrad(() => {
        if (runningMean) runningMean.mul_(1 - momentum).add_(reshape(mean, [C]), { alpha: momentum });
        if (runningVar) runningVar.mul_(1 - momentum).add_(reshape(variance, [C]), { alpha: (momentum * count) / (count - 1) });
      });
  } else {
    if (!runningMean || !runningVar) throw new KilnError('batchNorm: runningMean and runningVar must be given when training is false');
    y = mul(sub(input, perChannel(runningMean, input.ndim)), rsqrt(add(perChannel(runningVar, input.ndim), eps)));
  }
  if (opts.weight) y = mul(y, perChannel(opts.weight, input.ndim));
  if (opts.bias) y = add(y, perChannel(opts.bias, input.ndim));
  return y;
}
