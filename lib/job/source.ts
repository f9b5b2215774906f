// SPDX-License-Identifier: MIT
/**
 * Step 2's loading half: the job's data as a numeric feature matrix and a target, from one of
 * the bundled data sets or from a user's CSV, with every problem a user can fix reported as a
 * JobInputError that says what to do.
 */
import fs from 'node:fs';
import path from 'node:path';
import { readCsv, Table, datasets, DATASET_NAMES, TARGET_COLUMN } from '../data';
import type { Task } from './model-spec';
import { JobInputError } from './job-error';

/** The bundled data sets' names as `--data` takes them (the data layer's, with '-' for '_'). */
export const BUNDLED: readonly string[] = DATASET_NAMES.map((n) => n.replace(/_/g, '-'));

export interface JobData {
  /** Where the data came from, for the log. */
  source: string;
  /** The table as loaded (features and target), for inspection. */
  table: Table;
  featureNames: string[];
  /** Rows of features, row-major. */
  features: number[][];
  target: string;
  task: Task;
  /** Class index per row (classification) or the target's value (regression). */
  y: number[];
  classNames: string[];
}

/** Integer targets with at most this many distinct values are taken as classes. */
const MAX_AUTO_CLASSES = 20;

function bundledTable(name: string): { table: Table; target: string; classNames: string[] } {
  const table = datasets.table(name);
  const { classNames, featureNames } = datasets.load(name);
  // The class names in place of their indices, as a user's CSV would hold them.
  const target = Array.from(table.numbers(TARGET_COLUMN), (c) => classNames[c]);
  const columns = [...featureNames.map((f) => [f, table.column(f)] as const), [TARGET_COLUMN, target] as const];
  return { table: new Table(columns), target: TARGET_COLUMN, classNames };
}

function loadTable(dataArg: string): { table: Table; source: string; defaultTarget?: string; classOrder?: string[] } {
  if (BUNDLED.includes(dataArg)) {
    const b = bundledTable(dataArg);
    return { table: b.table, source: `bundled data set '${dataArg}'`, defaultTarget: b.target, classOrder: b.classNames };
  }
  const file = path.resolve(dataArg);
  if (!fs.existsSync(file)) throw new JobInputError(`no such file: ${dataArg} (give a CSV file with a header row, or one of: ${BUNDLED.join(', ')})`);
  if (!fs.statSync(file).isFile()) throw new JobInputError(`${dataArg} is not a file`);
  try {
    return { table: readCsv(file, { header: true }), source: dataArg };
  } catch (e) {
    throw new JobInputError(`cannot read ${dataArg}: ${(e as Error).message}`);
  }
}

function isNumericColumn(values: ArrayLike<number> | readonly string[]): values is ArrayLike<number> {
  return values.length === 0 || typeof values[0] === 'number';
}

/** The first row (1-based CSV line, counting the header) whose value fails `bad`. */
function lineOf(values: ArrayLike<unknown>, bad: (v: unknown) => boolean): number {
  for (let i = 0; i < values.length; i++) if (bad(values[i])) return i + 2;
  return -1;
}

function decideTask(values: ArrayLike<number> | readonly string[], asked: Task | undefined): Task {
  if (asked) return asked;
  if (!isNumericColumn(values)) return 'classification';
  const distinct = new Set(Array.from(values));
  const integral = Array.from(values).every((v) => Number.isInteger(v));
  return integral && distinct.size <= MAX_AUTO_CLASSES ? 'classification' : 'regression';
}

/**
 * The rows of the named feature columns, row-major, after checking that each column holds
 * numbers and no missing values (the errors say which line, and how to fix it).
 */
export function featureRows(table: Table, featureNames: readonly string[], where = 'the CSV'): number[][] {
  const columns = featureNames.map((name) => {
    const values = table.column(name);
    if (!isNumericColumn(values)) {
      const line = lineOf(values, (v) => typeof v === 'string' && v.trim() !== '' && Number.isNaN(Number(v)));
      const example = line > 0 ? ` (e.g. '${values[line - 2]}' on line ${line})` : '';
      throw new JobInputError(
        `feature column '${name}' of ${where} is not numeric${example}; encode it as numbers (for example one column per category) or remove the column`,
      );
    }
    const missing = lineOf(values, (v) => Number.isNaN(v as number));
    if (missing > 0) throw new JobInputError(`feature column '${name}' of ${where} has a missing value on line ${missing}; fill it in or remove the row`);
    return values;
  });
  return Array.from({ length: table.rows }, (_, i) => columns.map((c) => c[i]));
}

/** Loads `dataArg` (a bundled name or a CSV path) and checks it can train a model for `target`. */
export function loadJobData(dataArg: string, opts: { target?: string; task?: Task } = {}): JobData {
  const { table, source, defaultTarget, classOrder } = loadTable(dataArg);
  const target = opts.target ?? defaultTarget;
  if (target === undefined) throw new JobInputError(`--target is required with a CSV file: name the column to predict (columns: ${table.columns.join(', ')})`);
  if (!table.columns.includes(target))
    throw new JobInputError(`the CSV has no column '${target}' to predict (columns: ${table.columns.join(', ')}); pass --target with one of them`);
  if (table.rows < 2) throw new JobInputError(`${source} has ${table.rows} data row(s); training needs more`);

  const featureNames = table.columns.filter((c) => c !== target);
  if (featureNames.length === 0) throw new JobInputError(`${source} has no feature columns besides the target '${target}'`);
  const features = featureRows(table, featureNames, source);

  const targetValues = table.column(target);
  const task = decideTask(targetValues, opts.task);
  if (task === 'regression') {
    if (!isNumericColumn(targetValues)) throw new JobInputError(`target '${target}' is not numeric, so it cannot be a regression target; use --task classification`);
    const missing = lineOf(targetValues, (v) => Number.isNaN(v as number));
    if (missing > 0) throw new JobInputError(`target '${target}' has a missing value on line ${missing}; fill it in or remove the row`);
    return { source, table, featureNames, features, target, task, y: Array.from(targetValues), classNames: [] };
  }
  const raw = Array.from(targetValues as ArrayLike<number | string>, (v) => String(v));
  const missing = raw.findIndex((v) => v === '' || v === 'NaN');
  if (missing >= 0) throw new JobInputError(`target '${target}' has a missing value on line ${missing + 2}; fill it in or remove the row`);
  const numeric = isNumericColumn(targetValues);
  const classNames = classOrder ?? [...new Set(raw)].sort((a, b) => (numeric ? Number(a) - Number(b) : a < b ? -1 : a > b ? 1 : 0));
  if (classNames.length < 2)
    throw new JobInputError(`target '${target}' has a single class ('${classNames[0]}'); a classifier needs at least two classes`);
  const index = new Map(classNames.map((c, i) => [c, i]));
  return { source, table, featureNames, features, target, task, y: raw.map((v) => index.get(v)!), classNames };
}
