// SPDX-License-Identifier: MIT
/**
 * The backward engine and the user-facing autograd API, against hand-derived values: chain
 * rules, accumulation, tensors used twice, non-scalar roots, retainGraph, retainGrad, hooks,
 * grad mode, detach, in-place checks, autograd.grad and createGraph, and that graphs are
 * freed after backward (bounded memory, released saved tensors).
 */
import * as kiln from '../../lib';

type Tensor = kiln.Tensor;

const f64 = (data: kiln.TensorData, requiresGrad = true): Tensor => kiln.tensor(data, { dtype: 'float64', requiresGrad });
const values = (t: Tensor | null): number[] => Array.from(t!.data() as Float64Array, Number);
const close = (t: Tensor | null, expected: number[]) => {
  expect(t).not.toBeNull();
  values(t).forEach((x, i) => expect(x).toBeCloseTo(expected[i], 12));
};

/** Lets the collector report what it freed (finalizers run between tasks). */
async function collect(): Promise<boolean> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return false;
  // Several rounds with real timer turns: WeakRefs are only cleared between jobs, and
  // finalization callbacks run as their own tasks after a collection.
  for (let i = 0; i < 6; i++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    gc();
  }
  await new Promise((resolve) => setTimeout(resolve, 5));
  return true;
}

describe('hand-derived gradients', () => {
  test('d/dx x^2 at 3 is 6', () => {
    const x = f64(3);
    x.pow(2).backward();
    close(x.grad, [6]);
    expect(x.grad!.shape).toEqual([]);
    expect(x.grad!.dtype).toBe('float64');
  });

  test('chain rule: d/dx sin(x^2) = 2x cos(x^2)', () => {
    const x = f64([0.5, -1.2]);
    x.square().sin().sum().backward();
    close(x.grad, [0.5, -1.2].map((a) => 2 * a * Math.cos(a * a)));
  });

  test('chain rule through several inputs: d/da, d/db of sum(exp(a * b) / b)', () => {
    const a = f64([1, 2]);
    const b = f64([0.5, -0.25]);
    a.mul(b).exp().div(b).sum().backward();
    // d/da = exp(ab); d/db = (a b - 1) exp(ab) / b^2.
    close(a.grad, [Math.exp(0.5), Math.exp(-0.5)]);
    close(b.grad, [((0.5 - 1) * Math.exp(0.5)) / 0.25, ((-0.5 - 1) * Math.exp(-0.5)) / 0.0625]);
  });

  test('a tensor used twice: d/dx (x * x + x) = 2x + 1', () => {
    const x = f64([1.5, -2]);
    x.mul(x).add(x).sum().backward();
    close(x.grad, [4, -3]);
  });

  test('a shared intermediate: y = x^2 feeds two branches', () => {
    const x = f64(2);
    const y = x.square();
    y.mul(3).add(y.exp()).backward();
    // d/dx (3 x^2 + exp(x^2)) = 6x + 2x exp(x^2).
    close(x.grad, [12 + 4 * Math.exp(4)]);
  });

  test('gradients accumulate over two backward calls', () => {
    const x = f64([1, 2]);
    x.mul(3).sum().backward();
    const first = x.grad!;
    x.square().sum().backward();
    close(x.grad, [3 + 2, 3 + 4]);
    // In place, as in PyTorch: code holding the .grad tensor sees the sum.
    expect(x.grad).toBe(first);
  });

  test('broadcast inputs get gradients in their own shape and dtype', () => {
    const a = kiln.tensor([[1], [2]], { requiresGrad: true }); // float32 [2, 1]
    const b = f64([1, 2, 3]);
    a.mul(b).sum().backward();
    expect(a.grad!.shape).toEqual([2, 1]);
    expect(a.grad!.dtype).toBe('float32');
    close(a.grad, [6, 6]);
    close(b.grad, [3, 3, 3]);
  });

  test('a non-scalar root with an explicit gradient', () => {
    const x = f64([1, 2, 3]);
    x.mul(2).backward(f64([1, 0.5, -1], false));
    close(x.grad, [2, 1, -2]);
  });

  test('kiln.autograd.backward and graph bookkeeping', () => {
    const x = f64([1, 2]);
    const y = x.mul(2);
    expect(x.isLeaf).toBe(true);
    expect(y.isLeaf).toBe(false);
    expect(y.gradFn!.name).toBe('MulBackward');
    kiln.autograd.backward(y.sum());
    close(x.grad, [2, 2]);
    expect(y.grad).toBeNull(); // non-leaf without retainGrad
  });
});

