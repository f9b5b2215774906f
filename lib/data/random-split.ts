// SPDX-License-Identifier: MIT
/**
 * randomSplit: disjoint random subsets of a dataset covering all of it (torch.utils.data.random_split),
 * reproducible from a seeded Generator.
 */
import { KilnError } from '../errors';
import { defaultGenerator, Generator, randperm } from '../ops/random';
import { takeIndices } from './checks';
import { Dataset, isMapDataset, Subset } from './dataset';

/** Python's math.isclose with its default relative tolerance. */
function isClose(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}

/**
 * The item count of each split. `lengths` are counts summing to `total`, or fractions summing
 * to 1: each fraction gets floor(total * fraction) items and the remainder is handed out one
 * item at a time, round-robin from the first split (PyTorch 1.13+), so 10 items split
 * [0.33, 0.33, 0.34] gives [4, 3, 3].
 */
export function splitLengths(total: number, lengths: readonly number[]): number[] {
  if (!Array.isArray(lengths) || lengths.some((l) => typeof l !== 'number' || Number.isNaN(l)))
    throw new KilnError(`randomSplit: lengths must be an array of numbers, got ${String(lengths)}`);
  const sum = lengths.reduce((a, b) => a + b, 0);
  let counts: number[];
  if (lengths.length > 0 && isClose(sum, 1) && sum <= 1) {
    counts = lengths.map((frac, i) => {
      if (frac < 0 || frac > 1) throw new KilnError(`randomSplit: fraction at index ${i} is ${frac}, not between 0 and 1`);
      return Math.floor(total * frac);
    });
    const remainder = total - counts.reduce((a, b) => a + b, 0);
    for (let i = 0; i < remainder; i++) counts[i % counts.length] += 1;
  } else {
    lengths.forEach((n, i) => {
      if (!Number.isInteger(n) || n < 0)
        throw new KilnError(`randomSplit: length at index ${i} is ${n}; expected non-negative integer counts or fractions summing to 1`);
    });
    counts = lengths.slice();
  }
  const counted = counts.reduce((a, b) => a + b, 0);
  if (counted !== total)
    throw new KilnError(
      `randomSplit: the lengths [${lengths.join(', ')}] sum to ${counted} but the dataset has ${total} items; ` +
        `expected counts summing to ${total} or fractions summing to 1`,
    );
  return counts;
}

/**
 * Splits `dataset` into non-overlapping random Subsets of the given sizes (counts or
 * fractions, see splitLengths). One permutation is drawn from `generator`, so a seeded
 * generator gives the same split on every run.
 *
 * @example
 * const [train, val] = randomSplit(ds, [0.8, 0.2], new Generator().manualSeed(42));
 */
export function randomSplit<T>(dataset: Dataset<T>, lengths: readonly number[], generator: Generator = defaultGenerator): Subset<T>[] {
  if (!isMapDataset(dataset)) throw new KilnError('randomSplit: expected a map-style dataset (with length and get)');
  const counts = splitLengths(dataset.length, lengths);
  const order = takeIndices(randperm(dataset.length, { generator }));
  let start = 0;
  return counts.map((n) => {
    start += n;
    return new Subset(dataset, order.slice(start - n, start));
  });
}
