// SPDX-License-Identifier: MIT
/**
 * Samplers: the order in which a DataLoader visits a map-style dataset (torch.utils.data's
 * samplers). Each is an iterable of indices with a `length`; a random sampler draws a fresh
 * order from its generator each time iteration starts, so every epoch differs while a seeded
 * generator makes the whole run reproducible.
 */
import { KilnError, ShapeError } from '../errors';
import { Generator, rand, randint, RandomOptions, randperm } from '../ops/random';
import { Tensor } from '../tensor/tensor';
import { boolOption, positiveInt, takeIndices } from './checks';

/** An iterable of indices (or of batches of indices) that knows how many it yields. */
export interface Sampler<I = number> extends Iterable<I> {
  readonly length: number;
}

/** Anything DataLoader accepts as a sampler: an iterable of indices, ideally with a length (an array works). */
export type IndexIterable = Iterable<number> & { readonly length?: number };

/** What samplers need of a dataset: its size. */
export interface Sized {
  readonly length: number;
}

/** The length of a sampler, or a KilnError saying that `op` needs one. */
export function lengthOf(op: string, source: { readonly length?: unknown }): number {
  const n = source.length;
  if (typeof n !== 'number') throw new KilnError(`${op}: the sampler has no length; give it a numeric length property`);
  return n;
}

/** 0, 1, ..., n-1. */
export class SequentialSampler implements Sampler {
  constructor(readonly dataSource: Sized) {}

  get length(): number {
    return this.dataSource.length;
  }

  *[Symbol.iterator](): Iterator<number> {
    const n = this.dataSource.length;
    for (let i = 0; i < n; i++) yield i;
  }
}

export interface RandomSamplerOptions {
  /** Draw with replacement (indices may repeat). Default false: a permutation. */
  replacement?: boolean;
  /** How many indices per epoch; default the dataset's length. Without replacement, longer runs chain permutations. */
  numSamples?: number;
  /** The random stream; default kiln's default generator (seeded by kiln.manualSeed). */
  generator?: Generator;
}

/** A random order of the dataset's indices: a fresh permutation (or draws with replacement) every epoch. */
export class RandomSampler implements Sampler {
  readonly replacement: boolean;
  readonly generator: Generator | undefined;
  private readonly requested: number | undefined;

  constructor(
    readonly dataSource: Sized,
    options: RandomSamplerOptions = {},
  ) {
    this.replacement = boolOption('RandomSampler', 'replacement', options.replacement ?? false);
    this.generator = options.generator;
    this.requested = options.numSamples === undefined ? undefined : positiveInt('RandomSampler', 'numSamples', options.numSamples);
    positiveInt('RandomSampler', 'numSamples (the dataset length unless given)', this.numSamples);
  }

  get numSamples(): number {
    return this.requested ?? this.dataSource.length;
  }

  get length(): number {
    return this.numSamples;
  }

  *[Symbol.iterator](): Iterator<number> {
    const n = this.dataSource.length;
    if (n === 0) throw new KilnError('RandomSampler: cannot draw indices from an empty dataset');
    const generator = this.generator;
    if (this.replacement) {
      yield* takeIndices(randint(0, n, [this.numSamples], { generator }));
      return;
    }
    for (let left = this.numSamples; left > 0; left -= n) {
      const perm = takeIndices(randperm(n, { generator }));
      yield* left >= n ? perm : perm.slice(0, left);
    }
  }
}

/** A random permutation of the given indices, fresh every epoch (e.g. a validation fold). */
export class SubsetRandomSampler implements Sampler {
  readonly indices: readonly number[];

  constructor(
    indices: Iterable<number>,
    readonly generator?: Generator,
  ) {
    this.indices = Array.from(indices);
  }

  get length(): number {
    return this.indices.length;
  }

  *[Symbol.iterator](): Iterator<number> {
    for (const k of takeIndices(randperm(this.indices.length, { generator: this.generator }))) yield this.indices[k];
  }
}

export interface WeightedRandomSamplerOptions {
  /** Default true. Without replacement each index appears at most once. */
  replacement?: boolean;
  generator?: Generator;
}

