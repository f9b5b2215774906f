// SPDX-License-Identifier: MIT
/** The training job's settings, with the defaults `npm start` runs on. */
import type { Task } from './model-spec';

export type DeviceChoice = 'auto' | 'cpu' | 'cuda' | `cuda:${number}`;

export interface TrainJobOptions {
  /** A CSV path or a bundled data set name (breast-cancer, digits, iris, wine). */
  data: string;
  target?: string;
  task?: Task;
  hidden: number[];
  dropout: number;
  epochs: number;
  lr: number;
  batchSize: number;
  patience: number;
  weightDecay: number;
  device: DeviceChoice;
  seed: number;
  out: string;
  tune: boolean;
  /** Skip the SVG/PNG pictures and index.html (faster; the model and predictions are still written). */
  plots: boolean;
  valFraction: number;
  testFraction: number;
}

export const TRAIN_DEFAULTS: TrainJobOptions = {
  data: 'breast-cancer',
  hidden: [64, 32],
  dropout: 0.1,
  epochs: 100,
  lr: 0.003,
  batchSize: 32,
  patience: 15,
  weightDecay: 0,
  device: 'auto',
  seed: 0,
  out: 'runs/latest',
  tune: false,
  plots: true,
  valFraction: 0.2,
  testFraction: 0.2,
};
