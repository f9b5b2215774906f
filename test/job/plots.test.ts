// SPDX-License-Identifier: MIT
// The job's charts: each builder gives an SVG with the expected titles and labels and a PNG whose
// header (signature, IHDR size) is valid and twice the SVG's size; the best epoch and the
// feature separation score checked against hand values; writeChart and the input errors.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KilnError } from '../../lib/errors';
import {
  bestEpochOf,
  Chart,
  classBalancePlot,
  confusionMatrixPlot,
  featureDistributions,
  learningCurves,
  regressionScatter,
  rocCurvePlot,
  separationScores,
  writeChart,
} from '../../lib/job/plots';
import { mulberry32, tempDir } from './helpers';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Width and height from the PNG's IHDR chunk, which must come first. */
function pngSize(png: Buffer): { width: number; height: number } {
  expect([...png.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
  expect(png.toString('latin1', 12, 16)).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

function svgSize(svg: string): { width: number; height: number } {
  const m = /^<svg[^>]*\swidth="(\d+(?:\.\d+)?)"[^>]*\sheight="(\d+(?:\.\d+)?)"/.exec(svg);
  expect(m).not.toBeNull();
  return { width: Number(m![1]), height: Number(m![2]) };
}

/** The checks every chart must pass, plus the labels it must show. */
function expectChart(chart: Chart, name: string, labels: string[]): void {
  expect(chart.name).toBe(name);
  expect(chart.svg.startsWith('<svg')).toBe(true);
  for (const label of labels) expect(chart.svg).toContain(label);
  const png = pngSize(chart.png);
  const svg = svgSize(chart.svg);
  expect(png.width).toBeGreaterThan(100);
  expect(png.height).toBeGreaterThan(100);
  // Rendered at zoom 2.
  expect(png.width).toBe(Math.round(2 * svg.width));
  expect(png.height).toBe(Math.round(2 * svg.height));
}

describe('learning curves', () => {
  // The metric peaks at epoch 3 (0.9); epoch 4 ties it with a higher validation loss.
  const history = [
    { epoch: 1, trainLoss: 1.2, valLoss: 1.3, valMetric: 0.6, metricName: 'macro_f1' },
    { epoch: 2, trainLoss: 0.8, valLoss: 0.9, valMetric: 0.8, metricName: 'macro_f1' },
    { epoch: 3, trainLoss: 0.5, valLoss: 0.7, valMetric: 0.9, metricName: 'macro_f1' },
    { epoch: 4, trainLoss: 0.4, valLoss: 0.75, valMetric: 0.9, metricName: 'macro_f1' },
    { epoch: 5, trainLoss: 0.3, valLoss: 0.8, valMetric: 0.85, metricName: 'macro_f1' },
  ];

  test('the best epoch: highest metric, then lowest validation loss, then lowest training loss', () => {
    expect(bestEpochOf(history)).toBe(3);
    const noMetric = history.map(({ epoch, trainLoss, valLoss }) => ({ epoch, trainLoss, valLoss }));
    expect(bestEpochOf(noMetric)).toBe(3); // valLoss 0.7 is the lowest
    expect(bestEpochOf(history.map(({ epoch, trainLoss }) => ({ epoch, trainLoss })))).toBe(5);
  });

  test('loss and metric panels with the best epoch named', async () => {
    const chart = await learningCurves(history);
    expectChart(chart, 'learning_curves', ['Epoch', 'Loss', 'training loss', 'validation loss', 'Validation macro F1', 'best epoch (3)']);
  });

  test('training loss alone draws one panel', async () => {
    const chart = await learningCurves([{ epoch: 1, trainLoss: 1 }, { epoch: 2, trainLoss: 0.5 }], { name: 'loss_only' });
    expectChart(chart, 'loss_only', ['training loss', 'best epoch (2)']);
    expect(chart.svg).not.toContain('validation loss');
    expect(chart.svg).not.toContain('Validation metric');
  });
});

test('ROC curves with their AUC in the legend and the chance diagonal', async () => {
  const chart = await rocCurvePlot([
    { label: 'cats', fpr: [0, 0, 0.5, 1], tpr: [0, 0.5, 1, 1], auc: 0.875 },
    { label: 'dogs', fpr: new Float64Array([0, 1]), tpr: new Float64Array([0, 1]), auc: 0.5 },
  ]);
  expectChart(chart, 'roc_curve', ['False positive rate', 'True positive rate', 'cats (AUC = 0.875)', 'dogs (AUC = 0.500)', 'chance']);
});

test('confusion matrix shows class names, axis titles and every count', async () => {
  const chart = await confusionMatrixPlot(
    [
      [17, 2, 0],
      [3, 11, 4],
      [0, 5, 23],
    ],
    ['low', 'mid', 'high & <up>'],
  );
  expectChart(chart, 'confusion_matrix', ['Predicted class', 'True class', '>low<', '>mid<', 'high &amp; &lt;up&gt;']);
  for (const count of [17, 2, 0, 3, 11, 4, 5, 23]) expect(chart.svg).toContain(`>${count}</text>`);
});

describe('feature distributions', () => {
  test('separation score by hand', () => {
    // 'shift': class 0 = 1, 2, 3 (mean 2), class 1 = 3, 4, 5 (mean 4);
    //   within-class sum of squares 2 + 2 = 4 over 6 - 2 = 4 degrees of freedom: pooled std 1, score 2/1 = 2.
    // 'flat': constant, score 0. 'split': constant within each class but the means differ: Infinity.
    const rows = [
      [1, 7, 0],
      [2, 7, 0],
      [3, 7, 0],
      [3, 7, 1],
      [4, 7, 1],
      [5, 7, 1],
    ];
    const scores = separationScores(rows, [0, 0, 0, 1, 1, 1], 2);
    expect(scores[0]).toBeCloseTo(2, 12);
    expect(scores[1]).toBe(0);
    expect(scores[2]).toBe(Infinity);
    // One class: nothing separates.
    expect(separationScores(rows, [0, 0, 0, 0, 0, 0], 1)).toEqual([0, 0, 0]);
  });

  test('the most separating features are drawn, with class names in the legend', async () => {
    const rand = mulberry32(3);
    const labels = Array.from({ length: 90 }, (_, i) => i % 3);
    // 'noise' ignores the class; 'signal' moves 3 units per class; 'weak' half a unit.
    const rows = labels.map((c) => [rand(), c * 3 + rand(), c * 0.5 + rand()]);
    const names = ['noise', 'signal', 'weak'];
    const classes = ['red', 'green', 'blue'];
    const two = await featureDistributions(rows, names, labels, classes, { maxFeatures: 2 });
    expectChart(two, 'feature_distributions', ['signal', 'weak', 'red', 'green', 'blue', 'Rows', '2 of 3 features']);
    expect(two.svg).not.toContain('>noise<');
    // Without the limit the noise feature is drawn too, last.
    const all = await featureDistributions(rows, names, labels, classes);
    expect(all.svg).toContain('>noise<');
    expect(all.svg.indexOf('>noise<')).toBeGreaterThan(all.svg.indexOf('>weak<'));
    expect(all.svg.indexOf('>weak<')).toBeGreaterThan(all.svg.indexOf('>signal<'));
  });
});

test('class balance bars with counts', async () => {
  const chart = await classBalancePlot([
    { className: 'yes', count: 40 },
    { className: 'no', count: 160 },
  ]);
  expectChart(chart, 'class_balance', ['Class balance', '>yes<', '>no<', '>40</text>', '>160</text>', 'Rows']);
});

test('regression scatter with the y = x line', async () => {
  const yTrue = [1, 2, 3, 4, 5, 6];
  const chart = await regressionScatter(yTrue, [1.2, 1.9, 3.3, 3.8, 5.1, 6.4]);
  expectChart(chart, 'regression_scatter', ['True value', 'Predicted value', 'y = x']);
});

test('writeChart writes both files', async () => {
  const dir = path.join(tempDir('plots'), 'nested');
  const chart: Chart = { name: 'tiny', svg: '<svg xmlns="http://www.w3.org/2000/svg"/>', png: Buffer.from(PNG_SIGNATURE) };
  const files = writeChart(dir, chart);
  expect(files).toEqual({ svg: path.join(dir, 'tiny.svg'), png: path.join(dir, 'tiny.png') });
  expect(fs.readFileSync(files.svg, 'utf8')).toBe(chart.svg);
  expect(fs.readFileSync(files.png).equals(chart.png)).toBe(true);
  fs.rmSync(path.dirname(dir), { recursive: true, force: true });
});

describe('bad input', () => {
  const cases: [string, () => unknown, RegExp][] = [
    ['empty history', () => learningCurves([]), /learningCurves: history is empty/],
    ['no ROC curves', () => rocCurvePlot([]), /rocCurvePlot: no curves/],
    ['ROC lengths', () => rocCurvePlot([{ label: 'a', fpr: [0, 1], tpr: [0], auc: 1 }]), /rocCurvePlot: curve 'a' has 2 fpr and 1 tpr/],
    ['matrix size', () => confusionMatrixPlot([[1, 2], [3, 4]], ['a', 'b', 'c']), /confusionMatrixPlot: matrix is 2x2 but there are 3 class names/],
    ['feature rows', () => featureDistributions([[1, 2]], ['a'], [0], ['x']), /featureDistributions: row 0 has 2 values but there are 1 feature names/],
    ['feature labels', () => featureDistributions([[1], [2]], ['a'], [0, 2], ['x', 'y']), /featureDistributions: labels\[1\] is 2/],
    ['scatter lengths', () => regressionScatter([1, 2], [1]), /regressionScatter: yTrue has 2 values and yPred has 1/],
    ['chart name', () => writeChart(os.tmpdir(), { name: '../up', svg: '', png: Buffer.alloc(0) }), /writeChart: chart name '..\/up'/],
  ];
  test.each(cases)('%s', async (_name, fn, message) => {
    const run = async () => fn();
    await expect(run()).rejects.toThrow(KilnError);
    await expect(run()).rejects.toThrow(message);
  });
});