describe('errors', () => {
  test('backward on a non-scalar without a gradient', () => {
    const y = f64([1, 2]).mul(2);
    expect(() => y.backward()).toThrow(kiln.AutogradError);
    expect(() => y.backward()).toThrow(/scalar/);
  });

  test('backward with a gradient of the wrong shape', () => {
    const y = f64([1, 2]).mul(2);
    expect(() => y.backward(f64([1, 2, 3], false))).toThrow(kiln.AutogradError);
  });

  test('backward on a tensor that does not require grad', () => {
    expect(() => f64([1, 2], false).sum().backward()).toThrow(kiln.AutogradError);
  });

  test('backward twice without retainGraph names retainGraph', () => {
    const x = f64([1, 2]);
    const y = x.exp().sum();
    y.backward();
    expect(() => y.backward()).toThrow(kiln.AutogradError);
    expect(() => y.backward()).toThrow(/retainGraph/);
  });

  test('with retainGraph a second backward works and accumulates', () => {
    const x = f64([1, 2]);
    const y = x.exp().sum();
    y.backward(undefined, { retainGraph: true });
    y.backward();
    close(x.grad, [2 * Math.exp(1), 2 * Math.exp(2)]);
    expect(() => y.backward()).toThrow(/retainGraph/);
  });

  test('requiresGrad_ on an integer tensor is a DTypeError', () => {
    expect(() => kiln.tensor([1, 2], { dtype: 'int64' }).requiresGrad_()).toThrow(kiln.DTypeError);
    expect(() => kiln.tensor([1, 2], { dtype: 'int32', requiresGrad: true })).toThrow(kiln.DTypeError);
  });

  test('requiresGrad_(false) on a non-leaf is refused', () => {
    expect(() => f64([1]).mul(2).requiresGrad_(false)).toThrow(kiln.AutogradError);
  });

  test('in-place change of a tensor saved for backward', () => {
    const x = f64([1, 2]);
    const w = f64([3, 4], false);
    const y = x.mul(w);
    w.add_(1);
    expect(() => y.sum().backward()).toThrow(kiln.AutogradError);
    expect(() => x.mul(w).sum().mul(w.add_(1).sum()).backward()).toThrow(/in-place/);
  });

  test('in-place change through a view of a saved tensor is detected too', () => {
    const x = f64([1, 2]);
    const w = f64([3, 4], false);
    const y = x.mul(w);
    w.narrow(0, 1, 1).mul_(2);
    expect(() => y.sum().backward()).toThrow(/in-place/);
  });

  test('in-place changes of tensors autograd tracks are refused', () => {
    const x = f64([1, 2]);
    expect(() => x.add_(1)).toThrow(kiln.AutogradError);
    expect(() => x.exp_()).toThrow(/leaf/);
    const y = x.mul(2);
    expect(() => y.mul_(2)).toThrow(kiln.AutogradError);
    // Inside noGrad the leaf may be updated (an optimizer step).
    kiln.noGrad(() => x.sub_(0.5));
    close(x, [0.5, 1.5]);
  });

  test('a disposed saved tensor is reported', () => {
    const x = f64([1, 2]);
    const w = f64([3, 4], false);
    const y = x.mul(w).sum();
    w.dispose();
    expect(() => y.backward()).toThrow(/disposed/);
  });
});

