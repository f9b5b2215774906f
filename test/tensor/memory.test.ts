// SPDX-License-Identifier: MIT
// Deterministic memory release: dispose(), `using`, kiln.scope/keep and the kiln.memory()
// counters (which count allocations: a view shares its base's and adds nothing). Counter
// checks compare deltas inside one synchronous test body, where no GC finalizer can run and
// change the counts underneath. Tensors whose allocations are checked here are above 256
// bytes, so each has an allocation of its own; test/memory/small-slabs.test.ts covers the
// small ones, which share slabs.

import * as kiln from '../../lib';

/** The change in kiln.memory() caused by running fn. */
function delta(fn: () => void): Pick<kiln.MemoryInfo, 'tensors' | 'storages' | 'cpuBytes'> {
  const before = kiln.memory();
  fn();
  const after = kiln.memory();
  return { tensors: after.tensors - before.tensors, storages: after.storages - before.storages, cpuBytes: after.cpuBytes - before.cpuBytes };
}

function disposed(data: kiln.TensorData = [[1, 2], [3, 4]]): kiln.Tensor {
  const t = kiln.tensor(data);
  t.dispose();
  return t;
}

describe('dispose', () => {
  test('is idempotent and counted once', () => {
    const t = kiln.ones(100);
    const d = delta(() => {
      t.dispose();
      t.dispose();
      t[Symbol.dispose]();
    });
    expect(t.isDisposed).toBe(true);
    expect(d).toEqual({ tensors: -1, storages: -1, cpuBytes: -400 });
  });

  test('metadata stays readable and toString says disposed', () => {
    const t = disposed();
    expect(t.shape).toEqual([2, 2]);
    expect(t.dtype).toBe('float32');
    expect(t.numel()).toBe(4);
    expect(String(t)).toMatch(/disposed/);
  });

  // Every way of touching a disposed tensor's data must raise DisposedTensorError.
  const uses: Array<[string, (t: kiln.Tensor) => unknown]> = [
    ['toArray()', (t) => t.toArray()],
    ['data()', (t) => t.data()],
    ['item()', () => disposed([5]).item()],
    ['select', (t) => t.select(0, 0)],
    ['device', (t) => t.device],
    ['add (self)', (t) => t.add(1)],
    ['add (other operand)', (t) => kiln.ones(2, 2).add(t)],
    ['add_ in place', (t) => t.add_(1)],
    ['mul by a tensor', (t) => kiln.mul(kiln.ones(2), t)],
    ['neg', (t) => t.neg()],
    ['sum', (t) => t.sum()],
    ['matmul', (t) => t.matmul(kiln.ones(2, 2))],
    ['reshape', (t) => t.reshape(4)],
    ['view', (t) => t.view(4)],
    ['transpose', (t) => t.t()],
    ['index', (t) => t.index(0)],
    ['clone', (t) => t.clone()],
    ['contiguous', (t) => t.contiguous()],
    ['to(float64)', (t) => t.to('float64')],
    ['cat', (t) => kiln.cat([kiln.ones(2, 2), t])],
    ['gather index', (t) => kiln.ones(2, 2).gather(0, t)],
    ['where condition', () => kiln.where(disposed([true, false]), 1, 0)],
    ['zerosLike', (t) => kiln.zerosLike(t)],
    ['sort', (t) => t.sort()],
  ];

  test.each(uses)('use after dispose: %s throws DisposedTensorError', (_name, use) => {
    const t = disposed();
    expect(() => use(t)).toThrow(kiln.DisposedTensorError);
    expect(() => use(t)).toThrow(kiln.KilnError);
    expect(() => use(t)).toThrow(/disposed/);
  });

  test('a data() view taken before dispose() is emptied (the memory is freed now)', () => {
    const t = kiln.ones(1000);
    const d = t.data();
    expect(d.length).toBe(1000);
    t.dispose();
    expect(d.length).toBe(0);
  });
});

