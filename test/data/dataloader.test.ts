// SPDX-License-Identifier: MIT
// DataLoader, samplers and defaultCollate: batch order and contents written out by hand,
// lengths for every combination of size/batchSize/dropLast, seeded shuffling, the tensor
// fast path against the per-sample path, iterable and async datasets, read-ahead (its overlap
// shown by an event log and by wall time), and the errors for bad options and samples.
import * as kiln from '../../lib';
import { defaultCollate } from '../../lib/data/collate';
import { DataLoader } from '../../lib/data/dataloader';
import { Dataset, IterableDataset, Subset, TensorDataset } from '../../lib/data/dataset';
import {
  BatchSampler, RandomSampler, SequentialSampler, SubsetRandomSampler, WeightedRandomSampler,
} from '../../lib/data/sampler';

type Tensor = kiln.Tensor;
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const numbers = (n: number): Dataset<number> => ({ length: n, get: (i) => i });
const seeded = (seed: number) => new kiln.Generator().manualSeed(seed);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Everything a batch holds, as plain values, to compare batches made in different ways. */
function plain(x: unknown): unknown {
  if (x instanceof kiln.Tensor) return { shape: x.shape, dtype: x.dtype, values: x.toArray() };
  if (Array.isArray(x)) return x.map(plain);
  if (x !== null && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, plain(v)]));
  return x;
}

/** One epoch of a loader over numbers, as arrays of indices. */
const epoch = (loader: Iterable<Tensor>): number[][] => [...loader].map((b) => b.toArray() as number[]);

describe('DataLoader over a map-style dataset', () => {
  test('without shuffle: the items in order, full batches and the final partial one', () => {
    const loader = new DataLoader(numbers(10), { batchSize: 4 });
    const batches = [...loader];
    expect(batches.map((b) => b.dtype)).toEqual(['int64', 'int64', 'int64']);
    expect(epoch(loader)).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    expect(loader.length).toBe(3);
  });

  test('dropLast drops only a short final batch', () => {
    expect(epoch(new DataLoader(numbers(10), { batchSize: 4, dropLast: true }))).toEqual([[0, 1, 2, 3], [4, 5, 6, 7]]);
    expect(epoch(new DataLoader(numbers(8), { batchSize: 4, dropLast: true }))).toEqual([[0, 1, 2, 3], [4, 5, 6, 7]]);
  });

  test('default batchSize is 1', () => {
    expect(epoch(new DataLoader(numbers(3)))).toEqual([[0], [1], [2]]);
  });

  test('length equals the number of batches for every size, batchSize, dropLast and shuffle', () => {
    for (const n of [0, 1, 7, 8, 9])
      for (const batchSize of [1, 3, 8])
        for (const dropLast of [false, true])
          for (const shuffle of n > 0 ? [false, true] : [false]) {
            const loader = new DataLoader(numbers(n), { batchSize, dropLast, shuffle });
            const expected = dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
            expect([n, batchSize, dropLast, shuffle, loader.length]).toEqual([n, batchSize, dropLast, shuffle, expected]);
            expect([...loader]).toHaveLength(expected);
          }
  });

  test('TensorDataset batches: rows stacked along a new first dim', () => {
    const x = kiln.arange(30, { dtype: 'float64' }).reshape([10, 3]); // row r is [3r, 3r+1, 3r+2]
    const y = kiln.arange(10).mul(2); // int64 2r
    const batches = [...new DataLoader(new TensorDataset(x, y), { batchSize: 4 })];
    expect(batches.map(([xb]) => xb.shape)).toEqual([[4, 3], [4, 3], [2, 3]]);
    const [xLast, yLast] = batches[2];
    expect(xLast.toArray()).toEqual([[24, 25, 26], [27, 28, 29]]);
    expect(yLast.toArray()).toEqual([16, 18]);
    expect(yLast.dtype).toBe('int64');
  });

  test('batchSize null yields one unbatched sample at a time (a custom collate sees each sample)', () => {
    const loader = new DataLoader(numbers(3), { batchSize: null });
    expect([...loader]).toEqual([0, 1, 2]);
    expect(loader.length).toBe(3);
    const doubled = new DataLoader<number, number>(numbers(3), { batchSize: null, collate: (s: number) => s * 2 });
    expect([...doubled]).toEqual([0, 2, 4]);
  });

  test('a custom collate gets the list of samples', () => {
    const sums = new DataLoader(numbers(7), { batchSize: 3, collate: (s: number[]) => s.reduce((a, b) => a + b, 0) });
    expect([...sums]).toEqual([0 + 1 + 2, 3 + 4 + 5, 6]);
  });

  test('sampler and batchSampler options set the order', () => {
    expect(epoch(new DataLoader(numbers(5), { sampler: [4, 0, 3, 1, 2], batchSize: 2 }))).toEqual([[4, 0], [3, 1], [2]]);
    const bs = new DataLoader(numbers(5), { batchSampler: [[0, 2], [4], [1, 3]] });
    expect(epoch(bs)).toEqual([[0, 2], [4], [1, 3]]);
    expect(bs.length).toBe(3);
    const viaClass = new DataLoader(numbers(5), { batchSampler: new BatchSampler(new SequentialSampler(numbers(5)), 2, true) });
    expect(epoch(viaClass)).toEqual([[0, 1], [2, 3]]);
    expect(viaClass.length).toBe(2);
  });
});

