// SPDX-License-Identifier: MIT
/**
 * Loss functions (the functional forms; loss.ts wraps them as modules), with PyTorch's
 * formulas, reductions and conventions for weights and ignored targets. Each is a composition
 * of kiln ops; the formulas are chosen to stay finite for extreme logits (log-softmax for
 * cross-entropy, a log1p(exp(-|x|)) form for BCE with logits).
 */
import { DTypeError, IndexError, KilnError, ShapeError } from '../errors';
import { isFloating } from '../tensor/dtype';
import { Tensor } from '../tensor/tensor';
import { abs, add, clamp, div, eq, exp, ge, gt, log, log1p, logicalAnd, logicalNot, logicalOr, lt, mul, neg, square, sub } from '../ops/math';
import { where } from '../ops/elementwise';
import { any, logSoftmax, sum } from '../ops/reduce';
import { gather, indexSelect, maskedSelect } from '../ops/indexing';
import { reshape, squeeze, unsqueeze } from '../ops/views';
import { to } from '../ops/convert';

/** How per-element losses are combined: kept ('none'), summed, or averaged. */
export type Reduction = 'none' | 'mean' | 'sum';

function fmt(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

function reduce(op: string, loss: Tensor, reduction: Reduction): Tensor {
  switch (reduction) {
    case 'none':
      return loss;
    case 'sum':
      return sum(loss);
    case 'mean':
      return div(sum(loss), loss.numel());
    default:
      throw new KilnError(`${op}: ${JSON.stringify(reduction)} is not a valid value for reduction (expected 'none', 'mean' or 'sum')`);
  }
}

function sameShape(op: string, input: Tensor, target: Tensor): void {
  if (input.ndim !== target.ndim || input.shape.some((s, i) => s !== target.shape[i]))
    throw new ShapeError(`${op}: target size ${fmt(target.shape)} must be the same as input size ${fmt(input.shape)}`);
}

export interface LossOptions {
  reduction?: Reduction;
}

/** Mean squared error: (input - target)^2, broadcasting. */
export function mseLoss(input: Tensor, target: Tensor, opts: LossOptions = {}): Tensor {
  return reduce('mseLoss', square(sub(input, target)), opts.reduction ?? 'mean');
}

/** Mean absolute error: |input - target|. */
export function l1Loss(input: Tensor, target: Tensor, opts: LossOptions = {}): Tensor {
  return reduce('l1Loss', abs(sub(input, target)), opts.reduction ?? 'mean');
}

/**
 * 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (d = input - target). Written as
 * 0.5 c^2 / beta + (|d| - c) with c = min(|d|, beta): one branch-free formula whose gradient
 * is d / beta inside and sign(d) outside, as PyTorch's.
 */
export function smoothL1Loss(input: Tensor, target: Tensor, opts: LossOptions & { beta?: number } = {}): Tensor {
  const beta = opts.beta ?? 1;
  if (!(beta >= 0)) throw new KilnError(`smoothL1Loss: beta must be non-negative, got ${beta}`);
  const d = abs(sub(input, target));
  if (beta === 0) return reduce('smoothL1Loss', d, opts.reduction ?? 'mean');
  const c = clamp(d, null, beta);
  return reduce('smoothL1Loss', add(div(mul(square(c), 0.5), beta), sub(d, c)), opts.reduction ?? 'mean');
}

/** 0.5 d^2 where |d| <= delta, else delta (|d| - 0.5 delta); i.e. delta * smoothL1Loss(beta = delta). */
export function huberLoss(input: Tensor, target: Tensor, opts: LossOptions & { delta?: number } = {}): Tensor {
  const delta = opts.delta ?? 1;
  if (!(delta > 0)) throw new KilnError(`huberLoss: delta must be positive, got ${delta}`);
  const d = abs(sub(input, target));
  const c = clamp(d, null, delta);
  return reduce('huberLoss', add(mul(square(c), 0.5), mul(sub(d, c), delta)), opts.reduction ?? 'mean');
}

export interface NLLLossOptions extends LossOptions {
  /** A manual rescaling weight per class, shape [C]. */
  weight?: Tensor | null;
  /** Targets equal to this contribute nothing (and do not count in the mean); default -100. */
  ignoreIndex?: number;
}

/** A per-class vector [C] shaped to broadcast against [N, C, d...]. */
function classVector(v: Tensor, ndim: number): Tensor {
  return ndim <= 2 ? v : reshape(v, [v.numel(), ...new Array<number>(ndim - 2).fill(1)]);
}

/** Class-index targets prepared for indexing, with each entry's weight and validity. */
interface ClassTargets {
  /** Targets with ignored entries replaced by class 0, so that they can index. */
  safe: Tensor;
  /** weight[target] (1 without class weights), 0 where ignored; in the input's dtype. */
  w: Tensor;
  /** 1 where the target is not ignored, else 0; in the input's dtype. */
  valid: Tensor;
}

/** Checks class-index targets against input [N, C, d...]; nothing here needs a gradient. */
function classTargets(op: string, input: Tensor, target: Tensor, weight: Tensor | null, ignoreIndex: number): ClassTargets {
  if (target.dtype !== 'int64' && target.dtype !== 'int32')
    throw new DTypeError(`${op}: expected class-index targets of dtype int64 (or int32), got ${target.dtype}`);
  const N = input.shape[0];
  const C = input.shape[1];
  const expected = [N, ...input.shape.slice(2)];
  if (target.ndim !== expected.length || target.shape.some((s, i) => s !== expected[i]))
    throw new ShapeError(
      input.ndim === 2 && target.ndim === 1
        ? `${op}: expected input batch_size (${N}) to match target batch_size (${target.shape[0]})`
        : `${op}: expected target size ${fmt(expected)}, got ${fmt(target.shape)} (input size ${fmt(input.shape)})`,
    );
  if (weight && (weight.ndim !== 1 || weight.shape[0] !== C))
    throw new ShapeError(`${op}: weight tensor should be defined either for all ${C} classes or no classes but got weight tensor of shape ${fmt(weight.shape)}`);
  const ignored = eq(target, ignoreIndex);
  const notIgnored = logicalNot(ignored);
  const outOfRange = logicalAnd(notIgnored, logicalOr(lt(target, 0), ge(target, C)));
  if ((any(outOfRange).item() as boolean) === true) {
    const bad = maskedSelect(target, outOfRange).toArray() as number[];
    throw new IndexError(`${op}: target ${bad[0]} is out of bounds (expected class indices in [0, ${C}) or ignoreIndex ${ignoreIndex})`);
  }
  const safe = where(ignored, 0, target);
  const valid = to(notIgnored, input.dtype);
  const w = weight ? mul(valid, reshape(indexSelect(to(weight.detach(), input.dtype), 0, reshape(safe, [safe.numel()])), safe.shape)) : valid;
  return { safe, w, valid };
}

/** [C] / 0-d target (one sample) as a batch of one, and back. */
function asBatch(input: Tensor, target: Tensor, probabilities: boolean): { x: Tensor; t: Tensor; unbatched: boolean } {
  if (input.ndim === 0) throw new ShapeError('expected input of shape [C], [N, C] or [N, C, d...], got a 0-d tensor');
  if (input.ndim !== 1) return { x: input, t: target, unbatched: false };
  return { x: unsqueeze(input, 0), t: probabilities ? unsqueeze(target, 0) : reshape(target, [1]), unbatched: true };
}

function unbatch(loss: Tensor, unbatched: boolean, reduction: Reduction): Tensor {
  return unbatched && reduction === 'none' ? reshape(loss, []) : loss;
}

/** -w[n] logp[n, t[n]], reduced; 'mean' divides by the summed weights (NaN if all are ignored). */
function nllOf(logp: Tensor, ct: ClassTargets, reduction: Reduction): Tensor {
  const picked = squeeze(gather(logp, 1, unsqueeze(ct.safe, 1)), 1);
  const loss = mul(picked, neg(ct.w));
  return reduction === 'mean' ? div(sum(loss), sum(ct.w)) : reduce('nllLoss', loss, reduction);
}

function checkReduction(op: string, reduction: string): void {
  if (reduction !== 'none' && reduction !== 'mean' && reduction !== 'sum')
    throw new KilnError(`${op}: ${JSON.stringify(reduction)} is not a valid value for reduction (expected 'none', 'mean' or 'sum')`);
}

/**
 * Negative log likelihood: -weight[t] * input[n, t] for log-probabilities input [N, C, d...]
 * (or [C]) and class-index target [N, d...]. 'mean' divides by the summed weights of the
 * non-ignored targets, as PyTorch (NaN when every target is ignored).
 */
export function nllLoss(input: Tensor, target: Tensor, opts: NLLLossOptions = {}): Tensor {
  const reduction = opts.reduction ?? 'mean';
  checkReduction('nllLoss', reduction);
  const { x, t, unbatched } = asBatch(input, target, false);
  const ct = classTargets('nllLoss', x, t, opts.weight ?? null, opts.ignoreIndex ?? -100);
  return unbatch(nllOf(x, ct, reduction), unbatched, reduction);
}

export interface CrossEntropyOptions extends NLLLossOptions {
  /** Mixes the target with the uniform distribution: (1 - s) target + s / C. Default 0. */
  labelSmoothing?: number;
}

/**
 * Cross-entropy between logits input [N, C, d...] (or [C]) and either class indices
 * [N, d...] (int64) or class probabilities shaped like the input (float), computed from
 * logSoftmax so that large logits stay finite. With class indices, 'mean' divides by the
 * summed weights of the non-ignored targets; with probabilities, by the number of samples.
 *
 * @example
 * F.crossEntropy(kiln.tensor([[2, 0, 0]]), kiln.tensor([0], { dtype: 'int64' })); // 0.2395
 */
export function crossEntropy(input: Tensor, target: Tensor, opts: CrossEntropyOptions = {}): Tensor {
  const reduction = opts.reduction ?? 'mean';
  checkReduction('crossEntropy', reduction);
  const smoothing = opts.labelSmoothing ?? 0;
  if (!(smoothing >= 0 && smoothing <= 1)) throw new KilnError(`crossEntropy: labelSmoothing must be between 0.0 and 1.0, got ${smoothing}`);
  const probabilities = isFloating(target.dtype);
  const { x, t, unbatched } = asBatch(input, target, probabilities);
  const C = x.shape[1];
  const weight = opts.weight ?? null;
  if (weight && (weight.ndim !== 1 || weight.shape[0] !== C))
    throw new ShapeError(`crossEntropy: weight tensor should be defined either for all ${C} classes or no classes but got weight tensor of shape ${fmt(weight.shape)}`);
  const logp = logSoftmax(x, 1);
  const weighted = (): Tensor => (weight ? mul(logp, classVector(to(weight.detach(), x.dtype), x.ndim)) : logp);

  if (probabilities) {
    sameShape('crossEntropy', x, t);
    const soft = smoothing > 0 ? add(mul(t, 1 - smoothing), smoothing / C) : t;
    const loss = neg(sum(mul(weighted(), soft), 1));
    if (reduction === 'mean') return div(sum(loss), x.numel() / C);
    return unbatch(reduce('crossEntropy', loss, reduction), unbatched, reduction);
  }

  const ct = classTargets('crossEntropy', x, t, weight, opts.ignoreIndex ?? -100);
  const nll = nllOf(logp, ct, reduction);
  if (smoothing === 0) return unbatch(nll, unbatched, reduction);
  // The uniform part: -sum_c weight[c] logp[c] per sample, zero where the target is ignored,
  // with the same 'mean' denominator as the NLL part (PyTorch's label_smoothing).
  const smooth = mul(neg(sum(weighted(), 1)), ct.valid);
  const uniform = reduction === 'mean' ? div(sum(smooth), sum(ct.w)) : reduce('crossEntropy', smooth, reduction);
  return unbatch(add(mul(nll, 1 - smoothing), mul(uniform, smoothing / C)), unbatched, reduction);
}

export interface BCEOptions extends LossOptions {
  /** A rescaling weight, broadcast against the input. */
  weight?: Tensor | null;
}

/**
 * Binary cross-entropy on probabilities: -w (y log x + (1 - y) log(1 - x)), each log clamped
 * to >= -100 as PyTorch does (so x = 0 or 1 gives a finite loss).
 */
export function binaryCrossEntropy(input: Tensor, target: Tensor, opts: BCEOptions = {}): Tensor {
  sameShape('binaryCrossEntropy', input, target);
  if ((any(logicalOr(lt(input, 0), gt(input, 1))).item() as boolean) === true)
    throw new KilnError('binaryCrossEntropy: all elements of input should be between 0 and 1');
  const logX = clamp(log(input), -100);
  const log1mX = clamp(log(sub(1, input)), -100);
  let loss = neg(add(mul(target, logX), mul(sub(1, target), log1mX)));
  if (opts.weight) loss = mul(loss, opts.weight);
  return reduce('binaryCrossEntropy', loss, opts.reduction ?? 'mean');
}

export interface BCEWithLogitsOptions extends BCEOptions {
  /** Weight of positive examples, broadcast along the last (class) dim. */
  posWeight?: Tensor | null;
}

/**
 * Binary cross-entropy on logits, computed stably as max(x, 0) - x y + log(1 + exp(-|x|))
 * (with posWeight: (1 - y) x + (1 + (posWeight - 1) y) softplus(-x)). The branch at x = 0 is
 * taken with constant masks, so the gradient is sigmoid(x) - y everywhere, 0 included.
 */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, opts: BCEWithLogitsOptions = {}): Tensor {
  sameShape('binaryCrossEntropyWithLogits', input, target);
  const pos = ge(input, 0);
  const sign = sub(mul(pos, 2), 1);
  const tail = log1p(exp(neg(mul(input, sign)))); // log(1 + exp(-|x|)), in (0, log 2]
  let loss: Tensor;
  if (opts.posWeight) {
    const softplusNeg = add(mul(input, sub(pos, 1)), tail); // max(-x, 0) + tail
    const logWeight = add(mul(sub(opts.posWeight, 1), target), 1);
    loss = add(mul(sub(1, target), input), mul(logWeight, softplusNeg));
  } else {
    loss = add(mul(input, sub(pos, target)), tail); // (max(x, 0) - x y) + tail
  }
  if (opts.weight) loss = mul(loss, opts.weight);
  return reduce('binaryCrossEntropyWithLogits', loss, opts.reduction ?? 'mean');
}

export interface KLDivOptions {
  /** 'batchmean' (sum / batch size) is the mathematically correct KL; 'mean' averages over elements. */
  reduction?: Reduction | 'batchmean';
  /** Whether target holds log-probabilities. */
  logTarget?: boolean;
}

/**
 * Kullback-Leibler divergence with log-probability input: target (log target - input), taken
 * as 0 where target is 0 (or exp(target) (target - input) with logTarget).
 */
export function klDiv(input: Tensor, target: Tensor, opts: KLDivOptions = {}): Tensor {
  const reduction = opts.reduction ?? 'mean';
  let loss: Tensor;
  if (opts.logTarget) loss = mul(exp(target), sub(target, input));
  // xlogy(t, t): log of 1 where t == 0, so that 0 log 0 = 0.
  else loss = sub(mul(target, log(add(target, eq(target, 0)))), mul(target, input));
  if (reduction === 'batchmean') return input.ndim === 0 ? sum(loss) : div(sum(loss), input.shape[0]);
  return reduce('klDiv', loss, reduction);
}
