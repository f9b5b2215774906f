// SPDX-License-Identifier: MIT
// Tensor creation and reading: kiln.tensor's dtype inference, the constant and range
// factories, the random factories (reproducibility, statistics, thread-count independence)
// and the accessors (shape, strides, item, toArray, data). Expected values are written by
// hand or computed here in plain TypeScript.

import * as kiln from '../../lib';

/** Row-major flattening of a nested array (reference for toArray comparisons). */
function flat(a: unknown): unknown[] {
  return Array.isArray(a) ? a.flatMap(flat) : [a];
}

/** Mean and (population) standard deviation of plain numbers. */
function stats(values: ArrayLike<number>): { mean: number; std: number; min: number; max: number } {
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    sum += values[i];
    min = Math.min(min, values[i]);
    max = Math.max(max, values[i]);
  }
  const mean = sum / values.length;
  let sq = 0;
  for (let i = 0; i < values.length; i++) sq += (values[i] - mean) ** 2;
  return { mean, std: Math.sqrt(sq / values.length), min, max };
}

/** int64 data() as plain numbers. */
function int64s(t: kiln.Tensor): number[] {
  return Array.from(t.data() as BigInt64Array, Number);
}

describe('kiln.tensor: dtype inference', () => {
  // [description, input, expected dtype, expected shape, expected toArray()]
  const cases: Array<[string, kiln.TensorData, kiln.DType, number[], unknown]> = [
    ['JS numbers -> float32', [[1, 2, 3], [4, 5, 6]], 'float32', [2, 3], [[1, 2, 3], [4, 5, 6]]],
    ['integral JS numbers are still float32', [7, 8], 'float32', [2], [7, 8]],
    ['booleans -> bool', [true, false, true], 'bool', [3], [true, false, true]],
    ['bigints -> int64', [1n, -2n, 3n], 'int64', [3], [1, -2, 3]],
    ['a bigint among numbers -> int64', [1n, 2], 'int64', [2], [1, 2]],
    ['booleans mixed with numbers -> float32', [true, 2], 'float32', [2], [1, 2]],
    ['number scalar -> 0-d float32', 3.5, 'float32', [], 3.5],
    ['boolean scalar -> 0-d bool', true, 'bool', [], true],
    ['bigint scalar -> 0-d int64', 42n, 'int64', [], 42],
    ['Float64Array -> float64', new Float64Array([0.1, 0.2]), 'float64', [2], [0.1, 0.2]],
    ['Float32Array -> float32', new Float32Array([1.5, -2]), 'float32', [2], [1.5, -2]],
    ['Int32Array -> int32', new Int32Array([-1, 7]), 'int32', [2], [-1, 7]],
    ['BigInt64Array -> int64', new BigInt64Array([5n, -6n]), 'int64', [2], [5, -6]],
    ['empty array -> float32 [0]', [], 'float32', [0], []],
    ['nested empty rows -> [2, 0]', [[], []], 'float32', [2, 0], [[], []]],
    ['3-d nesting', [[[1], [2]], [[3], [4]]], 'float32', [2, 2, 1], [[[1], [2]], [[3], [4]]]],
  ];

  test.each(cases)('%s', (_name, input, dtype, shape, expected) => {
    const t = kiln.tensor(input);
    expect(t.dtype).toBe(dtype);
    expect(t.shape).toEqual(shape);
    expect(t.ndim).toBe(shape.length);
    expect(t.numel()).toBe(shape.reduce((a, b) => a * b, 1));
    expect(t.toArray()).toEqual(expected);
  });

  test('float64 keeps digits that float32 would round away', () => {
    // 0.1 is not representable in float32: Math.fround(0.1) !== 0.1.
    expect(kiln.tensor(new Float64Array([0.1])).toArray()).toEqual([0.1]);
    expect(kiln.tensor([0.1]).toArray()).toEqual([Math.fround(0.1)]);
  });

  test('a Uint8Array needs an explicit dtype', () => {
    expect(() => kiln.tensor(new Uint8Array([1, 2]))).toThrow(kiln.DTypeError);
    expect(kiln.tensor(new Uint8Array([1, 0, 2]), { dtype: 'bool' }).toArray()).toEqual([true, false, true]);
  });

  test('kiln.tensor copies its typed-array input', () => {
    const src = new Float32Array([1, 2, 3]);
    const t = kiln.tensor(src);
    src[0] = 100;
    expect(t.toArray()).toEqual([1, 2, 3]);
  });

  test('int64 values beyond 2^53 survive exactly in data()', () => {
    const big = 2n ** 53n + 1n;
    const t = kiln.tensor([big, -big]);
    expect(Array.from(t.data() as BigInt64Array)).toEqual([big, -big]);
  });
});

