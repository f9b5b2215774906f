// SPDX-License-Identifier: MIT
/**
 * Step 9, the saved model: a folder with the weights as safetensors (PyTorch's key names, so the
 * file loads in PyTorch too) and model.json with what is needed to use them on new rows: the
 * architecture, the feature names, the classes and the preprocessing statistics.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Tensor } from '../tensor/tensor';
import { tensor } from '../ops/creation';
import * as nn from '../nn';
import { StandardScaler } from '../data';
import { load, save } from '../io';
import { buildModel, ModelSpec, Task } from './model-spec';
import type { TargetScale } from './prepare';
import { predictOutputs } from './fit';
import { classify } from './evaluate';
import { JobInputError } from './job-error';

export const WEIGHTS_FILE = 'model.safetensors';
export const META_FILE = 'model.json';
const FORMAT = 'kiln-mlp';

export interface ModelMeta {
  format: typeof FORMAT;
  version: 1;
  spec: ModelSpec;
  task: Task;
  target: string;
  featureNames: string[];
  classNames: string[];
  scaler: ReturnType<StandardScaler['toJSON']>;
  targetScale: TargetScale;
}

export interface SavedModel {
  model: nn.Sequential;
  meta: ModelMeta;
}

export function saveModel(dir: string, saved: SavedModel): void {
  fs.mkdirSync(dir, { recursive: true });
  save(saved.model.stateDict(), path.join(dir, WEIGHTS_FILE));
  fs.writeFileSync(path.join(dir, META_FILE), `${JSON.stringify(saved.meta, null, 2)}\n`);
}

export function loadModel(dir: string): SavedModel {
  const metaPath = path.join(dir, META_FILE);
  const weightsPath = path.join(dir, WEIGHTS_FILE);
  if (!fs.existsSync(metaPath) || !fs.existsSync(weightsPath))
    throw new JobInputError(`${dir} is not a saved kiln model: expected ${META_FILE} and ${WEIGHTS_FILE} in it (the --out folder of 'kiln train')`);
  let meta: ModelMeta;
  try {
    meta = JSON.parse(fs.readFileSync(metaPath, 'utf8')) as ModelMeta;
  } catch (e) {
    throw new JobInputError(`${metaPath} is not valid JSON: ${(e as Error).message}`);
  }
  if (meta.format !== FORMAT || meta.version !== 1) throw new JobInputError(`${metaPath}: unknown model format '${meta.format}' version ${meta.version}`);
  const model = buildModel(meta.spec);
  model.loadStateDict(load(weightsPath));
  model.eval();
  return { model, meta };
}

export interface Predictions {
  /** Predicted class names (classification) or values (regression), one per row. */
  predicted: (string | number)[];
  /** Class probabilities per row (classification only). */
  probabilities?: number[][];
}

/** Predictions for raw (unscaled) feature rows, in the order of `meta.featureNames`. */
export function predictRows(saved: SavedModel, rows: number[][]): Predictions {
  const { model, meta } = saved;
  const scaler = StandardScaler.fromJSON(meta.scaler);
  const x: Tensor = scaler.transform(tensor(rows, { dtype: 'float64' })).to('float32');
  const out = predictOutputs(model, x);
  if (meta.task === 'classification') {
    const { probs, preds } = classify(out);
    return { predicted: preds.map((c) => meta.classNames[c]), probabilities: probs };
  }
  const values = (out.toArray() as number[][]).map((r) => r[0] * meta.targetScale.std + meta.targetScale.mean);
  return { predicted: values };
}