describe('retainGrad and hooks', () => {
  test('retainGrad keeps .grad on a non-leaf', () => {
    const x = f64([1, 2]);
    const y = x.mul(3);
    y.retainGrad();
    expect(y.retainsGrad).toBe(true);
    y.square().sum().backward();
    close(y.grad, [6, 12]); // d/dy sum(y^2) = 2y
    close(x.grad, [18, 36]);
  });

  test('a hook on a leaf sees and replaces its gradient', () => {
    const x = f64([1, 2]);
    const seen: number[][] = [];
    x.registerHook((grad) => {
      seen.push(values(grad));
      return grad.mul(10);
    });
    x.mul(2).sum().backward();
    expect(seen).toEqual([[2, 2]]);
    close(x.grad, [20, 20]);
  });

  test('a hook on a non-leaf replaces the gradient flowing on', () => {
    const x = f64([1, 2]);
    const y = x.square();
    y.registerHook((grad) => grad.neg());
    y.sum().backward();
    close(x.grad, [-2, -4]);
  });

  test('a hook that returns nothing leaves the gradient as it is', () => {
    const x = f64([1, 2]);
    let calls = 0;
    x.registerHook(() => {
      calls++;
    });
    x.mul(2).sum().backward();
    expect(calls).toBe(1);
    close(x.grad, [2, 2]);
  });

  test('remove() unregisters a hook', () => {
    const x = f64([1, 2]);
    const handle = x.registerHook((grad) => grad.mul(0));
    handle.remove();
    x.mul(2).sum().backward();
    close(x.grad, [2, 2]);
    const y = f64(1).mul(3);
    const h2 = y.registerHook((grad) => grad.mul(100));
    h2.remove();
    h2.remove(); // idempotent
  });

  test('hooks need a tensor that requires grad', () => {
    expect(() => f64([1], false).registerHook(() => undefined)).toThrow(kiln.AutogradError);
    expect(() => f64([1], false).retainGrad()).toThrow(kiln.AutogradError);
  });
});

