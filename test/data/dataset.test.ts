// SPDX-License-Identifier: MIT
// Datasets and randomSplit: TensorDataset rows, Subset and ConcatDataset indexing (negative
// indices included), randomSplit sizes (PyTorch's fraction rounding worked out by hand),
// disjointness, coverage and reproducibility, and the errors for bad input.
import * as kiln from '../../lib';
import { ConcatDataset, Dataset, IterableDataset, Subset, TensorDataset } from '../../lib/data/dataset';
import { randomSplit, splitLengths } from '../../lib/data/random-split';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** A dataset whose item i is i * 10, to tell positions from values. */
const tens = (n: number): Dataset<number> => ({ length: n, get: (i) => i * 10 });

/** The items of a map-style dataset in index order. */
const itemsOf = <T>(d: Dataset<T>): T[] => range(d.length).map((i) => d.get(i));

describe('TensorDataset', () => {
  const x = kiln.arange(12, { dtype: 'float64' }).reshape([6, 2]); // row r is [2r, 2r + 1]
  const y = kiln.tensor([5, 4, 3, 2, 1, 0], { dtype: 'int64' });
  const ds = new TensorDataset(x, y);

  test('length, tensors, and the i-th rows of every tensor', () => {
    expect(ds.length).toBe(6);
    expect(ds.tensors).toHaveLength(2);
    expect(ds.tensors[0]).toBe(x);
    expect(ds.tensors[1]).toBe(y);
    const [xr, yr] = ds.get(2);
    expect(xr.shape).toEqual([2]);
    expect(xr.toArray()).toEqual([4, 5]);
    expect(yr.shape).toEqual([]);
    expect(yr.item()).toBe(3);
    expect(yr.dtype).toBe('int64');
  });

  test('negative indices count from the end; out of range and fractional indices throw IndexError', () => {
    expect(ds.get(-1)[0].toArray()).toEqual([10, 11]);
    expect(ds.get(-6)[1].item()).toBe(5);
    expect(() => ds.get(6)).toThrow(kiln.IndexError);
    expect(() => ds.get(-7)).toThrow(kiln.IndexError);
    expect(() => ds.get(1.5)).toThrow(kiln.IndexError);
  });

  test('tensors with different first dims throw a ShapeError naming both shapes', () => {
    expect(() => new TensorDataset(kiln.zeros([4, 2]), kiln.zeros([5]))).toThrow(kiln.ShapeError);
    expect(() => new TensorDataset(kiln.zeros([4, 2]), kiln.zeros([5]))).toThrow(/\[4, 2\].*\[5\]/);
    expect(() => new TensorDataset()).toThrow(kiln.KilnError);
    expect(() => new TensorDataset(kiln.tensor(1))).toThrow(kiln.ShapeError);
  });
});

describe('Subset', () => {
  test('maps its positions to the given indices, in their order', () => {
    const s = new Subset(tens(10), [3, 0, -1]);
    expect(s.length).toBe(3);
    expect(itemsOf(s)).toEqual([30, 0, 90]);
    expect(s.get(-1)).toBe(90);
    expect(s.indices).toEqual([3, 0, 9]);
  });

  test('a Subset of a Subset composes the index maps', () => {
    const s = new Subset(new Subset(tens(10), [9, 8, 7, 6]), [1, 3]);
    expect(itemsOf(s)).toEqual([80, 60]);
  });

  test('indices outside the dataset fail at construction; positions outside the subset at get', () => {
    expect(() => new Subset(tens(10), [2, 10])).toThrow(kiln.IndexError);
    expect(() => new Subset(tens(10), [2, 10])).toThrow(/10/);
    expect(() => new Subset(tens(3), [0]).get(1)).toThrow(kiln.IndexError);
  });
});