describe('views and storage lifetime', () => {
  test('a view keeps the storage alive after the base is disposed', () => {
    const base = kiln.arange(96, { dtype: 'float32' });
    const v = base.view(2, 48);
    const w = base.narrow(0, 2, 3);
    const d1 = delta(() => base.dispose());
    // The base's claim goes, the shared allocation stays.
    expect(d1).toEqual({ tensors: 0, storages: 0, cpuBytes: 0 });
    expect(base.isDisposed).toBe(true);
    expect(v.isDisposed).toBe(false);
    expect(v.toArray()).toEqual([Array.from({ length: 48 }, (_, i) => i), Array.from({ length: 48 }, (_, i) => 48 + i)]);
    expect(w.add(1).toArray()).toEqual([3, 4, 5]);
    expect(delta(() => v.dispose())).toEqual({ tensors: 0, storages: 0, cpuBytes: 0 });
    expect(w.toArray()).toEqual([2, 3, 4]);
    // The last view frees the 96 * 4 bytes.
    expect(delta(() => w.dispose())).toEqual({ tensors: -1, storages: -1, cpuBytes: -384 });
  });

  test('disposing a view leaves the base intact', () => {
    const base = kiln.ones(3);
    const v = base.unsqueeze(0);
    v.dispose();
    expect(base.toArray()).toEqual([1, 1, 1]);
    expect(() => v.toArray()).toThrow(kiln.DisposedTensorError);
  });

  test('split pieces and unbind slices are views that keep the storage', () => {
    const x = kiln.arange(4, { dtype: 'float32' });
    const [a, b] = x.split(2);
    x.dispose();
    expect(a.toArray()).toEqual([0, 1]);
    expect(b.toArray()).toEqual([2, 3]);
  });
});

describe('using declarations', () => {
  test('`using` disposes at the end of the block', () => {
    let seen: kiln.Tensor | undefined;
    const d = delta(() => {
      using t = kiln.ones(2, 2);
      seen = t;
      expect(t.sum().item()).toBe(4);
    });
    expect(seen?.isDisposed).toBe(true);
    // The sum() result was not `using`-bound, so only t was released.
    expect(d.tensors).toBe(1);
  });

  test('`using` disposes when the block throws, too', () => {
    let seen: kiln.Tensor | undefined;
    const run = () => {
      using t = kiln.zeros(3);
      seen = t;
      throw new Error('boom');
    };
    expect(run).toThrow('boom');
    expect(seen?.isDisposed).toBe(true);
  });

  test('several `using` tensors in one function', () => {
    const f = (): [kiln.Tensor, kiln.Tensor, number] => {
      using a = kiln.ones(2);
      using b = a.mul(3);
      return [a, b, b.sum().item() as number];
    };
    const [a, b, s] = f();
    expect(s).toBe(6);
    expect(a.isDisposed && b.isDisposed).toBe(true);
  });
});