describe('shuffling', () => {
  const order = (loader: DataLoader<number, Tensor>) => epoch(loader).flat();

  test('every index exactly once per epoch', () => {
    const loader = new DataLoader(numbers(37), { batchSize: 5, shuffle: true, generator: seeded(3) });
    for (let e = 0; e < 3; e++) expect(order(loader).sort((a, b) => a - b)).toEqual(range(37));
  });

  test('reproducible from a seed, new order each epoch, different across seeds', () => {
    const a = new DataLoader(numbers(30), { batchSize: 4, shuffle: true, generator: seeded(10) });
    const b = new DataLoader(numbers(30), { batchSize: 4, shuffle: true, generator: seeded(10) });
    const a1 = order(a);
    const a2 = order(a);
    expect(order(b)).toEqual(a1);
    expect(order(b)).toEqual(a2);
    expect(a2).not.toEqual(a1);
    expect(a1).not.toEqual(range(30));
    expect(order(new DataLoader(numbers(30), { batchSize: 4, shuffle: true, generator: seeded(20) }))).not.toEqual(a1);
  });

  test('without a generator, kiln.manualSeed makes the order reproducible', () => {
    const loader = new DataLoader(numbers(20), { batchSize: 3, shuffle: true });
    kiln.manualSeed(11);
    const first = order(loader);
    kiln.manualSeed(11);
    expect(order(loader)).toEqual(first);
  });

  test('async iteration (with read-ahead) gives the same shuffled order as sync iteration', async () => {
    const sync = order(new DataLoader(numbers(25), { batchSize: 4, shuffle: true, generator: seeded(5) }));
    const loader = new DataLoader(numbers(25), { batchSize: 4, shuffle: true, generator: seeded(5), prefetch: 3 });
    const got: number[] = [];
    for await (const b of loader) got.push(...(b.toArray() as number[]));
    expect(got).toEqual(sync);
  });
});

describe('tensor fast path', () => {
  const x = kiln.randn([13, 2, 3], { generator: seeded(1) } as kiln.TensorOptions);
  const y = kiln.arange(13).remainder(4);
  const mask = kiln.arange(13).remainder(3).eq(0);

  /** The same items behind a plain dataset, which the loader has to fetch one sample at a time. */
  const perSample = <T>(d: Dataset<T>): Dataset<T> => ({ length: d.length, get: (i) => d.get(i) });

  test('batches of a TensorDataset (and of Subsets of one) equal the per-sample batches', () => {
    const ds = new TensorDataset(x, y, mask);
    const sources: Dataset<Tensor[]>[] = [
      ds,
      new Subset(ds, [12, 0, 5, 3, -2, 7, 1]),
      new Subset(new Subset(ds, range(10).reverse()), [1, 3, 5, 8, 9]),
    ];
    for (const source of sources)
      for (const dropLast of [false, true]) {
        const opts = { batchSize: 3, shuffle: true, dropLast };
        const fast = [...new DataLoader(source, { ...opts, generator: seeded(9) })];
        const slow = [...new DataLoader(perSample(source), { ...opts, generator: seeded(9) })];
        expect(fast.length).toBeGreaterThan(0);
        expect(plain(fast)).toEqual(plain(slow));
      }
  });

  test('the fast path does not call get; a custom collate or a subclass goes through get', () => {
    const ds = new TensorDataset(x, y);
    const spy = jest.spyOn(ds, 'get');
    expect([...new DataLoader(ds, { batchSize: 4 })]).toHaveLength(4);
    expect(spy).not.toHaveBeenCalled();
    [...new DataLoader(ds, { batchSize: 4, collate: (s: Tensor[][]) => s.length })];
    expect(spy).toHaveBeenCalledTimes(13);

    class Doubled extends TensorDataset {
      override get(i: number): Tensor[] {
        return super.get(i).map((t) => t.mul(2));
      }
    }
    const [[xb]] = [...new DataLoader(new Doubled(x), { batchSize: 13 })];
    expect(xb.toArray()).toEqual(x.mul(2).toArray());
  });
});

