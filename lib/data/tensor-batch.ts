// SPDX-License-Identifier: MIT
/**
 * The DataLoader's fast path for tensor data: a batch from a TensorDataset (directly or through
 * Subsets) is gathered with one indexSelect per tensor instead of one view per sample and a
 * stack, which is what dominates the cost of small batches.
 */
import { tensor } from '../ops/creation';
import { to } from '../ops/convert';
import { indexSelect } from '../ops/indexing';
import { Tensor } from '../tensor/tensor';
import { resolveIndex } from './checks';
import { Subset, TensorDataset } from './dataset';

/** Gathers the rows at the given dataset indices, one tensor per tensor of the dataset. */
export type TensorBatchGather = (indices: readonly number[]) => Tensor[];

/**
 * A gatherer equivalent to `defaultCollate(indices.map((i) => dataset.get(i)))`, or null when
 * `dataset` is not a TensorDataset or a chain of Subsets over one. Subclasses are excluded on
 * purpose: one that overrides `get` (say, to add a transform) must go through `get`.
 */
export function tensorBatchGather(dataset: unknown): TensorBatchGather | null {
  const subsets: Subset<unknown>[] = [];
  let d = dataset;
  while (d !== null && typeof d === 'object' && Object.getPrototypeOf(d) === Subset.prototype) {
    subsets.push(d as Subset<unknown>);
    d = (d as Subset<unknown>).dataset;
  }
  if (d === null || typeof d !== 'object' || Object.getPrototypeOf(d) !== TensorDataset.prototype) return null;
  const base = d as TensorDataset;
  return (indices) => {
    // Map positions down the Subset chain (each stores its indices resolved) to tensor rows.
    let rows = indices;
    for (const s of subsets) rows = rows.map((i) => s.indices[resolveIndex('Subset.get', i, s.indices.length)]);
    const positions = BigInt64Array.from(rows, (i) => BigInt(resolveIndex('TensorDataset.get', i, base.length)));
    const index = tensor(positions);
    const batch = base.tensors.map((t) => {
      const onDevice = to(index, t.device);
      const rowsOfT = indexSelect(t, 0, onDevice);
      if (onDevice !== index) onDevice.dispose();
      return rowsOfT;
    });
    index.dispose();
    return batch;
  };
}
