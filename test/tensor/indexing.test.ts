// SPDX-License-Identifier: MIT
// Indexing ops: gather/scatter, indexSelect/indexAdd, masks, nonzero, take, oneHot,
// triangles, sort/argsort/topk. Expected values are worked out by hand or by the small
// plain-TypeScript references below (never by kiln itself); the NaN and tie rules follow
// PyTorch (stable sort, NaN sorts as the largest value).

import * as kiln from '../../lib';

const L = (data: kiln.TensorData) => kiln.tensor(data, { dtype: 'int64' });

/** Reference stable sort of one row: [values, original indices], NaN counted as largest. */
function refSort(row: number[], descending: boolean): [number[], number[]] {
  const key = (v: number) => (Number.isNaN(v) ? Infinity : v);
  const rank = (v: number) => (Number.isNaN(v) ? 1 : 0); // NaN after +Infinity
  const order = row
    .map((v, i) => i)
    .sort((a, b) => {
      const va = row[a];
      const vb = row[b];
      let c = key(va) === key(vb) ? rank(va) - rank(vb) : key(va) < key(vb) ? -1 : 1;
      if (descending) c = -c;
      return c !== 0 ? c : a - b; // stability: equal keys keep their original order
    });
  return [order.map((i) => row[i]), order];
}

/** Reference triangle mask: keep[i][j] = j - i <= k (tril) or >= k (triu). */
function refTri(m: number[][], k: number, lower: boolean): number[][] {
  return m.map((row, i) => row.map((v, j) => ((lower ? j - i <= k : j - i >= k) ? v : 0)));
}

describe('gather', () => {
  const x = kiln.tensor([[1, 2, 3], [4, 5, 6]]);

  test('along dim 0: out[i][j] = x[index[i][j]][j]', () => {
    const out = x.gather(0, L([[1, 0, 1], [0, 0, 1]]));
    expect(out.toArray()).toEqual([[4, 2, 6], [1, 2, 6]]);
    expect(out.dtype).toBe('float32');
  });

  test('along dim 1 (and -1): out[i][j] = x[i][index[i][j]]', () => {
    expect(x.gather(1, L([[2, 2], [0, 1]])).toArray()).toEqual([[3, 3], [4, 5]]);
    expect(kiln.gather(x, -1, L([[0], [2]])).toArray()).toEqual([[1], [6]]);
  });

  test('index may be smaller than the input in other dims; int32 indices work', () => {
    expect(x.gather(1, kiln.tensor(new Int32Array([1]), {}).reshape(1, 1)).toArray()).toEqual([[2]]);
  });

  test('gather on a non-contiguous input', () => {
    // x.t() = [[1, 4], [2, 5], [3, 6]]
    expect(x.t().gather(1, L([[1], [0], [1]])).toArray()).toEqual([[4], [2], [6]]);
  });

  test('out-of-range and negative indices throw IndexError naming gather', () => {
    expect(() => x.gather(1, L([[3, 0], [0, 0]]))).toThrow(kiln.IndexError);
    expect(() => x.gather(1, L([[3, 0], [0, 0]]))).toThrow(/gather: index 3 is out of bounds/);
    expect(() => x.gather(1, L([[-1, 0], [0, 0]]))).toThrow(/gather/);
    expect(() => x.gather(0, kiln.tensor([[0.5]]))).toThrow(kiln.DTypeError);
  });
});

