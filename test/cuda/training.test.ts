// SPDX-License-Identifier: MIT
// Training on CUDA: the same seeded MLP, data and Adam steps on the CPU and on the GPU reach
// the same test accuracy on the breast-cancer data, with losses that agree step by step
// within float32 rounding, and the caching allocator's reserved memory stays flat over the
// training loop (freed blocks are reused, no cudaMalloc per step).
import * as kiln from '../../lib';
import { describeGpu, GPU } from './gpu';

const { nn } = kiln;
type Tensor = kiln.Tensor;

interface Run {
  losses: number[];
  accuracy: number;
  reservedAfterWarmup: number;
  reservedAtEnd: number;
  mallocsAfterWarmup: number;
  mallocsAtEnd: number;
}

function train(device: string): Run {
  const data = kiln.datasets.breastCancer();
  const split = kiln.data.trainTestSplit([data.features, data.labels], { testSize: 0.25, stratify: data.labels, seed: 0 });
  const [xTrain, yTrain] = split.train;
  const [xTest, yTest] = split.test;
  const scaler = new kiln.data.StandardScaler().fit(xTrain);
  const x = scaler.transform(xTrain).to(device);
  const xt = scaler.transform(xTest).to(device);
  const y = yTrain.to(device);
  const yt = yTest.to(device);
  const g = new kiln.Generator(3);
  const net = new nn.Sequential(new nn.Linear(30, 32, { generator: g }), new nn.ReLU(), new nn.Linear(32, 2, { generator: g })).to(device);
  const opt = new kiln.optim.Adam(net.parameters(), { lr: 0.01 });
  const cuda = device !== 'cpu';
  const run: Run = { losses: [], accuracy: 0, reservedAfterWarmup: 0, reservedAtEnd: 0, mallocsAfterWarmup: 0, mallocsAtEnd: 0 };
  for (let step = 0; step < 60; step++) {
    kiln.scope(() => {
      opt.zeroGrad();
      const loss = kiln.nn.functional.crossEntropy(net.call(x), y);
      loss.backward();
      opt.step();
      run.losses.push(loss.item() as number);
    });
    if (cuda && step === 4) {
      run.reservedAfterWarmup = kiln.cuda.memoryReserved();
      run.mallocsAfterWarmup = kiln.cuda.memoryStats().cudaMallocs;
    }
  }
  if (cuda) {
    run.reservedAtEnd = kiln.cuda.memoryReserved();
    run.mallocsAtEnd = kiln.cuda.memoryStats().cudaMallocs;
  }
  kiln.noGrad(() => {
    const pred: Tensor = net.call(xt).argmax(1);
    run.accuracy = (pred.eq(yt).sum().item() as number) / yt.numel();
  });
  return run;
}

describeGpu('training on CUDA', () => {
  test('an MLP trains on the GPU as on the CPU', () => {
    const cpu = train('cpu');
    const gpu = train(GPU);
    expect(cpu.accuracy).toBeGreaterThan(0.93);
    expect(Math.abs(gpu.accuracy - cpu.accuracy)).toBeLessThanOrEqual(0.015);
    gpu.losses.forEach((l, i) => expect(Math.abs(l - cpu.losses[i])).toBeLessThanOrEqual(1e-3 * Math.max(1, cpu.losses[i])));
    expect(gpu.reservedAtEnd).toBe(gpu.reservedAfterWarmup);
    expect(gpu.mallocsAtEnd).toBe(gpu.mallocsAfterWarmup);
  });
});