/** Indices drawn with probability proportional to `weights[i]` (e.g. to rebalance classes). */
export class WeightedRandomSampler implements Sampler {
  readonly weights: readonly number[];
  readonly numSamples: number;
  readonly replacement: boolean;
  readonly generator: Generator | undefined;

  constructor(weights: ArrayLike<number> | Tensor, numSamples: number, options: WeightedRandomSamplerOptions = {}) {
    const op = 'WeightedRandomSampler';
    if (weights instanceof Tensor && weights.ndim !== 1)
      throw new ShapeError(`${op}: weights must be 1-d, got shape [${weights.shape.join(', ')}]`);
    this.weights = Array.from(weights instanceof Tensor ? (weights.data() as ArrayLike<number | bigint>) : weights, Number);
    this.numSamples = positiveInt(op, 'numSamples', numSamples);
    this.replacement = boolOption(op, 'replacement', options.replacement ?? true);
    this.generator = options.generator;
    const bad = this.weights.findIndex((w) => !(w >= 0 && Number.isFinite(w)));
    if (bad >= 0) throw new KilnError(`${op}: weights must be finite and non-negative, got ${this.weights[bad]} at index ${bad}`);
    const positive = this.weights.filter((w) => w > 0).length;
    if (positive === 0) throw new KilnError(`${op}: weights must have a positive sum (got ${this.weights.length} weights, all zero)`);
    if (!this.replacement && this.numSamples > positive)
      throw new KilnError(`${op}: cannot draw ${this.numSamples} samples without replacement from ${positive} indices of positive weight`);
  }

  get length(): number {
    return this.numSamples;
  }

  *[Symbol.iterator](): Iterator<number> {
    const n = this.weights.length;
    const count = this.replacement ? this.numSamples : n;
    const u = rand([count], { dtype: 'float64', generator: this.generator } as RandomOptions);
    const draws = Array.from(u.data() as Float64Array);
    u.dispose();
    yield* this.replacement ? this.withReplacement(draws) : this.withoutReplacement(draws);
  }

  /** Inverse-CDF lookup of each uniform draw. */
  private withReplacement(draws: readonly number[]): number[] {
    const cdf: number[] = [];
    let total = 0;
    for (const w of this.weights) cdf.push((total += w));
    return draws.map((d) => {
      const target = d * total;
      let lo = 0;
      let hi = cdf.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (cdf[mid] > target) hi = mid;
        else lo = mid + 1;
      }
      return lo;
    });
  }

  /**
   * Efraimidis-Spirakis: item i gets key log(u_i) / w_i and the largest keys win, in order.
   * This has the distribution of drawing one index at a time in proportion to the weights
   * left, with one uniform number per index instead of a loop of renormalised draws.
   */
  private withoutReplacement(draws: readonly number[]): number[] {
    const keys = draws.map((d, i) => (this.weights[i] > 0 ? Math.log(d) / this.weights[i] : -Infinity));
    const order = keys.map((_, i) => i).sort((a, b) => keys[b] - keys[a] || a - b);
    return order.slice(0, this.numSamples);
  }
}

/**
 * Groups the indices of `sampler` into arrays of `batchSize` (the last one shorter unless
 * `dropLast`).
 *
 * @example
 * [...new BatchSampler(new SequentialSampler({ length: 5 }), 2, false)] // [[0, 1], [2, 3], [4]]
 */
export class BatchSampler implements Sampler<number[]> {
  readonly batchSize: number;
  readonly dropLast: boolean;

  constructor(
    readonly sampler: IndexIterable,
    batchSize: number,
    dropLast = false,
  ) {
    this.batchSize = positiveInt('BatchSampler', 'batchSize', batchSize);
    this.dropLast = boolOption('BatchSampler', 'dropLast', dropLast);
  }

  get length(): number {
    return batchCount(lengthOf('BatchSampler.length', this.sampler), this.batchSize, this.dropLast);
  }

  *[Symbol.iterator](): Iterator<number[]> {
    let batch: number[] = [];
    for (const i of this.sampler) {
      batch.push(i);
      if (batch.length === this.batchSize) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0 && !this.dropLast) yield batch;
  }
}

/** How many batches `n` items make. */
export function batchCount(n: number, batchSize: number, dropLast: boolean): number {
  return dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
}