describe('scatter and scatterAdd', () => {
  test('scatter a value', () => {
    const out = kiln.zeros(2, 3).scatter(1, L([[0], [2]]), 9);
    expect(out.toArray()).toEqual([[9, 0, 0], [0, 0, 9]]);
  });

  test('scatter a tensor: self[index[i][j]][j] = src[i][j] (dim 0)', () => {
    const src = kiln.tensor([[1, 2, 3], [4, 5, 6]]);
    const out = kiln.zeros(3, 3).scatter(0, L([[0, 1, 2], [2, 0, 1]]), src);
    expect(out.toArray()).toEqual([[1, 5, 0], [0, 2, 6], [4, 0, 3]]);
  });

  test('scatter leaves the input alone; scatter_ writes in place', () => {
    const x = kiln.zeros(3);
    const y = x.scatter(0, L([1]), 5);
    expect(x.toArray()).toEqual([0, 0, 0]);
    expect(y.toArray()).toEqual([0, 5, 0]);
    const r = x.scatter_(0, L([2]), 7);
    expect(r).toBe(x);
    expect(x.toArray()).toEqual([0, 0, 7]);
  });

  test("scatter with reduce: 'add' accumulates duplicates onto the input", () => {
    const out = kiln.ones(3).scatter(0, L([0, 0, 2]), kiln.tensor([1, 2, 3]), { reduce: 'add' });
    expect(out.toArray()).toEqual([1 + 1 + 2, 1, 1 + 3]);
  });

  test('scatterAdd sums duplicates', () => {
    const out = kiln.zeros(4).scatterAdd(0, L([1, 1, 1, 3]), kiln.tensor([1, 2, 3, 4]));
    expect(out.toArray()).toEqual([0, 6, 0, 4]);
    // 2-d along dim 1, int64 values.
    const o2 = kiln.zeros([2, 2], { dtype: 'int64' }).scatterAdd(1, L([[0, 0, 1], [1, 1, 1]]), L([[1, 2, 3], [4, 5, 6]]));
    expect(o2.toArray()).toEqual([[3, 3], [0, 15]]);
  });

  test('a src of another dtype is converted to the input dtype', () => {
    const out = kiln.zeros([3], { dtype: 'int64' }).scatter(0, L([0, 2]), kiln.tensor([1.9, -2.9]));
    expect(out.dtype).toBe('int64');
    expect(out.toArray()).toEqual([1, 0, -2]);
  });

  test('out-of-range indices throw IndexError naming the op', () => {
    expect(() => kiln.zeros(4).scatter(0, L([4]), 1)).toThrow(kiln.IndexError);
    expect(() => kiln.zeros(4).scatter(0, L([4]), 1)).toThrow(/scatter/);
    expect(() => kiln.zeros(4).scatterAdd(0, L([-1]), kiln.ones(1))).toThrow(kiln.IndexError);
  });
});

describe('indexSelect and indexAdd', () => {
  const x = kiln.tensor([[1, 2, 3], [4, 5, 6]]);

  test('indexSelect picks (and repeats) slices along a dim', () => {
    expect(x.indexSelect(1, L([2, 0, 2])).toArray()).toEqual([[3, 1, 3], [6, 4, 6]]);
    expect(x.indexSelect(0, L([1])).toArray()).toEqual([[4, 5, 6]]);
    expect(x.indexSelect(0, kiln.tensor(new Int32Array([1, 1]))).toArray()).toEqual([[4, 5, 6], [4, 5, 6]]);
    expect(x.indexSelect(1, L([])).shape).toEqual([2, 0]);
    expect(x.t().indexSelect(0, L([2])).toArray()).toEqual([[3, 6]]);
  });

  test('indexSelect errors', () => {
    expect(() => x.indexSelect(0, L([2]))).toThrow(kiln.IndexError);
    expect(() => x.indexSelect(0, L([2]))).toThrow(/indexSelect: index 2 is out of bounds for dimension 0 with size 2/);
    expect(() => x.indexSelect(0, kiln.tensor([1]))).toThrow(kiln.DTypeError);
    expect(() => x.indexSelect(0, L([[0]]))).toThrow(kiln.ShapeError);
  });

  test('indexAdd adds alpha * source rows, accumulating duplicates', () => {
    const src = kiln.tensor([[1, 1], [2, 2], [3, 3]]);
    const out = kiln.zeros(3, 2).indexAdd(0, L([0, 2, 0]), src, { alpha: 2 });
    // row 0 gets 2 * (1 + 3), row 2 gets 2 * 2.
    expect(out.toArray()).toEqual([[8, 8], [0, 0], [4, 4]]);
    const plain = kiln.ones(2, 3).indexAdd(1, L([1, 1]), kiln.tensor([[1, 2], [3, 4]]));
    expect(plain.toArray()).toEqual([[1, 4, 1], [1, 8, 1]]);
  });

  test('indexAdd out of range throws IndexError naming indexAdd', () => {
    expect(() => kiln.zeros(3, 2).indexAdd(0, L([3]), kiln.ones(1, 2))).toThrow(/indexAdd/);
    expect(() => kiln.zeros(3, 2).indexAdd(0, L([3]), kiln.ones(1, 2))).toThrow(kiln.IndexError);
  });
});