describe('iterable datasets', () => {
  class Count extends IterableDataset<number> {
    constructor(private readonly n: number) {
      super();
    }
    *[Symbol.iterator]() {
      for (let i = 0; i < this.n; i++) yield i;
    }
  }
  class SizedCount extends Count {
    readonly length = 7;
  }
  class AsyncCount extends IterableDataset<number> {
    closed = false;
    async *[Symbol.asyncIterator]() {
      try {
        for (let i = 0; i < 7; i++) {
          await sleep(1);
          yield i;
        }
      } finally {
        this.closed = true;
      }
    }
  }

  test('batches follow the stream; dropLast drops the short tail', () => {
    expect(epoch(new DataLoader(new Count(7), { batchSize: 3 }))).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    expect(epoch(new DataLoader(new Count(7), { batchSize: 3, dropLast: true }))).toEqual([[0, 1, 2], [3, 4, 5]]);
    expect([...new DataLoader(new Count(3), { batchSize: null })]).toEqual([0, 1, 2]);
  });

  test('length throws unless the dataset has one', () => {
    expect(() => new DataLoader(new Count(7), { batchSize: 3 }).length).toThrow(kiln.KilnError);
    expect(new DataLoader(new SizedCount(7), { batchSize: 3 }).length).toBe(3);
    expect(new DataLoader(new SizedCount(7), { batchSize: 3, dropLast: true }).length).toBe(2);
  });

  test('async streams work with for await, in order and with read-ahead, and not with for...of', async () => {
    for (const prefetch of [0, 2]) {
      const got: number[][] = [];
      for await (const b of new DataLoader(new AsyncCount(), { batchSize: 3, prefetch })) got.push(b.toArray() as number[]);
      expect(got).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    }
    expect(() => [...new DataLoader(new AsyncCount(), { batchSize: 3 })]).toThrow(/for await/);
  });

  test('a sync stream also works with for await; leaving early closes the dataset iterator', async () => {
    const got: number[][] = [];
    for await (const b of new DataLoader(new Count(5), { batchSize: 2, prefetch: 1 })) got.push(b.toArray() as number[]);
    expect(got).toEqual([[0, 1], [2, 3], [4]]);
    const stream = new AsyncCount();
    for await (const b of new DataLoader(stream, { batchSize: 2, prefetch: 1 })) {
      expect(b.toArray()).toEqual([0, 1]);
      break;
    }
    // The close waits for the read already in flight ahead of the consumer.
    for (let i = 0; i < 100 && !stream.closed; i++) await sleep(10);
    expect(stream.closed).toBe(true);
  });
});

