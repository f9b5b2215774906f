// SPDX-License-Identifier: MIT
/**
 * Fused updates: one native call updates a parameter and all its state buffers in place
 * (native/cpu/optim.cc, formulas in native/core/optim_formulas.h). A step over many small
 * parameters is otherwise dominated by the per-op overhead of a dozen kernel calls each.
 *
 * This file is lib/optim's one direct use of lib/backend (everything else in lib/optim is
 * built from ops): the fused step is the optimizer's own kernel. The kernels give the same
 * numbers as the composed ops in sgd.ts, adam.ts, ... which remain the path for tensors the
 * kernels do not take (not contiguous, not float32/float64 on the CPU).
 */
import { native } from '../backend/binding';
import { encodeView } from '../backend/view-codec';
import { copyOf } from '../ops/convert';
import { Tensor } from '../tensor/tensor';

// The scalars of one call; reused, since a step makes one call per parameter.
const HYPER = new Float64Array(10);

/**
 * Whether the kernels can update `param` with gradient `grad` and these state buffers: CPU,
 * float32/float64, contiguous param and buffers, all of one dtype. (A gradient that is merely
 * not contiguous is copied first.)
 */
export function fusable(param: Tensor, grad: Tensor, buffers: ReadonlyArray<Tensor | null>): boolean {
  const dtype = param.dtype;
  if ((dtype !== 'float32' && dtype !== 'float64') || param.device.type !== 'cpu' || !param.isContiguous()) return false;
  if (grad.dtype !== dtype || grad.device.type !== 'cpu') return false;
  for (const b of buffers) if (b !== null && (b.dtype !== dtype || b.device.type !== 'cpu' || !b.isContiguous())) return false;
  return true;
}

// Copies happen before any view is encoded: a copy is a kernel call that writes slots 0-1.
function contiguousGrad(grad: Tensor): Tensor {
  return grad.isContiguous() ? grad : copyOf(grad);
}

// In-place writes bump storage versions, as the composed ops' in-place writes do.
function bump(...ts: Array<Tensor | null>): void {
  for (const t of ts) if (t !== null) t.storage.version++;
}

export interface SgdScalars {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
  /** The momentum buffer is new: it becomes the (decayed) gradient itself. */
  firstStep: boolean;
}

export function sgdFused(param: Tensor, grad: Tensor, momentumBuffer: Tensor | null, s: SgdScalars): void {
  const g = contiguousGrad(grad);
  encodeView(0, param);
  encodeView(1, g);
  if (momentumBuffer) encodeView(2, momentumBuffer);
  HYPER[0] = s.lr;
  HYPER[1] = s.momentum;
  HYPER[2] = s.dampening;
  HYPER[3] = s.weightDecay;
  HYPER[4] = s.nesterov ? 1 : 0;
  HYPER[5] = s.maximize ? 1 : 0;
  HYPER[6] = s.firstStep ? 1 : 0;
  native.sgdStep(param.buffer, g.buffer, momentumBuffer ? momentumBuffer.buffer : null, HYPER);
  bump(param, momentumBuffer);
}

export interface AdamScalars {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** lr / (1 - beta1^step) */
  stepSize: number;
  /** sqrt(1 - beta2^step) */
  biasCorrection2Sqrt: number;
  /** AdamW: decay the parameter instead of adding weightDecay * param to the gradient. */
  decoupled: boolean;
  amsgrad: boolean;
  maximize: boolean;
}

export function adamFused(param: Tensor, grad: Tensor, expAvg: Tensor, expAvgSq: Tensor, maxExpAvgSq: Tensor | null, s: AdamScalars): void {
  const g = contiguousGrad(grad);
  encodeView(0, param);
  encodeView(1, g);
  encodeView(2, expAvg);
  encodeView(3, expAvgSq);
  if (maxExpAvgSq) encodeView(4, maxExpAvgSq);
  HYPER[0] = s.lr;
  HYPER[1] = s.beta1;
  HYPER[2] = s.beta2;
  HYPER[3] = s.eps;
  HYPER[4] = s.weightDecay;
  HYPER[5] = s.stepSize;
  HYPER[6] = s.biasCorrection2Sqrt;
  HYPER[7] = s.decoupled ? 1 : 0;
  HYPER[8] = s.amsgrad ? 1 : 0;
  HYPER[9] = s.maximize ? 1 : 0;
  native.adamStep(param.buffer, g.buffer, expAvg.buffer, expAvgSq.buffer, maxExpAvgSq ? maxExpAvgSq.buffer : null, HYPER);
  bump(param, expAvg, expAvgSq, maxExpAvgSq);
}

export interface RmspropScalars {
  lr: number;
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  centered: boolean;
  maximize: boolean;
}

export function rmspropFused(
  param: Tensor,
  grad: Tensor,
  squareAvg: Tensor,
  gradAvg: Tensor | null,
  momentumBuffer: Tensor | null,
  s: RmspropScalars,
): void {
  const g = contiguousGrad(grad);
  encodeView(0, param);
  encodeView(1, g);
  encodeView(2, squareAvg);
  if (gradAvg) encodeView(3, gradAvg);
  if (momentumBuffer) encodeView(4, momentumBuffer);
  HYPER[0] = s.lr;
  HYPER[1] = s.alpha;
  HYPER[2] = s.eps;
  HYPER[3] = s.weightDecay;
  HYPER[4] = s.momentum;
  HYPER[5] = s.centered ? 1 : 0;
  HYPER[6] = s.maximize ? 1 : 0;
  native.rmspropStep(param.buffer, g.buffer, squareAvg.buffer, gradAvg ? gradAvg.buffer : null, momentumBuffer ? momentumBuffer.buffer : null, HYPER);
  bump(param, squareAvg, gradAvg, momentumBuffer);
}

export interface AdagradScalars {
  /** lr / (1 + (step - 1) * lrDecay) */
  clr: number;
  weightDecay: number;
  eps: number;
  maximize: boolean;
}

export function adagradFused(param: Tensor, grad: Tensor, sum: Tensor, s: AdagradScalars): void {
  const g = contiguousGrad(grad);
  encodeView(0, param);
  encodeView(1, g);
  encodeView(2, sum);
  HYPER[0] = s.clr;
  HYPER[1] = s.weightDecay;
  HYPER[2] = s.eps;
  HYPER[3] = s.maximize ? 1 : 0;
  native.adagradStep(param.buffer, g.buffer, sum.buffer, HYPER);
  bump(param, sum);
}