describe('masks', () => {
  const x = kiln.tensor([[1, 2, 3], [4, 5, 6]]);

  test('maskedFill with a broadcast mask and a scalar or 0-d tensor value', () => {
    expect(x.maskedFill(kiln.tensor([true, false, true]), -1).toArray()).toEqual([[-1, 2, -1], [-1, 5, -1]]);
    expect(x.maskedFill(kiln.tensor([[true], [false]]), kiln.tensor(7)).toArray()).toEqual([[7, 7, 7], [4, 5, 6]]);
    expect(x.maskedFill(x.gt(4), 0).toArray()).toEqual([[1, 2, 3], [4, 0, 0]]);
    expect(x.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
  });

  test('maskedFill keeps the input dtype, converting the value (as PyTorch does)', () => {
    const ints = L([1, 2]).maskedFill(kiln.tensor([true, false]), 2.5);
    expect([ints.dtype, ints.toArray()]).toEqual(['int64', [2, 2]]);
    // Beyond 2^53 nothing may pass through float32 on the way.
    const big = kiln.tensor([2n ** 40n + 1n, 3n]).maskedFill(kiln.tensor([false, true]), 2.5);
    expect(Array.from(big.data() as BigInt64Array)).toEqual([2n ** 40n + 1n, 2n]);
    const bools = kiln.tensor([true, false]).maskedFill(kiln.tensor([false, true]), 1);
    expect([bools.dtype, bools.toArray()]).toEqual(['bool', [true, true]]);
    const i32 = kiln.tensor(new Int32Array([1, 2])).maskedFill(kiln.tensor([true, false]), kiln.tensor(2.5));
    expect([i32.dtype, i32.toArray()]).toEqual(['int32', [2, 2]]);
  });

  test('maskedFill errors', () => {
    expect(() => L([1]).maskedFill(kiln.tensor([true]), NaN)).toThrow(kiln.DTypeError);
    expect(() => x.maskedFill(kiln.tensor([1, 0, 1]), 0)).toThrow(kiln.DTypeError);
    expect(() => x.maskedFill(kiln.ones([2, 2, 3], { dtype: 'bool' }), 0)).toThrow(kiln.ShapeError);
  });

  test('maskedSelect: row-major order, broadcasting both ways', () => {
    expect(x.maskedSelect(kiln.tensor([false, true, true])).toArray()).toEqual([2, 3, 5, 6]);
    // x [2] broadcast against mask [2, 2].
    const m = kiln.tensor([[true, false], [true, true]]);
    expect(kiln.tensor([1, 2]).maskedSelect(m).toArray()).toEqual([1, 1, 2]);
    expect(x.maskedSelect(kiln.zeros([2, 3], { dtype: 'bool' })).shape).toEqual([0]);
  });

  test('nonzero: one row of coordinates per nonzero element, int64', () => {
    const nz = kiln.tensor([[0, 1], [2, 0]]).nonzero();
    expect(nz.dtype).toBe('int64');
    expect(nz.toArray()).toEqual([[0, 1], [1, 0]]);
    expect(kiln.tensor([0, 3, 0, 4]).nonzero().toArray()).toEqual([[1], [3]]);
    expect(kiln.tensor([true, false, true]).nonzero().toArray()).toEqual([[0], [2]]);
    expect(kiln.zeros(2, 2).nonzero().shape).toEqual([0, 2]);
    // A 0-d nonzero tensor has one match and no coordinates.
    expect(kiln.tensor(5).nonzero().shape).toEqual([1, 0]);
    // Non-contiguous input: coordinates are in the view's logical order.
    expect(kiln.tensor([[0, 1], [2, 0]]).t().nonzero().toArray()).toEqual([[0, 1], [1, 0]]);
    expect(kiln.tensor([[0, 1], [0, 2]]).t().nonzero().toArray()).toEqual([[1, 0], [1, 1]]);
  });
});

describe('take', () => {
  const x = kiln.tensor([[1, 2, 3], [4, 5, 6]]);

  test('reads x as flat; the result has the index shape; negative indices count from the end', () => {
    expect(x.take(L([0, -1, 4])).toArray()).toEqual([1, 6, 5]);
    expect(x.take(L([[5, 0], [-6, 3]])).toArray()).toEqual([[6, 1], [1, 4]]);
    expect(x.t().take(L([1])).toArray()).toEqual([4]);
  });

  test('out-of-range indices throw IndexError naming take and the index as given', () => {
    expect(() => x.take(L([6]))).toThrow(kiln.IndexError);
    expect(() => x.take(L([6]))).toThrow(/take: index 6 is out of range/);
    expect(() => x.take(L([0, -7]))).toThrow(/take: index -7 is out of range/);
  });
});

describe('oneHot', () => {
  test('infers the class count from the largest label', () => {
    const o = kiln.oneHot(L([0, 2, 1]));
    expect(o.dtype).toBe('int64');
    expect(o.toArray()).toEqual([[1, 0, 0], [0, 0, 1], [0, 1, 0]]);
  });

  test('explicit class count and extra dims', () => {
    expect(kiln.oneHot(L([[0], [2]]), 4).toArray()).toEqual([[[1, 0, 0, 0]], [[0, 0, 1, 0]]]);
  });

  test('bad labels', () => {
    expect(() => kiln.oneHot(L([0, 3]), 3)).toThrow(kiln.IndexError);
    expect(() => kiln.oneHot(L([0, 3]), 3)).toThrow(/oneHot/);
    expect(() => kiln.oneHot(L([-1]), 3)).toThrow(kiln.IndexError);
    expect(() => kiln.oneHot(kiln.tensor([0.0]))).toThrow(kiln.DTypeError);
  });
});

describe('tril and triu', () => {
  // m = [[1..4], [5..8], [9..12]]
  const rows = [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]];
  const m = kiln.tensor(rows, { dtype: 'int64' });

  test.each([-3, -1, 0, 1, 2, 4])('diagonal %i', (k) => {
    expect(m.tril(k).toArray()).toEqual(refTri(rows, k, true));
    expect(m.triu(k).toArray()).toEqual(refTri(rows, k, false));
  });

  test('hand-checked cases', () => {
    expect(m.tril().toArray()).toEqual([[1, 0, 0, 0], [5, 6, 0, 0], [9, 10, 11, 0]]);
    expect(m.triu(1).toArray()).toEqual([[0, 2, 3, 4], [0, 0, 7, 8], [0, 0, 0, 12]]);
    expect(m.tril(-1).toArray()).toEqual([[0, 0, 0, 0], [5, 0, 0, 0], [9, 10, 0, 0]]);
  });

  test('batched: applies to the last two dims', () => {
    const b = kiln.stack([m, m.mul(-1)]);
    expect(b.tril().toArray()).toEqual([refTri(rows, 0, true), refTri(rows.map((r) => r.map((v) => -v)), 0, true)]);
    expect(kiln.ones(2, 2, 2).triu().toArray()).toEqual([[[1, 1], [0, 1]], [[1, 1], [0, 1]]]);
    expect(kiln.triu(m.t(), 1).toArray()).toEqual(refTri([[1, 5, 9], [2, 6, 10], [3, 7, 11], [4, 8, 12]], 1, false));
  });

  test('keeps the dtype; needs 2 dims', () => {
    expect(m.tril().dtype).toBe('int64');
    expect(kiln.tensor([[true, true], [true, true]]).tril().toArray()).toEqual([[true, false], [true, true]]);
    expect(() => kiln.tensor([1, 2]).tril()).toThrow(kiln.ShapeError);
  });
});

