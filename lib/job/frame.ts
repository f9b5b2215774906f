// SPDX-License-Identifier: MIT
/**
 * Step 1, framing the problem: the task, the target, and the metric the job optimizes and
 * stops on, with the reason for choosing it, so that a reader of the log knows why "accuracy"
 * was not good enough (or was).
 */
import type { Task } from './model-spec';
import { UNBALANCED_SHARE } from '../data';

export type MetricName = 'accuracy' | 'f1' | 'macro_f1' | 'r2';

export interface Frame {
  task: Task;
  target: string;
  /** Class names in label order (classification only). */
  classNames: string[];
  /** Rows per class, in label order (classification only). */
  classCounts: number[];
  /** For binary tasks, the label scored by precision, recall, F1 and ROC AUC: the rarer class. */
  positiveLabel: number;
  unbalanced: boolean;
  /** The validation metric that early stopping and tuning maximize. */
  metric: MetricName;
  reason: string;
}

export function frameClassification(target: string, classNames: string[], classCounts: number[]): Frame {
  const largest = Math.max(...classCounts);
  const smallest = Math.min(...classCounts);
  const total = classCounts.reduce((a, b) => a + b, 0);
  // The data layer's rule (classBalance): the smallest class under 80% of an even share.
  const unbalanced = smallest < (UNBALANCED_SHARE * total) / classCounts.length;
  const binary = classNames.length === 2;
  const positiveLabel = binary ? (classCounts[0] < classCounts[1] ? 0 : 1) : 1;
  const majority = largest / total;
  let metric: MetricName = 'accuracy';
  let reason = `the ${classNames.length} classes are about balanced (smallest ${smallest}, largest ${largest} rows), so accuracy is a fair summary`;
  if (unbalanced && binary) {
    metric = 'f1';
    reason =
      `the classes are unbalanced (${smallest} vs ${largest} rows): always answering '${classNames[1 - positiveLabel]}' ` +
      `would already score ${(100 * majority).toFixed(1)}% accuracy, so the job optimizes F1 of the rarer class ` +
      `'${classNames[positiveLabel]}' and also reports ROC AUC, which does not depend on a threshold`;
  } else if (unbalanced) {
    metric = 'macro_f1';
    reason = `the classes are unbalanced (smallest ${smallest}, largest ${largest} rows), so the job optimizes macro-averaged F1, which weighs every class equally, and also reports accuracy and ROC AUC (one-vs-rest)`;
  }
  return { task: 'classification', target, classNames, classCounts, positiveLabel, unbalanced, metric, reason };
}

export function frameRegression(target: string): Frame {
  return {
    task: 'regression',
    target,
    classNames: [],
    classCounts: [],
    positiveLabel: 1,
    unbalanced: false,
    metric: 'r2',
    reason: 'the target is continuous, so the job minimizes mean squared error and reports R^2 (the share of the variance explained), MSE and MAE',
  };
}

export function describeFrame(f: Frame): string[] {
  const lines = [`task: ${f.task}`, `target: '${f.target}'`];
  if (f.task === 'classification') {
    lines.push(`classes: ${f.classNames.map((c, i) => `${c} (${f.classCounts[i]})`).join(', ')}`);
    if (f.classNames.length === 2) lines.push(`positive class: '${f.classNames[f.positiveLabel]}' (the rarer one)`);
  }
  lines.push(`metric: ${metricLabel(f.metric)}, because ${f.reason}`);
  return lines;
}

export function metricLabel(m: MetricName): string {
  return { accuracy: 'accuracy', f1: 'F1', macro_f1: 'macro F1', r2: 'R^2' }[m];
}
