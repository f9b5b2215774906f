// SPDX-License-Identifier: MIT
// End to end: a two-layer MLP learns a problem no linear model can (XOR quadrants with a
// margin), trained with a hand-written SGD step; and a BatchNorm/Dropout model trains and
// evaluates. Everything is seeded, so the runs are reproducible.
import * as kiln from '../../lib';

const { nn } = kiln;
type Tensor = kiln.Tensor;

/** n points in [-1, 1]^2 at least `margin` from both axes; label 1 where x0 x1 > 0. */
function xorData(n: number, seed: number, margin = 0.1): { x: Tensor; y: Tensor } {
  const g = new kiln.Generator(seed);
  const raw = kiln.rand([n, 2], { generator: g } as kiln.TensorOptions).mul(2 - 2 * margin).sub(1 - margin);
  const pts = kiln.noGrad(() => raw.add(raw.sign().mul(margin)));
  const v = pts.toArray() as number[][];
  const y = kiln.tensor(v.map(([a, b]) => (a * b > 0 ? 1 : 0)), { dtype: 'int64' });
  return { x: pts, y };
}

function accuracy(logits: Tensor, y: Tensor): number {
  const pred = logits.argmax(1);
  return (pred.eq(y).sum().item() as number) / y.numel();
}

function sgdStep(params: Tensor[], lr: number): void {
  kiln.noGrad(() => {
    for (const p of params) if (p.grad) p.sub_(p.grad.mul(lr));
  });
}

test('a 2-layer MLP learns XOR quadrants to > 95% accuracy with hand-written SGD', () => {
  const g = new kiln.Generator(0);
  class MLP extends nn.Module {
    fc1 = new nn.Linear(2, 16, { generator: g });
    act = new nn.Tanh();
    fc2 = new nn.Linear(16, 2, { generator: g });
    forward(x: Tensor): Tensor {
      return this.fc2.call(this.act.call(this.fc1.call(x)));
    }
  }
  const net = new MLP();
  const lossFn = new nn.CrossEntropyLoss();
  const { x, y } = xorData(256, 1);
  const before = accuracy(kiln.noGrad(() => net.call(x)), y);
  let first = NaN;
  let last = NaN;
  for (let step = 0; step < 400; step++) {
    kiln.scope(() => {
      const loss = lossFn.call(net.call(x), y);
      if (step === 0) first = loss.item() as number;
      last = loss.item() as number;
      net.zeroGrad();
      loss.backward();
      sgdStep(net.parameters(), 0.5);
    });
  }
  expect(last).toBeLessThan(first / 4);
  const test = xorData(512, 2);
  const acc = accuracy(kiln.noGrad(() => net.eval().call(test.x)), test.y);
  expect(acc).toBeGreaterThan(0.95);
  expect(before).toBeLessThan(0.8);
});

test('a model with BatchNorm and Dropout trains in train mode and is deterministic in eval mode', () => {
  const g = new kiln.Generator(3);
  const net = new nn.Sequential(
    new nn.Linear(2, 32, { generator: g }),
    new nn.BatchNorm1d(32),
    new nn.ReLU(),
    new nn.Dropout(0.1, { generator: g }),
    new nn.Linear(32, 2, { generator: g }),
  );
  const { x, y } = xorData(256, 4);
  for (let step = 0; step < 300; step++) {
    kiln.scope(() => {
      const loss = nn.functional.crossEntropy(net.call(x), y);
      net.zeroGrad();
      loss.backward();
      sgdStep(net.parameters(), 0.2);
    });
  }
  net.eval();
  const test = xorData(512, 5);
  const a = kiln.noGrad(() => net.call(test.x));
  const b = kiln.noGrad(() => net.call(test.x));
  expect(a.toArray()).toEqual(b.toArray());
  expect(accuracy(a, test.y)).toBeGreaterThan(0.95);
  expect((net[1] as kiln.nn.BatchNorm1d).num_batches_tracked!.item()).toBe(300);
});