describe('sort and argsort', () => {
  // [description, values, descending]
  const rows: Array<[string, number[], boolean]> = [
    ['ascending with ties (stable)', [3, 1, 2, 1], false],
    ['descending with ties (stable)', [3, 1, 2, 1, 3], true],
    ['NaN last ascending', [3, NaN, 1, NaN, 2], false],
    ['NaN first descending', [3, NaN, 1, NaN, 2], true],
    ['infinities around NaN', [Infinity, NaN, -Infinity, 0], false],
    ['infinities around NaN, descending', [Infinity, NaN, -Infinity, 0], true],
    ['negative zero ties with zero', [0, -0, 0, -1], false],
    ['already sorted', [1, 2, 3, 4, 5], false],
    ['single element', [42], true],
  ];

  test.each(rows)('%s', (_name, values, descending) => {
    const { values: v, indices: i } = kiln.tensor(values).sort(-1, { descending });
    const [ev, ei] = refSort(values.map(Math.fround), descending);
    expect(v.toArray()).toEqual(ev);
    expect(i.toArray()).toEqual(ei);
    expect(i.dtype).toBe('int64');
    expect(kiln.tensor(values).argsort(-1, { descending }).toArray()).toEqual(ei);
  });

  test('PyTorch reference: NaN placement (torch.sort(stable=True))', () => {
    const t = kiln.tensor([3, NaN, 1, NaN, 2]);
    expect(t.sort().indices.toArray()).toEqual([2, 4, 0, 1, 3]);
    expect(t.sort(0, { descending: true }).indices.toArray()).toEqual([1, 3, 0, 4, 2]);
  });

  test('long rows match the reference sort (random values with many ties)', () => {
    kiln.manualSeed(11);
    const raw = kiln.randint(0, 20, [3, 257]);
    const data = (raw.toArray() as number[][]).map((r) => r.map((v, j) => (j % 50 === 7 ? NaN : v)));
    const x = kiln.tensor(data, { dtype: 'float64' });
    for (const descending of [false, true]) {
      const { values, indices } = x.sort(1, { descending });
      const ref = data.map((r) => refSort(r, descending));
      expect(values.toArray()).toEqual(ref.map((r) => r[0]));
      expect(indices.toArray()).toEqual(ref.map((r) => r[1]));
    }
  });

  test('along dim 0, for int and bool dtypes, on a non-contiguous input', () => {
    const r = kiln.tensor([[3, 1], [1, 2], [2, 0]]).sort(0);
    expect(r.values.toArray()).toEqual([[1, 0], [2, 1], [3, 2]]);
    expect(r.indices.toArray()).toEqual([[1, 2], [2, 0], [0, 1]]);
    const ints = L([5, -3, 0]).sort();
    expect([ints.values.dtype, ints.values.toArray(), ints.indices.toArray()]).toEqual(['int64', [-3, 0, 5], [1, 2, 0]]);
    const b = kiln.tensor([true, false, true]).sort();
    expect([b.values.toArray(), b.indices.toArray()]).toEqual([[false, true, true], [1, 0, 2]]);
    const nc = kiln.tensor([[3, 1], [1, 2], [2, 0]]).t().sort(-1);
    expect(nc.values.toArray()).toEqual([[1, 2, 3], [0, 1, 2]]);
    expect(nc.indices.toArray()).toEqual([[1, 2, 0], [2, 0, 1]]);
  });

  test('sort of a 0-d tensor; a bad dim', () => {
    const s = kiln.tensor(3).sort();
    expect([s.values.item(), s.indices.item()]).toEqual([3, 0]);
    expect(() => kiln.tensor([1, 2]).sort(1)).toThrow(kiln.IndexError);
  });
});

