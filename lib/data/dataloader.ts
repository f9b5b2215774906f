// SPDX-License-Identifier: MIT
/**
 * DataLoader: batches from a dataset, as torch.utils.data.DataLoader. A map-style dataset is
 * visited in a sampler's order (sequential, or a fresh random permutation each epoch with
 * `shuffle`) and each group of indices is fetched and collated; an iterable dataset is cut
 * into batches in stream order. Iterate synchronously with `for...of`, or with `for await`,
 * which also accepts datasets whose `get` returns a Promise and can read batches ahead.
 */
import { KilnError } from '../errors';
import { Generator } from '../ops/random';
import { boolOption, nonNegativeInt, positiveInt } from './checks';
import { Collated, defaultCollate } from './collate';
import { Dataset, isMapDataset } from './dataset';
import { readAhead, StartBatch } from './prefetch';
import { BatchSampler, batchCount, IndexIterable, lengthOf, RandomSampler, SequentialSampler } from './sampler';
import { tensorBatchGather, TensorBatchGather } from './tensor-batch';

/**
 * What a DataLoader reads: a map-style dataset (whose `get` may be async) or a stream of
 * items (an IterableDataset subclass, or any iterable or async iterable).
 */
export type DataSource<T> = Dataset<T | Promise<T>> | Iterable<T> | AsyncIterable<T>;

/** Batches of indices, for the `batchSampler` option (a BatchSampler, or any iterable of index arrays). */
export type IndexBatches = Iterable<readonly number[]> & { readonly length?: number };

interface CommonOptions {
  /** Visit a map-style dataset in a new random order each epoch (a RandomSampler over `generator`). */
  shuffle?: boolean;
  /** Drop the last batch when it is smaller than batchSize. */
  dropLast?: boolean;
  /** The random stream used to shuffle; default kiln's default generator. */
  generator?: Generator;
  /** The order of indices to visit (excludes shuffle). */
  sampler?: IndexIterable;
  /** Yields whole batches of indices (excludes batchSize, shuffle, sampler and dropLast). */
  batchSampler?: IndexBatches;
  /** For `for await`: how many batches to prepare ahead while the current one is used. Default 0. */
  prefetch?: number;
}

export interface BatchedLoaderOptions<T, B> extends CommonOptions {
  /** Samples per batch, default 1. */
  batchSize?: number;
  /** Makes a batch from a list of samples; default defaultCollate. */
  collate?: (samples: T[]) => B;
}

export interface UnbatchedLoaderOptions<T, B> extends CommonOptions {
  /** null turns batching off: one sample at a time (PyTorch's batch_size=None). */
  batchSize: null;
  /** Converts each sample; default the sample itself. */
  collate?: (sample: T) => B;
}

export type DataLoaderOptions<T, B> = BatchedLoaderOptions<T, B> | UnbatchedLoaderOptions<T, B>;

/** A stream of items, read one at a time in either mode. */
type Stream<T> = Iterable<T> | AsyncIterable<T>;

function isPromiseLike(x: unknown): x is PromiseLike<unknown> {
  return x !== null && (typeof x === 'object' || typeof x === 'function') && typeof (x as { then?: unknown }).then === 'function';
}

/**
 * Iterates over batches of a dataset.
 *
 * @example
 * const loader = new DataLoader(new TensorDataset(x, y), {
 *   batchSize: 32, shuffle: true, generator: new Generator().manualSeed(0),
 * });
 * for (let epoch = 0; epoch < 10; epoch++)
 *   for (const [xb, yb] of loader) trainStep(xb, yb);
 */
export class DataLoader<T, B = Collated<T>> implements Iterable<B>, AsyncIterable<B> {
  readonly dataset: DataSource<T>;
  /** Samples per batch, or null when batching is off. */
  readonly batchSize: number | null;
  readonly dropLast: boolean;
  readonly generator: Generator | undefined;
  /** The index order of a map-style dataset (null for an iterable dataset, or when batchSampler was given). */
  readonly sampler: IndexIterable | null;
  /** The batches of indices of a map-style dataset when batching is on, else null. */
  readonly batchSampler: IndexBatches | null;
  readonly prefetch: number;
  /** The function applied to each list of samples (to each sample when batchSize is null). */
  readonly collate: ((samples: T[]) => B) | ((sample: T) => B);
  private readonly stream: Stream<T> | null;
  /** Set when batches can be gathered straight from tensors (TensorDataset with the default collate). */
  private readonly gather: TensorBatchGather | null;