describe('kiln.tensor: explicit dtype', () => {
  const cases: Array<[string, kiln.TensorData, kiln.DType, unknown]> = [
    ['numbers as float64', [1.5, 2], 'float64', [1.5, 2]],
    // Float -> integer conversion truncates toward zero, as a C cast (and PyTorch) does.
    ['numbers as int64 truncate toward zero', [1.7, -1.7, 2.5, -0.5], 'int64', [1, -1, 2, 0]],
    ['numbers as int32 truncate toward zero', [3.9, -3.9], 'int32', [3, -3]],
    ['numbers as bool: nonzero -> true', [[1, 0], [-2, 0.5]], 'bool', [[true, false], [true, true]]],
    ['booleans as float32', [true, false], 'float32', [1, 0]],
    ['bigints as float64', [3n, -4n], 'float64', [3, -4]],
    ['Int32Array as float32', new Int32Array([1, 2]), 'float32', [1, 2]],
    ['Float64Array as int32', new Float64Array([2.9, -2.9]), 'int32', [2, -2]],
  ];

  test.each(cases)('%s', (_name, input, dtype, expected) => {
    const t = kiln.tensor(input, { dtype });
    expect(t.dtype).toBe(dtype);
    expect(t.toArray()).toEqual(expected);
  });

  test('requiresGrad is recorded for float tensors', () => {
    expect(kiln.tensor([1, 2], { requiresGrad: true }).requiresGrad).toBe(true);
    expect(kiln.tensor([1, 2]).requiresGrad).toBe(false);
  });
});

describe('constant factories', () => {
  test('zeros / ones / empty accept sizes as arguments or an array, with options last', () => {
    const a = kiln.zeros(2, 3);
    expect(a.shape).toEqual([2, 3]);
    expect(a.dtype).toBe('float32');
    expect(a.toArray()).toEqual([[0, 0, 0], [0, 0, 0]]);

    const b = kiln.ones([3], { dtype: 'int64' });
    expect(b.dtype).toBe('int64');
    expect(b.toArray()).toEqual([1, 1, 1]);

    const c = kiln.ones(2, 2, { dtype: 'bool' });
    expect(c.toArray()).toEqual([[true, true], [true, true]]);

    // kiln's allocations are zeroed, so empty() reads as zeros.
    const e = kiln.empty([2], { dtype: 'float64' });
    expect(e.dtype).toBe('float64');
    expect(e.toArray()).toEqual([0, 0]);
  });

  test('zeros() with no sizes is a 0-d tensor; a zero size gives no elements', () => {
    const s = kiln.zeros();
    expect(s.shape).toEqual([]);
    expect(s.item()).toBe(0);
    const z = kiln.zeros(3, 0);
    expect(z.shape).toEqual([3, 0]);
    expect(z.numel()).toBe(0);
    expect(z.toArray()).toEqual([[], [], []]);
  });

  test('full: value and dtype', () => {
    expect(kiln.full([2, 2], 7).toArray()).toEqual([[7, 7], [7, 7]]);
    expect(kiln.full([2], 7).dtype).toBe('float32');
    expect(kiln.full([2], true).dtype).toBe('bool');
    expect(kiln.full([2], -1.25, { dtype: 'float64' }).toArray()).toEqual([-1.25, -1.25]);
    // An explicit integer dtype truncates the fill value.
    expect(kiln.full([3], 7.9, { dtype: 'int32' }).toArray()).toEqual([7, 7, 7]);
    expect(kiln.full([1], NaN).toArray()).toEqual([NaN]);
  });

  test('the *Like factories copy shape and dtype unless overridden', () => {
    const ref = kiln.tensor([[1n, 2n, 3n]]);
    const z = kiln.zerosLike(ref);
    expect([z.shape, z.dtype, z.toArray()]).toEqual([[1, 3], 'int64', [[0, 0, 0]]]);
    const o = kiln.onesLike(ref, { dtype: 'float64' });
    expect([o.shape, o.dtype, o.toArray()]).toEqual([[1, 3], 'float64', [[1, 1, 1]]]);
    // An int64 like-tensor truncates a fractional fill value (torch.full_like does too).
    const f = kiln.fullLike(ref, 2.5);
    expect([f.dtype, f.toArray()]).toEqual(['int64', [[2, 2, 2]]]);
    const g = kiln.fullLike(kiln.zeros(2), -3.5);
    expect([g.dtype, g.toArray()]).toEqual(['float32', [-3.5, -3.5]]);
  });
});

