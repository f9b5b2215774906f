// SPDX-License-Identifier: MIT
/** Scalers against hand values (fitted on training rows only), oneHot, and the stratified train/val/test split. */
import { apportion } from '../../lib/data/apportion';
import { oneHot } from '../../lib/data/prep';
import { MinMaxScaler, StandardScaler } from '../../lib/data/scalers';
import { trainTestSplit } from '../../lib/data/train-test-split';
import { IndexError, KilnError, SerializationError, ShapeError } from '../../lib/errors';
import * as kiln from '../../lib';

const rowsOf = (t: kiln.Tensor) => t.toArray() as number[][];
const expectClose = (actual: number[][], expected: number[][]) =>
  actual.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(expected[i][j], 5)));

describe('StandardScaler', () => {
  // Column 0: 1 3 5, mean 3, population std sqrt(8/3). Column 1 is constant: std 0 -> divided by 1.
  const train = () => kiln.tensor([[1, 10], [3, 10], [5, 10]], { dtype: 'float64' });
  const test_ = () => kiln.tensor([[7, 12], [100, -5]], { dtype: 'float64' });
  const s = Math.sqrt(8 / 3);

  test('fit on train, then transform the test rows with the training statistics', () => {
    const scaler = new StandardScaler().fit(train());
    expect(scaler.mean).toEqual([3, 10]);
    expect(scaler.std[0]).toBeCloseTo(s, 14);
    expect(scaler.std[1]).toBe(0);
    const out = scaler.transform(test_());
    expect(out.dtype).toBe('float64');
    // The test rows' own statistics (mean 53.5, ...) must not enter.
    expectClose(rowsOf(out), [[(7 - 3) / s, 2], [(100 - 3) / s, -15]]);
    expect(scaler.mean).toEqual([3, 10]);
  });

  test('fitTransform gives mean 0 and population std 1 on the training rows', () => {
    expectClose(rowsOf(new StandardScaler().fitTransform(train())), [[-2 / s, 0], [0, 0], [2 / s, 0]]);
  });

  test('inverseTransform undoes transform; integer input becomes float32', () => {
    const scaler = new StandardScaler().fit(train());
    expectClose(rowsOf(scaler.inverseTransform(scaler.transform(test_()))), [[7, 12], [100, -5]]);
    const ints = scaler.transform(kiln.tensor([[3, 11]], { dtype: 'int64' }));
    expect(ints.dtype).toBe('float32');
    expectClose(rowsOf(ints), [[0, 1]]);
  });

  test('NaN values are left out of fit', () => {
    const scaler = new StandardScaler().fit(kiln.tensor([[1], [NaN], [3]]));
    expect(scaler.mean).toEqual([2]);
    expect(scaler.std).toEqual([1]);
  });

  test('toJSON/fromJSON keep the statistics', () => {
    const saved = JSON.parse(JSON.stringify(new StandardScaler().fit(train()).toJSON()));
    expect(saved).toEqual({ kind: 'StandardScaler', mean: [3, 10], std: [s, 0] });
    const restored = StandardScaler.fromJSON(saved);
    expect(restored.nFeatures).toBe(2);
    expectClose(rowsOf(restored.transform(test_())), [[(7 - 3) / s, 2], [(100 - 3) / s, -15]]);
  });

  test('misuse', () => {
    expect(() => new StandardScaler().transform(train())).toThrow('StandardScaler.transform: the scaler is not fitted; call fit(trainingRows) first');
    const scaler = new StandardScaler().fit(train());
    expect(() => scaler.transform(kiln.ones([2, 3]))).toThrow(ShapeError);
    expect(() => scaler.transform(kiln.ones([2, 3]))).toThrow('fitted on 2 features, got a tensor of shape [2, 3]');
    expect(() => new StandardScaler().fit(kiln.ones([4]))).toThrow('expected a 2-d tensor of rows x features, got shape [4]');
    expect(() => new StandardScaler().fit(kiln.ones([0, 2]))).toThrow('expected at least one row');
    expect(() => StandardScaler.fromJSON({ kind: 'MinMaxScaler' })).toThrow(SerializationError);
    expect(() => StandardScaler.fromJSON({ kind: 'StandardScaler', mean: [1], std: ['x'] })).toThrow("'std' should be an array of numbers");
    expect(() => StandardScaler.fromJSON({ kind: 'StandardScaler', mean: [1], std: [] })).toThrow("'mean' has 1 entries but 'std' has 0");
  });
});

