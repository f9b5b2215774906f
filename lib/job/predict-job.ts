// SPDX-License-Identifier: MIT
/**
 * `kiln predict`: a saved model applied to the rows of a CSV. The CSV needs the feature columns
 * the model was trained on (any order; other columns, such as the target, are ignored).
 */
import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { readCsv } from '../data';
import { loadModel, predictRows } from './saved-model';
import { JobInputError } from './job-error';
import { featureRows } from './source';
import { atomicWriteFile } from '../io/atomic-write';

export interface PredictJobOptions {
  model: string;
  data: string;
  /** A CSV file to write; without it the predictions are printed as CSV. */
  out?: string;
}

export interface PredictJobResult {
  predicted: (string | number)[];
  probabilities?: number[][];
  classNames: string[];
}

function readFeatureRows(file: string, featureNames: string[]): number[][] {
  if (!fs.existsSync(file)) throw new JobInputError(`no such file: ${file}`);
  let table;
  try {
    table = readCsv(path.resolve(file), { header: true });
  } catch (e) {
    throw new JobInputError(`cannot read ${file}: ${(e as Error).message}`);
  }
  const missing = featureNames.filter((f) => !table.columns.includes(f));
  if (missing.length) throw new JobInputError(`${file} lacks the feature column(s) the model was trained on: ${missing.join(', ')}`);
  return featureRows(table, featureNames, file);
}

export function runPredictJob(opts: PredictJobOptions, write: (text: string) => void): PredictJobResult {
  const saved = loadModel(opts.model);
  const rows = readFeatureRows(opts.data, saved.meta.featureNames);
  const { predicted, probabilities } = predictRows(saved, rows);
  const header = ['row', 'predicted', ...(probabilities ? saved.meta.classNames.map((c) => `prob_${c}`) : [])];
  const csv = stringify([header, ...predicted.map((p, i) => [i, p, ...(probabilities ? probabilities[i] : [])])]);
  if (opts.out) {
    const target = path.resolve(opts.out);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    atomicWriteFile(target, (put) => put(Buffer.from(csv)));
    write(`wrote ${predicted.length} predictions to ${opts.out}\n`);
  } else {
    write(csv);
  }
  return { predicted, probabilities, classNames: saved.meta.classNames };
}