describe('ConcatDataset', () => {
  const letters = (p: string, n: number): Dataset<string> => ({ length: n, get: (i) => `${p}${i}` });
  const cat = new ConcatDataset([letters('a', 3), letters('b', 0), letters('c', 2)]);

  test('joins the datasets end to end, skipping empty ones', () => {
    expect(cat.length).toBe(5);
    expect(cat.cumulativeSizes).toEqual([3, 3, 5]);
    expect(itemsOf(cat)).toEqual(['a0', 'a1', 'a2', 'c0', 'c1']);
  });

  test('negative indices as in PyTorch, and IndexError out of range', () => {
    expect(cat.get(-1)).toBe('c1');
    expect(cat.get(-5)).toBe('a0');
    expect(() => cat.get(5)).toThrow(kiln.IndexError);
    expect(() => cat.get(-6)).toThrow(kiln.IndexError);
  });

  test('binary search agrees with a linear scan over many pieces', () => {
    const sizes = [1, 4, 0, 2, 7, 1, 0, 3];
    const big = new ConcatDataset(sizes.map((n, k) => letters(`p${k}-`, n)));
    const expected = sizes.flatMap((n, k) => range(n).map((i) => `p${k}-${i}`));
    expect(itemsOf(big)).toEqual(expected);
  });

  test('an empty list or an iterable dataset is rejected', () => {
    expect(() => new ConcatDataset([])).toThrow(kiln.KilnError);
    class Stream extends IterableDataset<string> {
      *[Symbol.iterator]() {
        yield 'x';
      }
    }
    expect(() => new ConcatDataset([letters('a', 1), new Stream() as unknown as Dataset<string>])).toThrow(/dataset 1/);
  });
});

describe('IterableDataset', () => {
  test('a subclass must implement one of the iterator methods', () => {
    class Nothing extends IterableDataset<number> {}
    expect(() => new Nothing()).toThrow(kiln.KilnError);
    class Numbers extends IterableDataset<number> {
      *[Symbol.iterator]() {
        yield* [1, 2];
      }
    }
    expect([...new Numbers()]).toEqual([1, 2]);
  });
});

describe('randomSplit', () => {
  test('fractions: floor each share, then hand the remainder out round-robin from the first split', () => {
    // 10 * [0.33, 0.33, 0.34] = [3.3, 3.3, 3.4] -> floors [3, 3, 3], 1 left over -> the first split.
    expect(splitLengths(10, [0.33, 0.33, 0.34])).toEqual([4, 3, 3]);
    // 7 * [0.5, 0.5] -> [3, 3] + 1 -> [4, 3].
    expect(splitLengths(7, [0.5, 0.5])).toEqual([4, 3]);
    // 11 * [0.1, 0.1, 0.8] = [1.1, 1.1, 8.8] -> [1, 1, 8], 1 left -> [2, 1, 8].
    expect(splitLengths(11, [0.1, 0.1, 0.8])).toEqual([2, 1, 8]);
    // 3 * [0.25, 0.25, 0.25, 0.25] -> all 0, 3 left -> [1, 1, 1, 0].
    expect(splitLengths(3, [0.25, 0.25, 0.25, 0.25])).toEqual([1, 1, 1, 0]);
    // counts pass through unchanged
    expect(splitLengths(10, [3, 7])).toEqual([3, 7]);
  });

  test('sizes, disjointness and coverage of the subsets', () => {
    const parts = randomSplit(tens(10), [0.33, 0.33, 0.34], new kiln.Generator().manualSeed(1));
    expect(parts.map((p) => p.length)).toEqual([4, 3, 3]);
    const all = parts.flatMap((p) => [...p.indices]);
    expect([...all].sort((a, b) => a - b)).toEqual(range(10));
    expect(parts.every((p) => itemsOf(p).every((v, k) => v === p.indices[k] * 10))).toBe(true);
  });

  test('the same seed gives the same split; another seed a different one', () => {
    const split = (seed: number) => randomSplit(tens(50), [20, 30], new kiln.Generator().manualSeed(seed)).map((p) => p.indices);
    expect(split(42)).toEqual(split(42));
    expect(split(43)).not.toEqual(split(42));
    kiln.manualSeed(5);
    const a = randomSplit(tens(50), [0.5, 0.5]).map((p) => p.indices);
    kiln.manualSeed(5);
    expect(randomSplit(tens(50), [0.5, 0.5]).map((p) => p.indices)).toEqual(a);
  });

  test('lengths that do not add up, negative counts and fractions out of [0, 1] throw KilnError', () => {
    expect(() => randomSplit(tens(10), [3, 6])).toThrow(kiln.KilnError);
    expect(() => randomSplit(tens(10), [3, 6])).toThrow(/sum to 9.*10 items/);
    expect(() => randomSplit(tens(10), [0.5, 0.6])).toThrow(kiln.KilnError);
    expect(() => randomSplit(tens(10), [-2, 12])).toThrow(kiln.KilnError);
    expect(() => randomSplit(tens(10), [-0.5, 1.5])).toThrow(/between 0 and 1/);
    expect(() => randomSplit({} as Dataset<number>, [1])).toThrow(kiln.KilnError);
  });
});
