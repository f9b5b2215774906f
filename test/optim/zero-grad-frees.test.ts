// SPDX-License-Identifier: MIT
/**
 * zeroGrad() (set to none, the default) frees the gradients autograd made at once, when
 * nothing outside kiln can hold them, so the next backward reuses their blocks instead of
 * waiting for the garbage collector, as PyTorch frees a dropped .grad by reference counting.
 * A gradient the caller has seen (read through .grad, or assigned) is only dropped: whoever
 * holds it keeps a valid tensor.
 */
import * as kiln from '../../lib';

const { nn, optim } = kiln;

/** A linear layer of 64 x 256 float32 weights (64 KiB, above the pooled size) and a backward. */
function setup() {
  kiln.manualSeed(3);
  const layer = new nn.Linear(256, 64);
  const opt = new optim.SGD(layer.parameters(), { lr: 0.1 });
  const x = kiln.randn([8, 256]);
  const backward = () => kiln.scope(() => layer.call(x).pow(2).sum().backward());
  return { layer, opt, x, backward };
}

describe('zeroGrad frees gradients nobody outside kiln has seen', () => {
  test.each([
    ['the optimizer', (s: ReturnType<typeof setup>) => s.opt.zeroGrad()],
    ['the module', (s: ReturnType<typeof setup>) => s.layer.zeroGrad()],
  ])('through %s: the gradient tensors leave the live counts at once, their blocks go to the pool', (_name, zeroGrad) => {
    const s = setup();
    s.backward();
    const before = kiln.memory();
    zeroGrad(s);
    const after = kiln.memory();
    // weight [64, 256] and bias [64]: two tensors; the weight's 64 KiB block is pooled.
    expect(before.tensors - after.tensors).toBe(2);
    expect(after.cpuPooledBytes - before.cpuPooledBytes).toBe(64 * 256 * 4);
    expect(s.layer.weight.grad).toBeNull();
  });

  test('after the optimizer steps and gradients are clipped (kiln reading them), they are still freed', () => {
    const s = setup();
    s.backward();
    nn.utils.clipGradNorm_(s.layer.parameters(), 1.0);
    s.opt.step();
    const before = kiln.memory().tensors;
    s.opt.zeroGrad();
    expect(before - kiln.memory().tensors).toBe(2);
  });

  test('the next backward after zeroGrad computes the gradient afresh (d/dw sum((w x)^2) = 2 (w x) x^T)', () => {
    const w = kiln.tensor([[1, 2], [3, 4]], { requiresGrad: true });
    const x = kiln.tensor([[1], [-1]]);
    const opt = new optim.SGD([w], { lr: 0 });
    for (let i = 0; i < 3; i++) {
      opt.zeroGrad();
      w.matmul(x).pow(2).sum().backward();
    }
    // w x = [-1, -1]; 2 (w x) x^T = [[-2, 2], [-2, 2]], not three times that.
    expect(w.grad!.toArray()).toEqual([[-2, 2], [-2, 2]]);
  });
});

describe('zeroGrad leaves gradients the caller has seen to the caller', () => {
  test('a gradient read through .grad stays valid, with its values, after zeroGrad', () => {
    const s = setup();
    s.backward();
    const held = s.layer.bias!.grad!;
    const values = held.toArray();
    const before = kiln.memory().tensors;
    s.opt.zeroGrad();
    expect(held.isDisposed).toBe(false);
    expect(held.toArray()).toEqual(values);
    // Only the weight's gradient, which nobody read, was freed.
    expect(before - kiln.memory().tensors).toBe(1);
  });

  test('a gradient the caller assigned is never freed by zeroGrad', () => {
    const w = kiln.tensor([1, 2, 3], { requiresGrad: true });
    const g = kiln.tensor([0.5, 0.5, 0.5]);
    w.grad = g;
    new optim.SGD([w], { lr: 1 }).zeroGrad();
    expect(w.grad).toBeNull();
    expect(g.isDisposed).toBe(false);
    expect(g.toArray()).toEqual([0.5, 0.5, 0.5]);
  });

  test('a gradient accumulated into one the caller holds stays the caller\'s', () => {
    const w = kiln.tensor([1, 2], { requiresGrad: true, dtype: 'float64' });
    w.mul(3).sum().backward();
    const held = w.grad!; // seen
    w.mul(2).sum().backward(); // accumulates in place into the held tensor
    expect(held.toArray()).toEqual([5, 5]);
    new optim.SGD([w], { lr: 1 }).zeroGrad();
    expect(held.isDisposed).toBe(false);
    expect(held.toArray()).toEqual([5, 5]);
  });

  test('zeroGrad({ setToNone: false }) zeroes in place and frees nothing', () => {
    const s = setup();
    s.backward();
    const before = kiln.memory().tensors;
    s.opt.zeroGrad({ setToNone: false });
    expect(kiln.memory().tensors).toBe(before);
    expect(s.layer.weight.grad!.abs().sum().item()).toBe(0);
  });
});
