// SPDX-License-Identifier: MIT
/**
 * The CPU workloads of `npm run bench`. Each returns one figure with its unit; the sizes match
 * bench/torch_peer.py so that `--compare torch` puts kiln and PyTorch side by side.
 */
import * as kiln from '../lib';
import { cpuPeakGflops } from '../lib/backend/peak-flops';
import { timeIt } from './timing';

export interface Result {
  name: string;
  value: number;
  unit: string;
  /** Whether a larger value is better (throughput) or worse (time). */
  higherIsBetter: boolean;
}

const N24 = 2 ** 24;

export function matmul(n: number, threads: number): Result {
  const prev = kiln.getNumThreads();
  kiln.setNumThreads(threads);
  const a = kiln.randn([n, n]);
  const b = kiln.randn([n, n]);
  // Small products take tens of microseconds, so the first hundreds of calls (before V8 has
  // optimized the call path, with cold caches) would weigh on the figure: warm up longer.
  const s = timeIt(() => a.matmul(b).dispose(), { warmup: n <= 128 ? 200 : 1, samples: n >= 2048 ? 3 : 7, inner: n <= 128 ? 50 : 1 });
  kiln.setNumThreads(prev);
  return { name: `matmul float32 N=${n}, ${threads} thread(s)`, value: (2 * n ** 3) / s / 1e9, unit: 'GFLOP/s', higherIsBetter: true };
}

/** The CPU's peak float32 FMA rate on `threads` threads (2 flops per lane of each FMA), the ceiling for matmul. */
export function peakFma(threads: number): Result {
  const prev = kiln.getNumThreads();
  kiln.setNumThreads(threads); // the measurement runs on that many pool threads
  try {
    const gflops = cpuPeakGflops(threads, 0.5);
    return { name: `peak FMA float32, ${threads} thread(s)`, value: gflops, unit: 'GFLOP/s', higherIsBetter: true };
  } finally {
    kiln.setNumThreads(prev);
  }
}

/** The machine's streaming bandwidth as kiln's own contiguous copy sees it (read + write bytes). */
export function copyBandwidth(): Result {
  const src = kiln.rand([N24]);
  const dst = kiln.empty([N24]);
  const s = timeIt(() => dst.copy_(src), { samples: 15 });
  return { name: 'copy 2^24 float32 (plain copy, read+write)', value: (2 * 4 * N24) / s / 1e9, unit: 'GB/s', higherIsBetter: true };
}

export function addInPlace(): Result {
  const a = kiln.rand([N24]);
  const b = kiln.rand([N24]);
  const s = timeIt(() => a.add_(b), { samples: 15 });
  return { name: 'add 2^24 float32 into existing output (a.add_(b))', value: (3 * 4 * N24) / s / 1e9, unit: 'GB/s', higherIsBetter: true };
}

export function addFresh(): Result {
  const a = kiln.rand([N24]);
  const b = kiln.rand([N24]);
  const s = timeIt(() => a.add(b).dispose(), { samples: 15 });
  return { name: 'add 2^24 float32, fresh output (a.add(b))', value: (3 * 4 * N24) / s / 1e9, unit: 'GB/s', higherIsBetter: true };
}

/** mul, exp and relu over 2^24 floats into fresh outputs, in GB/s of memory read and written. */
export function otherElementwiseFresh(): Result[] {
  const a = kiln.randn([N24]);
  const b = kiln.randn([N24]);
  const cases: Array<[string, () => kiln.Tensor, number]> = [
    ['mul 2^24 float32, fresh output (a.mul(b))', () => a.mul(b), 3],
    ['exp 2^24 float32, fresh output (a.exp())', () => a.exp(), 2],
    ['relu 2^24 float32, fresh output (a.relu())', () => a.relu(), 2],
  ];
  return cases.map(([name, fn, streams]) => {
    const s = timeIt(() => fn().dispose(), { samples: 15 });
    return { name, value: (streams * 4 * N24) / s / 1e9, unit: 'GB/s', higherIsBetter: true };
  });
}

export function sum(): Result {
  const a = kiln.rand([N24]);
  const s = timeIt(() => a.sum().dispose(), { samples: 15 });
  return { name: 'sum 2^24 float32', value: (4 * N24) / s / 1e9, unit: 'GB/s', higherIsBetter: true };
}

export function softmax(): Result {
  const a = kiln.randn([4096, 1024]);
  const s = timeIt(() => a.softmax(1).dispose(), { samples: 15 });
  return { name: 'softmax [4096, 1024] float32, dim 1', value: s * 1e3, unit: 'ms', higherIsBetter: false };
}

export function perOpOverhead(): Result {
  const a = kiln.rand([4]);
  const b = kiln.rand([4]);
  const inner = 20000;
  const s = timeIt(() => a.add(b), { warmup: 3, samples: 9, inner });
  return { name: 'per-op overhead: a.add(b) on shape [4]', value: s * 1e6, unit: 'us/op', higherIsBetter: false };
}

/** One training step of the MLP 784-512-256-10 (ReLU, cross-entropy, Adam) on a random batch of 128. */
export function mlpTrainStep(): Result {
  const { nn, optim } = kiln;
  const model = new nn.Sequential(new nn.Linear(784, 512), new nn.ReLU(), new nn.Linear(512, 256), new nn.ReLU(), new nn.Linear(256, 10));
  const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
  const lossFn = new nn.CrossEntropyLoss();
  const x = kiln.randn([128, 784]);
  const y = kiln.randint(0, 10, [128]);
  const step = () =>
    kiln.scope(() => {
      opt.zeroGrad();
      const loss = lossFn.call(model.call(x), y);
      loss.backward();
      opt.step();
    });
  const s = timeIt(step, { warmup: 3, samples: 15 });
  return { name: 'MLP 784-512-256-10 train step, Adam, batch 128', value: 1 / s, unit: 'steps/s', higherIsBetter: true };
}

/** One Adam step over the 100 parameters of a 50-layer MLP of width 64 (per-parameter overhead). */
export function optimizerStep(): Result {
  const { nn, optim } = kiln;
  const layers = Array.from({ length: 50 }, () => new nn.Linear(64, 64));
  const params = layers.flatMap((l) => l.parameters());
  for (const p of params) p.grad = kiln.randnLike(p);
  const opt = new optim.Adam(params, { lr: 1e-3 });
  const s = timeIt(() => opt.step(), { warmup: 3, samples: 15, inner: 10 });
  return { name: 'Adam step over 100 params (50-layer MLP, width 64)', value: s * 1e6, unit: 'us', higherIsBetter: false };
}