  constructor(dataset: DataSource<T>, options: DataLoaderOptions<T, B> = {}) {
    const op = 'DataLoader';
    const o = options as CommonOptions & { batchSize?: number | null; collate?: (x: never) => B };
    const stream = isMapDataset(dataset) ? null : asStream<T>(dataset);
    const shuffle = boolOption(op, 'shuffle', o.shuffle ?? false);
    this.dropLast = boolOption(op, 'dropLast', o.dropLast ?? false);
    this.prefetch = nonNegativeInt(op, 'prefetch', o.prefetch ?? 0);
    this.generator = o.generator;
    this.dataset = dataset;
    this.stream = stream;
    checkConflicts(o, shuffle, this.dropLast, stream !== null);
    this.batchSize = o.batchSampler !== undefined || o.batchSize === null ? null : positiveInt(op, 'batchSize', o.batchSize ?? 1);
    const batched = o.batchSampler !== undefined || this.batchSize !== null;

    if (o.sampler !== undefined) checkIterable('sampler', o.sampler);
    if (o.batchSampler !== undefined) checkIterable('batchSampler', o.batchSampler);
    const usesSampler = stream === null && o.batchSampler === undefined;
    this.sampler = usesSampler ? (o.sampler ?? defaultSampler(dataset as Dataset<unknown>, shuffle, this.generator)) : null;
    if (o.batchSampler !== undefined) this.batchSampler = o.batchSampler;
    else if (this.sampler !== null && this.batchSize !== null)
      this.batchSampler = new BatchSampler(this.sampler, this.batchSize, this.dropLast);
    else this.batchSampler = null;

    const custom = o.collate !== undefined && o.collate !== (defaultCollate as unknown);
    this.collate = (o.collate ?? (batched ? defaultCollate : (sample: T) => sample)) as DataLoader<T, B>['collate'];
    this.gather = stream === null && batched && !custom ? tensorBatchGather(dataset) : null;
  }

  /** The number of batches per epoch (for an iterable dataset, only when it has a `length`). */
  get length(): number {
    if (this.stream !== null) {
      const n = (this.dataset as { length?: unknown }).length;
      if (typeof n !== 'number')
        throw new KilnError('DataLoader.length: the dataset is an iterable dataset with no length; give it a numeric length property');
      return this.batchSize === null ? n : batchCount(n, this.batchSize, this.dropLast);
    }
    if (this.batchSampler !== null) return lengthOf('DataLoader.length', this.batchSampler);
    return lengthOf('DataLoader.length', this.sampler as IndexIterable);
  }

  /** One epoch, synchronously; every new iteration draws a new order when shuffling. */
  *[Symbol.iterator](): Iterator<B> {
    if (this.stream !== null) {
      yield* this.streamBatches(syncIterableOf(this.stream));
      return;
    }
    for (const key of this.indexPlan()) yield this.fetch(key, false);
  }

  /** One epoch, asynchronously: awaits async `get`s and reads `prefetch` batches ahead. */
  [Symbol.asyncIterator](): AsyncIterator<B> {
    if (this.stream === null) return readAhead(this.indexStarter(), this.prefetch);
    const reader = this.streamReader(this.stream);
    return readAhead(reader.start, this.prefetch, reader.close);
  }

  /** What to fetch in order: index batches, or single indices when batching is off. */
  private indexPlan(): Iterable<readonly number[] | number> {
    return this.batchSampler ?? (this.sampler as IndexIterable);
  }

  private collateItems(items: unknown): B {
    return (this.collate as (x: unknown) => B)(items);
  }

  /**
   * The batch for one key (an index array, or a single index when batching is off). In sync
   * mode every `get` must return a value; in async mode the result is a Promise only when
   * some `get` returned one.
   */
  private fetch(key: readonly number[] | number, allowAsync: false): B;
  private fetch(key: readonly number[] | number, allowAsync: true): B | Promise<B>;
  private fetch(key: readonly number[] | number, allowAsync: boolean): B | Promise<B> {
    if (typeof key !== 'number' && this.gather !== null) return this.gather(key) as B;
    const dataset = this.dataset as Dataset<unknown>;
    const get = (i: number): unknown => {
      const item = dataset.get(i);
      if (!allowAsync && isPromiseLike(item))
        throw new KilnError(`DataLoader: dataset.get(${i}) returned a Promise; iterate with 'for await' over a dataset with an async get`);
      return item;
    };
    if (typeof key === 'number') {
      const item = get(key);
      return isPromiseLike(item) ? Promise.resolve(item).then((x) => this.collateItems(x)) : this.collateItems(item);
    }
    const items = key.map(get);
    return items.some(isPromiseLike) ? Promise.all(items).then((xs) => this.collateItems(xs)) : this.collateItems(items);
  }

  private indexStarter(): StartBatch<B> {
    let plan: Iterator<readonly number[] | number> | null = null;
    return () => {
      plan ??= this.indexPlan()[Symbol.iterator]();
      const next = plan.next();
      if (next.done) return undefined;
      return Promise.resolve(this.fetch(next.value, true)).then((value) => ({ done: false, value }));
    };
  }

  /** Cuts a synchronous stream into batches (the last one shorter unless dropLast). */
  private *streamBatches(items: Iterable<T>): IterableIterator<B> {
    const size = this.batchSize ?? 1;
    let batch: T[] = [];
    for (const item of items) {
      batch.push(item);
      if (batch.length === size) {
        yield this.collateStreamBatch(batch);
        batch = [];
      }
    }
    if (batch.length > 0 && !this.dropLast) yield this.collateStreamBatch(batch);
  }

