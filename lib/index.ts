// SPDX-License-Identifier: MIT
/**
 * kiln: a PyTorch-style tensor engine for Node.js.
 *
 * @example
 * import * as kiln from 'kiln';
 * const a = kiln.randn([2, 3]);
 * const b = kiln.ones([3, 4]);
 * console.log(a.matmul(b).sum(1));
 */
import './ops/methods';
import './ops/autograd-api';
import { grad, backward as backwardOf } from './ops/autograd-api';
import { gradcheck } from './autograd/gradcheck';
import { addonInfo, native } from './backend/binding';
import { KilnError } from './errors';

export * from './errors';
export { Tensor } from './tensor/tensor';
export type { NestedArray } from './tensor/tensor';
export { Device } from './tensor/device';
export type { DeviceLike } from './tensor/device';
export type { DType } from './tensor/dtype';
export { promoteTypes, resultType, canCast } from './tensor/dtype';
export { broadcastShapes } from './tensor/shape';
import { emptyPool, poolLimit, setPoolLimit } from './tensor/buffer-pool';
import { forgetFreeChunks } from './tensor/small-slabs';
export { scope, keep, memory } from './tensor/memory';
export type { MemoryInfo } from './tensor/memory';
export { setPrintOptions, getPrintOptions } from './tensor/format';

export * from './ops/math';
export { where } from './ops/elementwise';
export {
  sum, prod, mean, amax, amin, all, any, norm, logsumexp, variance as var, std, argmax, argmin, cumsum, cumprod,
  softmax, logSoftmax,
} from './ops/reduce';
export type { ValuesIndices, ReduceOptions, VarOptions } from './ops/reduce';
export { matmul, mm, bmm, addmm, outer, dot } from './ops/matmul';
export {
  reshape, view, permute, transpose, t, unsqueeze, squeeze, expand, expandAs, flatten, unflatten, narrow, select,
} from './ops/views';
export { cat, stack, split, chunk, unbind } from './ops/join';
export {
  gather, scatter, scatterAdd, indexSelect, indexAdd, maskedFill, maskedSelect, nonzero, take, oneHot, tril, triu, sort,
  argsort, topk, index, slice, Slice,
} from './ops/indexing';
export type { IndexItem } from './ops/indexing';
export { contiguous, clone, to } from './ops/convert';
export {
  tensor, zeros, ones, empty, full, arange, linspace, eye, zerosLike, onesLike, emptyLike, fullLike,
} from './ops/creation';
export type { TensorOptions, TensorData } from './ops/creation';
export { rand, randn, randint, randperm, bernoulli, randLike, randnLike, manualSeed, Generator, defaultGenerator } from './ops/random';
export { registeredOps } from './ops/registry';
export { noGrad, enableGrad, isGradEnabled, setGradEnabled } from './autograd/grad-mode';
export type { BackwardOptions } from './autograd/engine';
export type { GradOptions } from './ops/autograd-api';
export type { GradcheckOptions } from './autograd/gradcheck';

/** torch.autograd: gradients without accumulation, gradcheck, and backward on several roots. */
export const autograd = { grad, gradcheck, backward: backwardOf };

/** Kernel threads (the caller included); defaults to KILN_NUM_THREADS or the core count. */
export function getNumThreads(): number {
  return native.numThreads();
}

export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new KilnError(`setNumThreads: expected a positive integer, got ${n}`);
  native.setNumThreads(n);
}

/**
 * The CPU buffer pool: freed large buffers kept for reuse (see lib/tensor/buffer-pool.ts).
 * Its limit defaults to 512 MiB, or KILN_CPU_POOL_BYTES; 0 turns pooling off. emptyCache()
 * also forgets the freed small chunks kept for reuse (lib/tensor/small-slabs.ts).
 */
export const cpu = {
  emptyCache(): void {
    emptyPool();
    forgetFreeChunks();
  },
  poolLimit,
  setPoolLimit,
};

export { cuda, backends } from './backend/cuda';
export type { CudaDeviceLike } from './backend/cuda';

/** Which native addon is loaded ('cpu' or 'cuda' build) and from where. */
export const backend = { info: () => ({ ...addonInfo }) };

export * as nn from './nn';
export * as optim from './optim';
export * as data from './data';
export { datasets } from './data/datasets';
export * from './io';
export * as metrics from './job/metrics';
