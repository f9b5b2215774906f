// SPDX-License-Identifier: MIT
/**
 * Evaluation metrics over plain numbers, with scikit-learn's definitions: accuracy, confusion
 * matrix, precision/recall/F1 (binary, macro, weighted), ROC curve and ROC AUC (binary and
 * one-vs-rest), MSE, MAE and R². Inputs are arrays, typed arrays or kiln tensors (read through
 * `toArray()`); every function checks lengths and labels and names itself in its errors.
 */
import { IndexError, KilnError, ShapeError } from '../errors';

/** Numbers in a flat array, a typed array, or anything with `toArray()` (a kiln Tensor). */
export type NumericInput = ArrayLike<number> | ArrayLike<boolean> | { toArray(): unknown };

/** Rows of numbers (one row per sample), or a 2-D kiln Tensor. */
export type MatrixInput = ArrayLike<ArrayLike<number>> | { toArray(): unknown };

export type Average = 'binary' | 'macro' | 'weighted';

export interface PrecisionRecallF1Options {
  average?: Average;
  /** The class counted as positive when `average` is 'binary'. */
  positiveLabel?: number;
  /** Classes 0..numClasses-1 averaged over; by default, the labels present in yTrue or yPred. */
  numClasses?: number;
}

export interface PrecisionRecallF1 {
  precision: number;
  recall: number;
  f1: number;
}

export interface RocCurve {
  /** False positive rate at each threshold, non-decreasing from 0 to 1. */
  fpr: number[];
  /** True positive rate at each threshold, non-decreasing from 0 to 1. */
  tpr: number[];
  /** Score thresholds, decreasing; the first is +Infinity (no sample predicted positive). */
  thresholds: number[];
}

function hasToArray(x: unknown): x is { toArray(): unknown } {
  return typeof (x as { toArray?: unknown }).toArray === 'function';
}

function toNumbers(fn: string, what: string, x: NumericInput): number[] {
  const raw = hasToArray(x) ? x.toArray() : x;
  const flat = Array.isArray(raw) ? (raw as unknown[]).flat(Infinity) : Array.from(raw as ArrayLike<unknown>);
  return flat.map((v) => {
    if (typeof v === 'boolean') return v ? 1 : 0;
    if (typeof v === 'number' || typeof v === 'bigint') return Number(v);
    throw new KilnError(`${fn}: ${what} holds ${typeof v} values; expected numbers`);
  });
}

/** Both inputs as number arrays of one non-zero length. */
function pair(fn: string, names: [string, string], a: NumericInput, b: NumericInput): [number[], number[]] {
  const x = toNumbers(fn, names[0], a);
  const y = toNumbers(fn, names[1], b);
  if (x.length !== y.length)
    throw new ShapeError(`${fn}: ${names[0]} has ${x.length} values but ${names[1]} has ${y.length}; expected equal lengths`);
  if (x.length === 0) throw new ShapeError(`${fn}: ${names[0]} and ${names[1]} are empty; expected at least one value`);
  return [x, y];
}

function checkFinite(fn: string, what: string, x: number[]): void {
  const i = x.findIndex((v) => !Number.isFinite(v));
  if (i >= 0) throw new KilnError(`${fn}: ${what}[${i}] is ${x[i]}; expected finite numbers`);
}

/** Class labels must be non-negative integers (indices into the class list). */
function checkLabels(fn: string, what: string, x: number[], numClasses?: number): void {
  const limit = numClasses ?? Infinity;
  const i = x.findIndex((v) => !Number.isInteger(v) || v < 0 || v >= limit);
  if (i < 0) return;
  const expected = numClasses === undefined ? 'non-negative integer class labels' : `integer class labels in [0, ${numClasses})`;
  throw new IndexError(`${fn}: ${what}[${i}] is ${x[i]}; expected ${expected}`);
}

const safeDiv = (num: number, den: number): number => (den === 0 ? 0 : num / den);
const mean = (x: number[]): number => x.reduce((s, v) => s + v, 0) / x.length;

