// SPDX-License-Identifier: MIT
/**
 * Datasets, as in torch.utils.data: map-style datasets (`length` items addressed by index),
 * iterable datasets (a stream of items), and the building blocks TensorDataset, Subset and
 * ConcatDataset.
 */
import { KilnError, ShapeError } from '../errors';
import { select } from '../ops/views';
import { fmtShape } from '../tensor/shape';
import { Tensor } from '../tensor/tensor';
import { resolveIndex } from './checks';

/**
 * A map-style dataset: `length` items, `get(i)` returns item i (PyTorch's `__len__` and
 * `__getitem__`). For async iteration of a DataLoader, `get` may return a Promise (a file read,
 * a decode); synchronous iteration needs plain values.
 *
 * @example
 * const squares: Dataset<[number, number]> = { length: 10, get: (i) => [i, i * i] };
 */
export interface Dataset<T> {
  readonly length: number;
  get(index: number): T;
}

/** Whether `x` looks like a map-style dataset (a numeric `length` and a `get` method). */
export function isMapDataset(x: unknown): x is Dataset<unknown> {
  if (x === null || (typeof x !== 'object' && typeof x !== 'function')) return false;
  const d = x as { length?: unknown; get?: unknown };
  return typeof d.get === 'function' && typeof d.length === 'number';
}

/**
 * A dataset that is a stream of items rather than indexable (PyTorch's IterableDataset).
 * Subclasses implement `[Symbol.iterator]` (synchronous streams) or `[Symbol.asyncIterator]`
 * (streams that await I/O; usable only with `for await` over a DataLoader). A subclass that
 * knows its item count may define a `length` property, which DataLoader's `length` then uses.
 *
 * The methods are not declared here: declaring them optional would make every subclass write
 * `override`, and declaring them abstract would demand both. The constructor checks instead.
 *
 * @example
 * class Counter extends IterableDataset<number> {
 *   *[Symbol.iterator]() { for (let i = 0; i < 5; i++) yield i; }
 * }
 */
// T names the item type for readers; the subclass's iterator method is what carries it in types.
export abstract class IterableDataset<T> {
  constructor() {
    const self = this as { [Symbol.iterator]?: unknown; [Symbol.asyncIterator]?: unknown };
    if (typeof self[Symbol.iterator] !== 'function' && typeof self[Symbol.asyncIterator] !== 'function')
      throw new KilnError(`${new.target.name}: an IterableDataset must implement [Symbol.iterator] or [Symbol.asyncIterator]`);
  }
}

/**
 * Rows of tensors that share their first dimension: item i is `[t0[i], t1[i], ...]` (views).
 * DataLoader gathers whole batches from it with one indexSelect per tensor.
 *
 * @example
 * const ds = new TensorDataset(features, labels); // features [N, 4], labels [N]
 * const [x, y] = ds.get(0);                        // x [4], y []
 */
export class TensorDataset implements Dataset<Tensor[]> {
  readonly tensors: readonly Tensor[];

  constructor(...tensors: Tensor[]) {
    if (tensors.length === 0) throw new KilnError('TensorDataset: expected at least one tensor, got none');
    tensors.forEach((t, i) => {
      if (!(t instanceof Tensor)) throw new KilnError(`TensorDataset: argument ${i} is not a Tensor (got ${typeof t})`);
      if (t.ndim === 0) throw new ShapeError(`TensorDataset: tensor ${i} is 0-d; every tensor needs a first dimension to index rows`);
    });
    const first = tensors[0];
    tensors.forEach((t, i) => {
      if (t.shape[0] !== first.shape[0])
        throw new ShapeError(
          `TensorDataset: size mismatch between tensors: tensor 0 has shape ${fmtShape(first.shape)} and tensor ${i} has ` +
            `shape ${fmtShape(t.shape)}; all tensors need the same size in dim 0`,
        );
    });
    this.tensors = tensors.slice();
  }

  get length(): number {
    return this.tensors[0].shape[0];
  }

  get(index: number): Tensor[] {
    const i = resolveIndex('TensorDataset.get', index, this.length);
    return this.tensors.map((t) => select(t, 0, i));
  }
}

/**
 * The items of `dataset` at `indices`, in that order. Negative indices count from the end and
 * are stored resolved (`indices` of `[-1]` over 10 items reads `[9]`).
 *
 * @example
 * const firstHalf = new Subset(ds, [0, 1, 2, 3]);
 */
export class Subset<T> implements Dataset<T> {
  readonly indices: readonly number[];

  constructor(
    readonly dataset: Dataset<T>,
    indices: Iterable<number>,
  ) {
    if (!isMapDataset(dataset)) throw new KilnError('Subset: expected a map-style dataset (with length and get)');
    // Resolved now: a bad index fails here rather than inside a training loop, and a negative
    // one reaches `dataset.get` as the position it means (a plain `get` need not handle -1).
    this.indices = Array.from(indices, (i) => resolveIndex('Subset', i, dataset.length));
  }

  get length(): number {
    return this.indices.length;
  }

  get(index: number): T {
    return this.dataset.get(this.indices[resolveIndex('Subset.get', index, this.indices.length)]);
  }
}

/**
 * Several map-style datasets end to end. Their lengths are read once, at construction.
 *
 * @example
 * const all = new ConcatDataset([trainA, trainB]); // all.get(trainA.length) is trainB.get(0)
 */
export class ConcatDataset<T> implements Dataset<T> {
  readonly datasets: readonly Dataset<T>[];
  /** Running totals of the datasets' lengths: item i lives in the first dataset whose total exceeds i. */
  readonly cumulativeSizes: readonly number[];

  constructor(datasets: Iterable<Dataset<T>>) {
    this.datasets = Array.from(datasets);
    if (this.datasets.length === 0) throw new KilnError('ConcatDataset: datasets should not be empty');
    let total = 0;
    this.cumulativeSizes = this.datasets.map((d, i) => {
      if (!isMapDataset(d))
        throw new KilnError(`ConcatDataset: dataset ${i} is not a map-style dataset (with length and get); iterable datasets cannot be indexed`);
      total += d.length;
      return total;
    });
  }

  get length(): number {
    return this.cumulativeSizes[this.cumulativeSizes.length - 1];
  }

  get(index: number): T {
    const i = resolveIndex('ConcatDataset.get', index, this.length);
    const which = firstGreater(this.cumulativeSizes, i);
    return this.datasets[which].get(which === 0 ? i : i - this.cumulativeSizes[which - 1]);
  }
}

/** The first position whose value exceeds `x` in an ascending array (Python's bisect_right). */
function firstGreater(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