describe('async datasets and read-ahead', () => {
  /**
   * A dataset whose get waits `ms`, logs when each fetch starts and ends, and adds the time
   * each fetch took to `busy.fetching`.
   */
  function slowDataset(n: number, ms: number, log: string[], busy = { fetching: 0 }): Dataset<Promise<number>> {
    return {
      length: n,
      get: async (i) => {
        const t0 = performance.now();
        log.push(`fetch ${i}`);
        await sleep(ms);
        log.push(`fetched ${i}`);
        busy.fetching += performance.now() - t0;
        return i;
      },
    };
  }

  test('a dataset with an async get: for await gives the batches; for...of throws', async () => {
    const ds = slowDataset(7, 1, []);
    const got: number[][] = [];
    for await (const b of new DataLoader(ds, { batchSize: 3 })) got.push(b.toArray() as number[]);
    expect(got).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    expect(() => [...new DataLoader(ds, { batchSize: 3 })]).toThrow(/for await/);
  });

  /**
   * Runs one epoch of 6 single-item batches with a consumer that takes `ms` per batch; returns
   * the batches, and the time spent fetching and consuming (each summed over batches).
   */
  async function run(prefetch: number, log: string[], ms = 5) {
    const busy = { fetching: 0, consuming: 0 };
    const loader = new DataLoader(slowDataset(6, ms, log, busy), { batchSize: 1, prefetch });
    const got: number[] = [];
    for await (const b of loader) {
      const t0 = performance.now();
      const v = (b.toArray() as number[])[0];
      log.push(`use ${v}`);
      await sleep(ms);
      log.push(`used ${v}`);
      got.push(v);
      busy.consuming += performance.now() - t0;
    }
    return { got, busy };
  }

  /** The most fetches in flight at once, per the log. */
  const maxInFlight = (log: string[]) => {
    let now = 0;
    let most = 0;
    for (const e of log) {
      if (e.startsWith('fetch ')) most = Math.max(most, ++now);
      if (e.startsWith('fetched ')) now--;
    }
    return most;
  };

  test('with prefetch n, later batches are fetched while the consumer works, at most n ahead', async () => {
    const log: string[] = [];
    expect((await run(2, log)).got).toEqual(range(6));
    for (let k = 0; k < 5; k++) expect(log.indexOf(`fetch ${k + 1}`)).toBeLessThan(log.indexOf(`used ${k}`));
    expect(maxInFlight(log)).toBe(3); // the batch awaited next plus two ahead
  });

  test('without prefetch, nothing is fetched while the consumer works', async () => {
    const log: string[] = [];
    expect((await run(0, log)).got).toEqual(range(6));
    for (let k = 0; k < 5; k++) expect(log.indexOf(`fetch ${k + 1}`)).toBeGreaterThan(log.indexOf(`used ${k}`));
    expect(maxInFlight(log)).toBe(1);
  });

  test('overlap shows in wall time: well under the fetch time plus the consumer time', async () => {
    // Fetch 40 ms and consume 40 ms per batch: 480 ms in sequence, about 280 ms overlapped. The
    // bound scales with the measured times, so a loaded machine that stretches every timer
    // stretches it too.
    const start = performance.now();
    const { got, busy } = await run(2, [], 40);
    const elapsed = performance.now() - start;
    expect(got).toEqual(range(6));
    expect(elapsed).toBeLessThan(0.8 * (busy.fetching + busy.consuming));
  });

  test('an error in a fetched batch is raised when the consumer reaches it, after the batches before it', async () => {
    const ds: Dataset<Promise<number>> = {
      length: 12,
      get: async (i) => {
        if (i === 5) throw new Error('bad record 5');
        return i;
      },
    };
    const got: number[][] = [];
    const consume = async () => {
      for await (const b of new DataLoader(ds, { batchSize: 4, prefetch: 2 })) got.push(b.toArray() as number[]);
    };
    await expect(consume()).rejects.toThrow('bad record 5');
    expect(got).toEqual([[0, 1, 2, 3]]);
  });
});