/** Fraction of samples whose predicted label equals the true label. */
export function accuracy(yTrue: NumericInput, yPred: NumericInput): number {
  const [t, p] = pair('accuracy', ['yTrue', 'yPred'], yTrue, yPred);
  let hits = 0;
  for (let i = 0; i < t.length; i++) if (t[i] === p[i]) hits++;
  return hits / t.length;
}

/**
 * Counts of (true class, predicted class): `m[i][j]` is the number of samples of class i
 * predicted as j, as in sklearn. `numClasses` defaults to the largest label plus one.
 */
export function confusionMatrix(yTrue: NumericInput, yPred: NumericInput, numClasses?: number): number[][] {
  const fn = 'confusionMatrix';
  const [t, p] = pair(fn, ['yTrue', 'yPred'], yTrue, yPred);
  if (numClasses !== undefined && (!Number.isInteger(numClasses) || numClasses < 1))
    throw new KilnError(`${fn}: numClasses is ${numClasses}; expected a positive integer`);
  checkLabels(fn, 'yTrue', t, numClasses);
  checkLabels(fn, 'yPred', p, numClasses);
  // A loop, not Math.max(...t): spreading a large array into arguments overflows the stack.
  const k = numClasses ?? t.reduce((m, v, i) => Math.max(m, v, p[i]), 0) + 1;
  const m = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < t.length; i++) m[t[i]][p[i]]++;
  return m;
}

/** Per-class true positives, false positives and false negatives from a confusion matrix. */
function perClassCounts(m: number[][], c: number): { tp: number; fp: number; fn: number; support: number } {
  const tp = m[c][c];
  const support = m[c].reduce((s, v) => s + v, 0);
  const predicted = m.reduce((s, row) => s + row[c], 0);
  return { tp, fp: predicted - tp, fn: support - tp, support };
}

/** sklearn's per-class scores; a zero denominator gives 0 (its zero_division default). */
function scoresOf(tp: number, fp: number, fn: number): PrecisionRecallF1 {
  // F1 as 2TP / (2TP + FP + FN): equal to 2PR / (P + R) when both are defined, and 0 otherwise.
  return { precision: safeDiv(tp, tp + fp), recall: safeDiv(tp, tp + fn), f1: safeDiv(2 * tp, 2 * tp + fp + fn) };
}

/**
 * Precision, recall and F1 as sklearn's precision_recall_fscore_support computes them.
 * 'binary' scores `positiveLabel` alone (an error when more than two labels occur); 'macro' is the
 * unweighted mean of the per-class scores; 'weighted' weights each class by its count in yTrue.
 */
export function precisionRecallF1(
  yTrue: NumericInput,
  yPred: NumericInput,
  { average = 'binary', positiveLabel = 1, numClasses }: PrecisionRecallF1Options = {},
): PrecisionRecallF1 {
  const fn = 'precisionRecallF1';
  const [t, p] = pair(fn, ['yTrue', 'yPred'], yTrue, yPred);
  checkLabels(fn, 'yTrue', t, numClasses);
  checkLabels(fn, 'yPred', p, numClasses);
  const present = [...new Set([...t, ...p])].sort((a, b) => a - b);
  if (average === 'binary') {
    if (present.length > 2)
      throw new KilnError(`${fn}: average 'binary' needs at most two labels, got ${present.length} (${present.join(', ')}); use 'macro' or 'weighted'`);
    if (present.length === 2 && !present.includes(positiveLabel))
      throw new KilnError(`${fn}: positiveLabel ${positiveLabel} is not one of the labels (${present.join(', ')})`);
    let tp = 0;
    let fp = 0;
    let fnCount = 0;
    for (let i = 0; i < t.length; i++) {
      if (p[i] === positiveLabel && t[i] === positiveLabel) tp++;
      else if (p[i] === positiveLabel) fp++;
      else if (t[i] === positiveLabel) fnCount++;
    }
    return scoresOf(tp, fp, fnCount);
  }
  if (average !== 'macro' && average !== 'weighted')
    throw new KilnError(`${fn}: average is '${String(average)}'; expected 'binary', 'macro' or 'weighted'`);
  const classes = numClasses === undefined ? present : Array.from({ length: numClasses }, (_, c) => c);
  const m = confusionMatrix(t, p, Math.max(numClasses ?? 0, present[present.length - 1] + 1));
  const perClass = classes.map((c) => {
    const { tp, fp, fn: fnCount, support } = perClassCounts(m, c);
    return { ...scoresOf(tp, fp, fnCount), weight: average === 'macro' ? 1 : support };
  });
  const total = perClass.reduce((s, c) => s + c.weight, 0);
  const avg = (key: keyof PrecisionRecallF1) => safeDiv(perClass.reduce((s, c) => s + c.weight * c[key], 0), total);
  return { precision: avg('precision'), recall: avg('recall'), f1: avg('f1') };
}