describe('arange', () => {
  // [args, expected dtype, expected values]
  const cases: Array<[Array<number | kiln.TensorOptions>, kiln.DType, number[]]> = [
    [[5], 'int64', [0, 1, 2, 3, 4]],
    [[2, 6], 'int64', [2, 3, 4, 5]],
    [[0, 10, 3], 'int64', [0, 3, 6, 9]],
    [[5, 0, -1], 'int64', [5, 4, 3, 2, 1]],
    [[10, 0, -3], 'int64', [10, 7, 4, 1]],
    [[-3, 3, 2], 'int64', [-3, -1, 1]],
    [[0, 1, 0.25], 'float32', [0, 0.25, 0.5, 0.75]],
    [[1, 0, -0.25], 'float32', [1, 0.75, 0.5, 0.25]],
    [[0.5, 3], 'float32', [0.5, 1.5, 2.5]],
    [[2.5], 'float32', [0, 1, 2]],
    [[3, { dtype: 'float64' }], 'float64', [0, 1, 2]],
    [[0, 1.5, 0.5, { dtype: 'int32' }], 'int32', [0, 0, 1]],
    [[3, 3], 'int64', []],
  ];

  test.each(cases)('arange(%j)', (args, dtype, expected) => {
    const t = kiln.arange(...args);
    expect(t.dtype).toBe(dtype);
    expect(t.shape).toEqual([expected.length]);
    expect(t.toArray()).toEqual(expected);
  });

  test('the number of elements is ceil((end - start) / step)', () => {
    for (const [start, end, step] of [[0, 1, 0.1], [0, 7, 2], [1, -1, -0.3], [0, 100, 7]]) {
      expect(kiln.arange(start, end, step).numel()).toBe(Math.ceil((end - start) / step));
    }
  });

  test('a step of the wrong sign or zero is an error', () => {
    expect(() => kiln.arange(0, 5, -1)).toThrow(kiln.ShapeError);
    expect(() => kiln.arange(0, 5, 0)).toThrow(/step must be nonzero/);
  });
});

describe('linspace', () => {
  test('endpoints are exact and the spacing is even', () => {
    const t = kiln.linspace(-1, 1, 7);
    expect(t.dtype).toBe('float32');
    const v = t.toArray() as number[];
    expect(v).toHaveLength(7);
    expect(v[0]).toBe(-1);
    expect(v[6]).toBe(1);
    for (let i = 0; i < 7; i++) expect(v[i]).toBeCloseTo(-1 + (2 * i) / 6, 6);
  });

  test('exactly representable points come out exact', () => {
    expect(kiln.linspace(0, 1, 5).toArray()).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(kiln.linspace(10, 0, 3).toArray()).toEqual([10, 5, 0]);
    expect(kiln.linspace(0, 1, 3, { dtype: 'float64' }).toArray()).toEqual([0, 0.5, 1]);
  });

  test('float64 endpoints are exact for awkward values', () => {
    const v = kiln.linspace(0.1, 0.7, 4, { dtype: 'float64' }).toArray() as number[];
    expect(v[0]).toBe(0.1);
    expect(v[3]).toBe(0.7);
    expect(v[1]).toBeCloseTo(0.3, 14);
  });

  test('steps 1 gives [start]; steps 0 gives an empty tensor', () => {
    // PyTorch: torch.linspace(2, 7, 1) == tensor([2.])
    expect(kiln.linspace(2, 7, 1).toArray()).toEqual([2]);
    const e = kiln.linspace(2, 7, 0);
    expect(e.shape).toEqual([0]);
    expect(e.toArray()).toEqual([]);
  });
});

