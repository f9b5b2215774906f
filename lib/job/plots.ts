// SPDX-License-Identifier: MIT
/**
 * The training job's charts, each rendered to SVG and PNG: learning curves, ROC curves,
 * confusion matrix, feature histograms by class, class balance and, for regression,
 * predicted against true values. Specs come from plot-specs.ts, drawing from render.ts.
 */
import {
  classBalanceSpec,
  ClassCount,
  confusionMatrixSpec,
  EpochPoint,
  FeatureDistributionOptions,
  featureDistributionsSpec,
  learningCurvesSpec,
  regressionScatterSpec,
  rocCurveSpec,
  RocSeries,
} from './plot-specs';
import { Chart, renderChart } from './render';

export { renderChart, writeChart, CHART_FONT } from './render';
export type { Chart } from './render';
export { bestEpochOf, separationScores } from './plot-specs';
export type { ClassCount, EpochPoint, FeatureDistributionOptions, RocSeries } from './plot-specs';

/** Every builder takes an optional file stem, for a job that draws a chart kind twice. */
interface Named {
  name?: string;
}

/** Loss per epoch (training, validation) and the validation metric per epoch; best epoch marked. */
export function learningCurves(history: EpochPoint[], opts: Named & { bestEpoch?: number } = {}): Promise<Chart> {
  return renderChart(opts.name ?? 'learning_curves', learningCurvesSpec(history, opts));
}

/** ROC curve(s) with the chance diagonal; the legend gives each curve's AUC. */
export function rocCurvePlot(curves: RocSeries[], opts: Named = {}): Promise<Chart> {
  return renderChart(opts.name ?? 'roc_curve', rocCurveSpec(curves));
}

/** Heatmap of `matrix[true][predicted]` with the counts written in the cells. */
export function confusionMatrixPlot(matrix: number[][], classNames: string[], opts: Named = {}): Promise<Chart> {
  return renderChart(opts.name ?? 'confusion_matrix', confusionMatrixSpec(matrix, classNames));
}

/** Per-feature histograms colored by class, for the `maxFeatures` most class-separating features. */
export function featureDistributions(
  features: number[][],
  featureNames: string[],
  labels: ArrayLike<number>,
  classNames: string[],
  opts: Named & FeatureDistributionOptions = {},
): Promise<Chart> {
  return renderChart(opts.name ?? 'feature_distributions', featureDistributionsSpec(features, featureNames, labels, classNames, opts));
}

/** Bar chart of rows per class. */
export function classBalancePlot(counts: ClassCount[], opts: Named = {}): Promise<Chart> {
  return renderChart(opts.name ?? 'class_balance', classBalanceSpec(counts));
}

/** Predicted against true values with the y = x line (regression jobs). */
export function regressionScatter(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, opts: Named & { maxPoints?: number } = {}): Promise<Chart> {
  return renderChart(opts.name ?? 'regression_scatter', regressionScatterSpec(yTrue, yPred, opts.maxPoints));
}
