// SPDX-License-Identifier: MIT
/**
 * Step 7, evaluation: turns the network's outputs into the task's metrics. The same code scores
 * the validation split after each epoch (one number, the framed metric) and the held-out test
 * split at the end (every metric, the confusion matrix and the ROC curve).
 */
import { Tensor } from '../tensor/tensor';
import { noGrad } from '../autograd/grad-mode';
import type { Frame } from './frame';
import {
  accuracy,
  confusionMatrix,
  mae,
  mse,
  precisionRecallF1,
  r2,
  rocAuc,
  rocAucOvr,
  rocCurve,
} from './metrics';

/** Class probabilities (softmax of the logits) and the predicted class of each row. */
export function classify(outputs: Tensor): { probs: number[][]; preds: number[] } {
  const probs = noGrad(() => outputs.softmax(1).toArray()) as number[][];
  const preds = probs.map((row) => row.indexOf(Math.max(...row)));
  return { probs, preds };
}

function labelsOf(y: Tensor): number[] {
  return (y.toArray() as number[] | number[][]).map((v) => (Array.isArray(v) ? v[0] : v));
}

export interface Evaluation {
  /** Metric name -> value, in the order they are printed. */
  metrics: Record<string, number>;
  /** The framed metric's value. */
  score: number;
  confusion?: number[][];
  roc?: { label: string; fpr: number[]; tpr: number[]; auc: number }[];
}

function classificationMetrics(frame: Frame, yTrue: number[], probs: number[][], preds: number[]): Evaluation {
  const k = frame.classNames.length;
  const binary = k === 2;
  const pos = frame.positiveLabel;
  const prf = binary
    ? precisionRecallF1(yTrue, preds, { average: 'binary', positiveLabel: pos })
    : precisionRecallF1(yTrue, preds, { average: 'macro' });
  const metrics: Record<string, number> = { accuracy: accuracy(yTrue, preds), precision: prf.precision, recall: prf.recall, f1: prf.f1 };
  const roc: Evaluation['roc'] = [];
  const present = new Set(yTrue);
  if (binary && present.size === 2) {
    const isPos = yTrue.map((c) => (c === pos ? 1 : 0));
    const scores = probs.map((p) => p[pos]);
    metrics.roc_auc = rocAuc(isPos, scores);
    const curve = rocCurve(isPos, scores);
    roc.push({ label: frame.classNames[pos], fpr: Array.from(curve.fpr), tpr: Array.from(curve.tpr), auc: metrics.roc_auc });
  } else if (!binary && present.size === k) {
    metrics.roc_auc = rocAucOvr(yTrue, probs);
    for (let c = 0; c < k; c++) {
      const isC = yTrue.map((v) => (v === c ? 1 : 0));
      const scores = probs.map((p) => p[c]);
      const curve = rocCurve(isC, scores);
      roc.push({ label: frame.classNames[c], fpr: Array.from(curve.fpr), tpr: Array.from(curve.tpr), auc: rocAuc(isC, scores) });
    }
  }
  const score = frame.metric === 'accuracy' ? metrics.accuracy : metrics.f1;
  return { metrics, score, confusion: confusionMatrix(yTrue, preds, k), roc };
}

function regressionMetrics(yTrue: number[], yPred: number[]): Evaluation {
  const metrics = { r2: r2(yTrue, yPred), mse: mse(yTrue, yPred), mae: mae(yTrue, yPred) };
  return { metrics, score: metrics.r2 };
}

/**
 * Every metric of the task. For regression, `targetScale` maps the network's standardized
 * outputs and targets back to the target's units, so MSE and MAE are in those units.
 */
export function evaluateOutputs(
  frame: Frame,
  y: Tensor,
  outputs: Tensor,
  targetScale: { mean: number; std: number } = { mean: 0, std: 1 },
): Evaluation {
  const yTrue = labelsOf(y);
  if (frame.task === 'classification') {
    const { probs, preds } = classify(outputs);
    return classificationMetrics(frame, yTrue, probs, preds);
  }
  const back = (v: number) => v * targetScale.std + targetScale.mean;
  return regressionMetrics(yTrue.map(back), labelsOf(outputs).map(back));
}

/** The framed metric only: what early stopping and tuning compare. */
export function scoreOutputs(frame: Frame, y: Tensor, outputs: Tensor): number {
  const yTrue = labelsOf(y);
  if (frame.task === 'regression') return r2(yTrue, labelsOf(outputs));
  const { preds } = classify(outputs);
  if (frame.metric === 'accuracy') return accuracy(yTrue, preds);
  const average = frame.metric === 'f1' ? 'binary' : 'macro';
  return precisionRecallF1(yTrue, preds, { average, positiveLabel: frame.positiveLabel }).f1;
}
