// SPDX-License-Identifier: MIT
/**
 * Vega-Lite specs for the training job's charts, and the small amount of data shaping they need
 * (long-format rows, histogram bins, the choice of features to show). Pure functions: rendering
 * lives in render.ts, so a spec can be inspected or reused without drawing it.
 */
import type { Config, TopLevelSpec } from 'vega-lite';
import { KilnError, ShapeError, IndexError } from '../errors';
import { CHART_FONT } from './render';

/** One epoch of training, as the fit loop records it. */
export interface EpochPoint {
  epoch: number;
  trainLoss: number;
  valLoss?: number;
  valMetric?: number;
  metricName?: string;
}

export interface RocSeries {
  label: string;
  fpr: ArrayLike<number>;
  tpr: ArrayLike<number>;
  auc: number;
}

export interface ClassCount {
  className: string;
  count: number;
}

const CONFIG: Config = {
  font: CHART_FONT,
  background: 'white',
  padding: 12,
  title: { fontSize: 14, anchor: 'start', offset: 10, subtitleFontSize: 11, subtitleColor: '#555555' },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#e6e6e6' },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 320 },
  header: { labelFontSize: 12, titleFontSize: 12 },
  view: { stroke: '#cccccc' },
};

const GREY = '#8c8c8c';
const METRIC_COLOR = '#54a24b';

function withConfig(spec: TopLevelSpec): TopLevelSpec {
  return { ...spec, config: CONFIG } as TopLevelSpec;
}