describe('grad mode and detach', () => {
  test('noGrad, enableGrad, isGradEnabled', () => {
    const x = f64([1, 2]);
    expect(kiln.isGradEnabled()).toBe(true);
    const y = kiln.noGrad(() => {
      expect(kiln.isGradEnabled()).toBe(false);
      const inner = kiln.enableGrad(() => {
        expect(kiln.isGradEnabled()).toBe(true);
        return x.mul(2);
      });
      expect(inner.requiresGrad).toBe(true);
      return x.mul(2);
    });
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBeNull();
    expect(kiln.isGradEnabled()).toBe(true);
  });

  test('grad mode is restored when the function throws', () => {
    expect(() =>
      kiln.noGrad(() => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(kiln.isGradEnabled()).toBe(true);
  });

  test('setGradEnabled', () => {
    kiln.setGradEnabled(false);
    try {
      expect(f64([1]).mul(2).requiresGrad).toBe(false);
    } finally {
      kiln.setGradEnabled(true);
    }
    expect(f64([1]).mul(2).requiresGrad).toBe(true);
  });

  test('detach() cuts the graph but shares the data', () => {
    const x = f64([1, 2]);
    const d = x.mul(2).detach();
    expect(d.requiresGrad).toBe(false);
    expect(d.gradFn).toBeNull();
    // d * x: only the second factor is tracked, so the gradient is d, not 4x.
    x.mul(2).detach().mul(x).sum().backward();
    close(x.grad, [2, 4]);
    const v = x.detach();
    kiln.noGrad(() => x.add_(1));
    close(v, [2, 3]);
  });

  test('ops on tensors that do not require grad are not recorded', () => {
    const y = f64([1, 2], false).exp();
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBeNull();
  });
});

describe('autograd.grad', () => {
  test('returns gradients without touching .grad', () => {
    const x = f64([1, 2]);
    const w = f64([3, 4]);
    const y = x.mul(w).sum();
    const [dx] = kiln.autograd.grad(y, [x]);
    close(dx, [3, 4]);
    expect(x.grad).toBeNull();
    expect(w.grad).toBeNull();
  });

  test('a non-leaf input, and several outputs', () => {
    const x = f64([1, 2]);
    const h = x.square();
    const [dh, dx] = kiln.autograd.grad([h.sum(), h.mul(2).sum()], [h, x]);
    close(dh, [3, 3]);
    close(dx, [6, 12]);
    expect(h.grad).toBeNull();
  });

  test('unused inputs throw unless allowUnused', () => {
    const x = f64([1, 2]);
    const unused = f64([5]);
    const y = x.sum();
    expect(() => kiln.autograd.grad(y, [x, unused], { retainGraph: true })).toThrow(kiln.AutogradError);
    const [dx, du] = kiln.autograd.grad(y, [x, unused], { allowUnused: true });
    close(dx, [1, 1]);
    expect(du).toBeNull();
  });

  test('createGraph gives second derivatives: d2/dx2 x^3 = 6x', () => {
    const x = f64([2, -1]);
    const [dx] = kiln.autograd.grad(x.pow(3).sum(), [x], { createGraph: true });
    close(dx, [12, 3]);
    expect(dx!.requiresGrad).toBe(true);
    const [d2x] = kiln.autograd.grad(dx!.sum(), [x]);
    close(d2x, [12, -6]);
  });

  test('createGraph through backward(): .grad carries a graph', () => {
    const x = f64(1.5);
    x.pow(3).backward(undefined, { createGraph: true });
    expect(x.grad!.requiresGrad).toBe(true);
    const g1 = x.grad!;
    x.grad = null;
    g1.backward();
    close(x.grad, [9]); // d/dx 3x^2 = 6x
  });

  test('gradOutputs weight non-scalar outputs', () => {
    const x = f64([1, 2]);
    const [dx] = kiln.autograd.grad(x.square(), [x], { gradOutputs: [f64([1, -1], false)] });
    close(dx, [2, -4]);
  });
});

describe('graph lifetime', () => {
  test('saved tensors are released after backward without retainGraph', async () => {
    const x = f64([1, 2]);
    let ref: WeakRef<Tensor> | undefined;
    let kept: WeakRef<Tensor> | undefined;
    const build = (): [Tensor, Tensor] => {
      const h = x.exp();
      const h2 = x.sin();
      ref = new WeakRef(h);
      kept = new WeakRef(h2);
      return [h.square().sum(), h2.square().sum()];
    };
    const [y, z] = build();
    y.backward();
    z.backward(undefined, { retainGraph: true });
    expect(() => y.backward()).toThrow(/retainGraph/);
    if (!(await collect())) return;
    expect(ref!.deref()).toBeUndefined(); // freed with its graph
    expect(kept!.deref()).toBeDefined(); // still saved by the retained graph
    z.backward();
  });

  test('2000 training-like steps keep live storages bounded', async () => {
    kiln.manualSeed(7);
    const w1 = kiln.randn([8, 16], { requiresGrad: true });
    const b1 = kiln.zeros([16], { requiresGrad: true });
    const w2 = kiln.randn([16, 1], { requiresGrad: true });
    const params = [w1, b1, w2];
    const counts: number[] = [];
    for (let step = 0; step < 2000; step++) {
      const x = kiln.randn([4, 8]);
      const loss = x.matmul(w1).add(b1).relu().matmul(w2).square().mean();
      loss.backward();
      kiln.noGrad(() => {
        for (const p of params) p.grad!.zero_();
      });
      if (step % 500 === 499 && (await collect())) counts.push(kiln.memory().storages);
    }
    for (const p of params) expect(p.grad!.shape).toEqual(p.shape);
    if (counts.length === 0) return; // no global.gc: run with node --expose-gc (npm test)
    // After warm-up the count must not grow with the number of steps.
    expect(counts[counts.length - 1] - counts[0]).toBeLessThan(50);
  });
});
