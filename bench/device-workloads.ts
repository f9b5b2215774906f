// SPDX-License-Identifier: MIT
/**
 * The CPU-vs-CUDA table of `npm run bench`: the same workloads timed on the CPU and on each
 * CUDA device present, side by side. GPU timings wait for the device after every sample
 * (kiln.cuda.synchronize), so they measure finished work, not queued launches.
 */
import * as kiln from '../lib';
import { timeIt } from './timing';

export interface DeviceWorkload {
  name: string;
  unit: string;
  higherIsBetter: boolean;
  /** Measured on CUDA devices only (host/device transfers have no CPU counterpart). */
  cudaOnly?: boolean;
  /** Prepares the inputs on `device` and returns one measured call and its figure per second. */
  setup: (device: string) => { run: () => void; perSecond: (seconds: number) => number };
}

const N24 = 2 ** 24;

function matmulWorkload(n: number, tf32: boolean): DeviceWorkload {
  return {
    name: `matmul float32 N=${n}${tf32 ? ' (TF32 allowed on CUDA)' : ''}`,
    unit: 'GFLOP/s',
    higherIsBetter: true,
    setup: (device) => {
      const a = kiln.randn([n, n], { device });
      const b = kiln.randn([n, n], { device });
      return {
        run: () => {
          kiln.backends.cuda.matmul.allowTf32 = tf32;
          a.matmul(b).dispose();
          kiln.backends.cuda.matmul.allowTf32 = false;
        },
        perSecond: (s) => (2 * n ** 3) / s / 1e9,
      };
    },
  };
}

function bandwidthWorkload(name: string, bytesPerCall: number, make: (device: string) => () => void, cudaOnly = false): DeviceWorkload {
  return { name, unit: 'GB/s', higherIsBetter: true, cudaOnly, setup: (device) => ({ run: make(device), perSecond: (s) => bytesPerCall / s / 1e9 }) };
}

export const DEVICE_WORKLOADS: DeviceWorkload[] = [
  matmulWorkload(1024, false),
  matmulWorkload(4096, false),
  matmulWorkload(4096, true),
  bandwidthWorkload('add 2^24 float32, fresh output', 3 * 4 * N24, (device) => {
    const a = kiln.rand([N24], { device });
    const b = kiln.rand([N24], { device });
    return () => a.add(b).dispose();
  }),
  bandwidthWorkload('sum 2^24 float32', 4 * N24, (device) => {
    const a = kiln.rand([N24], { device });
    return () => a.sum().dispose();
  }),
  {
    name: 'softmax [4096, 1024] float32, dim 1',
    unit: 'ms',
    higherIsBetter: false,
    setup: (device) => {
      const a = kiln.randn([4096, 1024], { device });
      return { run: () => a.softmax(1).dispose(), perSecond: (s) => s * 1e3 };
    },
  },
  {
    name: 'MLP 784-512-256-10 train step, Adam, batch 128',
    unit: 'steps/s',
    higherIsBetter: true,
    setup: (device) => {
      const { nn, optim } = kiln;
      const model = new nn.Sequential(new nn.Linear(784, 512), new nn.ReLU(), new nn.Linear(512, 256), new nn.ReLU(), new nn.Linear(256, 10)).to(device);
      const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
      const x = kiln.randn([128, 784], { device });
      const y = kiln.randint(0, 10, [128], { device });
      const run = () =>
        kiln.scope(() => {
          opt.zeroGrad();
          kiln.nn.functional.crossEntropy(model.call(x), y).backward();
          opt.step();
        });
      return { run, perSecond: (s) => 1 / s };
    },
  },
  {
    name: 'per-op overhead, a.add(b) on [4]',
    unit: 'us',
    higherIsBetter: false,
    setup: (device) => {
      const a = kiln.rand([4], { device });
      const b = kiln.rand([4], { device });
      return { run: () => kiln.scope(() => void a.add(b)), perSecond: (s) => s * 1e6 };
    },
  },
  bandwidthWorkload('copy 64 MiB host -> device (t.to(device))', 64 * 2 ** 20, (device) => {
    const a = kiln.rand([16 * 2 ** 20]);
    return () => a.to(device).dispose();
  }, true),
  bandwidthWorkload('copy 64 MiB device -> host (t.cpu())', 64 * 2 ** 20, (device) => {
    const a = kiln.rand([16 * 2 ** 20], { device });
    return () => a.cpu().dispose();
  }, true),
];

export interface DeviceRow {
  name: string;
  unit: string;
  higherIsBetter: boolean;
  /** Figure per device ('cpu', 'cuda:0', ...); NaN where the workload does not apply. */
  values: Record<string, number>;
}

/** Runs every workload on each of `devices`; a device's samples end with a synchronization. */
export function runDeviceTable(devices: string[]): DeviceRow[] {
  return DEVICE_WORKLOADS.map((w) => {
    const values: Record<string, number> = {};
    for (const device of devices) {
      if (w.cudaOnly && device === 'cpu') {
        values[device] = NaN;
        continue;
      }
      const { run, perSecond } = w.setup(device);
      const sync = device === 'cpu' ? () => undefined : () => kiln.cuda.synchronize(device);
      const big = w.name.includes('N=4096');
      const s = timeIt(
        () => {
          run();
          sync();
        },
        { warmup: 3, samples: big && device === 'cpu' ? 3 : 15, inner: device === 'cpu' || big ? 1 : 10 },
      );
      values[device] = perSecond(s);
    }
    return { name: w.name, unit: w.unit, higherIsBetter: w.higherIsBetter, values };
  });
}
