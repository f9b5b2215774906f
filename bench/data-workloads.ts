// SPDX-License-Identifier: MIT
/**
 * Data-pipeline workloads of `npm run bench`: one shuffled DataLoader epoch over an in-memory
 * TensorDataset (MNIST-sized), and a safetensors save + load of a 64 MiB state dict. The names
 * match bench/torch_peer.py.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as kiln from '../lib';
import { timeIt } from './timing';
import type { Result } from './workloads';

/** Batches of 64 from 60000 rows of 784 float32 features and int64 labels, shuffled. */
export function dataLoaderEpoch(): Result {
  const x = kiln.randn([60000, 784]);
  const y = kiln.randint(0, 10, [60000]);
  const loader = new kiln.data.DataLoader(new kiln.data.TensorDataset(x, y), {
    batchSize: 64,
    shuffle: true,
    generator: new kiln.Generator().manualSeed(0),
  });
  const epoch = () => {
    for (const [xb, yb] of loader) {
      xb.dispose();
      yb.dispose();
    }
  };
  const s = timeIt(epoch, { warmup: 1, samples: 5 });
  return { name: 'DataLoader epoch: 60000x784 float32, batch 64, shuffled', value: s * 1e3, unit: 'ms', higherIsBetter: false };
}

/** Save then load 16 float32 tensors of 1 MiB elements (64 MiB), through the file system. */
export function safetensorsRoundTrip(): Result {
  const dict: Record<string, kiln.Tensor> = {};
  for (let i = 0; i < 16; i++) dict[`layer${i}.weight`] = kiln.randn([1024, 1024]);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-bench-')), 'model.safetensors');
  const s = timeIt(
    () => {
      kiln.save(dict, file);
      for (const t of Object.values(kiln.load(file))) t.dispose();
    },
    { warmup: 1, samples: 5 },
  );
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
  return { name: 'safetensors save + load, 64 MiB float32', value: (2 * 64 * 2 ** 20) / s / 1e9, unit: 'GB/s', higherIsBetter: true };
}