  private collateStreamBatch(batch: T[]): B {
    return this.collateItems(this.batchSize === null ? batch[0] : batch);
  }

  /**
   * Batches of a stream for async iteration. Reads are chained one after another (a stream
   * has one position), while the consumer's work overlaps with the reads ahead of it.
   */
  private streamReader(stream: Stream<T>): { start: StartBatch<B>; close: () => void } {
    const size = this.batchSize ?? 1;
    let items: AsyncIterator<T> | Iterator<T> | null = null;
    let ended = false;
    let previous: Promise<unknown> = Promise.resolve();
    const readBatch = async (): Promise<IteratorResult<B, unknown>> => {
      items ??= asyncOrSyncIteratorOf(stream);
      const batch: T[] = [];
      while (!ended && batch.length < size) {
        const r = await items.next();
        if (r.done) ended = true;
        else batch.push(await r.value);
      }
      if (batch.length === 0 || (batch.length < size && this.dropLast)) return { done: true, value: undefined };
      return { done: false, value: this.collateStreamBatch(batch) };
    };
    const start = (): Promise<IteratorResult<B, unknown>> | undefined => {
      if (ended) return undefined;
      const next = previous.then(readBatch);
      previous = next.catch(() => undefined);
      return next;
    };
    // Leaving the loop early closes the dataset's iterator, as for...of would.
    const close = (): void => {
      if (ended || items === null) return;
      ended = true;
      void Promise.resolve(items.return?.()).catch(() => undefined);
    };
    return { start, close };
  }
}

/** Rejects option combinations PyTorch rejects (it raises ValueError). */
function checkConflicts(o: CommonOptions & { batchSize?: number | null }, shuffle: boolean, dropLast: boolean, isStream: boolean): void {
  const op = 'DataLoader';
  if (isStream) {
    const given = [shuffle && 'shuffle', o.sampler !== undefined && 'sampler', o.batchSampler !== undefined && 'batchSampler'].filter(Boolean);
    if (given.length > 0)
      throw new KilnError(`${op}: ${given.join(', ')} cannot be used with an iterable dataset, which sets its own order`);
  }
  if (o.sampler !== undefined && shuffle) throw new KilnError(`${op}: the sampler option is mutually exclusive with shuffle`);
  if (o.batchSampler !== undefined) {
    const given = [
      o.batchSize !== undefined && o.batchSize !== 1 && `batchSize=${o.batchSize}`,
      shuffle && 'shuffle',
      o.sampler !== undefined && 'sampler',
      dropLast && 'dropLast',
    ].filter(Boolean);
    if (given.length > 0)
      throw new KilnError(
        `${op}: the batchSampler option is mutually exclusive with batchSize, shuffle, sampler and dropLast; got ${given.join(', ')}`,
      );
  }
  if (o.batchSize === null && dropLast)
    throw new KilnError(`${op}: batchSize null turns batching off and is mutually exclusive with dropLast`);
}

/** Shuffling is a RandomSampler over the loader's generator, so a seed fixes every epoch's order. */
function defaultSampler(dataset: Dataset<unknown>, shuffle: boolean, generator: Generator | undefined): IndexIterable {
  return shuffle ? new RandomSampler(dataset, { generator }) : new SequentialSampler(dataset);
}

function checkIterable(what: string, x: unknown): void {
  if (x === null || typeof x !== 'object' || typeof (x as { [Symbol.iterator]?: unknown })[Symbol.iterator] !== 'function')
    throw new KilnError(`DataLoader: the ${what} option must be an iterable (an array or a sampler), got ${x === null ? 'null' : typeof x}`);
}

function asStream<T>(dataset: unknown): Stream<T> {
  const d = dataset as { [Symbol.iterator]?: unknown; [Symbol.asyncIterator]?: unknown } | null;
  if (d !== null && typeof d === 'object' && (typeof d[Symbol.iterator] === 'function' || typeof d[Symbol.asyncIterator] === 'function'))
    return d as Stream<T>;
  throw new KilnError(
    `DataLoader: expected a map-style dataset (length and get(index)) or an iterable dataset, got ${d === null ? 'null' : typeof d}`,
  );
}

function syncIterableOf<T>(stream: Stream<T>): Iterable<T> {
  if (typeof (stream as Partial<Iterable<T>>)[Symbol.iterator] !== 'function')
    throw new KilnError("DataLoader: this iterable dataset is asynchronous (it has only [Symbol.asyncIterator]); iterate with 'for await'");
  return stream as Iterable<T>;
}

function asyncOrSyncIteratorOf<T>(stream: Stream<T>): AsyncIterator<T> | Iterator<T> {
  const s = stream as Partial<AsyncIterable<T>>;
  return typeof s[Symbol.asyncIterator] === 'function' ? s[Symbol.asyncIterator]!() : syncIterableOf(stream)[Symbol.iterator]();
}
