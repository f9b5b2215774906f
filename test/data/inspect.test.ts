// SPDX-License-Identifier: MIT
/** describe, info, head/tail/sampleRows and classBalance against values worked out by hand. */
import { classBalance, UNBALANCED_SHARE } from '../../lib/data/class-balance';
import { describe as describeData, head, info, sampleRowIndices, sampleRows, tail } from '../../lib/data/inspect';
import { Table } from '../../lib/data/table';
import { KilnError, ShapeError } from '../../lib/errors';
import * as kiln from '../../lib';

// x: 1 2 3 4 10; y: 2 NaN 4 6 8 (NaN skipped); name: text, left out of describe.
const small = () => new Table({ x: [1, 2, 3, 4, 10], y: [2, NaN, 4, 6, 8], name: ['ab', 'c', '', 'def', 'g'] });

describe('describe', () => {
  test('count, mean, sample std, min, linear-interpolated quartiles, max', () => {
    const d = describeData(small());
    expect(d.columns).toEqual(['x', 'y']);
    const x = d.get('x');
    // mean 20/5 = 4; squared deviations 9+4+1+0+36 = 50, std = sqrt(50/4); quartiles at ranks 1, 2, 3 of 0..4.
    expect(x.count).toBe(5);
    expect(x.mean).toBe(4);
    expect(x.std).toBeCloseTo(Math.sqrt(12.5), 12);
    expect([x.min, x['25%'], x['50%'], x['75%'], x.max]).toEqual([1, 2, 3, 4, 10]);
    const y = d.get('y');
    // 2 4 6 8: mean 5, squared deviations 9+1+1+9 = 20, std = sqrt(20/3);
    // quartile ranks 0.75, 1.5, 2.25 -> 2+0.75*2, 4+0.5*2, 6+0.25*2.
    expect(y.count).toBe(4);
    expect(y.mean).toBe(5);
    expect(y.std).toBeCloseTo(Math.sqrt(20 / 3), 12);
    expect([y.min, y['25%'], y['50%'], y['75%'], y.max]).toEqual([2, 3.5, 5, 6.5, 8]);
  });

  test('prints one line per column', () => {
    expect(describeData(small()).toString()).toBe(
      [
        '   count  mean      std  min  25%  50%  75%  max',
        'x      5     4  3.53553    1  2.0    3  4.0   10',
        'y      4     5  2.58199    2  3.5    5  6.5    8',
      ].join('\n'),
    );
  });

  test('a tensor is described column by column; a single value has no std', () => {
    const d = describeData(kiln.tensor([[1, 10], [3, 30]]));
    expect(d.columns).toEqual(['0', '1']);
    expect(d.get('1').mean).toBe(20);
    expect(d.get('0').std).toBeCloseTo(Math.SQRT2, 6);
    expect(describeData(kiln.tensor([7])).get('0').std).toBeNaN();
  });

  test('nothing numeric, or an unknown column', () => {
    expect(() => describeData(new Table({ s: ['a'] }))).toThrow("describe: no numeric columns to describe among ['s']");
    expect(() => describeData(small()).get('name')).toThrow("no column 'name'");
    expect(() => describeData(kiln.zeros([2, 2, 2]))).toThrow(ShapeError);
  });
});

describe('info', () => {
  test('rows, kinds, non-missing counts and memory', () => {
    const i = info(small());
    expect(i.rows).toBe(5);
    expect(i.columns).toEqual([
      { name: 'x', dtype: 'float64', nonNull: 5 },
      { name: 'y', dtype: 'float64', nonNull: 4 },
      { name: 'name', dtype: 'string', nonNull: 4 },
    ]);
    // 2 number columns x 5 rows x 8 bytes + (2+1+0+3+1) characters x 2 bytes.
    expect(i.memoryBytes).toBe(80 + 14);
    expect(i.toString()).toBe(
      ['Table: 5 rows x 3 columns', '#  column  non-null  dtype', '0  x              5  float64', '1  y              4  float64', '2  name           4  string', 'memory: 94 B'].join('\n'),
    );
  });
});