describe('samplers', () => {
  test('SequentialSampler and BatchSampler', () => {
    expect([...new SequentialSampler(numbers(4))]).toEqual([0, 1, 2, 3]);
    const b = new BatchSampler(new SequentialSampler(numbers(5)), 2, false);
    expect([...b]).toEqual([[0, 1], [2, 3], [4]]);
    expect(b.length).toBe(3);
    const d = new BatchSampler(new SequentialSampler(numbers(5)), 2, true);
    expect([...d]).toEqual([[0, 1], [2, 3]]);
    expect(d.length).toBe(2);
  });

  test('RandomSampler: permutations, chained permutations for numSamples > n, and replacement', () => {
    const perm = new RandomSampler(numbers(6), { generator: seeded(1) });
    expect([...perm].sort()).toEqual(range(6));
    const long = [...new RandomSampler(numbers(5), { numSamples: 12, generator: seeded(2) })];
    expect(long).toHaveLength(12);
    expect(long.slice(0, 5).sort()).toEqual(range(5));
    expect(long.slice(5, 10).sort()).toEqual(range(5));
    expect(new Set(long.slice(10)).size).toBe(2);
    const withRepl = new RandomSampler(numbers(5), { replacement: true, numSamples: 50, generator: seeded(3) });
    const draws = [...withRepl];
    expect(withRepl.length).toBe(50);
    expect(draws.every((i) => Number.isInteger(i) && i >= 0 && i < 5)).toBe(true);
    expect(new Set(draws).size).toBe(5); // 50 draws from 5 values miss one with probability < 1e-4; the seed is fixed
  });

  test('SubsetRandomSampler permutes the given indices', () => {
    const s = new SubsetRandomSampler([10, 20, 30, 40], seeded(4));
    expect(s.length).toBe(4);
    expect([...s].sort()).toEqual([10, 20, 30, 40]);
  });

  test('WeightedRandomSampler follows the weights and never draws a zero weight', () => {
    const s = new WeightedRandomSampler([0, 1, 0, 3], 4000, { generator: seeded(5) });
    const draws = [...s];
    expect(draws).toHaveLength(4000);
    expect(draws.filter((i) => i === 0 || i === 2)).toEqual([]);
    // P(3) = 3/4; the standard error of the share over 4000 draws is about 0.007.
    expect(Math.abs(draws.filter((i) => i === 3).length / 4000 - 0.75)).toBeLessThan(0.03);
    const noRepl = [...new WeightedRandomSampler([0, 1, 0, 3], 2, { replacement: false, generator: seeded(6) })];
    expect([...noRepl].sort()).toEqual([1, 3]);
    // Without replacement, the first draw is index 1 (weight 3 of 4) with probability 3/4.
    const g = seeded(100);
    const firsts = range(400).map(() => [...new WeightedRandomSampler([1, 3], 1, { replacement: false, generator: g })][0]);
    expect(Math.abs(firsts.filter((i) => i === 1).length / 400 - 0.75)).toBeLessThan(0.1);
  });

  test('bad sampler arguments throw KilnError', () => {
    expect(() => new BatchSampler([0, 1], 0)).toThrow(kiln.KilnError);
    expect(() => new BatchSampler([0, 1], 1.5)).toThrow(kiln.KilnError);
    expect(() => new RandomSampler(numbers(0))).toThrow(kiln.KilnError);
    expect(() => new RandomSampler(numbers(3), { numSamples: 0 })).toThrow(kiln.KilnError);
    expect(() => new WeightedRandomSampler([0, 1, -1], 2)).toThrow(kiln.KilnError);
    expect(() => new WeightedRandomSampler([0, 0], 2)).toThrow(kiln.KilnError);
    expect(() => new WeightedRandomSampler([0, 1, 1], 3, { replacement: false })).toThrow(kiln.KilnError);
  });
});

