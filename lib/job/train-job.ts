// SPDX-License-Identifier: MIT
/**
 * The main job: the whole workflow on one data set, each step printed as it happens with the
 * workflow's step names, and everything it produces (model, predictions, pictures, index.html)
 * written to the output folder at once when the run succeeds.
 */
import path from 'node:path';
import fs from 'node:fs';
import { stringify } from 'csv-stringify/sync';
import { Device, parseDevice } from '../tensor/device';
import { cudaIsAvailable } from '../backend/devices';
import { classBalance, describe, info, sampleRows, head } from '../data';
import { buildModel } from './model-spec';
import { describeFrame, Frame, frameClassification, frameRegression, metricLabel } from './frame';
import { loadJobData, JobData } from './source';
import { prepare, Prepared } from './prepare';
import { fit, FitOptions, FitResult, predictOutputs } from './fit';
import { tune, Trial } from './tune';
import { evaluateOutputs, Evaluation, classify } from './evaluate';
import { loadModel, predictRows, saveModel } from './saved-model';
import { progressFor } from './progress';
import { withStagedDir } from './staged-dir';
import { TrainJobOptions, TRAIN_DEFAULTS } from './options';
import { JobInputError } from './job-error';
import { ReportBuilder } from './report-builder';
import { formatRows } from './text-table';

export interface TrainJobResult {
  outDir: string;
  frame: Frame;
  device: string;
  evaluation: Evaluation;
  history: FitResult['history'];
  trials: Trial[];
  /** Test rows (indices into the data) and their predictions, as written to test_predictions.csv. */
  testRows: number[];
  testPredicted: (string | number)[];
  reloadMatches: boolean;
}

/** Where the job's lines go; the CLI passes console output, tests pass a collector. */
export interface JobLog {
  line(text?: string): void;
  stream: NodeJS.WriteStream;
}

/** 'auto' means the best device present; an explicit 'cuda' where there is none is a user error. */
export function chooseDevice(choice: TrainJobOptions['device']): Device {
  if (choice === 'auto') return parseDevice(cudaIsAvailable() ? 'cuda' : 'cpu');
  if (choice.startsWith('cuda') && !cudaIsAvailable())
    throw new JobInputError(`--device ${choice}: no CUDA device is available here (this build has no CUDA support or no GPU was found); use --device cpu`);
  try {
    return parseDevice(choice);
  } catch (e) {
    throw new JobInputError(`--device ${choice}: ${(e as Error).message}`);
  }
}

function frameOf(data: JobData): Frame {
  if (data.task === 'regression') return frameRegression(data.target);
  const counts = data.classNames.map((_, c) => data.y.filter((v) => v === c).length);
  return frameClassification(data.target, data.classNames, counts);
}

const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(4));