describe('MinMaxScaler', () => {
  // Column 0 spans 0..10; column 1 is constant 5.
  const train = () => kiln.tensor([[0, 5], [10, 5], [5, 5]]);

  test('maps the training range onto [0, 1] or a chosen range', () => {
    const unit = new MinMaxScaler().fit(train());
    expect([unit.min, unit.max]).toEqual([[0, 5], [10, 5]]);
    expectClose(rowsOf(unit.transform(kiln.tensor([[2.5, 5], [20, 7]]))), [[0.25, 0], [2, 2]]);
    const sym = new MinMaxScaler({ range: [-1, 1] }).fit(train());
    // -1 + (x - min) * 2 / (max - min); the constant column: -1 + (x - 5) * 2 (its span counts as 1).
    expectClose(rowsOf(sym.transform(kiln.tensor([[2.5, 7], [10, 5]]))), [[-0.5, 3], [1, -1]]);
    expectClose(rowsOf(sym.inverseTransform(sym.transform(kiln.tensor([[2.5, 7]])))), [[2.5, 7]]);
  });

  test('toJSON/fromJSON keep the range', () => {
    const saved = new MinMaxScaler({ range: [-1, 1] }).fit(train()).toJSON();
    expect(saved).toEqual({ kind: 'MinMaxScaler', min: [0, 5], max: [10, 5], range: [-1, 1] });
    expectClose(rowsOf(MinMaxScaler.fromJSON(saved).transform(kiln.tensor([[2.5, 7]]))), [[-0.5, 3]]);
  });

  test('a bad range', () => {
    expect(() => new MinMaxScaler({ range: [1, 1] })).toThrow('range should be [low, high] with low < high, got [1,1]');
  });
});

describe('oneHot', () => {
  test('arrays and tensors, float32 by default', () => {
    const h = oneHot([0, 2, 1], 3);
    expect(h.dtype).toBe('float32');
    expect(h.toArray()).toEqual([[1, 0, 0], [0, 0, 1], [0, 1, 0]]);
    expect(oneHot(kiln.tensor([1, 0], { dtype: 'int64' })).toArray()).toEqual([[0, 1], [1, 0]]);
    expect(oneHot([1], 3, { dtype: 'int64' }).dtype).toBe('int64');
  });

  test('labels outside the classes', () => {
    expect(() => oneHot([0, -1])).toThrow(IndexError);
    expect(() => oneHot([0, 1.5])).toThrow('label 1 is 1.5');
    expect(() => oneHot([0, 3], 3)).toThrow(IndexError);
  });
});