describe('topk', () => {
  test('largest (default), sorted', () => {
    const r = kiln.tensor([1, 5, 3, 4, 2]).topk(3);
    expect(r.values.toArray()).toEqual([5, 4, 3]);
    expect(r.indices.toArray()).toEqual([1, 3, 2]);
  });

  test('smallest', () => {
    const r = kiln.tensor([4, 0, 3, 1, 2]).topk(2, -1, { largest: false });
    expect(r.values.toArray()).toEqual([0, 1]);
    expect(r.indices.toArray()).toEqual([1, 3]);
  });

  test('along a dim of a 2-d tensor', () => {
    const r = kiln.tensor([[1, 5, 3], [9, 0, 4]]).topk(2, 1);
    expect(r.values.shape).toEqual([2, 2]);
    expect(r.values.toArray()).toEqual([[5, 3], [9, 4]]);
    expect(r.indices.toArray()).toEqual([[1, 2], [0, 2]]);
    const c = kiln.tensor([[1, 5, 3], [9, 0, 4]]).topk(1, 0, { largest: false });
    expect(c.values.toArray()).toEqual([[1, 0, 3]]);
    expect(c.indices.toArray()).toEqual([[0, 1, 0]]);
  });

  test('NaN counts as the largest value (as in PyTorch)', () => {
    const t = kiln.tensor([1, NaN, 3]);
    const big = t.topk(2);
    expect(big.values.toArray()).toEqual([NaN, 3]);
    expect(big.indices.toArray()).toEqual([1, 2]);
    const small = t.topk(2, -1, { largest: false });
    expect(small.values.toArray()).toEqual([1, 3]);
    expect(small.indices.toArray()).toEqual([0, 2]);
  });

  test('k = 0 and k = size; k out of range throws IndexError naming topk', () => {
    expect(kiln.tensor([2, 1]).topk(0).values.shape).toEqual([0]);
    expect(kiln.tensor([2, 1, 3]).topk(3).values.toArray()).toEqual([3, 2, 1]);
    expect(() => kiln.tensor([1, 5, 3]).topk(4)).toThrow(kiln.IndexError);
    expect(() => kiln.tensor([1, 5, 3]).topk(4)).toThrow(/topk: k \(4\) is out of range/);
  });
});