describe('eye', () => {
  /** Reference identity: 1 where i == j. */
  const ident = (n: number, m: number) => Array.from({ length: n }, (_, i) => Array.from({ length: m }, (_, j) => (i === j ? 1 : 0)));

  test.each([
    [1, 1],
    [3, 3],
    [2, 4],
    [4, 2],
    [0, 3],
  ])('eye(%i, %i)', (n, m) => {
    const t = kiln.eye(n, m);
    expect(t.shape).toEqual([n, m]);
    expect(t.dtype).toBe('float32');
    expect(t.toArray()).toEqual(ident(n, m));
  });

  test('eye(n) is square; options pass through', () => {
    expect(kiln.eye(3).toArray()).toEqual(ident(3, 3));
    const t = kiln.eye(2, { dtype: 'int64' });
    expect([t.dtype, t.toArray()]).toEqual(['int64', [[1, 0], [0, 1]]]);
  });
});

describe('random factories', () => {
  test('the same seed gives the same numbers; a different seed differs', () => {
    kiln.manualSeed(1234);
    const a = Array.from(kiln.rand(100).data() as Float32Array);
    const an = Array.from(kiln.randn(50).data() as Float32Array);
    kiln.manualSeed(1234);
    const b = Array.from(kiln.rand(100).data() as Float32Array);
    const bn = Array.from(kiln.randn(50).data() as Float32Array);
    expect(b).toEqual(a);
    expect(bn).toEqual(an);

    kiln.manualSeed(1235);
    const c = Array.from(kiln.rand(100).data() as Float32Array);
    expect(c).not.toEqual(a);
    // Different streams should not even share many values.
    const shared = c.filter((v, i) => v === a[i]).length;
    expect(shared).toBeLessThan(5);
  });

  test('neighbouring seeds give different streams (0..9, negative, and near 2^53)', () => {
    // Seeds are taken modulo 2^53, so -1 is 2^53 - 1.
    const seeds = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, -1, 2 ** 53 - 2, 2 ** 52 + 1];
    const firsts = seeds.map((seed) => {
      kiln.manualSeed(seed);
      return kiln.rand(1).item();
    });
    expect(new Set(firsts).size).toBe(seeds.length);
    expect(kiln.defaultGenerator.initialSeed()).toBe(2 ** 52 + 1);
    kiln.manualSeed(-1);
    expect(kiln.defaultGenerator.initialSeed()).toBe(2 ** 53 - 1);
  });

  test('consecutive draws advance the stream', () => {
    kiln.manualSeed(7);
    const first = Array.from(kiln.rand(20).data() as Float32Array);
    const second = Array.from(kiln.rand(20).data() as Float32Array);
    expect(second).not.toEqual(first);
  });

  test('rand: uniform on [0, 1), mean ~0.5, std ~1/sqrt(12)', () => {
    kiln.manualSeed(0);
    const t = kiln.rand([100, 1000]);
    expect(t.shape).toEqual([100, 1000]);
    expect(t.dtype).toBe('float32');
    const s = stats(t.data() as Float32Array);
    expect(s.min).toBeGreaterThanOrEqual(0);
    expect(s.max).toBeLessThan(1);
    // The standard error of the mean of 1e5 uniforms is ~0.0009.
    expect(Math.abs(s.mean - 0.5)).toBeLessThan(0.01);
    expect(Math.abs(s.std - 1 / Math.sqrt(12))).toBeLessThan(0.01);
  });

  test('randn: mean ~0, std ~1, and roughly 68% within one std', () => {
    kiln.manualSeed(1);
    const t = kiln.randn(100000, { dtype: 'float64' });
    expect(t.dtype).toBe('float64');
    const v = t.data() as Float64Array;
    const s = stats(v);
    expect(Math.abs(s.mean)).toBeLessThan(0.02);
    expect(Math.abs(s.std - 1)).toBeLessThan(0.02);
    let within = 0;
    for (const x of v) if (Math.abs(x) < 1) within++;
    expect(within / v.length).toBeCloseTo(0.6827, 1);
    expect(v.every(Number.isFinite)).toBe(true);
  });

  test('randint: int64 in [low, high), every value appears', () => {
    kiln.manualSeed(2);
    const t = kiln.randint(3, 7, [10000]);
    expect(t.dtype).toBe('int64');
    const v = int64s(t);
    expect(Math.min(...v)).toBe(3);
    expect(Math.max(...v)).toBe(6);
    for (const k of [3, 4, 5, 6]) expect(v.filter((x) => x === k).length).toBeGreaterThan(2000);

    const h = kiln.randint(5, [2, 3]);
    expect(h.shape).toEqual([2, 3]);
    for (const x of int64s(h)) expect(x >= 0 && x < 5).toBe(true);

    const neg = kiln.randint(-10, -8, [1000], { dtype: 'int32' });
    expect(neg.dtype).toBe('int32');
    expect(new Set(neg.data() as Int32Array)).toEqual(new Set([-10, -9]));
  });

  test('randperm is a permutation of 0..n-1', () => {
    kiln.manualSeed(3);
    for (const n of [0, 1, 10, 1000]) {
      const p = kiln.randperm(n);
      expect(p.dtype).toBe('int64');
      expect(p.shape).toEqual([n]);
      const sorted = int64s(p).sort((a, b) => a - b);
      expect(sorted).toEqual(Array.from({ length: n }, (_, i) => i));
    }
    // A shuffle of 1000 that leaves everything in place would mean no shuffling at all.
    kiln.manualSeed(3);
    const p = int64s(kiln.randperm(1000));
    expect(p.filter((v, i) => v === i).length).toBeLessThan(20);
  });

  test('randLike / randnLike follow the shape and keep a float dtype', () => {
    const ref = kiln.zeros([3, 4], { dtype: 'float64' });
    const r = kiln.randLike(ref);
    expect([r.shape, r.dtype]).toEqual([[3, 4], 'float64']);
    for (const x of r.data() as Float64Array) expect(x >= 0 && x < 1).toBe(true);
    const n = kiln.randnLike(ref);
    expect([n.shape, n.dtype]).toEqual([[3, 4], 'float64']);
    // An integer like-tensor gives the default float dtype.
    expect(kiln.randLike(kiln.tensor([1n, 2n])).dtype).toBe('float32');
  });

  test('the numbers do not depend on the thread count', () => {
    const before = kiln.getNumThreads();
    try {
      const draw = () => {
        kiln.manualSeed(99);
        return [
          Array.from(kiln.rand(200000).data() as Float32Array),
          Array.from(kiln.randn(200001).data() as Float32Array),
          int64s(kiln.randint(0, 1000, [100003])),
          int64s(kiln.randperm(5000)),
        ];
      };
      kiln.setNumThreads(1);
      const one = draw();
      kiln.setNumThreads(2);
      expect(kiln.getNumThreads()).toBe(2);
      const two = draw();
      // Compare element by element (toEqual on 200k-element arrays is slow); -1 = no mismatch.
      for (let i = 0; i < one.length; i++) {
        expect(two[i].length).toBe(one[i].length);
        expect(two[i].findIndex((v, j) => !Object.is(v, one[i][j]))).toBe(-1);
      }
    } finally {
      kiln.setNumThreads(before);
    }
  });

  test('a Generator gives an independent, reproducible stream', () => {
    const g1 = new kiln.Generator(5);
    const g2 = new kiln.Generator(5);
    const a = Array.from(kiln.rand(10, { generator: g1 } as kiln.TensorOptions).data() as Float32Array);
    kiln.rand(10); // draws from the default generator must not disturb g2
    const b = Array.from(kiln.rand(10, { generator: g2 } as kiln.TensorOptions).data() as Float32Array);
    expect(b).toEqual(a);
  });
});

