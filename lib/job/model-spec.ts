// SPDX-License-Identifier: MIT
/**
 * The job's model, described by a small JSON-able spec so that a saved model can be rebuilt
 * from its folder: an MLP of Linear layers with ReLU (and optional dropout) between them.
 */
import { Tensor } from '../tensor/tensor';
import * as nn from '../nn';
import { KilnError } from '../errors';

export type Task = 'classification' | 'regression';

/** Everything needed to rebuild the network before loading its weights. */
export interface ModelSpec {
  kind: 'mlp';
  inputs: number;
  hidden: number[];
  /** Number of classes for classification (logits per class), 1 for regression. */
  outputs: number;
  dropout: number;
}

export function checkHidden(hidden: number[], where: string): void {
  if (hidden.length === 0 || hidden.some((h) => !Number.isInteger(h) || h < 1))
    throw new KilnError(`${where}: hidden sizes must be positive integers, e.g. 64,32; got [${hidden.join(', ')}]`);
}

/** Linear -> ReLU (-> Dropout) for each hidden size, then a Linear to the outputs. */
export function buildModel(spec: ModelSpec): nn.Sequential {
  checkHidden(spec.hidden, 'buildModel');
  const layers: nn.Module[] = [];
  let width = spec.inputs;
  for (const h of spec.hidden) {
    layers.push(new nn.Linear(width, h), new nn.ReLU());
    if (spec.dropout > 0) layers.push(new nn.Dropout(spec.dropout));
    width = h;
  }
  layers.push(new nn.Linear(width, spec.outputs));
  return new nn.Sequential(...layers);
}

/** The network's raw output: logits for classification, the (standardized) value for regression. */
export function forward(model: nn.Sequential, x: Tensor): Tensor {
  return model.call(x) as Tensor;
}
