// SPDX-License-Identifier: MIT
/**
 * Step 6, tuning: a small grid over learning rate and hidden sizes, each trial trained with
 * early stopping on the training split and scored on the validation split (the test split is
 * never looked at), so the best trial can be retrained and evaluated honestly.
 */
import type { Frame } from './frame';
import { fit, FitData, FitOptions } from './fit';
import type { ModelSpec } from './model-spec';
import { quietProgress } from './progress';

export interface Trial {
  lr: number;
  hidden: number[];
  bestEpoch: number;
  valScore: number;
  seconds: number;
}

export const DEFAULT_GRID = {
  lr: [0.001, 0.003, 0.01],
  hidden: [[32], [64, 32], [128, 64]],
};

/** Trains one model per grid point; returns the trials, best first. */
export function tune(
  baseSpec: ModelSpec,
  frame: Frame,
  data: FitData,
  opts: FitOptions,
  grid: { lr: number[]; hidden: number[][] } = DEFAULT_GRID,
  onTrial: (trial: Trial, index: number, total: number) => void = () => {},
): Trial[] {
  const trials: Trial[] = [];
  const total = grid.lr.length * grid.hidden.length;
  for (const hidden of grid.hidden) {
    for (const lr of grid.lr) {
      const started = performance.now();
      const result = fit({ ...baseSpec, hidden }, frame, data, { ...opts, lr }, quietProgress);
      const trial = { lr, hidden, bestEpoch: result.bestEpoch, valScore: result.bestScore, seconds: (performance.now() - started) / 1000 };
      trials.push(trial);
      onTrial(trial, trials.length, total);
    }
  }
  // Ties keep grid order (smaller models first), so the simpler model wins a tie.
  return trials.map((t, i) => ({ t, i })).sort((a, b) => b.t.valScore - a.t.valScore || a.i - b.i).map(({ t }) => t);
}