export async function runTrainJob(options: Partial<TrainJobOptions>, log: JobLog): Promise<TrainJobResult> {
  const opts: TrainJobOptions = { ...TRAIN_DEFAULTS, ...options };
  const step = (n: number, title: string) => log.line(`\n== ${n}. ${title} ==`);

  // Everything a user can get wrong is checked before the output folder is touched.
  const device = chooseDevice(opts.device);
  const data = loadJobData(opts.data, { target: opts.target, task: opts.task });
  const frame = frameOf(data);
  if (frame.task === 'classification') {
    const tooFew = frame.classCounts.findIndex((c) => c < 3);
    if (tooFew >= 0)
      throw new JobInputError(`class '${frame.classNames[tooFew]}' of '${data.target}' has ${frame.classCounts[tooFew]} row(s); a stratified train/validation/test split needs at least 3 per class`);
  }

  return withStagedDir(opts.out, async (dir) => {
    const report = new ReportBuilder(dir, opts.plots, `kiln: ${frame.task} of '${data.target}' (${data.source})`);

    step(1, 'Frame the problem');
    for (const l of describeFrame(frame)) log.line(l);
    log.line(`device: ${device.toString()}`);
    report.section('1. Frame the problem', describeFrame(frame).join('\n'));

    step(2, 'Get and visualize the data');
    log.line(`source: ${data.source}`);
    log.line(info(data.table).toString());
    log.line('\nfirst rows:');
    log.line(head(data.table, 5).toString());
    log.line('\nrows from the start, middle and end:');
    log.line(sampleRows(data.table, { n: 6, seed: opts.seed }).toString());
    log.line('\nper column:');
    log.line(describe(data.table.select(data.featureNames)).toString());
    if (frame.task === 'classification') {
      const balance = classBalance(data.y.map((c) => data.classNames[c]));
      log.line('\nclass balance:');
      log.line(balance.toString());
    }
    await report.dataPictures(data, frame);

    step(3, 'Prepare the data');
    const prep = prepare(data, { val: opts.valFraction, test: opts.testFraction }, opts.seed, device);
    const splitLines = splitSummary(data, frame, prep);
    for (const l of splitLines) log.line(l);
    report.section('3. Prepare the data', splitLines.join('\n'));

    step(4, 'Choose the model');
    let spec = { kind: 'mlp' as const, inputs: data.featureNames.length, hidden: opts.hidden, outputs: frame.task === 'classification' ? frame.classNames.length : 1, dropout: opts.dropout };
    const preview = buildModel(spec);
    log.line(preview.toString());
    log.line(`parameters: ${preview.numParameters()}`);
    log.line(`loss: ${frame.task === 'classification' ? 'cross-entropy' : 'mean squared error'}; optimizer: Adam (lr ${opts.lr}); batch size ${opts.batchSize}`);
    report.section('4. Choose the model', `${preview.toString()}\nparameters: ${preview.numParameters()}`);

    const fitData = { xTrain: prep.xTrain, yTrain: prep.yTrain, xVal: prep.xVal, yVal: prep.yVal };
    const fitOpts: FitOptions = { epochs: opts.epochs, lr: opts.lr, batchSize: opts.batchSize, patience: opts.patience, seed: opts.seed, weightDecay: opts.weightDecay };

    step(5, 'Train');
    const started = performance.now();
    let result = fit(spec, frame, fitData, fitOpts, progressFor(log.stream, (l) => log.line(l)));
    const seconds = (performance.now() - started) / 1000;
    log.line(
      `${result.stoppedEarly ? 'stopped early' : 'finished'} after ${result.history.length} epochs in ${seconds.toFixed(1)} s; ` +
        `best epoch ${result.bestEpoch} (val ${metricLabel(frame.metric)} ${result.bestScore.toFixed(4)}), its weights kept`,
    );
    await report.learningCurves(result, frame);

    step(6, 'Tune');
    let trials: Trial[] = [];
    if (opts.tune) {
      log.line('grid over learning rate and hidden sizes, each trial trained with early stopping and scored on the validation split:');
      trials = tune(spec, frame, fitData, fitOpts, undefined, (t, i, n) =>
        log.line(`trial ${i}/${n}: lr ${t.lr}, hidden ${t.hidden.join(',')} -> val ${metricLabel(frame.metric)} ${t.valScore.toFixed(4)} (best epoch ${t.bestEpoch}, ${t.seconds.toFixed(1)} s)`),
      );
      const columns = ['lr', 'hidden', 'best epoch', `val ${metricLabel(frame.metric)}`];
      const rows = trials.map((t) => [String(t.lr), t.hidden.join(','), String(t.bestEpoch), t.valScore.toFixed(4)]);
      log.line(`\ntrials, best first:\n${formatRows(columns, rows)}`);
      report.table('6. Tune: trials, best first', columns, rows);
      const best = trials[0];
      if (best.valScore > result.bestScore) {
        spec = { ...spec, hidden: best.hidden };
        fitOpts.lr = best.lr;
        log.line(`best: lr ${best.lr}, hidden ${best.hidden.join(',')}; retraining it`);
        result = fit(spec, frame, fitData, fitOpts, progressFor(log.stream, (l) => log.line(l)));
        log.line(`retrained: best epoch ${result.bestEpoch} (val ${metricLabel(frame.metric)} ${result.bestScore.toFixed(4)}); this is the model evaluated below`);
        await report.learningCurves(result, frame, 'learning_curves_tuned');
      } else log.line(`no trial beats the model of step 5 (val ${metricLabel(frame.metric)} ${result.bestScore.toFixed(4)}); keeping it`);
    } else log.line('skipped: pass --tune to search learning rate and hidden sizes on the validation split');

    step(7, 'Evaluate on the held-out test split');
    const outputs = predictOutputs(result.model, prep.xTest);
    const evaluation = evaluateOutputs(frame, prep.yTest, outputs, prep.targetScale);
    const metricRows = Object.entries(evaluation.metrics).map(([k, v]) => [k, v.toFixed(4)]);
    log.line(formatRows(['metric', 'test'], metricRows));
    if (evaluation.confusion) {
      log.line('\nconfusion matrix (rows: true class, columns: predicted):');
      log.line(formatRows(['', ...frame.classNames], evaluation.confusion.map((r, i) => [frame.classNames[i], ...r.map(String)])));
    }
    await report.evaluation(frame, evaluation, metricRows, prep, data, outputs);

    step(8, 'Predict');
    const testRows = prep.indices.test;
    const classified = frame.task === 'classification' ? classify(outputs) : null;
    const testPredicted = classified
      ? classified.preds.map((c) => frame.classNames[c])
      : (outputs.toArray() as number[][]).map((r) => r[0] * prep.targetScale.std + prep.targetScale.mean);
    const shown = Math.min(5, testRows.length);
    const probs = classified?.probs ?? null;
    const sample = Array.from({ length: shown }, (_, i) => {
      const truth = frame.task === 'classification' ? data.classNames[data.y[testRows[i]]] : fmt(data.y[testRows[i]]);
      const pred = testPredicted[i];
      return [String(testRows[i]), String(truth), typeof pred === 'number' ? fmt(pred) : pred, probs ? Math.max(...probs[i]).toFixed(3) : ''];
    });
    log.line(formatRows(['row', 'true', 'predicted', probs ? 'probability' : ''], sample));
    const predictionsFile = path.join(dir, 'test_predictions.csv');
    writePredictionsCsv(predictionsFile, testRows, testPredicted, probs, frame, data);
    log.line(`predictions for the ${testRows.length} test rows: ${path.join(opts.out, 'test_predictions.csv')}`);

    step(9, 'Save and reload');
    const meta = {
      format: 'kiln-mlp' as const,
      version: 1 as const,
      spec,
      task: frame.task,
      target: data.target,
      featureNames: data.featureNames,
      classNames: data.classNames,
      scaler: prep.scaler.toJSON(),
      targetScale: prep.targetScale,
    };
    saveModel(dir, { model: result.model, meta });
    const reloaded = loadModel(dir);
    const again = predictRows(reloaded, testRows.map((r) => data.features[r])).predicted;
    const reloadMatches = again.every((v, i) => (typeof v === 'number' ? Math.abs(v - (testPredicted[i] as number)) <= 1e-5 * (1 + Math.abs(v)) : v === testPredicted[i]));
    log.line(`saved ${path.join(opts.out, 'model.safetensors')} and model.json (architecture, features, classes, standardization)`);
    log.line(`reloaded into a fresh model: ${reloadMatches ? 'same predictions on all' : 'DIFFERENT predictions on some of the'} ${testRows.length} test rows`);
    if (!reloadMatches) throw new Error('the reloaded model does not reproduce the trained model\'s predictions');
    report.section('9. Save and reload', `model.safetensors + model.json; reloaded model reproduces the ${testRows.length} test predictions`);
    await report.finish();
    if (opts.plots) log.line(`\nreport: ${path.join(opts.out, 'index.html')}`);
    return { outDir: path.resolve(opts.out), frame, device: device.toString(), evaluation, history: result.history, trials, testRows, testPredicted, reloadMatches };
  });
}

