// SPDX-License-Identifier: MIT
// View ops (reshape, permute, expand, narrow, indexing, splits...), joins (cat, stack) and
// conversions. Every view's shape, strides and offset are checked against values worked out
// by hand, and its elements against a reference that reads the base's flat data through
// those hand-computed strides (plain TypeScript, independent of kiln).

import * as kiln from '../../lib';

/** The nested array of `shape` whose element at a multi-index is f(index). */
function build(shape: readonly number[], f: (idx: number[]) => unknown): unknown {
  const rec = (d: number, idx: number[]): unknown =>
    d === shape.length ? f(idx) : Array.from({ length: shape[d] }, (_, i) => rec(d + 1, [...idx, i]));
  return rec(0, []);
}

/** What a view with (shape, strides, offset) over row-major `flat` data must read. */
function strided(flat: readonly number[], shape: readonly number[], strides: readonly number[], offset = 0): unknown {
  return build(shape, (idx) => flat[idx.reduce((acc, i, d) => acc + i * strides[d], offset)]);
}

/** 0, 1, ..., n-1. */
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** A float32 tensor 0..n-1 of `shape` and its flat reference data. */
function iota(shape: number[]): { x: kiln.Tensor; flat: number[] } {
  const n = shape.reduce((a, b) => a * b, 1);
  return { x: kiln.arange(n, { dtype: 'float32' }).reshape(shape), flat: range(n) };
}

/** Checks a view's layout and that its elements are read through exactly that layout. */
function expectView(v: kiln.Tensor, flat: number[], shape: number[], strides: number[], offset = 0): void {
  expect(v.shape).toEqual(shape);
  expect(v.stride()).toEqual(strides);
  expect(v.offset).toBe(offset);
  expect(v.toArray()).toEqual(strided(flat, shape, strides, offset));
}

/** Whether two tensors share one storage (a write through one shows in the other). */
function sharesStorage(a: kiln.Tensor, b: kiln.Tensor): boolean {
  return a.storage === b.storage;
}