describe('reading a tensor', () => {
  test('shape, ndim, numel, dtype, device, size(), stride()', () => {
    const t = kiln.zeros(2, 3, 4);
    expect(t.shape).toEqual([2, 3, 4]);
    expect(t.ndim).toBe(3);
    expect(t.numel()).toBe(24);
    expect(t.dtype).toBe('float32');
    expect(t.device.toString()).toBe('cpu');
    expect(t.size()).toEqual([2, 3, 4]);
    expect(t.size(1)).toBe(3);
    expect(t.size(-1)).toBe(4);
    expect(t.stride()).toEqual([12, 4, 1]);
    expect(t.isContiguous()).toBe(true);
    expect(t.elementSize()).toBe(4);
    expect(() => t.size(3)).toThrow(kiln.KilnError);
  });

  test('item() returns a JS number or boolean', () => {
    expect(kiln.tensor(2.5).item()).toBe(2.5);
    expect(kiln.tensor([[5]]).item()).toBe(5);
    expect(kiln.tensor(7n).item()).toBe(7);
    expect(kiln.tensor(false).item()).toBe(false);
    expect(kiln.tensor([1, 2, 3]).select(0, 2).item()).toBe(3);
  });

  test('toArray() returns nested arrays in row-major order', () => {
    const data = [[[1, 2], [3, 4]], [[5, 6], [7, 8]]];
    const t = kiln.tensor(data);
    expect(t.toArray()).toEqual(data);
    expect(flat(t.toArray())).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  test('data() typed array type follows the dtype', () => {
    expect(kiln.zeros([1], { dtype: 'float32' }).data()).toBeInstanceOf(Float32Array);
    expect(kiln.zeros([1], { dtype: 'float64' }).data()).toBeInstanceOf(Float64Array);
    expect(kiln.zeros([1], { dtype: 'int32' }).data()).toBeInstanceOf(Int32Array);
    expect(kiln.zeros([1], { dtype: 'int64' }).data()).toBeInstanceOf(BigInt64Array);
    expect(kiln.zeros([1], { dtype: 'bool' }).data()).toBeInstanceOf(Uint8Array);
  });

  test('data() of a contiguous tensor is a zero-copy view', () => {
    const t = kiln.tensor([[1, 2], [3, 4]]);
    const d = t.data() as Float32Array;
    expect(Array.from(d)).toEqual([1, 2, 3, 4]);
    d[1] = 20;
    expect(t.toArray()).toEqual([[1, 20], [3, 4]]);
    // And the other way: a write into the tensor shows through the earlier view.
    t.fill_(9);
    expect(Array.from(d)).toEqual([9, 9, 9, 9]);
  });

  test('data() of a contiguous view with an offset sees only its own elements', () => {
    const base = kiln.arange(6, { dtype: 'float32' }).reshape(3, 2);
    const row = base.select(0, 1); // [2, 3], offset 2
    expect(row.isContiguous()).toBe(true);
    const d = row.data() as Float32Array;
    expect(Array.from(d)).toEqual([2, 3]);
    d[0] = -1;
    expect(base.toArray()).toEqual([[0, 1], [-1, 3], [4, 5]]);
  });

  test('data() of a non-contiguous tensor is a copy', () => {
    const base = kiln.tensor([[1, 2, 3], [4, 5, 6]]);
    const tr = base.t();
    expect(tr.isContiguous()).toBe(false);
    const d = tr.data() as Float32Array;
    expect(Array.from(d)).toEqual([1, 4, 2, 5, 3, 6]);
    d[0] = 100;
    expect(base.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(tr.toArray()).toEqual([[1, 4], [2, 5], [3, 6]]);
  });

  test('int64 and bool data() hold bigints and 0/1 bytes', () => {
    expect(Array.from(kiln.tensor([1n, -2n]).data() as BigInt64Array)).toEqual([1n, -2n]);
    expect(Array.from(kiln.tensor([true, false]).data() as Uint8Array)).toEqual([1, 0]);
  });
});
