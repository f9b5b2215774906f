// SPDX-License-Identifier: MIT
/**
 * The rest of the CPU speed targets: batched and transposed matmul, mean/max and per-dim sums,
 * logSoftmax, and per-op overhead while autograd records a graph. Names match
 * bench/torch_peer.py (more_workloads there).
 */
import * as kiln from '../lib';
import { timeIt } from './timing';
import type { Result } from './workloads';

const N24 = 2 ** 24;

export function batchedMatmul(): Result {
  const a = kiln.randn([64, 128, 128]);
  const b = kiln.randn([64, 128, 128]);
  const s = timeIt(() => a.matmul(b).dispose(), { warmup: 2, samples: 15 });
  return { name: 'bmm [64,128,128] x [64,128,128]', value: (2 * 64 * 128 ** 3) / s / 1e9, unit: 'GFLOP/s', higherIsBetter: true };
}

/** a^T @ b^T at N = 1024: both operands reach the kernel as transposed views. */
export function transposedMatmul(): Result {
  const a = kiln.randn([1024, 1024]);
  const b = kiln.randn([1024, 1024]);
  const s = timeIt(() => a.t().matmul(b.t()).dispose(), { warmup: 1, samples: 7 });
  return { name: 'matmul a.T @ b.T N=1024', value: (2 * 1024 ** 3) / s / 1e9, unit: 'GFLOP/s', higherIsBetter: true };
}

export function reductions(): Result[] {
  const v = kiln.rand([N24]);
  const m = kiln.rand([4096, 4096]);
  const gbs = (fn: () => kiln.Tensor) => (4 * N24) / timeIt(() => fn().dispose(), { samples: 15 }) / 1e9;
  return [
    { name: 'mean 2^24 float32', value: gbs(() => v.mean()), unit: 'GB/s', higherIsBetter: true },
    { name: 'amax 2^24 float32', value: gbs(() => v.amax()), unit: 'GB/s', higherIsBetter: true },
    { name: 'sum dim 0 of [4096, 4096]', value: gbs(() => m.sum(0)), unit: 'GB/s', higherIsBetter: true },
    { name: 'sum dim 1 of [4096, 4096]', value: gbs(() => m.sum(1)), unit: 'GB/s', higherIsBetter: true },
  ];
}

export function logSoftmax(): Result {
  const a = kiln.randn([4096, 1024]);
  const s = timeIt(() => a.logSoftmax(1).dispose(), { samples: 15 });
  return { name: 'logSoftmax [4096, 1024] float32, dim 1', value: s * 1e3, unit: 'ms', higherIsBetter: false };
}

/** a.add(b) on [4] where a requires grad: the op also records its graph node. */
export function perOpOverheadWithGrad(): Result {
  const a = kiln.rand([4], { requiresGrad: true });
  const b = kiln.rand([4]);
  const s = timeIt(() => a.add(b), { warmup: 3, samples: 9, inner: 20000 });
  return { name: 'per-op overhead with grad: a.add(b), a requires grad', value: s * 1e6, unit: 'us/op', higherIsBetter: false };
}