describe('head, tail, sampleRows', () => {
  const t = new Table({ v: Array.from({ length: 30 }, (_, i) => i * 10) });

  test('tables keep their row numbers; tensors give rows along dim 0', () => {
    expect(head(t, 3).index).toEqual([0, 1, 2]);
    expect(Array.from(tail(t, 2).column('v') as Float64Array)).toEqual([280, 290]);
    const x = kiln.arange(12).reshape([6, 2]);
    expect(head(x, 2).toArray()).toEqual([[0, 1], [2, 3]]);
    expect(tail(x).toArray()).toEqual([[2, 3], [4, 5], [6, 7], [8, 9], [10, 11]]);
    expect(head(x, 100).shape).toEqual([6, 2]);
    expect(() => head(t, -1)).toThrow('head: n should be a non-negative integer, got -1');
  });

  test('sampleRows takes a third from the start, the middle and the end, reproducibly', () => {
    const rows = sampleRowIndices(30, { n: 6, seed: 3 });
    expect(rows).toEqual([...rows].sort((a, b) => a - b));
    expect(new Set(rows).size).toBe(6);
    expect(rows.filter((r) => r < 10)).toHaveLength(2);
    expect(rows.filter((r) => r >= 10 && r < 20)).toHaveLength(2);
    expect(rows.filter((r) => r >= 20)).toHaveLength(2);
    expect(sampleRowIndices(30, { n: 6, seed: 3 })).toEqual(rows);
    const picked = sampleRows(t, { n: 6, seed: 3 });
    expect(picked.index).toEqual(rows);
    expect(Array.from(picked.column('v') as Float64Array)).toEqual(rows.map((r) => r * 10));
    const x = kiln.arange(30);
    expect(sampleRows(x, { n: 6, seed: 3 }).toArray()).toEqual(rows);
  });

  test('small data: all rows, or what the parts can give', () => {
    expect(sampleRowIndices(4, { n: 9 })).toEqual([0, 1, 2, 3]);
    const five = sampleRowIndices(5, { n: 4, seed: 1 });
    expect(five).toHaveLength(4);
    expect(new Set(five).size).toBe(4);
    expect(five.every((r) => r >= 0 && r < 5)).toBe(true);
  });
});

describe('classBalance', () => {
  test('counts and fractions sorted by class; an unbalanced warning', () => {
    const b = classBalance([2, 0, 1, 0, 1, 0]);
    expect(b.classes).toEqual([0, 1, 2]);
    expect(b.counts).toEqual([3, 2, 1]);
    expect(b.fractions).toEqual([3 / 6, 2 / 6, 1 / 6]);
    // smallest share 1/6 against an even share 1/3: 0.5 < 0.8.
    expect(b.smallestShare).toBeCloseTo(0.5, 12);
    expect(b.unbalanced).toBe(true);
    expect(b.majorityBaseline).toBe(0.5);
    expect(b.warning).toBe(
      "warning: unbalanced classes: the smallest class '2' has 1 of 6 rows (16.7%, below 0.8 of an even share of 33.3%); " +
        "accuracy alone can mislead: always answering '0' scores 50.0%",
    );
    expect(b.toString()).toBe(['class  count  fraction', '0          3     50.0%', '1          2     33.3%', '2          1     16.7%', b.warning].join('\n'));
  });

  test('the documented rule on the bundled data sets\' counts', () => {
    expect(UNBALANCED_SHARE).toBe(0.8);
    const repeat = (counts: number[]) => counts.flatMap((c, k) => new Array<number>(c).fill(k));
    expect(classBalance(repeat([212, 357])).unbalanced).toBe(true); // 212/569 = 0.373 of rows, 0.745 of an even share
    expect(classBalance(repeat([59, 71, 48])).unbalanced).toBe(false); // 48/178 * 3 = 0.809
    expect(classBalance(repeat([50, 50, 50])).warning).toBeNull();
    expect(classBalance(repeat([59, 71, 48]), { threshold: 0.9 }).unbalanced).toBe(true);
  });

  test('strings, tensors and class names', () => {
    const s = classBalance(['b', 'a', 'b', 'c']);
    expect(s.classes).toEqual(['a', 'b', 'c']);
    expect(s.counts).toEqual([1, 2, 1]);
    const t = classBalance(kiln.tensor([1, 1, 0], { dtype: 'int64' }), { classNames: ['malignant', 'benign'] });
    expect(t.names).toEqual(['malignant', 'benign']);
    expect(t.counts).toEqual([1, 2]);
  });

  test('bad labels', () => {
    expect(() => classBalance([])).toThrow('classBalance: no labels given');
    expect(() => classBalance([1, 'a'] as unknown as number[])).toThrow('labels must be all numbers or all strings');
    expect(() => classBalance([0, NaN])).toThrow('label 1 is NaN');
    expect(() => classBalance(kiln.zeros([2, 2]))).toThrow(ShapeError);
    expect(() => classBalance([0, 3], { classNames: ['a', 'b'] })).toThrow(KilnError);
    expect(() => classBalance([0], { threshold: 2 })).toThrow('threshold should be between 0 and 1');
  });
});