describe('trainTestSplit', () => {
  const check = (parts: { train: number[]; val: number[]; test: number[] }, n: number) => {
    const all = [...parts.train, ...parts.val, ...parts.test];
    expect(all.length).toBe(n);
    expect(new Set(all).size).toBe(n); // disjoint
    expect([...all].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i)); // covers everything
  };

  test('sizes: fractions rounded up for test and validation, the rest for training', () => {
    const s = trainTestSplit(10, { seed: 0 });
    expect([s.train.length, s.val.length, s.test.length]).toEqual([7, 0, 3]); // test ceil(2.5)
    check(s, 10);
    const v = trainTestSplit(10, { testSize: 2, valSize: 0.15, seed: 0 });
    expect([v.train.length, v.val.length, v.test.length]).toEqual([6, 2, 2]);
    check(v, 10);
  });

  test('the same seed gives the same split, another seed another one', () => {
    const a = trainTestSplit(50, { testSize: 0.2, valSize: 0.2, seed: 7 });
    expect(trainTestSplit(50, { testSize: 0.2, valSize: 0.2, seed: 7 })).toEqual(a);
    expect(trainTestSplit(50, { testSize: 0.2, valSize: 0.2, seed: 8 })).not.toEqual(a);
    const g = (seed: number) => new kiln.Generator(seed);
    expect(trainTestSplit(50, { generator: g(3) })).toEqual(trainTestSplit(50, { generator: g(3) }));
  });

  test('stratified: every class split in the same proportions', () => {
    const labels = [...new Array(60).fill(0), ...new Array(30).fill(1), ...new Array(10).fill(2)];
    const s = trainTestSplit(100, { testSize: 0.2, valSize: 0.1, stratify: labels, seed: 1 });
    check(s, 100);
    const perClass = (idx: number[]) => [0, 1, 2].map((c) => idx.filter((i) => labels[i] === c).length);
    expect(perClass(s.test)).toEqual([12, 6, 2]);
    expect(perClass(s.val)).toEqual([6, 3, 1]);
    expect(perClass(s.train)).toEqual([42, 21, 7]);
  });

  test('stratified with uneven shares: each class within 1 item of its share in every part', () => {
    // A small generator of test cases (an LCG), independent of the code under test.
    let state = 12345;
    const next = (m: number) => ((state = (state * 1103515245 + 12345) % 2 ** 31), state % m);
    for (let trial = 0; trial < 60; trial++) {
      const sizes = Array.from({ length: 1 + next(6) }, () => 1 + next(12));
      const labels = sizes.flatMap((c, k) => new Array<number>(c).fill(k * 10)); // classes 0, 10, 20, ...
      const n = labels.length;
      const testSize = (1 + next(4)) / 10;
      const valSize = next(3) / 10;
      if (Math.ceil(testSize * n) + Math.ceil(valSize * n) >= n) continue;
      const s = trainTestSplit(n, { testSize, valSize, stratify: labels, seed: trial });
      check(s, n);
      for (const part of [s.train, s.val, s.test]) {
        sizes.forEach((size, k) => {
          const got = part.filter((i) => labels[i] === k * 10).length;
          expect(Math.abs(got - (size * part.length) / n)).toBeLessThan(1);
        });
      }
    }
  });

  test('apportion keeps every margin where rounding each share alone would not', () => {
    // Three classes of 1 item into parts of 1, 1, 1: each share is 1/3; the margins force one each.
    const counts = apportion([1, 1, 1], [1, 1, 1]);
    expect(counts.map((r) => r.reduce((a, b) => a + b, 0))).toEqual([1, 1, 1]);
    expect([0, 1, 2].map((p) => counts.reduce((a, r) => a + r[p], 0))).toEqual([1, 1, 1]);
    expect(() => apportion([2], [1, 2])).toThrow(KilnError);
  });

  test('tensors are split by rows, x and y alike, stratified by a label tensor', () => {
    const x = kiln.arange(20).reshape([10, 2]);
    const y = kiln.tensor([0, 0, 0, 0, 0, 1, 1, 1, 1, 1], { dtype: 'int64' });
    const parts = trainTestSplit([x, y] as const, { testSize: 0.4, stratify: y, seed: 2 });
    const [xTest, yTest] = parts.test;
    expect(xTest.shape).toEqual([4, 2]);
    expect(rowsOf(xTest)).toEqual(parts.indices.test.map((i) => [2 * i, 2 * i + 1]));
    expect(yTest.toArray()).toEqual(parts.indices.test.map((i) => (i < 5 ? 0 : 1)));
    expect((yTest.toArray() as number[]).filter((c) => c === 1)).toHaveLength(2);
    expect(parts.val[0].shape).toEqual([0, 2]);
  });

  test('bad input', () => {
    expect(() => trainTestSplit(10, { testSize: 0.6, valSize: 0.5 })).toThrow('6 test and 5 validation rows leave no training rows out of 10');
    expect(() => trainTestSplit(10, { testSize: 1.5 })).toThrow('testSize of 1.5 is neither a fraction below 1 nor a whole row count');
    expect(() => trainTestSplit(10, { testSize: -0.1 })).toThrow('testSize should be a fraction in [0, 1) or a row count, got -0.1');
    expect(() => trainTestSplit(0)).toThrow('the number of rows should be a positive integer, got 0');
    expect(() => trainTestSplit(3, { stratify: [0, 1] })).toThrow('stratify has 2 labels for 3 rows');
    expect(() => trainTestSplit([kiln.ones([3, 2]), kiln.ones([4])])).toThrow(ShapeError);
    expect(() => trainTestSplit([] as kiln.Tensor[])).toThrow('expected a row count or a non-empty array of tensors');
  });
});