describe('kiln.scope and kiln.keep', () => {
  test('disposes temporaries, keeps the returned tensor', () => {
    const x = kiln.ones(3);
    let tmp: kiln.Tensor | undefined;
    const y = kiln.scope(() => {
      tmp = x.mul(2);
      return tmp.add(1);
    });
    expect(tmp?.isDisposed).toBe(true);
    expect(y.isDisposed).toBe(false);
    expect(y.toArray()).toEqual([3, 3, 3]);
    // Tensors made before the scope are not its business.
    expect(x.isDisposed).toBe(false);
  });

  test('keeps tensors inside returned arrays and plain objects, and keep()s', () => {
    let tmp: kiln.Tensor | undefined;
    let kept: kiln.Tensor | undefined;
    const r = kiln.scope(() => {
      tmp = kiln.ones(2);
      kept = kiln.keep(kiln.zeros(2));
      const y = tmp.add(1);
      return { y, list: [y.mul(2), { deep: [y.sub(1)] }], n: 3 };
    });
    expect(tmp?.isDisposed).toBe(true);
    expect(kept?.isDisposed).toBe(false);
    expect(r.y.toArray()).toEqual([2, 2]);
    const [m, inner] = r.list as [kiln.Tensor, { deep: kiln.Tensor[] }];
    expect(m.toArray()).toEqual([4, 4]);
    expect(inner.deep[0].toArray()).toEqual([1, 1]);
    expect(r.n).toBe(3);
  });

  test('returned views keep their storage even though their base was a temporary', () => {
    const v = kiln.scope(() => kiln.arange(6, { dtype: 'float32' }).reshape(2, 3).t());
    expect(v.toArray()).toEqual([[0, 3], [1, 4], [2, 5]]);
  });

  test('the memory counters return to their starting point', () => {
    const x = kiln.ones(100);
    let out: kiln.Tensor | undefined;
    const d = delta(() => {
      out = kiln.scope(() => {
        let acc = x;
        for (let i = 0; i < 5; i++) acc = acc.add(1).mul(2);
        return acc;
      });
    });
    // One surviving tensor of 100 float32 elements; the 9 intermediates are gone.
    expect(d).toEqual({ tensors: 1, storages: 1, cpuBytes: 400 });
    expect(out?.toArray()).toEqual(new Array(100).fill(94)); // 1 -> 4 -> 10 -> 22 -> 46 -> 94
  });

  test('nested scopes hand their survivors to the enclosing scope', () => {
    let innerTmp: kiln.Tensor | undefined;
    let innerResult: kiln.Tensor | undefined;
    let innerKept: kiln.Tensor | undefined;
    const out = kiln.scope(() => {
      innerResult = kiln.scope(() => {
        innerTmp = kiln.ones(2);
        innerKept = kiln.keep(kiln.ones(1));
        return innerTmp.add(1);
      });
      expect(innerTmp?.isDisposed).toBe(true);
      expect(innerResult.isDisposed).toBe(false);
      return innerResult.mul(3);
    });
    // innerResult survived the inner scope but was a temporary of the outer one.
    expect(innerResult?.isDisposed).toBe(true);
    expect(innerKept?.isDisposed).toBe(false);
    expect(out.toArray()).toEqual([6, 6]);
  });

  test('a scope that throws still disposes its temporaries', () => {
    let tmp: kiln.Tensor | undefined;
    let kept: kiln.Tensor | undefined;
    const d = delta(() => {
      expect(() =>
        kiln.scope(() => {
          tmp = kiln.ones(5);
          kept = kiln.keep(kiln.ones(1));
          throw new Error('inside');
        }),
      ).toThrow('inside');
    });
    expect(tmp?.isDisposed).toBe(true);
    expect(kept?.isDisposed).toBe(false);
    expect(d.tensors).toBe(1);
  });

  test('tensors disposed by hand inside a scope are fine', () => {
    const r = kiln.scope(() => {
      const a = kiln.ones(2);
      a.dispose();
      return kiln.zeros(1);
    });
    expect(r.toArray()).toEqual([0]);
  });
});

describe('kiln.memory()', () => {
  test('counts tensors, storages and bytes up and down', () => {
    let a!: kiln.Tensor;
    let v!: kiln.Tensor;
    let b!: kiln.Tensor;
    expect(delta(() => (a = kiln.zeros(20, 30)))).toEqual({ tensors: 1, storages: 1, cpuBytes: 2400 });
    // A view shares its base's allocation, so it adds nothing.
    expect(delta(() => (v = a.t()))).toEqual({ tensors: 0, storages: 0, cpuBytes: 0 });
    expect(delta(() => (b = kiln.zeros([50], { dtype: 'float64' })))).toEqual({ tensors: 1, storages: 1, cpuBytes: 400 });
    expect(delta(() => kiln.zeros([300], { dtype: 'bool' }).dispose())).toEqual({ tensors: 0, storages: 0, cpuBytes: 0 });
    expect(delta(() => b.dispose())).toEqual({ tensors: -1, storages: -1, cpuBytes: -400 });
    // The view still holds the allocation; disposing it frees the memory.
    expect(delta(() => a.dispose())).toEqual({ tensors: 0, storages: 0, cpuBytes: 0 });
    expect(delta(() => v.dispose())).toEqual({ tensors: -1, storages: -1, cpuBytes: -2400 });
  });

  test('the counters are never negative', () => {
    const m = kiln.memory();
    expect(m.tensors).toBeGreaterThanOrEqual(0);
    expect(m.storages).toBeGreaterThanOrEqual(0);
    expect(m.cpuBytes).toBeGreaterThanOrEqual(0);
  });
});