/** Binary labels (0/1 or booleans) and finite scores of one length, with both classes present. */
function binaryScores(fn: string, yTrue: NumericInput, scores: NumericInput): [number[], number[]] {
  const [t, s] = pair(fn, ['yTrue', 'scores'], yTrue, scores);
  const bad = t.findIndex((v) => v !== 0 && v !== 1);
  if (bad >= 0) throw new KilnError(`${fn}: yTrue[${bad}] is ${t[bad]}; expected binary labels 0 or 1`);
  checkFinite(fn, 'scores', s);
  const positives = t.reduce((a, v) => a + v, 0);
  if (positives === 0 || positives === t.length)
    throw new KilnError(
      `${fn}: yTrue holds a single class (${t.length} samples, all ${positives ? 1 : 0}); ` +
        `ROC needs both positive and negative samples`,
    );
  return [t, s];
}

/**
 * The ROC curve as sklearn's roc_curve(drop_intermediate=False) gives it: one point per
 * distinct score (tied scores move together, so they form a single point), preceded by (0, 0)
 * at threshold +Infinity. A sample is predicted positive when its score is >= the threshold.
 */
export function rocCurve(yTrue01: NumericInput, scores: NumericInput): RocCurve {
  return rocPoints('rocCurve', yTrue01, scores);
}

/** rocCurve's work, with the public function's name for the errors. */
function rocPoints(fn: string, yTrue01: NumericInput, scores: NumericInput): RocCurve {
  const [t, s] = binaryScores(fn, yTrue01, scores);
  const order = s.map((_, i) => i).sort((a, b) => s[b] - s[a]);
  const positives = t.reduce((a, v) => a + v, 0);
  const negatives = t.length - positives;
  const curve: RocCurve = { fpr: [0], tpr: [0], thresholds: [Infinity] };
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < order.length; k++) {
    const i = order[k];
    if (t[i] === 1) tp++;
    else fp++;
    // Emit a point only after the last sample of a run of equal scores.
    if (k + 1 < order.length && s[order[k + 1]] === s[i]) continue;
    curve.fpr.push(fp / negatives);
    curve.tpr.push(tp / positives);
    curve.thresholds.push(s[i]);
  }
  return curve;
}

/** Area under a curve by the trapezoid rule. */
function trapezoid(x: number[], y: number[]): number {
  let area = 0;
  for (let i = 1; i < x.length; i++) area += ((x[i] - x[i - 1]) * (y[i] + y[i - 1])) / 2;
  return area;
}

/**
 * Area under the binary ROC curve (trapezoids over rocCurve). It equals the probability that a
 * random positive scores above a random negative, ties counting one half (Mann-Whitney U / PN).
 */
export function rocAuc(yTrue01: NumericInput, scores: NumericInput): number {
  const { fpr, tpr } = rocPoints('rocAuc', yTrue01, scores);
  return trapezoid(fpr, tpr);
}

