// SPDX-License-Identifier: MIT
/**
 * Step 3, preparing the data: a stratified train/validation/test split (class proportions kept
 * in each part), standardization fitted on the training rows only (so nothing about the
 * validation or test rows leaks into the model), and tensors on the training device.
 */
import { Tensor } from '../tensor/tensor';
import type { DeviceLike } from '../tensor/device';
import { tensor } from '../ops/creation';
import { StandardScaler, trainTestSplit } from '../data';
import type { JobData } from './source';

export interface SplitFractions {
  val: number;
  test: number;
}

/** Standardization statistics of a regression target, saved with the model. */
export interface TargetScale {
  mean: number;
  std: number;
}

export interface Prepared {
  indices: { train: number[]; val: number[]; test: number[] };
  scaler: StandardScaler;
  targetScale: TargetScale;
  xTrain: Tensor;
  yTrain: Tensor;
  xVal: Tensor;
  yVal: Tensor;
  xTest: Tensor;
  yTest: Tensor;
}

/** Rows `idx` of `rows`. */
function pick<T>(rows: readonly T[], idx: readonly number[]): T[] {
  return idx.map((i) => rows[i]);
}

/** Labels as the loss wants them: int64 classes, or an [n, 1] float column standardized. */
export function targetTensor(data: Pick<JobData, 'task'>, y: number[], scale: TargetScale, device: DeviceLike): Tensor {
  if (data.task === 'classification') return tensor(y, { dtype: 'int64', device });
  return tensor(
    y.map((v) => [(v - scale.mean) / scale.std]),
    { dtype: 'float32', device },
  );
}

/** The target's mean and population std, as StandardScaler fits a column; a constant target keeps scale 1. */
export function fitTargetScale(y: number[]): TargetScale {
  const scaler = new StandardScaler().fit(tensor(y.map((v) => [v]), { dtype: 'float64' }));
  return { mean: scaler.mean[0], std: scaler.std[0] || 1 };
}

export function prepare(data: JobData, fractions: SplitFractions, seed: number, device: DeviceLike): Prepared {
  const split = trainTestSplit(data.features.length, {
    testSize: fractions.test,
    valSize: fractions.val,
    stratify: data.task === 'classification' ? data.y : undefined,
    seed,
  });
  const indices = { train: split.train, val: split.val, test: split.test };
  const scaler = new StandardScaler().fit(tensor(pick(data.features, indices.train), { dtype: 'float64' }));
  const targetScale = data.task === 'regression' ? fitTargetScale(pick(data.y, indices.train)) : { mean: 0, std: 1 };
  const features = (idx: number[]) => scaler.transform(tensor(pick(data.features, idx), { dtype: 'float64' })).to({ dtype: 'float32', device });
  const target = (idx: number[]) => targetTensor(data, pick(data.y, idx), targetScale, device);
  return {
    indices,
    scaler,
    targetScale,
    xTrain: features(indices.train),
    yTrain: target(indices.train),
    xVal: features(indices.val),
    yVal: target(indices.val),
    xTest: features(indices.test),
    yTest: target(indices.test),
  };
}
