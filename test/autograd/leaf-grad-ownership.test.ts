// SPDX-License-Identifier: MIT
/**
 * A leaf without a gradient takes the tensor backward computed for it as its .grad, without a
 * copy, only when nothing else can hold that tensor. Each leaf's .grad must stay its own:
 * changing one in place never changes another leaf's gradient, the caller's gradient tensor,
 * a tensor a hook kept, or a retained non-leaf gradient.
 */
import * as kiln from '../../lib';

const f64 = (data: number[] | number[][]) => kiln.tensor(data, { dtype: 'float64', requiresGrad: true });

describe('leaf gradients are their own tensors', () => {
  test('one gradient handed to two leaves (a + b) gives each its own copy', () => {
    const a = f64([1, 2, 3]);
    const b = f64([4, 5, 6]);
    a.add(b).sum().backward();
    kiln.noGrad(() => a.grad!.mul_(10));
    expect(a.grad!.toArray()).toEqual([10, 10, 10]);
    expect(b.grad!.toArray()).toEqual([1, 1, 1]);
  });

  test('the same leaf reached twice (x * x) gets the sum', () => {
    const x = f64([1, 2, 3]);
    x.mul(x).sum().backward();
    expect(x.grad!.toArray()).toEqual([2, 4, 6]);
  });

  test("the caller's gradient is never taken as .grad", () => {
    const x = f64([1, 2]);
    const g = kiln.tensor([3, 4], { dtype: 'float64' });
    x.add(0).backward(g);
    expect(x.grad).not.toBe(g);
    kiln.noGrad(() => x.grad!.zero_());
    expect(g.toArray()).toEqual([3, 4]);
  });

  test('a tensor a hook kept is not the .grad', () => {
    const x = f64([1, 2]);
    let seen: kiln.Tensor | null = null;
    x.registerHook((g) => {
      seen = g;
    });
    x.mul(3).sum().backward();
    expect(x.grad!.toArray()).toEqual([3, 3]);
    kiln.noGrad(() => x.grad!.zero_());
    expect(seen!.toArray()).toEqual([3, 3]);
  });

  test('a retained non-leaf gradient stays apart from the leaf gradient', () => {
    const x = f64([1, 2]);
    const y = x.mul(2);
    y.retainGrad();
    y.mul(5).sum().backward();
    kiln.noGrad(() => x.grad!.zero_());
    expect(y.grad!.toArray()).toEqual([5, 5]);
  });

  test('pieces of one gradient (cat) go to their leaves without sharing', () => {
    const a = f64([[1, 2]]);
    const b = f64([[3, 4]]);
    kiln.cat([a, b], 0).mul(kiln.tensor([[1, 2], [3, 4]], { dtype: 'float64' })).sum().backward();
    kiln.noGrad(() => a.grad!.fill_(0));
    expect(b.grad!.toArray()).toEqual([[3, 4]]);
  });

  test('a linear layer gets contiguous gradients, and a second backward adds into them in place', () => {
    const layer = new kiln.nn.Linear(3, 2);
    kiln.noGrad(() => {
      layer.weight.copy_(kiln.tensor([[1, 2, 3], [4, 5, 6]]));
      layer.bias!.zero_();
    });
    const x = kiln.tensor([[1, 0, 2], [0, 1, 1]]);
    layer.call(x).sum().backward();
    const w = layer.weight.grad!;
    expect(w.isContiguous()).toBe(true);
    // d(sum(x W^T + b))/dW[o][i] = sum over rows of x[r][i].
    expect(w.toArray()).toEqual([[1, 1, 3], [1, 1, 3]]);
    expect(layer.bias!.grad!.toArray()).toEqual([2, 2]);
    layer.call(x).sum().backward();
    expect(layer.weight.grad).toBe(w);
    expect(w.toArray()).toEqual([[2, 2, 6], [2, 2, 6]]);
  });
});
