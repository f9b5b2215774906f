// SPDX-License-Identifier: MIT
/**
 * Step 5, training: mini-batch Adam over a shuffled DataLoader, the validation metric after
 * every epoch, early stopping when it stops improving, and the best epoch's weights restored
 * at the end (what Keras calls restore_best_weights).
 */
import { Tensor } from '../tensor/tensor';
import { scope } from '../tensor/memory';
import { noGrad } from '../autograd/grad-mode';
import { Generator, manualSeed } from '../ops/random';
import { cat } from '../ops/join';
import * as nn from '../nn';
import { Adam } from '../optim';
import { DataLoader, TensorDataset } from '../data';
import { buildModel, ModelSpec } from './model-spec';
import type { Frame } from './frame';
import { scoreOutputs } from './evaluate';
import type { ProgressReporter } from './progress';

export interface FitOptions {
  epochs: number;
  lr: number;
  batchSize: number;
  /** Epochs in which neither the validation metric nor the validation loss improved, before stopping. */
  patience: number;
  seed: number;
  weightDecay: number;
}

/** Prepared tensors, already on the training device. Labels are int64 classes or [n, 1] floats. */
export interface FitData {
  xTrain: Tensor;
  yTrain: Tensor;
  xVal: Tensor;
  yVal: Tensor;
}

export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  valLoss: number;
  valMetric: number;
}

export interface FitResult {
  model: nn.Sequential;
  history: EpochRecord[];
  bestEpoch: number;
  bestScore: number;
  stoppedEarly: boolean;
}

export function lossFor(frame: Frame): nn.CrossEntropyLoss | nn.MSELoss {
  return frame.task === 'classification' ? new nn.CrossEntropyLoss() : new nn.MSELoss();
}

/** The network's outputs for `x` in evaluation mode, batch by batch, without recording a graph. */
export function predictOutputs(model: nn.Sequential, x: Tensor, batchSize = 1024): Tensor {
  const wasTraining = model.training;
  model.eval();
  try {
    return noGrad(() => {
      const parts: Tensor[] = [];
      for (let start = 0; start < x.shape[0]; start += batchSize) {
        const rows = Math.min(batchSize, x.shape[0] - start);
        parts.push(model.call(x.narrow(0, start, rows)));
      }
      return parts.length === 1 ? parts[0] : cat(parts, 0);
    });
  } finally {
    model.train(wasTraining);
  }
}

/** A copy of every tensor in the state dict, detached from the live parameters. */
function snapshot(model: nn.Module): Record<string, Tensor> {
  return noGrad(() => Object.fromEntries(Object.entries(model.stateDict()).map(([k, v]) => [k, v.detach().clone()])));
}

/** Builds a fresh model from `spec` (seeded) and trains it on `data`. */
export function fit(spec: ModelSpec, frame: Frame, data: FitData, opts: FitOptions, progress: ProgressReporter): FitResult {
  manualSeed(opts.seed);
  const model = buildModel(spec).to(data.xTrain.device);
  const optimizer = new Adam(model.parameters(), { lr: opts.lr, weightDecay: opts.weightDecay });
  const criterion = lossFor(frame);
  const loader = new DataLoader(new TensorDataset(data.xTrain, data.yTrain), {
    batchSize: opts.batchSize,
    shuffle: true,
    generator: new Generator().manualSeed(opts.seed),
  });

  const history: EpochRecord[] = [];
  let best = { epoch: 0, score: -Infinity, valLoss: Infinity, state: snapshot(model) };
  // Patience counts from the last epoch that improved the metric or the loss: on a small
  // validation split the metric moves in coarse steps (one row is 3% of 30) and can peak by
  // chance while the model is still learning, which the loss shows.
  let lowestValLoss = Infinity;
  let lastProgress = 0;
  let stoppedEarly = false;
  for (let epoch = 1; epoch <= opts.epochs; epoch++) {
    model.train();
    progress.startEpoch(epoch, opts.epochs, loader.length);
    let lossSum = 0;
    let seen = 0;
    let batch = 0;
    for (const [x, y] of loader) {
      const rows = x.shape[0];
      const loss = scope(() => {
        optimizer.zeroGrad();
        const l = criterion.call(model.call(x) as Tensor, y);
        l.backward();
        optimizer.step();
        return l.item() as number;
      });
      x.dispose();
      y.dispose();
      lossSum += loss * rows;
      seen += rows;
      progress.batch(++batch, lossSum / seen);
    }
    const { valLoss, score } = scope(() => {
      const out = predictOutputs(model, data.xVal);
      return { valLoss: criterion.call(out, data.yVal).item() as number, score: scoreOutputs(frame, data.yVal, out) };
    });
    const improved = score > best.score + 1e-12 || (Math.abs(score - best.score) <= 1e-12 && valLoss < best.valLoss);
    if (improved) {
      for (const t of Object.values(best.state)) t.dispose();
      best = { epoch, score, valLoss, state: snapshot(model) };
    }
    if (improved || valLoss < lowestValLoss) lastProgress = epoch;
    lowestValLoss = Math.min(lowestValLoss, valLoss);
    const record = { epoch, trainLoss: lossSum / seen, valLoss, valMetric: score };
    history.push(record);
    progress.endEpoch({ ...record, epochs: opts.epochs, metricName: frame.metric, best: improved });
    if (epoch - lastProgress >= opts.patience) {
      stoppedEarly = epoch < opts.epochs;
      break;
    }
  }
  model.loadStateDict(best.state);
  for (const t of Object.values(best.state)) t.dispose();
  model.eval();
  return { model, history, bestEpoch: best.epoch, bestScore: best.score, stoppedEarly };
}