function writePredictionsCsv(
  file: string,
  rows: number[],
  predicted: (string | number)[],
  probs: number[][] | null,
  frame: Frame,
  data: JobData,
): void {
  const header = ['row', 'true', 'predicted', ...(probs ? frame.classNames.map((c) => `prob_${c}`) : [])];
  const records = rows.map((r, i) => [
    r,
    frame.task === 'classification' ? data.classNames[data.y[r]] : data.y[r],
    predicted[i],
    ...(probs ? probs[i] : []),
  ]);
  fs.writeFileSync(file, stringify([header, ...records]));
}

function splitSummary(data: JobData, frame: Frame, prep: Prepared): string[] {
  const parts = Object.entries(prep.indices).map(([name, idx]) => {
    if (frame.task !== 'classification') return `${name}: ${idx.length} rows`;
    const counts = data.classNames.map((c, k) => `${c} ${idx.filter((i) => data.y[i] === k).length}`);
    return `${name}: ${idx.length} rows (${counts.join(', ')})`;
  });
  return [
    `${frame.task === 'classification' ? 'stratified ' : ''}split: ${parts.join('; ')}`,
    `standardized ${data.featureNames.length} features with mean and std fitted on the ${prep.indices.train.length} training rows only`,
    ...(frame.task === 'regression' ? [`target standardized the same way (mean ${fmt(prep.targetScale.mean)}, std ${fmt(prep.targetScale.std)})`] : []),
  ];
}