/** Smallest and largest value, by a loop: Math.min(...x) overflows the stack on large arrays. */
function extent(values: number[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

/** Spec data: Vega-Lite wants rows of plain objects. */
type Row = Record<string, number | string>;

/**
 * The epoch whose weights a fit keeps: the highest validation metric, ties going to the lower
 * validation loss; without a metric, the lowest validation loss; without either, the lowest
 * training loss.
 */
export function bestEpochOf(history: EpochPoint[]): number {
  const key = (h: EpochPoint): [number, number] =>
    h.valMetric !== undefined
      ? [h.valMetric, -(h.valLoss ?? 0)]
      : h.valLoss !== undefined
        ? [-h.valLoss, 0]
        : [-h.trainLoss, 0];
  let best = history[0];
  for (const h of history) {
    const [a, b] = key(h);
    const [bestA, bestB] = key(best);
    if (a > bestA + 1e-12 || (Math.abs(a - bestA) <= 1e-12 && b > bestB)) best = h;
  }
  return best.epoch;
}

/** Vertical dashed rule at the best epoch (the panel's subtitle names it). */
function bestEpochRule(epoch: number): object {
  return {
    data: { values: [{ epoch }] },
    mark: { type: 'rule', color: GREY, strokeDash: [5, 4] },
    encoding: { x: { field: 'epoch', type: 'quantitative' } },
  };
}

function metricTitle(name: string | undefined): string {
  if (!name) return 'Validation metric';
  return `Validation ${name.replace(/_/g, ' ').replace(/\bf1\b/g, 'F1').replace(/\br2\b/g, 'R²')}`;
}

/**
 * Loss per epoch (training and, where recorded, validation) and, where recorded, the validation
 * metric per epoch, side by side, with the best epoch marked in both panels.
 */
export function learningCurvesSpec(history: EpochPoint[], opts: { bestEpoch?: number } = {}): TopLevelSpec {
  if (history.length === 0) throw new ShapeError('learningCurves: history is empty; expected at least one epoch');
  const best = opts.bestEpoch ?? bestEpochOf(history);
  const lossRows: Row[] = [];
  for (const h of history) {
    lossRows.push({ epoch: h.epoch, value: h.trainLoss, series: 'training loss' });
    if (h.valLoss !== undefined) lossRows.push({ epoch: h.epoch, value: h.valLoss, series: 'validation loss' });
  }
  const metricRows = history.filter((h) => h.valMetric !== undefined).map((h) => ({ epoch: h.epoch, value: h.valMetric as number }));
  const showPoints = history.length <= 60;
  const x = { field: 'epoch', type: 'quantitative', title: 'Epoch', axis: { tickMinStep: 1, format: 'd' } };
  const panel = (title: string, line: object) => ({
    title: { text: title, subtitle: `dashed line: best epoch (${best})` },
    width: 320,
    height: 220,
    layer: [line, bestEpochRule(best)],
  });
  const panels: object[] = [
    panel('Loss', {
      data: { values: lossRows },
      mark: { type: 'line', point: showPoints },
      encoding: {
        x,
        y: { field: 'value', type: 'quantitative', title: 'Loss', scale: { zero: false } },
        color: { field: 'series', type: 'nominal', title: null, sort: ['training loss', 'validation loss'], legend: { orient: 'top' } },
      },
    }),
  ];
  if (metricRows.length) {
    const title = metricTitle(history.find((h) => h.metricName)?.metricName);
    panels.push(
      panel(title, {
        data: { values: metricRows },
        mark: { type: 'line', color: METRIC_COLOR, point: showPoints && { color: METRIC_COLOR } },
        encoding: { x, y: { field: 'value', type: 'quantitative', title, scale: { zero: false } } },
      }),
    );
  }
  return withConfig({ hconcat: panels, spacing: 40 } as TopLevelSpec);
}

/** ROC curves over the unit square with the chance diagonal; each legend entry carries its AUC. */
export function rocCurveSpec(curves: RocSeries[]): TopLevelSpec {
  if (curves.length === 0) throw new ShapeError('rocCurvePlot: no curves given; expected at least one');
  const rows: Row[] = [];
  const names: string[] = [];
  for (const c of curves) {
    if (c.fpr.length !== c.tpr.length || c.fpr.length === 0)
      throw new ShapeError(`rocCurvePlot: curve '${c.label}' has ${c.fpr.length} fpr and ${c.tpr.length} tpr values; expected equal, non-zero lengths`);
    const name = `${c.label} (AUC = ${c.auc.toFixed(3)})`;
    names.push(name);
    for (let i = 0; i < c.fpr.length; i++) rows.push({ fpr: c.fpr[i], tpr: c.tpr[i], curve: name, i });
  }
  const unit = { domain: [0, 1] };
  const x = { field: 'fpr', type: 'quantitative', title: 'False positive rate', scale: unit };
  const y = { field: 'tpr', type: 'quantitative', title: 'True positive rate', scale: unit };
  return withConfig({
    title: { text: 'ROC curve', subtitle: 'dashed line: chance' },
    width: 340,
    height: 340,
    layer: [
      { data: { values: [{ fpr: 0, tpr: 0 }, { fpr: 1, tpr: 1 }] }, mark: { type: 'line', color: GREY, strokeDash: [5, 4] }, encoding: { x, y } },
      {
        data: { values: rows },
        mark: { type: 'line', strokeWidth: 2 },
        encoding: {
          x,
          y,
          // Draw points in curve order: several points can share one false positive rate.
          order: { field: 'i', type: 'quantitative' },
          color: { field: 'curve', type: 'nominal', title: null, sort: names, legend: { orient: 'bottom-right', fillColor: 'white', padding: 6 } },
        },
      },
    ],
  } as TopLevelSpec);
}

/** Heatmap of counts, true class down, predicted class across, each count written in its cell. */
export function confusionMatrixSpec(matrix: number[][], classNames: string[]): TopLevelSpec {
  const k = classNames.length;
  if (matrix.length !== k || matrix.some((r) => r.length !== k))
    throw new ShapeError(
      `confusionMatrixPlot: matrix is ${matrix.length}x${matrix[0]?.length ?? 0} but there are ${k} class names; expected a ${k}x${k} matrix`,
    );
  const rows: Row[] = [];
  matrix.forEach((r, i) => r.forEach((count, j) => rows.push({ actual: classNames[i], predicted: classNames[j], count })));
  const max = Math.max(0, extent(matrix.flat())[1]);
  const step = k <= 8 ? 56 : k <= 16 ? 36 : 22;
  const axisLabel = { labelLimit: 160 };
  return withConfig({
    title: 'Confusion matrix',
    data: { values: rows },
    width: { step },
    height: { step },
    encoding: {
      x: { field: 'predicted', type: 'nominal', sort: classNames, title: 'Predicted class', axis: { ...axisLabel, labelAngle: -40, orient: 'bottom' } },
      y: { field: 'actual', type: 'nominal', sort: classNames, title: 'True class', axis: axisLabel },
    },
    layer: [
      { mark: { type: 'rect' }, encoding: { color: { field: 'count', type: 'quantitative', title: 'Rows', scale: { scheme: 'blues', domainMin: 0 } } } },
      {
        mark: { type: 'text', fontSize: k <= 8 ? 13 : 10 },
        encoding: {
          text: { field: 'count', type: 'quantitative' },
          // Light text on the dark half of the color scale keeps every count readable.
          color: { condition: { test: `datum.count > ${max / 2}`, value: 'white' }, value: 'black' },
        },
      },
    ],
  } as TopLevelSpec);
}

/** Bar per class with its count written above it; colors match the feature histograms. */
export function classBalanceSpec(counts: ClassCount[]): TopLevelSpec {
  if (counts.length === 0) throw new ShapeError('classBalancePlot: no classes given; expected at least one');
  const names = counts.map((c) => c.className);
  const x = { field: 'className', type: 'nominal', sort: names, title: 'Class', axis: { labelAngle: names.length > 6 ? -40 : 0, labelLimit: 160 } };
  return withConfig({
    title: 'Class balance',
    data: { values: counts.map((c) => ({ className: c.className, count: c.count })) },
    width: { step: Math.max(24, Math.min(70, Math.floor(420 / names.length))) },
    height: 220,
    layer: [
      { mark: { type: 'bar' }, encoding: { x, y: { field: 'count', type: 'quantitative', title: 'Rows' }, color: { field: 'className', type: 'nominal', sort: names, legend: null } } },
      { mark: { type: 'text', dy: -6, baseline: 'bottom', fontSize: 11 }, encoding: { x, y: { field: 'count', type: 'quantitative' }, text: { field: 'count', type: 'quantitative' } } },
    ],
  } as TopLevelSpec);
}

/** At most `max` items, evenly spread over the array, so huge inputs stay drawable. */
function thin<T>(items: T[], max: number): T[] {
  if (items.length <= max) return items;
  return Array.from({ length: max }, (_, i) => items[Math.floor((i * items.length) / max)]);
}

/** Predicted against true values, on equal axes, with the y = x line of perfect predictions. */
export function regressionScatterSpec(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, maxPoints = 5000): TopLevelSpec {
  if (yTrue.length !== yPred.length || yTrue.length === 0)
    throw new ShapeError(`regressionScatter: yTrue has ${yTrue.length} values and yPred has ${yPred.length}; expected equal, non-zero lengths`);
  const all = Array.from(yTrue, (t, i) => ({ actual: t, predicted: yPred[i] })).filter((p) => Number.isFinite(p.actual) && Number.isFinite(p.predicted));
  if (all.length === 0) throw new KilnError('regressionScatter: no pair of finite values to draw');
  const [lo, hi] = extent(all.flatMap((p) => [p.actual, p.predicted]));
  const pad = hi > lo ? (hi - lo) * 0.04 : 1;
  const scale = { domain: [lo - pad, hi + pad], nice: false, zero: false };
  const points = thin(all, maxPoints);
  const sampled = points.length < all.length ? ` (${points.length} of ${all.length} rows)` : '';
  return withConfig({
    title: { text: `Predicted vs true${sampled}`, subtitle: 'dashed line: perfect prediction (y = x)' },
    width: 340,
    height: 340,
    layer: [
      {
        data: { values: [{ actual: lo - pad, predicted: lo - pad }, { actual: hi + pad, predicted: hi + pad }] },
        mark: { type: 'line', color: GREY, strokeDash: [5, 4] },
        encoding: { x: { field: 'actual', type: 'quantitative', title: 'True value', scale }, y: { field: 'predicted', type: 'quantitative', title: 'Predicted value', scale } },
      },
      {
        data: { values: points },
        mark: { type: 'point', filled: true, opacity: 0.55, size: 24, color: '#4c78a8' },
        encoding: { x: { field: 'actual', type: 'quantitative', title: 'True value', scale }, y: { field: 'predicted', type: 'quantitative', title: 'Predicted value', scale } },
      },
    ],
  } as TopLevelSpec);
}

/**
 * How well each feature separates the classes: the largest gap between two class means,
 * divided by the pooled within-class standard deviation (Cohen's d for two classes, its largest
 * pairwise value for more). A constant-within-class feature scores Infinity when its class means
 * differ and 0 otherwise; with a single class every feature scores 0. Non-finite values are skipped.
 */
export function separationScores(features: number[][], labels: ArrayLike<number>, numClasses: number): number[] {
  const d = features[0]?.length ?? 0;
  const scores: number[] = [];
  for (let f = 0; f < d; f++) {
    const sum = new Array<number>(numClasses).fill(0);
    const n = new Array<number>(numClasses).fill(0);
    features.forEach((row, i) => {
      if (Number.isFinite(row[f])) {
        sum[labels[i]] += row[f];
        n[labels[i]]++;
      }
    });
    const present = n.map((c, k) => (c > 0 ? k : -1)).filter((k) => k >= 0);
    const means = sum.map((s, k) => (n[k] ? s / n[k] : 0));
    let within = 0;
    features.forEach((row, i) => {
      if (Number.isFinite(row[f])) within += (row[f] - means[labels[i]]) ** 2;
    });
    const total = n.reduce((a, b) => a + b, 0);
    const dof = total - present.length > 0 ? total - present.length : Math.max(total, 1);
    const pooledStd = Math.sqrt(within / dof);
    let gap = 0;
    for (const a of present) for (const b of present) gap = Math.max(gap, Math.abs(means[a] - means[b]));
    scores.push(gap === 0 ? 0 : pooledStd === 0 ? Infinity : gap / pooledStd);
  }
  return scores;
}

/** Bin edges for a histogram of `values`: about sqrt(n) bins, between 5 and 30. */
function binEdges(values: number[]): { lo: number; width: number; bins: number } {
  const bins = Math.min(30, Math.max(5, Math.ceil(Math.sqrt(values.length))));
  let [lo, hi] = extent(values);
  if (hi === lo) {
    lo -= 0.5;
    hi += 0.5;
  }
  return { lo, width: (hi - lo) / bins, bins };
}

export interface FeatureDistributionOptions {
  /** How many features to draw, the best separating ones first (default 12). */
  maxFeatures?: number;
}

/**
 * Histograms of the most class-separating features (separationScores, ties in column order),
 * one small panel per feature, the classes' bars overlaid with transparency, each panel with
 * its own scales. Bins are computed here so that every feature gets bins over its own range.
 */
export function featureDistributionsSpec(
  features: number[][],
  featureNames: string[],
  labels: ArrayLike<number>,
  classNames: string[],
  { maxFeatures = 12 }: FeatureDistributionOptions = {},
): TopLevelSpec {
  const fn = 'featureDistributions';
  if (features.length === 0) throw new ShapeError(`${fn}: features has no rows; expected at least one`);
  if (labels.length !== features.length)
    throw new ShapeError(`${fn}: features has ${features.length} rows but labels has ${labels.length}; expected equal lengths`);
  const ragged = features.findIndex((r) => r.length !== featureNames.length);
  if (ragged >= 0)
    throw new ShapeError(`${fn}: row ${ragged} has ${features[ragged].length} values but there are ${featureNames.length} feature names`);
  for (let i = 0; i < labels.length; i++)
    if (!Number.isInteger(labels[i]) || labels[i] < 0 || labels[i] >= classNames.length)
      throw new IndexError(`${fn}: labels[${i}] is ${labels[i]}; expected an index into the ${classNames.length} class names`);
  if (!Number.isInteger(maxFeatures) || maxFeatures < 1) throw new KilnError(`${fn}: maxFeatures is ${maxFeatures}; expected a positive integer`);

  const scores = separationScores(features, labels, classNames.length);
  const chosen = featureNames
    .map((_, f) => f)
    .sort((a, b) => scores[b] - scores[a] || a - b)
    .slice(0, maxFeatures);
  const rows: Row[] = [];
  chosen.forEach((f, rank) => {
    const values = features.map((r) => r[f]);
    const finite = values.filter(Number.isFinite);
    if (finite.length === 0) return;
    const { lo, width, bins } = binEdges(finite);
    const counts = classNames.map(() => new Array<number>(bins).fill(0));
    values.forEach((v, i) => {
      if (Number.isFinite(v)) counts[labels[i]][Math.min(bins - 1, Math.floor((v - lo) / width))]++;
    });
    counts.forEach((perBin, c) =>
      perBin.forEach((count, b) => {
        if (count > 0) rows.push({ feature: featureNames[f], rank, class: classNames[c], lo: lo + b * width, hi: lo + (b + 1) * width, count });
      }),
    );
  });
  const several = classNames.length > 1;
  const shown = chosen.length < featureNames.length ? `${chosen.length} of ${featureNames.length} features` : `${chosen.length} features`;
  return withConfig({
    title: several ? `Feature distributions by class (${shown}, most separating first)` : `Feature distributions (${shown})`,
    data: { values: rows },
    columns: Math.min(4, chosen.length),
    facet: { field: 'feature', type: 'nominal', title: null, sort: { field: 'rank', op: 'min' }, header: { labelLimit: 170 } },
    spec: {
      width: 170,
      height: 110,
      mark: { type: 'bar', opacity: several ? 0.55 : 0.85, binSpacing: 0 },
      encoding: {
        x: { field: 'lo', type: 'quantitative', bin: { binned: true }, title: null, axis: { labelFlush: true, tickCount: 4 } },
        x2: { field: 'hi' },
        y: { field: 'count', type: 'quantitative', stack: null, title: 'Rows' },
        color: { field: 'class', type: 'nominal', sort: classNames, title: 'Class', legend: several ? { orient: 'top' } : null },
      },
    },
    resolve: { scale: { x: 'independent', y: 'independent' } },
  } as TopLevelSpec);
}