function toMatrix(fn: string, what: string, x: MatrixInput): number[][] {
  const raw = hasToArray(x) ? x.toArray() : x;
  const rows = Array.from(raw as ArrayLike<unknown>, (r) => (typeof r === 'number' ? [r] : Array.from(r as ArrayLike<number>, Number)));
  const width = rows.length ? rows[0].length : 0;
  const ragged = rows.findIndex((r) => r.length !== width);
  if (ragged >= 0)
    throw new ShapeError(`${fn}: ${what} row ${ragged} has ${rows[ragged].length} values but row 0 has ${width}; expected a rectangular matrix`);
  return rows;
}

/**
 * Multiclass ROC AUC, one-vs-rest, macro-averaged (sklearn's roc_auc_score with
 * multi_class='ovr', average='macro'): the mean over classes c of rocAuc(yTrue == c, probs[:, c]).
 * Every class 0..K-1, K = the number of columns of `probs`, must occur in yTrue.
 */
export function rocAucOvr(yTrue: NumericInput, probs: MatrixInput): number {
  const fn = 'rocAucOvr';
  const t = toNumbers(fn, 'yTrue', yTrue);
  const p = toMatrix(fn, 'probs', probs);
  if (t.length !== p.length)
    throw new ShapeError(`${fn}: yTrue has ${t.length} values but probs has ${p.length} rows; expected equal lengths`);
  if (t.length === 0) throw new ShapeError(`${fn}: yTrue and probs are empty; expected at least one sample`);
  const k = p[0].length;
  if (k < 2) throw new ShapeError(`${fn}: probs has ${k} column(s); expected one column per class, at least 2`);
  checkLabels(fn, 'yTrue', t, k);
  const missing = Array.from({ length: k }, (_, c) => c).filter((c) => !t.includes(c));
  if (missing.length)
    throw new KilnError(`${fn}: class(es) ${missing.join(', ')} of ${k} never occur in yTrue; one-vs-rest AUC needs every class present`);
  let sum = 0;
  for (let c = 0; c < k; c++) {
    sum += rocAuc(
      t.map((v) => (v === c ? 1 : 0)),
      p.map((row) => row[c]),
    );
  }
  return sum / k;
}

/** Finite targets and predictions of one non-zero length. */
function regressionPair(fn: string, yTrue: NumericInput, yPred: NumericInput): [number[], number[]] {
  const [t, p] = pair(fn, ['yTrue', 'yPred'], yTrue, yPred);
  checkFinite(fn, 'yTrue', t);
  checkFinite(fn, 'yPred', p);
  return [t, p];
}

/** Mean squared error. */
export function mse(yTrue: NumericInput, yPred: NumericInput): number {
  const [t, p] = regressionPair('mse', yTrue, yPred);
  return mean(t.map((v, i) => (v - p[i]) ** 2));
}

/** Mean absolute error. */
export function mae(yTrue: NumericInput, yPred: NumericInput): number {
  const [t, p] = regressionPair('mae', yTrue, yPred);
  return mean(t.map((v, i) => Math.abs(v - p[i])));
}

/**
 * Coefficient of determination, sklearn's r2_score: 1 - SS_res / SS_tot. When yTrue is constant
 * (SS_tot = 0) it is 1 for a perfect prediction and 0 otherwise, as sklearn's force_finite does.
 * Fewer than two samples is an error (sklearn returns NaN: R² is not defined there).
 */
export function r2(yTrue: NumericInput, yPred: NumericInput): number {
  const [t, p] = regressionPair('r2', yTrue, yPred);
  if (t.length < 2) throw new ShapeError(`r2: got ${t.length} sample; R² needs at least two`);
  const m = mean(t);
  const ssRes = t.reduce((s, v, i) => s + (v - p[i]) ** 2, 0);
  const ssTot = t.reduce((s, v) => s + (v - m) ** 2, 0);
  if (ssTot === 0) return ssRes === 0 ? 1 : 0;
  return 1 - ssRes / ssTot;
}