describe('defaultCollate', () => {
  const t = (v: number[]) => kiln.tensor(v);

  test('tensors are stacked', () => {
    const b = defaultCollate([t([1, 2]), t([3, 4]), t([5, 6])]);
    expect(b.shape).toEqual([3, 2]);
    expect(b.dtype).toBe('float32');
    expect(b.toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
  });

  test('numbers: int64 when all are integers, float64 otherwise; booleans, bigints and strings', () => {
    expect(plain(defaultCollate([1, 2, 3]))).toEqual({ shape: [3], dtype: 'int64', values: [1, 2, 3] });
    expect(plain(defaultCollate([1, 2.5]))).toEqual({ shape: [2], dtype: 'float64', values: [1, 2.5] });
    expect(plain(defaultCollate([true, false]))).toEqual({ shape: [2], dtype: 'bool', values: [true, false] });
    expect(plain(defaultCollate([3n, 4n]))).toEqual({ shape: [2], dtype: 'int64', values: [3, 4] });
    expect(defaultCollate(['a', 'b'])).toEqual(['a', 'b']);
  });

  test('arrays are collated position by position, nested', () => {
    const batch = defaultCollate([
      [t([1, 2]), 0, ['x', [0.5]]],
      [t([3, 4]), 1, ['y', [1.5]]],
    ] as const);
    expect(plain(batch)).toEqual([
      { shape: [2, 2], dtype: 'float32', values: [[1, 2], [3, 4]] },
      { shape: [2], dtype: 'int64', values: [0, 1] },
      [['x', 'y'], [{ shape: [2], dtype: 'float64', values: [0.5, 1.5] }]],
    ]);
    // PyTorch's rule for lists of numbers: one tensor per position, not a 2-d tensor.
    expect(plain(defaultCollate([[1, 2], [3, 4]]))).toEqual([
      { shape: [2], dtype: 'int64', values: [1, 3] },
      { shape: [2], dtype: 'int64', values: [2, 4] },
    ]);
  });

  test('plain objects are collated key by key; typed arrays become 2-d tensors of their type', () => {
    const batch = defaultCollate([
      { image: new Float32Array([1, 2, 3]), label: 2, name: 'a' },
      { image: new Float32Array([4, 5, 6]), label: 0, name: 'b' },
    ]);
    expect(plain(batch)).toEqual({
      image: { shape: [2, 3], dtype: 'float32', values: [[1, 2, 3], [4, 5, 6]] },
      label: { shape: [2], dtype: 'int64', values: [2, 0] },
      name: ['a', 'b'],
    });
  });

  test('mismatched samples throw errors naming the batch element, its place and the shapes', () => {
    expect(() => defaultCollate([t([1, 2]), t([1, 2, 3])])).toThrow(kiln.ShapeError);
    expect(() => defaultCollate([t([1, 2]), t([1, 2, 3])])).toThrow(/batch element 1 has shape \[3\].*batch element 0 has shape \[2\]/);
    expect(() => defaultCollate([[0, t([1])], [1, t([1, 2])]])).toThrow(/batch element 1 at \[1\] has shape \[2\]/);
    expect(() => defaultCollate([{ a: t([1]) }, { a: t([1, 2]) }])).toThrow(/at \.a/);
    expect(() => defaultCollate([[1, 2], [1]])).toThrow(kiln.ShapeError);
    expect(() => defaultCollate([new Float32Array(2), new Float32Array(3)])).toThrow(kiln.ShapeError);
    expect(() => defaultCollate([t([1]), kiln.tensor([1], { dtype: 'int64' })])).toThrow(kiln.DTypeError);
  });

  test('other bad batches throw KilnError', () => {
    expect(() => defaultCollate([])).toThrow(kiln.KilnError);
    expect(() => defaultCollate([1, 'a'])).toThrow(/batch element 1 is a string but batch element 0 is a number/);
    expect(() => defaultCollate([null, null])).toThrow(kiln.KilnError);
    expect(() => defaultCollate([new Map(), new Map()])).toThrow(/Map/);
    expect(() => defaultCollate([{ a: 1, b: 2 }, { a: 3 }])).toThrow(/no key 'b'/);
  });

  test('a loader over pairs of (tensor, number) collates each position', () => {
    const pairs: Dataset<[Tensor, number]> = { length: 3, get: (i) => [kiln.full([2], i), i % 2] };
    const [[xb, yb]] = [...new DataLoader(pairs, { batchSize: 3 })];
    expect(xb.toArray()).toEqual([[0, 0], [1, 1], [2, 2]]);
    expect(plain(yb)).toEqual({ shape: [3], dtype: 'int64', values: [0, 1, 0] });
  });
});

describe('bad DataLoader options', () => {
  const ds = numbers(10);
  test.each([
    ['batchSize 0', { batchSize: 0 }],
    ['batchSize -1', { batchSize: -1 }],
    ['batchSize 1.5', { batchSize: 1.5 }],
    ['batchSize as a string', { batchSize: '2' as unknown as number }],
    ['prefetch -1', { prefetch: -1 }],
    ['shuffle not a boolean', { shuffle: 1 as unknown as boolean }],
    ['sampler with shuffle', { sampler: [0, 1], shuffle: true }],
    ['batchSampler with batchSize', { batchSampler: [[0]], batchSize: 2 }],
    ['batchSampler with shuffle', { batchSampler: [[0]], shuffle: true }],
    ['batchSampler with sampler', { batchSampler: [[0]], sampler: [0] }],
    ['batchSampler with dropLast', { batchSampler: [[0]], dropLast: true }],
    ['batchSize null with dropLast', { batchSize: null, dropLast: true }],
  ] as Array<[string, object]>)('%s', (_name, opts) => {
    expect(() => new DataLoader(ds, opts)).toThrow(kiln.KilnError);
  });

  test('iterable datasets take no shuffle, sampler or batchSampler; non-datasets are rejected', () => {
    function* gen() {
      yield 1;
    }
    expect(() => new DataLoader(gen(), { shuffle: true })).toThrow(/iterable dataset/);
    expect(() => new DataLoader(gen(), { sampler: [0] })).toThrow(kiln.KilnError);
    expect(() => new DataLoader(gen(), { batchSampler: [[0]] })).toThrow(kiln.KilnError);
    expect(() => new DataLoader(42 as unknown as Dataset<number>)).toThrow(kiln.KilnError);
  });

  test('a batchSampler with batchSize 1 is allowed (the default, as in PyTorch)', () => {
    expect(epoch(new DataLoader(ds, { batchSampler: [[1, 0]], batchSize: 1 }))).toEqual([[1, 0]]);
  });
});