describe('reshape and view', () => {
  test('view of a contiguous tensor shares storage', () => {
    const { x, flat } = iota([2, 3, 4]);
    const v = x.view(6, 4);
    expectView(v, flat, [6, 4], [4, 1]);
    expect(sharesStorage(v, x)).toBe(true);
    // Writing through the view's zero-copy data() changes the base.
    (v.data() as Float32Array)[5] = -5;
    expect((x.toArray() as number[][][])[0][1][1]).toBe(-5);
  });

  test('-1 is inferred from the element count', () => {
    const { x, flat } = iota([2, 3, 4]);
    expectView(x.view(-1), flat, [24], [1]);
    expectView(x.view(4, -1), flat, [4, 6], [6, 1]);
    expectView(x.reshape([-1, 2, 3]), flat, [4, 2, 3], [6, 3, 1]);
    expectView(kiln.reshape(x, 2, -1), flat, [2, 12], [12, 1]);
    expect(() => x.view(-1, -1)).toThrow(/only one dimension can be inferred/);
    expect(() => x.view(5, -1)).toThrow(kiln.ShapeError);
    expect(() => x.reshape(5)).toThrow(/shape \[5\] is invalid for input of size 24/);
  });

  test('view keeps size-1 and split dims compatible with non-trivial strides', () => {
    // A [4, 6] tensor narrowed to its first 3 columns has strides [6, 1]; splitting the
    // rows keeps a view, merging rows with columns is impossible.
    const { x, flat } = iota([4, 6]);
    const n = x.narrow(1, 0, 3);
    expectView(n.view(2, 2, 3), flat, [2, 2, 3], [12, 6, 1]);
    expectView(n.view(4, 1, 3), flat, [4, 1, 3], [6, 3, 1]);
    expect(() => n.view(12)).toThrow(kiln.ShapeError);
  });

  test('view of a transposed tensor throws ShapeError suggesting reshape', () => {
    const { x } = iota([2, 3]);
    const tr = x.t();
    expect(() => tr.view(6)).toThrow(kiln.ShapeError);
    expect(() => tr.view(6)).toThrow(/reshape/);
    expect(() => kiln.view(tr, [-1])).toThrow(/not compatible with input tensor's size \[3, 2\] and stride \[1, 3\]/);
  });

  test('reshape of a transposed tensor copies', () => {
    const { x } = iota([2, 3]);
    const r = x.t().reshape(6);
    expect(r.shape).toEqual([6]);
    expect(r.stride()).toEqual([1]);
    // x.t() reads column by column.
    expect(r.toArray()).toEqual([0, 3, 1, 4, 2, 5]);
    expect(sharesStorage(r, x)).toBe(false);
    (r.data() as Float32Array)[0] = 99;
    expect(x.toArray()).toEqual([[0, 1, 2], [3, 4, 5]]);
  });

  test('reshape of a contiguous tensor is a view', () => {
    const { x } = iota([2, 3]);
    const r = x.reshape(3, 2);
    expect(sharesStorage(r, x)).toBe(true);
    expect(r.toArray()).toEqual([[0, 1], [2, 3], [4, 5]]);
  });

  test('0-d and empty tensors reshape', () => {
    const s = kiln.tensor(5);
    expectView(s.reshape(1, 1), [5], [1, 1], [1, 1]);
    expect(kiln.tensor([7]).reshape([]).item()).toBe(7);
    const e = kiln.zeros(0, 3);
    expect(e.reshape(3, 0, 5).shape).toEqual([3, 0, 5]);
  });
});

describe('permutations and transposes', () => {
  const { x, flat } = iota([2, 3, 4]); // strides [12, 4, 1]

  test('permute', () => {
    expectView(x.permute(2, 0, 1), flat, [4, 2, 3], [1, 12, 4]);
    expectView(x.permute([1, 2, 0]), flat, [3, 4, 2], [4, 1, 12]);
    expectView(x.permute(-1, -2, -3), flat, [4, 3, 2], [1, 4, 12]);
    expect(() => x.permute(0, 0, 1)).toThrow(kiln.IndexError);
  });

  test('transpose', () => {
    expectView(x.transpose(0, 2), flat, [4, 3, 2], [1, 4, 12]);
    expectView(x.transpose(-1, 1), flat, [2, 4, 3], [12, 1, 4]);
    expectView(kiln.transpose(x, 1, 1), flat, [2, 3, 4], [12, 4, 1]);
    const tr = x.transpose(0, 1);
    expect(tr.isContiguous()).toBe(false);
  });

  test('t on 2-d, 1-d and 0-d tensors', () => {
    const { x: m, flat: mf } = iota([2, 3]);
    expectView(m.t(), mf, [3, 2], [1, 3]);
    expectView(kiln.t(m), mf, [3, 2], [1, 3]);
    const { x: v, flat: vf } = iota([3]);
    expectView(v.t(), vf, [3], [1]);
    expect(kiln.tensor(2).t().item()).toBe(2);
    expect(() => x.t()).toThrow(kiln.ShapeError);
  });

  test('mT swaps the last two dims; T reverses all dims', () => {
    expectView(x.mT, flat, [2, 4, 3], [12, 1, 4]);
    expectView(x.T, flat, [4, 3, 2], [1, 4, 12]);
    expect(() => kiln.tensor([1, 2]).mT).toThrow(kiln.ShapeError);
  });

  test('a transpose of a transpose is the original layout', () => {
    expectView(x.transpose(0, 2).transpose(0, 2), flat, [2, 3, 4], [12, 4, 1]);
  });
});

describe('unsqueeze and squeeze', () => {
  test('unsqueeze: the new dim has stride size*stride of the dim it precedes', () => {
    const { x, flat } = iota([2, 3]); // strides [3, 1]
    expectView(x.unsqueeze(0), flat, [1, 2, 3], [6, 3, 1]);
    expectView(x.unsqueeze(1), flat, [2, 1, 3], [3, 3, 1]);
    expectView(x.unsqueeze(2), flat, [2, 3, 1], [3, 1, 1]);
    expectView(x.unsqueeze(-1), flat, [2, 3, 1], [3, 1, 1]);
    expectView(x.unsqueeze(-3), flat, [1, 2, 3], [6, 3, 1]);
    expect(() => x.unsqueeze(3)).toThrow(kiln.IndexError);
    expect(kiln.tensor(1).unsqueeze(0).shape).toEqual([1]);
  });

  test('squeeze: all size-1 dims, or only the given ones', () => {
    const { x, flat } = iota([1, 3, 1, 2]); // strides [6, 2, 2, 1]
    expectView(x.squeeze(), flat, [3, 2], [2, 1]);
    expectView(x.squeeze(0), flat, [3, 1, 2], [2, 2, 1]);
    expectView(x.squeeze(-2), flat, [1, 3, 2], [6, 2, 1]);
    expectView(x.squeeze([0, 2]), flat, [3, 2], [2, 1]);
    // A dim that is not size 1 is left alone (PyTorch does not raise).
    expectView(x.squeeze(1), flat, [1, 3, 1, 2], [6, 2, 2, 1]);
    expect(() => x.squeeze(4)).toThrow(kiln.IndexError);
    expect(kiln.zeros(1, 1).squeeze().shape).toEqual([]);
  });
});

describe('expand', () => {
  test('broadcast dims get stride 0', () => {
    const col = kiln.tensor([[1], [2]]); // [2, 1], strides [1, 1]
    const e = col.expand(2, 3);
    expect(e.shape).toEqual([2, 3]);
    expect(e.stride()).toEqual([1, 0]);
    expect(e.toArray()).toEqual([[1, 1, 1], [2, 2, 2]]);
    expect(sharesStorage(e, col)).toBe(true);
    expect(col.expand(-1, 4).stride()).toEqual([1, 0]);
  });

  test('new leading dims get stride 0', () => {
    const row = kiln.tensor([1, 2]);
    const e = row.expand([3, 2]);
    expect(e.stride()).toEqual([0, 1]);
    expect(e.toArray()).toEqual([[1, 2], [1, 2], [1, 2]]);
    // The stride of a size-1 dim is never used, so only the others are checked.
    const e3 = row.expand(2, 1, 2);
    expect(e3.shape).toEqual([2, 1, 2]);
    expect([e3.stride()[0], e3.stride()[2]]).toEqual([0, 1]);
    expect(e3.toArray()).toEqual([[[1, 2]], [[1, 2]]]);
  });

  test('expandAs follows the other tensor', () => {
    const e = kiln.tensor([[5], [6]]).expandAs(kiln.zeros(2, 2, 2));
    expect(e.shape).toEqual([2, 2, 2]);
    expect(e.stride()).toEqual([0, 1, 0]);
    expect(e.toArray()).toEqual([[[5, 5], [6, 6]], [[5, 5], [6, 6]]]);
  });

  test('a non-singleton dim cannot expand', () => {
    expect(() => kiln.tensor([1, 2]).expand(3)).toThrow(kiln.ShapeError);
    expect(() => kiln.zeros(2, 3).expand(3)).toThrow(/number of sizes provided/);
  });

  test('an expanded view reshapes by copying', () => {
    const e = kiln.tensor([1, 2]).expand(2, 2);
    expect(e.reshape(4).toArray()).toEqual([1, 2, 1, 2]);
    expect(e.contiguous().stride()).toEqual([2, 1]);
  });
});

describe('flatten and unflatten', () => {
  const { x, flat } = iota([2, 3, 4]);

  test('flatten ranges of dims', () => {
    expectView(x.flatten(), flat, [24], [1]);
    expectView(x.flatten(1), flat, [2, 12], [12, 1]);
    expectView(x.flatten(0, 1), flat, [6, 4], [4, 1]);
    expectView(x.flatten(-2, -1), flat, [2, 12], [12, 1]);
    expect(kiln.tensor(3).flatten().shape).toEqual([1]);
    expect(() => x.flatten(2, 1)).toThrow(kiln.IndexError);
  });

  test('flatten of a non-contiguous tensor copies in logical order', () => {
    const f = x.transpose(1, 2).flatten(1);
    expect(f.shape).toEqual([2, 12]);
    expect(f.toArray()).toEqual(build([2, 12], ([i, j]) => flat[i * 12 + (j % 3) * 4 + Math.floor(j / 3)]));
  });

  test('unflatten splits one dim', () => {
    expectView(x.unflatten(2, [2, 2]), flat, [2, 3, 2, 2], [12, 4, 2, 1]);
    expectView(x.unflatten(-1, [2, -1]), flat, [2, 3, 2, 2], [12, 4, 2, 1]);
    expectView(kiln.unflatten(x, 0, [1, 2]), flat, [1, 2, 3, 4], [24, 12, 4, 1]);
    expect(() => x.unflatten(1, [2, 2])).toThrow(kiln.ShapeError);
  });
});

describe('narrow and select', () => {
  const { x, flat } = iota([2, 3, 4]); // strides [12, 4, 1]

  test('narrow keeps strides and moves the offset', () => {
    expectView(x.narrow(2, 1, 2), flat, [2, 3, 2], [12, 4, 1], 1);
    expectView(x.narrow(1, -2, 2), flat, [2, 2, 4], [12, 4, 1], 4);
    expectView(x.narrow(0, 1, 1), flat, [1, 3, 4], [12, 4, 1], 12);
    expect(x.narrow(1, 3, 0).shape).toEqual([2, 0, 4]);
    expect(() => x.narrow(1, 2, 2)).toThrow(kiln.IndexError);
  });

  test('select removes the dim', () => {
    expectView(x.select(1, -1), flat, [2, 4], [12, 1], 8);
    expectView(x.select(0, 1), flat, [3, 4], [4, 1], 12);
    expectView(x.select(2, 3), flat, [2, 3], [12, 4], 3);
    expectView(x.select(0, 1).select(0, 2).select(0, 3), flat, [], [], 23);
    expect(() => x.select(1, 3)).toThrow(kiln.IndexError);
    expect(() => x.select(1, -4)).toThrow(kiln.IndexError);
  });

  test('narrow and select are views', () => {
    const n = x.clone().narrow(0, 1, 1);
    const base = n; // keep the clone referenced through its view
    (n.data() as Float32Array)[0] = -1;
    expect(base.toArray()).toEqual(build([1, 3, 4], ([, j, k]) => (j === 0 && k === 0 ? -1 : 12 + j * 4 + k)));
  });
});

describe('index: PyTorch-style x[...]', () => {
  const { x, flat } = iota([2, 3, 4]); // strides [12, 4, 1]

  // [expression, the index items, shape, strides, offset] (all views)
  const viewCases: Array<[string, kiln.IndexItem[], number[], number[], number]> = [
    ['x[0, 1:3, ::2]', [0, '1:3', '::2'], [2, 2], [4, 2], 4],
    ['x["0, 1:3, ::2"] as one string', ['0, 1:3, ::2'], [2, 2], [4, 2], 4],
    ['x[1, 0:2, 1::2] with kiln.slice', [1, kiln.slice(0, 2), kiln.slice(1, null, 2)], [2, 2], [4, 2], 13],
    ['x[:, :, 3]', [':', ':', 3], [2, 3], [12, 4], 3],
    ['x[..., 1]', ['...', 1], [2, 3], [12, 4], 1],
    ['x[1, ..., 1]', [1, '...', 1], [3], [4], 13],
    ['x[...]', ['...'], [2, 3, 4], [12, 4, 1], 0],
    ['x[-1, -1, -1]', [-1, -1, -1], [], [], 23],
    ['x[0, -2:, -3:-1]', [0, '-2:', '-3:-1'], [2, 2], [4, 1], 5],
    ['x[None, 0]', [null, 0], [1, 3, 4], [24, 4, 1], 0],
    ['x[0, None, 1]', [0, null, 1], [1, 4], [12, 1], 4],
    ['x[..., None]', ['...', null], [2, 3, 4, 1], [12, 4, 1, 1], 0],
    ['x["None, 1"]', ['None, 1'], [1, 3, 4], [24, 4, 1], 12],
    ['x[:, 1:100] clamps the stop', [':', '1:100'], [2, 2, 4], [12, 4, 1], 4],
    ['x[:, 5:] is empty', [':', '5:'], [2, 0, 4], [12, 4, 1], 0],
    ['x[1:0] is empty', ['1:0'], [0, 3, 4], [12, 4, 1], 0],
    ['x[::3, ::2, 1::3]', ['::3', '::2', '1::3'], [1, 2, 1], [36, 8, 3], 1],
  ];

  test.each(viewCases)('%s', (_expr, items, shape, strides, offset) => {
    const v = x.index(...items);
    expect(v.shape).toEqual(shape);
    expect(v.stride()).toEqual(strides);
    if (v.numel() > 0) expect(v.offset).toBe(offset);
    expect(v.toArray()).toEqual(strided(flat, shape, strides, offset));
    expect(sharesStorage(v, x)).toBe(true);
  });

  test('the functional form kiln.index(x, ...) is the same', () => {
    expect(kiln.index(x, 1, '::2').toArray()).toEqual([[12, 13, 14, 15], [20, 21, 22, 23]]);
  });

  test('a 1-d int64 tensor selects entries along its dim (a copy), negative entries wrap', () => {
    const sel = x.index(0, kiln.tensor([2n, 0n, -1n]));
    expect(sel.shape).toEqual([3, 4]);
    expect(sel.toArray()).toEqual([[8, 9, 10, 11], [0, 1, 2, 3], [8, 9, 10, 11]]);
    expect(sharesStorage(sel, x)).toBe(false);
    // Along the last dim, after a slice.
    expect(x.index(1, ':', kiln.tensor([3n, 0n])).toArray()).toEqual([[15, 12], [19, 16], [23, 20]]);
    // int32 indices work too.
    expect(x.index(kiln.tensor(new Int32Array([1]))).shape).toEqual([1, 3, 4]);
  });

  test('a bool mask selects elements into a 1-d tensor', () => {
    const m = x.gt(20);
    expect(x.index(m).toArray()).toEqual([21, 22, 23]);
    const even = kiln.tensor(flat.map((v) => v % 2 === 0)).reshape(2, 3, 4);
    expect(x.index(even).toArray()).toEqual(flat.filter((v) => v % 2 === 0));
  });

  test('bad indices', () => {
    expect(() => x.index(0, 0, 0, 0)).toThrow(/too many indices for tensor of dimension 3/);
    expect(() => x.index(0, 5)).toThrow(kiln.IndexError);
    expect(() => x.index('...', '...')).toThrow(/single ellipsis/);
    expect(() => x.index('::-1')).toThrow(/step must be a positive integer/);
    expect(() => x.index('a')).toThrow(kiln.IndexError);
    expect(() => x.index(0, kiln.tensor([3n]))).toThrow(kiln.IndexError);
    // PyTorch pairs several tensor indices elementwise (x[[0, 1], [0, 1]] has shape [2, 4]);
    // kiln refuses rather than silently returning the outer product.
    expect(() => x.index(kiln.tensor([0n, 1n]), kiln.tensor([0n, 1n]))).toThrow(/only one tensor index/);
  });
});

describe('split, chunk and unbind', () => {
  const layouts = (ts: kiln.Tensor[]) => ts.map((t) => [t.shape, t.stride(), t.offset]);

  test('split by size: the last chunk may be smaller', () => {
    const x = kiln.arange(5);
    const parts = x.split(2);
    expect(parts.map((p) => p.toArray())).toEqual([[0, 1], [2, 3], [4]]);
    expect(layouts(parts)).toEqual([[[2], [1], 0], [[2], [1], 2], [[1], [1], 4]]);
    expect(parts.every((p) => sharesStorage(p, x))).toBe(true);
  });

  test('split by sections along a dim', () => {
    const { x, flat } = iota([2, 5]);
    const parts = kiln.split(x, [1, 4], 1);
    expect(layouts(parts)).toEqual([[[2, 1], [5, 1], 0], [[2, 4], [5, 1], 1]]);
    expect(parts[1].toArray()).toEqual(strided(flat, [2, 4], [5, 1], 1));
    expect(() => x.split([1, 3], 1)).toThrow(/must sum to the dimension size 5/);
  });

  test('chunk: ceil(size / chunks) per piece, possibly fewer pieces', () => {
    expect(kiln.arange(5).chunk(3).map((p) => p.toArray())).toEqual([[0, 1], [2, 3], [4]]);
    // 6 into 4 chunks: pieces of 2, so only 3 of them (as in PyTorch).
    expect(kiln.arange(6).chunk(4).map((p) => p.toArray())).toEqual([[0, 1], [2, 3], [4, 5]]);
    expect(kiln.arange(4).reshape(2, 2).chunk(2, -1).map((p) => p.toArray())).toEqual([[[0], [2]], [[1], [3]]]);
  });

  test('unbind gives the slices along a dim', () => {
    const { x, flat } = iota([2, 3]);
    const cols = x.unbind(1);
    expect(cols).toHaveLength(3);
    expect(layouts(cols)).toEqual([[[2], [3], 0], [[2], [3], 1], [[2], [3], 2]]);
    expect(cols.map((c) => c.toArray())).toEqual([0, 1, 2].map((j) => strided(flat, [2], [3], j)));
    expect(kiln.unbind(x).map((r) => r.toArray())).toEqual([[0, 1, 2], [3, 4, 5]]);
  });
});

describe('contiguous and clone', () => {
  test('contiguous() returns the same tensor when already contiguous', () => {
    const x = kiln.zeros(2, 3);
    expect(x.contiguous()).toBe(x);
    expect(kiln.contiguous(x)).toBe(x);
  });

  test('contiguous() of a strided view copies into row-major strides', () => {
    const { x, flat } = iota([2, 3, 4]);
    const p = x.permute(2, 0, 1);
    const c = p.contiguous();
    expect(c).not.toBe(p);
    expect(c.stride()).toEqual([6, 3, 1]);
    expect(c.isContiguous()).toBe(true);
    expect(c.toArray()).toEqual(strided(flat, [4, 2, 3], [1, 12, 4]));
    expect(sharesStorage(c, x)).toBe(false);
  });

  test('clone() is an independent copy, even of a contiguous tensor', () => {
    const x = kiln.tensor([1, 2, 3]);
    const c = x.clone();
    expect(c).not.toBe(x);
    expect(sharesStorage(c, x)).toBe(false);
    (c.data() as Float32Array)[0] = 10;
    expect(x.toArray()).toEqual([1, 2, 3]);
    expect(c.toArray()).toEqual([10, 2, 3]);
    expect(kiln.clone(x.t()).dtype).toBe('float32');
  });
});

describe('cat and stack', () => {
  test('cat along dim 0 and dim -1', () => {
    const a = kiln.tensor([[1, 2]]);
    const b = kiln.tensor([[3, 4], [5, 6]]);
    expect(kiln.cat([a, b]).toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
    const c = kiln.tensor([[7], [8]]);
    const r = kiln.cat([b, c], -1);
    expect(r.shape).toEqual([2, 3]);
    expect(r.toArray()).toEqual([[3, 4, 7], [5, 6, 8]]);
  });

  test('cat of non-contiguous inputs', () => {
    const { x, flat } = iota([2, 3]);
    const r = kiln.cat([x.t(), x.t()], 1);
    expect(r.toArray()).toEqual(build([3, 4], ([i, j]) => flat[(j % 2) * 3 + i]));
  });

  // [description, inputs, expected dtype, expected values]
  const promotion: Array<[string, () => kiln.Tensor[], kiln.DType, unknown]> = [
    ['int64 + float32 -> float32', () => [kiln.tensor([1n]), kiln.tensor([2.5])], 'float32', [1, 2.5]],
    ['bool + int32 -> int32', () => [kiln.tensor([true]), kiln.tensor(new Int32Array([2]))], 'int32', [1, 2]],
    ['int32 + int64 -> int64', () => [kiln.tensor(new Int32Array([1])), kiln.tensor([2n])], 'int64', [1, 2]],
    ['float32 + float64 -> float64', () => [kiln.tensor([0.5]), kiln.tensor(new Float64Array([0.1]))], 'float64', [0.5, 0.1]],
  ];
  test.each(promotion)('cat promotes dtypes: %s', (_name, make, dtype, values) => {
    const r = kiln.cat(make());
    expect(r.dtype).toBe(dtype);
    expect(r.toArray()).toEqual(values);
  });

  test('cat shape errors', () => {
    expect(() => kiln.cat([kiln.zeros(2, 1), kiln.zeros(3, 2)], -1)).toThrow(kiln.ShapeError);
    expect(() => kiln.cat([kiln.zeros(2, 1), kiln.zeros(3, 2)], -1)).toThrow(/Expected size 2 but got size 3/);
    expect(() => kiln.cat([kiln.zeros(2), kiln.zeros(2, 2)])).toThrow(/same number of dimensions/);
    expect(() => kiln.cat([])).toThrow(kiln.ShapeError);
    expect(() => kiln.cat([kiln.zeros(2)], 1)).toThrow(kiln.IndexError);
  });

  test('stack adds a new dim', () => {
    const a = kiln.tensor([1, 2]);
    const b = kiln.tensor([3, 4]);
    expect(kiln.stack([a, b]).toArray()).toEqual([[1, 2], [3, 4]]);
    expect(kiln.stack([a, b], 1).toArray()).toEqual([[1, 3], [2, 4]]);
    expect(kiln.stack([a, b], -1).toArray()).toEqual([[1, 3], [2, 4]]);
    expect(kiln.stack([kiln.tensor(1), kiln.tensor(2)]).toArray()).toEqual([1, 2]);
    expect(() => kiln.stack([a, kiln.zeros(3)])).toThrow(kiln.ShapeError);
  });
});

describe('dtype conversions', () => {
  test('to(dtype) and the shorthand methods', () => {
    const x = kiln.tensor([1.7, -1.7, 2.5, -0.5]);
    const d = x.to('float64');
    expect(d.dtype).toBe('float64');
    expect(d.toArray()).toEqual([1.7, -1.7, 2.5, -0.5].map(Math.fround));
    expect(x.double().dtype).toBe('float64');
    // Float -> int truncates toward zero.
    expect(x.int().dtype).toBe('int32');
    expect(x.int().toArray()).toEqual([1, -1, 2, 0]);
    expect(x.long().dtype).toBe('int64');
    expect(x.long().toArray()).toEqual([1, -1, 2, 0]);
    expect(kiln.tensor([3n]).float().dtype).toBe('float32');
    expect(kiln.tensor([0, -0, 0.1, NaN]).bool().toArray()).toEqual([false, false, true, true]);
    expect(kiln.tensor([true, false]).long().toArray()).toEqual([1, 0]);
    expect(kiln.tensor([2n, 0n]).to({ dtype: 'bool' }).toArray()).toEqual([true, false]);
  });

  test('to() returns the same tensor when nothing changes, unless copy is asked', () => {
    const x = kiln.zeros(2);
    expect(x.to('float32')).toBe(x);
    expect(x.float()).toBe(x);
    expect(x.to('cpu')).toBe(x);
    const c = x.to({ dtype: 'float32', copy: true });
    expect(c).not.toBe(x);
    expect(sharesStorage(c, x)).toBe(false);
  });

  test('converting a strided view converts in logical order', () => {
    const { x } = iota([2, 3]);
    const l = x.t().long();
    expect(l.toArray()).toEqual([[0, 3], [1, 4], [2, 5]]);
    expect(l.stride()).toEqual([2, 1]);
  });
});
